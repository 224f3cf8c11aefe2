/**
 * The checks kube-apiserver makes on a CustomResourceDefinition's schemas before it accepts the CRD,
 * ported from kubernetes/kubernetes staging/src/k8s.io/apiextensions-apiserver:
 *
 * - pkg/apis/apiextensions/validation/validation.go (validateCustomResourceDefinitionValidation,
 *   ValidateCustomResourceDefinitionOpenAPISchema): types, properties vs additionalProperties,
 *   uniqueItems, list and map types, x-kubernetes-validations (rule, message, reason, fieldPath), CEL
 *   compilation, oldSelf only where old values correlate, and the estimated cost of every rule against
 *   StaticEstimatedCostLimit and of all of them against StaticEstimatedCRDCostLimit;
 * - pkg/apiserver/schema/validation.go (ValidateStructural): every node has a type, arrays have items;
 * - pkg/apiserver/schema/defaulting/validation.go (ValidateDefaults): every `default` must be pruned
 *   already, must validate against the schema of its node, and must pass the CEL rules of its node
 *   LITERALLY: nested defaults are not applied to it first. It is checked with oldSelf = the default
 *   and again without oldSelf (CRDValidationRatcheting).
 *
 * As in the real server, default values are checked only when the schema is structural, and CEL rules
 * are compiled and costed only when the defaults are valid. Errors are Status causes whose field paths
 * are the real server's: `spec.validation.openAPIV3Schema.properties[spec].properties[egress].default`
 * when every version has the same schema (the server hoists it), else `spec.versions[i].schema...`.
 */
import { isDeepStrictEqual } from "node:util";
import { Environment, parse } from "@marcbachmann/cel-js";
import { CelLimits, costErrorMessage, estimateRuleCost, maxElements } from "./cel-cost.js";
import { evaluateRules } from "./cel.js";
import { copyJson } from "./json.js";
import type { StatusCause } from "./status.js";
import { pruneAndDefault, validateValue } from "./validation.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

const OPENAPI_V3_TYPES = ["array", "boolean", "integer", "number", "object", "string"];
const SUPPORTED_REASONS = ["FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"];
const META_FIELDS = new Set(["apiVersion", "kind", "metadata"]);

interface Rule {
  rule?: unknown;
  message?: unknown;
  messageExpression?: unknown;
  reason?: unknown;
  fieldPath?: unknown;
}

/** How Go prints a string value in a field error (%q). */
const q = (s: unknown): string => JSON.stringify(String(s));

/** Where a walk is: the schema path, how often a rule here can run, and why oldSelf may be forbidden. */
interface Ctx {
  readonly path: string;
  readonly cardinality: number;
  readonly uncorrelatable?: string;
  readonly root: boolean;
}

/** The rules' costs, to compare their total with the per-CRD budget (cel_validation.go TotalCost). */
interface CostTotal {
  total: number;
  /** validation.go suppressPerExpressionCost: an update that leaves a version's schema as it was keeps it. */
  readonly suppressPerExpression: boolean;
  readonly observed: { path: string; cost: number }[];
}

