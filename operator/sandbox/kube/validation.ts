/**
 * Custom resource admission against the CRD's openAPIV3Schema, in the real server's order:
 * prune unknown fields, apply structural defaults, validate the schema (ajv), then evaluate the
 * x-kubernetes-validations CEL rules. Errors come back as Status causes with the real wording
 * (`spec.vpcId: Invalid value: "vpc-x": spec.vpcId in body should match '^vpc-'`).
 * Not validated: `format` (the real server checks a few formats; this sandbox does not).
 */
import { copyJson } from "./json.js";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { evaluateRules } from "./cel.js";
import type { StatusCause } from "./status.js";

type Obj = Record<string, unknown>;
type Schema = Obj;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
ajv.addKeyword({
  keyword: "x-kubernetes-int-or-string",
  schemaType: "boolean",
  validate: (on: boolean, data: unknown) => !on || typeof data === "string" || Number.isInteger(data),
  errors: false,
});
for (const k of [
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-validations",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type",
  "x-kubernetes-embedded-resource",
]) {
  ajv.addKeyword({ keyword: k });
}

/** A copy of an OpenAPI v3 schema that ajv accepts (`nullable` without `type` dropped). */
function forAjv(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(forAjv);
  if (!isObj(s)) return s;
  const out: Obj = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "nullable" && s.type === undefined) continue;
    if (k === "default" || k === "example") out[k] = v;
    else out[k] = forAjv(v);
  }
  return out;
}

const compiled = new WeakMap<Schema, ValidateFunction>();
function validatorFor(schema: Schema): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(forAjv(schema) as Obj);
    compiled.set(schema, v);
  }
  return v;
}

const clone = copyJson;

/**
 * Prune fields the schema does not declare and apply defaults, in place, below `value`; the paths of
 * pruned fields ("spec.bogus", "spec.items[0].junk") are pushed to `pruned`. At the root,
 * apiVersion/kind/metadata are always kept.
 */
export function pruneAndDefault(schema: Schema, value: unknown, root = false, pruned: string[] = [], path = ""): void {
  if (Array.isArray(value)) {
    if (isObj(schema.items))
      value.forEach((item, i) => pruneAndDefault(schema.items as Schema, item, false, pruned, `${path}[${i}]`));
    return;
  }
  if (!isObj(value)) return;
  const props = isObj(schema.properties) ? (schema.properties as Record<string, Schema>) : undefined;
  const additional = schema.additionalProperties;
  const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
  for (const [name, ps] of Object.entries(props ?? {})) {
    if (value[name] === undefined && isObj(ps) && ps.default !== undefined) value[name] = clone(ps.default);
  }
  for (const key of Object.keys(value)) {
    if (root && (key === "apiVersion" || key === "kind" || key === "metadata")) continue;
    const ps = props?.[key];
    const child = path ? `${path}.${key}` : key;
    if (ps) pruneAndDefault(ps, value[key], false, pruned, child);
    else if (isObj(additional)) pruneAndDefault(additional, value[key], false, pruned, child);
    else if (!preserve && additional !== true) {
      delete value[key];
      pruned.push(child);
    }
  }
}

/** `/spec/subnets/0` → `spec.subnets[0]`. */
export function fieldPath(pointer: string): string {
  let out = "";
  for (const seg of pointer.split("/").slice(1)) {
    const s = seg.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(s) ? `[${s}]` : out ? `.${s}` : s;
  }
  return out;
}