function structuralErrors(s: Obj, ctx: Ctx, what: string, out: StatusCause[]): void {
  const path = ctx.path;
  const intOrString = s["x-kubernetes-int-or-string"] === true;
  const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
  if (s.type === undefined || s.type === "") {
    if (!intOrString && !preserve)
      out.push({
        reason: "FieldValueRequired",
        field: `${path}.type`,
        message: `Required value: must not be empty ${what}`,
      });
  } else if (!OPENAPI_V3_TYPES.includes(String(s.type))) {
    out.push({
      reason: "FieldValueNotSupported",
      field: `${path}.type`,
      message: `Unsupported value: ${q(s.type)}: supported values: ${OPENAPI_V3_TYPES.map(q).join(", ")}`,
    });
  }
  if (s.type === "array" && !isObj(s.items))
    out.push({ reason: "FieldValueRequired", field: `${path}.items`, message: "Required value: must be specified" });
  if (s.uniqueItems === true)
    out.push({
      reason: "FieldValueForbidden",
      field: `${path}.uniqueItems`,
      message: "Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
    });
  if (s.additionalProperties !== undefined && isObj(s.properties) && Object.keys(s.properties).length > 0) {
    if (s.additionalProperties !== true)
      out.push({
        reason: "FieldValueForbidden",
        field: `${path}.additionalProperties`,
        message: "Forbidden: additionalProperties and properties are mutual exclusive",
      });
  }
  if (s["x-kubernetes-preserve-unknown-fields"] === false)
    out.push({
      reason: "FieldValueInvalid",
      field: `${path}.x-kubernetes-preserve-unknown-fields`,
      message: "Invalid value: false: must be true or undefined",
    });
  const listType = s["x-kubernetes-list-type"];
  if (listType !== undefined) {
    if (s.type !== "array")
      out.push({
        reason: "FieldValueInvalid",
        field: `${path}.type`,
        message: `Invalid value: ${q(s.type)}: must be array if x-kubernetes-list-type is specified`,
      });
    else if (!["atomic", "set", "map"].includes(String(listType)))
      out.push({
        reason: "FieldValueNotSupported",
        field: `${path}.x-kubernetes-list-type`,
        message: `Unsupported value: ${q(listType)}: supported values: "atomic", "set", "map"`,
      });
    const items = isObj(s.items) ? s.items : undefined;
    if (listType === "set" && items?.type === "object" && items["x-kubernetes-map-type"] !== "atomic")
      out.push({
        reason: "FieldValueInvalid",
        field: `${path}.items.x-kubernetes-map-type`,
        message: `Invalid value: "null": must be atomic as item of a list with x-kubernetes-list-type=set`,
      });
    if (listType === "map") {
      const keys = Array.isArray(s["x-kubernetes-list-map-keys"]) ? (s["x-kubernetes-list-map-keys"] as string[]) : [];
      if (keys.length === 0)
        out.push({
          reason: "FieldValueRequired",
          field: `${path}.x-kubernetes-list-map-keys`,
          message: "Required value: must not be empty if x-kubernetes-list-type is map",
        });
      if (items && items.type !== "object")
        out.push({
          reason: "FieldValueInvalid",
          field: `${path}.items.type`,
          message: `Invalid value: ${q(items.type)}: must be object if parent array's x-kubernetes-list-type is map`,
        });
      const props = isObj(items?.properties) ? (items.properties as Record<string, Obj>) : {};
      const required = Array.isArray(items?.required) ? (items.required as string[]) : [];
      for (const k of keys) {
        const p = props[k];
        if (!p)
          out.push({
            reason: "FieldValueInvalid",
            field: `${path}.x-kubernetes-list-map-keys`,
            message: `Invalid value: ${JSON.stringify(keys)}: entries must all be names of item properties`,
          });
        else if (!required.includes(k) && p.default === undefined)
          out.push({
            reason: "FieldValueRequired",
            field: `${path}.items.properties[${k}]`,
            message:
              "Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property",
          });
      }
    }
  } else if (s["x-kubernetes-list-map-keys"] !== undefined) {
    out.push({
      reason: "FieldValueRequired",
      field: `${path}.x-kubernetes-list-type`,
      message: "Required value: must be map if x-kubernetes-list-map-keys is non-empty",
    });
  }
  const mapType = s["x-kubernetes-map-type"];
  if (mapType !== undefined && mapType !== "atomic" && mapType !== "granular")
    out.push({
      reason: "FieldValueNotSupported",
      field: `${path}.x-kubernetes-map-type`,
      message: `Unsupported value: ${q(mapType)}: supported values: "atomic", "granular"`,
    });
}

/** Walk every schema node (properties, additionalProperties, items) with its context. */
function walk(s: Obj, ctx: Ctx, visit: (s: Obj, ctx: Ctx, what: string) => void, what = "at the root"): void {
  visit(s, ctx, what);
  const correlatable = s["x-kubernetes-map-type"] !== "atomic";
  if (isObj(s.properties)) {
    for (const [k, sub] of Object.entries(s.properties as Record<string, unknown>)) {
      if (!isObj(sub)) continue;
      walk(
        sub,
        {
          path: `${ctx.path}.properties[${k}]`,
          cardinality: ctx.cardinality,
          root: false,
          ...(ctx.uncorrelatable || !correlatable ? { uncorrelatable: ctx.uncorrelatable ?? ctx.path } : {}),
        },
        visit,
        "for specified object fields",
      );
    }
  }
  if (isObj(s.additionalProperties)) {
    walk(
      s.additionalProperties,
      {
        path: `${ctx.path}.additionalProperties`,
        cardinality: ctx.cardinality * maxElements(s),
        root: false,
        ...(ctx.uncorrelatable || !correlatable ? { uncorrelatable: ctx.uncorrelatable ?? ctx.path } : {}),
      },
      visit,
      "for specified additionalProperties",
    );
  }
  if (isObj(s.items)) {
    // only list-type=map items correlate old and new values (validation.go withForbidOldSelfValidations)
    const mapList = s["x-kubernetes-list-type"] === "map";
    walk(
      s.items,
      {
        path: `${ctx.path}.items`,
        cardinality: ctx.cardinality * maxElements(s),
        root: false,
        ...(ctx.uncorrelatable || !mapList ? { uncorrelatable: ctx.uncorrelatable ?? ctx.path } : {}),
      },
      visit,
      "for specified array items",
    );
  }
}

/** validation.go pathValid / cel.ValidFieldPath: `.a.b`, `['a.b']` through properties and maps. */
function fieldPathValid(schema: Obj, fieldPath: string): boolean {
  const tokens = fieldPath.match(/\.[^.[\]]+|\['(?:[^'\\]|\\.)*'\]/g);
  if (!tokens || tokens.join("") !== fieldPath) return false;
  let s: Obj | undefined = schema;
  for (const t of tokens) {
    const name = t.startsWith(".") ? t.slice(1) : t.slice(2, -2).replace(/\\(.)/g, "$1");
    if (!s) return false;
    if (isObj(s.properties)) s = (s.properties as Record<string, Obj>)[name];
    else if (isObj(s.additionalProperties)) s = s.additionalProperties;
    else return false;
  }
  return s !== undefined;
}

/** A cel-js type-checking schema for a node: objects by their properties, everything else as dyn. */
function celSchema(s: Obj): unknown {
  if (s.type === "object" && isObj(s.properties) && s["x-kubernetes-preserve-unknown-fields"] !== true) {
    const out: Obj = {};
    for (const [k, v] of Object.entries(s.properties as Record<string, Obj>)) out[k] = celSchema(v);
    return out;
  }
  switch (s.type) {
    case "string":
      return "string";
    case "boolean":
      return "bool";
    case "integer":
      return "int";
    case "number":
      return "double";
    case "array":
      return "list<dyn>";
    case "object":
      return "map<string, dyn>";
    default:
      return "dyn";
  }
}

/** The compile error of a rule or messageExpression on a node, in cel-go's words, or undefined. */
function compileError(expr: string, s: Obj): string | undefined {
  try {
    parse(expr);
  } catch (e) {
    const m = e instanceof Error ? e.message.split("\n")[0] : String(e);
    const pos = (e as { node?: { pos?: number } }).node?.pos ?? 0;
    return `compilation failed: ERROR: <input>:1:${pos + 1}: Syntax error: ${m}`;
  }
  const schema = celSchema(s);
  if (typeof schema !== "object") return undefined;
  const env = new Environment({ unlistedVariablesAreDyn: true })
    .registerVariable({ name: "self", schema: schema as never })
    .registerVariable({ name: "oldSelf", schema: schema as never });
  const checked = env.check(expr);
  // only undefined fields are reported: cel-js's checker is stricter than cel-go's elsewhere (object equality)
  const missing = /^No such key: (.+)$/.exec(checked.error?.message.split("\n")[0] ?? "");
  if (!checked.valid && missing) {
    const pos = (checked.error as { node?: { pos?: number } } | undefined)?.node?.pos ?? 0;
    return `compilation failed: ERROR: <input>:1:${pos + 1}: undefined field '${missing[1]}'`;
  }
  return undefined;
}