/** How the real server prints a bad value: strings quoted, numbers and booleans bare. */
function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v === null) return "null";
  return Array.isArray(v) ? `"array"` : `"object"`;
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur = root;
  for (const seg of pointer.split("/").slice(1)) cur = isObj(cur) || Array.isArray(cur) ? (cur as Obj)[seg] : undefined;
  return cur;
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function causeOf(e: ErrorObject, root: unknown): StatusCause | undefined {
  const field = fieldPath(e.instancePath);
  const v = valueAt(root, e.instancePath);
  const p = e.params as Record<string, unknown>;
  const inv = (msg: string): StatusCause => ({
    reason: "FieldValueInvalid",
    field,
    message: `Invalid value: ${show(v)}: ${field} in body ${msg}`,
  });
  switch (e.keyword) {
    case "required": {
      const f = field ? `${field}.${String(p.missingProperty)}` : String(p.missingProperty);
      return { reason: "FieldValueRequired", field: f, message: "Required value" };
    }
    case "enum": {
      const allowed = (p.allowedValues as unknown[]).map((a) => JSON.stringify(a)).join(", ");
      return {
        reason: "FieldValueNotSupported",
        field,
        message: `Unsupported value: ${show(v)}: supported values: ${allowed}`,
      };
    }
    case "type":
      return {
        reason: "FieldValueInvalid",
        field,
        message: `Invalid value: "${typeName(v)}": ${field} in body must be of type ${String(p.type)}: "${typeName(v)}"`,
      };
    case "pattern":
      return inv(`should match '${String(p.pattern)}'`);
    case "minLength":
      return inv(`should be at least ${String(p.limit)} chars long`);
    case "maxLength":
      return { reason: "FieldValueTooLong", field, message: `Too long: may not be longer than ${String(p.limit)}` };
    case "minimum":
    case "exclusiveMinimum":
      return inv(`should be greater than ${e.keyword === "minimum" ? "or equal to " : ""}${String(p.limit)}`);
    case "maximum":
    case "exclusiveMaximum":
      return inv(`should be less than ${e.keyword === "maximum" ? "or equal to " : ""}${String(p.limit)}`);
    case "minItems":
      return inv(`should have at least ${String(p.limit)} items`);
    case "maxItems":
      return {
        reason: "FieldValueTooMany",
        field,
        message: `Too many: ${Array.isArray(v) ? v.length : 0}: must have at most ${String(p.limit)} items`,
      };
    case "uniqueItems":
      return {
        reason: "FieldValueDuplicate",
        field,
        message: `Duplicate value: ${show(Array.isArray(v) ? v[Number(p.j)] : v)}`,
      };
    case "x-kubernetes-int-or-string":
      return {
        reason: "FieldValueInvalid",
        field,
        message: `Invalid value: "${typeName(v)}": ${field} in body must be of type integer or string: "${typeName(v)}"`,
      };
    case "anyOf":
    case "oneOf":
    case "if":
      return undefined; // the branch errors say more; the real server reports those too
    default:
      return inv(String(e.message ?? e.keyword));
  }
}

/**
 * Prune, default and validate `object` (in place) against `schema`; `old` is the stored object on
 * update (for CEL transition rules); pruned field paths go to `pruned`. Returns the causes of failure,
 * empty when valid.
 */
export function admit(schema: Schema, object: Obj, old?: Obj, pruned: string[] = []): StatusCause[] {
  pruneAndDefault(schema, object, true, pruned);
  // the schema never constrains server-owned metadata; validate a view without it
  const view: Obj = { ...object, metadata: {} };
  const v = validatorFor(schema);
  const causes: StatusCause[] = [];
  if (!v(view)) {
    const seen = new Set<string>();
    for (const e of v.errors ?? []) {
      const c = causeOf(e, view);
      const id = c ? `${c.field}|${c.message}` : "";
      if (c && !seen.has(id) && !(e.instancePath === "/metadata")) {
        seen.add(id);
        causes.push(c);
      }
    }
  }
  if (causes.length === 0) causes.push(...evaluateRules(schema, object, old));
  return causes;
}

/**
 * Validate `value` against `schema` alone (no pruning, no defaulting, no CEL), with the causes' fields
 * under `basePath` (`spec.validation.openAPIV3Schema.properties[spec].default`). kube-apiserver checks
 * a schema's `default` values this way (ValidateCustomResource in defaulting/validation.go).
 */
export function validateValue(schema: Schema, value: unknown, basePath: string): StatusCause[] {
  const v = ajv.compile(forAjv(schema) as Obj);
  if (v(value)) return [];
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  for (const e of v.errors ?? []) {
    const c = causeOf(e, value);
    if (!c) continue;
    const sub = c.field;
    const field = sub ? `${basePath}.${sub}`.replace(/\.\[/g, "[") : basePath;
    const message = c.message.replaceAll(` ${sub} in body`, ` ${field} in body`);
    const id = `${field}|${message}`;
    if (!seen.has(id)) {
      seen.add(id);
      causes.push({ ...c, field, message });
    }
  }
  return causes;
}