function ruleErrors(s: Obj, ctx: Ctx, out: StatusCause[], costs: CostTotal): void {
  const rules = Array.isArray(s["x-kubernetes-validations"]) ? (s["x-kubernetes-validations"] as Rule[]) : [];
  rules.forEach((r, i) => {
    const at = `${ctx.path}.x-kubernetes-validations[${i}]`;
    const rule = typeof r.rule === "string" ? r.rule.trim() : "";
    const message = typeof r.message === "string" ? r.message : undefined;
    if (!rule) {
      out.push({ reason: "FieldValueRequired", field: `${at}.rule`, message: "Required value: rule is not specified" });
      return;
    }
    if (message !== undefined && message.length > 0 && !message.trim())
      out.push({
        reason: "FieldValueInvalid",
        field: `${at}.message`,
        message: `Invalid value: ${q(message)}: message must be non-empty if specified`,
      });
    else if (message && /[\n\r]/.test(message.trim()))
      out.push({
        reason: "FieldValueInvalid",
        field: `${at}.message`,
        message: `Invalid value: ${q(message)}: message must not contain line breaks`,
      });
    else if (/[\n\r]/.test(rule) && !message?.trim())
      out.push({
        reason: "FieldValueRequired",
        field: `${at}.message`,
        message: "Required value: message must be specified if rule contains line breaks",
      });
    if (r.reason !== undefined && !SUPPORTED_REASONS.includes(String(r.reason)))
      out.push({
        reason: "FieldValueNotSupported",
        field: `${at}.reason`,
        message: `Unsupported value: ${q(r.reason)}: supported values: ${SUPPORTED_REASONS.map(q).join(", ")}`,
      });
    if (typeof r.fieldPath === "string" && r.fieldPath.length > 0 && !fieldPathValid(s, r.fieldPath.trim()))
      out.push({
        reason: "FieldValueInvalid",
        field: `${at}.fieldPath`,
        message: `Invalid value: ${q(r.fieldPath)}: fieldPath must be a valid path`,
      });

    const err = compileError(rule, s);
    if (err) {
      out.push({ reason: "FieldValueInvalid", field: `${at}.rule`, message: `Invalid value: ${q(rule)}: ${err}` });
      return;
    }
    const cost = estimateRuleCost(rule, s) * ctx.cardinality;
    if (cost > CelLimits.StaticEstimatedCostLimit && !costs.suppressPerExpression)
      out.push({
        reason: "FieldValueForbidden",
        field: `${at}.rule`,
        message: `Forbidden: ${costErrorMessage("estimated rule cost", cost, CelLimits.StaticEstimatedCostLimit)}`,
      });
    costs.total += cost;
    costs.observed.push({ path: `${at}.rule`, cost });
    if (/\boldSelf\b/.test(rule) && ctx.uncorrelatable !== undefined)
      out.push({
        reason: "FieldValueInvalid",
        field: `${at}.rule`,
        message: `Invalid value: ${q(rule)}: oldSelf cannot be used on the uncorrelatable portion of the schema within ${ctx.uncorrelatable}`,
      });
    if (typeof r.messageExpression === "string" && r.messageExpression.trim()) {
      const me = r.messageExpression.trim();
      const meErr = compileError(me, s);
      if (meErr) {
        out.push({
          reason: "FieldValueInvalid",
          field: `${at}.messageExpression`,
          message: `Invalid value: ${q(me)}: messageExpression ${meErr}`,
        });
        return;
      }
      const meCost = estimateRuleCost(me, s) * ctx.cardinality;
      if (meCost > CelLimits.StaticEstimatedCostLimit && !costs.suppressPerExpression)
        out.push({
          reason: "FieldValueForbidden",
          field: `${at}.messageExpression`,
          message: `Forbidden: ${costErrorMessage("estimated messageExpression cost", meCost, CelLimits.StaticEstimatedCostLimit)}`,
        });
      costs.total += meCost;
      costs.observed.push({ path: `${at}.messageExpression`, cost: meCost });
    }
  });
}

/** defaulting/validation.go: a default is pruned, valid against its node's schema, and passes its node's rules as written. */
function defaultErrors(s: Obj, ctx: Ctx, out: StatusCause[]): void {
  if (s.default === undefined || ctx.root) return;
  const at = `${ctx.path}.default`;
  const value = s.default;
  const pruned = copyJson(value);
  const holder = { v: pruned };
  pruneAndDefaultOnly(s, holder);
  if (!isDeepStrictEqual(holder.v, value)) {
    out.push({
      reason: "FieldValueInvalid",
      field: at,
      message: `Invalid value: ${JSON.stringify(value)}: must not have unknown fields`,
    });
    return;
  }
  const schemaCauses = validateValue(s, value, at);
  if (schemaCauses.length) {
    out.push(...schemaCauses);
    return;
  }
  const seen = new Set<string>();
  for (const c of [
    ...evaluateRules(s, copyJson(value), copyJson(value), at),
    ...evaluateRules(s, copyJson(value), undefined, at),
  ]) {
    const id = `${c.field}|${c.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(c);
    }
  }
}

/** Pruning without defaulting (pruning.Prune): unknown fields removed, nothing added. */
function pruneAndDefaultOnly(s: Obj, holder: { v: unknown }): void {
  const withoutDefaults = stripDefaults(s);
  pruneAndDefault({ type: "object", properties: { v: withoutDefaults } }, holder);
}
function stripDefaults(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(stripDefaults);
  if (!isObj(s)) return s;
  const out: Obj = {};
  for (const [k, v] of Object.entries(s)) if (k !== "default") out[k] = k === "enum" ? v : stripDefaults(v);
  return out;
}

/**
 * Every reason kube-apiserver would refuse the schemas of `crd` (an apiextensions.k8s.io/v1
 * CustomResourceDefinition as JSON), as Status causes. Empty when the schemas would be accepted.
 */
export function crdSchemaErrors(crd: unknown, old?: unknown): StatusCause[] {
  const spec = isObj(crd) && isObj(crd.spec) ? crd.spec : {};
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObj) : [];
  const schemas = versions.map((v) =>
    isObj(v.schema) && isObj(v.schema.openAPIV3Schema) ? v.schema.openAPIV3Schema : undefined,
  );
  // apiextensions v1 → internal conversion hoists identical per-version schemas to spec.validation
  const hoisted = schemas.length > 0 && schemas.every((s) => s !== undefined && isDeepStrictEqual(s, schemas[0]));
  const out: StatusCause[] = [];
  const targets = hoisted
    ? [{ schema: schemas[0] as Obj, path: "spec.validation.openAPIV3Schema" }]
    : schemas.flatMap((s, i) => (s ? [{ schema: s, path: `spec.versions[${i}].schema.openAPIV3Schema` }] : []));
  const oldSchemas = new Set(
    (isObj(old) && isObj(old.spec) && Array.isArray(old.spec.versions) ? old.spec.versions.filter(isObj) : []).map(
      (v) => JSON.stringify(isObj(v.schema) ? v.schema.openAPIV3Schema : undefined),
    ),
  );
  for (const { schema, path } of targets)
    out.push(...schemaErrors(schema, path, oldSchemas.has(JSON.stringify(schema))));
  return out;
}

/** The errors of one openAPIV3Schema at `path`, in the real server's order: structure, then defaults, then CEL. */
export function schemaErrors(schema: Obj, path: string, unchanged = false): StatusCause[] {
  const root: Ctx = { path, cardinality: 1, root: true };
  const structural: StatusCause[] = [];
  if (schema.nullable === true)
    structural.push({
      reason: "FieldValueForbidden",
      field: `${path}.nullable`,
      message: "Forbidden: nullable cannot be true at the root",
    });
  walk(schema, root, (s, ctx, what) => {
    // metadata/apiVersion/kind at the root are the server's; their schemas are not walked for rules
    structuralErrors(s, ctx, what, structural);
  });
  if (structural.length) return structural;
  const defaults: StatusCause[] = [];
  walkOutsideMeta(schema, root, (s, ctx) => defaultErrors(s, ctx, defaults));
  if (defaults.length) return defaults;
  const cel: StatusCause[] = [];
  const costs: CostTotal = { total: 0, observed: [], suppressPerExpression: unchanged };
  walkOutsideMeta(schema, root, (s, ctx) => ruleErrors(s, ctx, cel, costs));
  if (costs.total > CelLimits.StaticEstimatedCRDCostLimit) {
    // cel_validation.go TotalCost keeps the most expensive expressions (4) to blame
    for (const e of [...costs.observed].sort((a, b) => b.cost - a.cost).slice(0, 4))
      cel.push({
        reason: "FieldValueForbidden",
        field: e.path,
        message: "Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema",
      });
    cel.push({
      reason: "FieldValueForbidden",
      field: path,
      message: `Forbidden: ${costErrorMessage(
        "x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema",
        costs.total,
        CelLimits.StaticEstimatedCRDCostLimit,
      )}`,
    });
  }
  return cel;
}

function walkOutsideMeta(schema: Obj, root: Ctx, visit: (s: Obj, ctx: Ctx) => void): void {
  const meta = [...META_FIELDS].map((f) => `${root.path}.properties[${f}]`);
  walk(schema, root, (s, ctx) => {
    if (meta.some((m) => ctx.path === m || ctx.path.startsWith(`${m}.`))) return;
    visit(s, ctx);
  });
}
