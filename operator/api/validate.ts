/**
 * Runtime validation of ecsnet specs, equal to what the API server enforces with the generated CRD:
 * 1. defaults are applied exactly like the API server does (a missing property with a `default` gets it,
 *    then its own children are defaulted);
 * 2. the structural schema (the CRD's openAPIV3Schema for `spec`) is checked with ajv, plus `kubectl
 *    --validate=strict`'s refusal of unknown fields;
 * 3. the same CEL `x-kubernetes-validations` rules are evaluated with @marcbachmann/cel-js (transition
 *    rules, those naming `oldSelf`, only when the previous spec is given).
 * This matters for `ecsnet plan -f` / `apply -f`, where no API server stands in front of the file.
 *
 * Schemas are compiled once per kind and cached. Nothing here does I/O.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { parse } from "@marcbachmann/cel-js";
import type { TSchema } from "@sinclair/typebox";
import { structuralSchema, type JsonSchema } from "./crd.js";
import { API_VERSION } from "./group.js";
import type { CelRule } from "./schema-helpers.js";
import { PrivateEcsNetworkSpecSchema, type PrivateEcsNetworkSpec } from "./private-ecs-network.js";
// A module cycle (ecr-access.ts compiles its validator with compileSpecValidator below); safe because
// both sides use each other only inside functions, never while the modules are being evaluated.
import { validateEcrAccessSpec, type EcrAccessSpec } from "./ecr-access.js";
import { cmp } from "../core/order.js";

/** One problem with a spec: where (`spec.egress.natGateway`) and what, as a human sentence. */
export interface SpecError {
  readonly path: string;
  readonly message: string;
}

/** The outcome of validation: the defaulted spec, or every problem found. */
export type SpecResult<T> =
  { readonly ok: true; readonly spec: T } | { readonly ok: false; readonly errors: SpecError[] };

/** Options of a validation. */
export interface ValidateOptions {
  /** The previous spec (an update): enables transition rules such as "vpcId is immutable". */
  readonly old?: unknown;
}

/** A compiled validator for one kind's spec. */
export type SpecValidator<T> = (spec: unknown, opts?: ValidateOptions) => SpecResult<T>;

type CelProgram = ReturnType<typeof parse>;
const celCache = new Map<string, CelProgram>();
const program = (rule: string): CelProgram => {
  let p = celCache.get(rule);
  if (!p) {
    p = parse(rule);
    celCache.set(rule, p);
  }
  return p;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A deep copy of JSON data made of this realm's plain objects and arrays (the CEL evaluator needs plain ones). */
const cloneJson = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(cloneJson);
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneJson(x)]));
  return v;
};

/** Applies `default`s the way the API server does. Mutates `value` (callers pass a clone). */
function applyDefaults(schema: JsonSchema, value: unknown): unknown {
  if (Array.isArray(value) && schema["items"]) {
    return value.map((v) => applyDefaults(schema["items"] as JsonSchema, v));
  }
  if (!isObject(value)) return value;
  const props = schema["properties"] as Record<string, JsonSchema> | undefined;
  if (props) {
    for (const [name, sub] of Object.entries(props)) {
      if (value[name] === undefined && sub["default"] !== undefined) value[name] = cloneJson(sub["default"]);
      if (value[name] !== undefined) value[name] = applyDefaults(sub, value[name]);
    }
  } else if (isObject(schema["additionalProperties"])) {
    for (const k of Object.keys(value)) value[k] = applyDefaults(schema["additionalProperties"], value[k]);
  }
  return value;
}

/** The ajv variant of a structural schema: unknown fields refused, list-type set means unique items. */
function strictVariant(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema };
  if (out["properties"]) {
    const props: Record<string, JsonSchema> = {};
    for (const [k, v] of Object.entries(out["properties"] as Record<string, JsonSchema>)) props[k] = strictVariant(v);
    out["properties"] = props;
    if (out["additionalProperties"] === undefined) out["additionalProperties"] = false;
  }
  if (isObject(out["additionalProperties"])) out["additionalProperties"] = strictVariant(out["additionalProperties"]);
  if (out["items"]) out["items"] = strictVariant(out["items"] as JsonSchema);
  if (out["x-kubernetes-list-type"] === "set") out["uniqueItems"] = true;
  return out;
}

/** `spec` + JSON pointer → `spec.egress.natGateway`, `spec.privateSubnets.ids[0]`. */
function pathOf(base: string, pointer: string): string {
  let p = base;
  for (const raw of pointer.split("/").slice(1)) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    p += /^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`;
  }
  return p;
}

const AWS_ID = /^\^([a-z]+)-\[0-9a-f\]/;

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The candidate `value` was most likely meant to be, or undefined: equal but for case or the separators
 * `-`, `_` and `.` (`ecr-api` → `ecr.api`, `Fargate` → `FARGATE`), else within a small edit distance.
 */
export function didYouMean(value: unknown, candidates: readonly string[]): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  const norm = (v: string) => v.toLowerCase().replace(/[-_.]/g, "");
  const same = candidates.find((c) => c !== value && norm(c) === norm(value));
  if (same) return same;
  const limit = value.length >= 12 ? 3 : Math.min(2, Math.floor(value.length / 3));
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = distance(value.toLowerCase(), c.toLowerCase());
    if (c !== value && d <= limit && (!best || d < best.d)) best = { c, d };
  }
  return best?.c;
}

/** ` (did you mean X?)` or nothing. */
const hint = (value: unknown, candidates: readonly string[]): string => {
  const m = didYouMean(value, candidates);
  return m ? ` (did you mean ${m}?)` : "";
};

/** A value as it appears in a message: JSON, cut short when long. */
const shown = (v: unknown): string => {
  const j = JSON.stringify(v) ?? String(v);
  return j.length > 80 ? `${j.slice(0, 77)}...` : j;
};

/** One ajv error as a sentence a person understands, naming the offending value. */
function explain(e: ErrorObject, base: string): SpecError {
  const path = pathOf(base, e.instancePath);
  const p = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as JsonSchema;
  switch (e.keyword) {
    case "required":
      return { path: `${path}.${String(p["missingProperty"])}`, message: "is required" };
    case "additionalProperties": {
      const field = String(p["additionalProperty"]);
      const known = Object.keys((parent["properties"] as Record<string, unknown> | undefined) ?? {});
      return {
        path: `${path}.${field}`,
        message: `is not a known field${hint(field, known) || ` (known fields: ${known.join(", ")})`}`,
      };
    }
    case "enum": {
      const allowed = (p["allowedValues"] as unknown[]).map(String);
      return { path, message: `must be one of ${allowed.join(", ")}, not ${shown(e.data)}${hint(e.data, allowed)}` };
    }
    case "pattern": {
      const pattern = String(p["pattern"]);
      const id = AWS_ID.exec(pattern);
      if (id) return { path, message: `must be a ${id[1]} id like ${id[1]}-0123456789abcdef0, not ${shown(e.data)}` };
      if (pattern.includes("/(3[0-2]"))
        return { path, message: `must be an IPv4 CIDR block like 10.0.0.0/16, not ${shown(e.data)}` };
      return { path, message: `${shown(e.data)} does not match ${pattern}` };
    }
    case "uniqueItems": {
      const items = Array.isArray(e.data) ? (e.data as unknown[]) : [];
      const twice = items[Number(p["j"])];
      return { path, message: `lists ${twice === undefined ? "the same value" : shown(twice)} twice` };
    }
    case "minItems":
      return { path, message: `must list at least ${String(p["limit"])} item(s), not ${shown(e.data)}` };
    case "maxItems":
      return {
        path,
        message: `must list at most ${String(p["limit"])} item(s), not ${Array.isArray(e.data) ? e.data.length : shown(e.data)}`,
      };
    case "maxLength":
    case "minLength":
      return { path, message: `${e.message ?? e.keyword}, not ${shown(e.data)}` };
    case "type":
      return { path, message: `must be ${String(p["type"])}, not ${shown(e.data)}` };
    default:
      return { path, message: `${e.message ?? `is invalid (${e.keyword})`}, not ${shown(e.data)}` };
  }
}

/** The value at a CEL rule's `fieldPath` (`.egress.natGateway`) below `value`, or undefined. */
function valueAt(value: unknown, fieldPath: string | undefined): unknown {
  let v = value;
  for (const seg of (fieldPath ?? "").split(/[.[\]]/).filter(Boolean)) v = isObject(v) ? v[seg] : undefined;
  return v;
}

/** ` (is X)` for a rule failure on a scalar or small value; nothing for large objects. */
function isClause(v: unknown): string {
  if (v === undefined) return "";
  const j = JSON.stringify(v) ?? "";
  return j.length <= 80 ? ` (is ${j})` : "";
}

/** Evaluates every CEL rule of `schema` on `value` (depth first), appending failures to `errors`. */
function checkCel(
  schema: JsonSchema,
  value: unknown,
  old: unknown,
  path: string,
  errors: SpecError[],
  malformed: ReadonlySet<string> = new Set(),
): void {
  if (value === undefined) return;
  // A rule over a node whose structure is already wrong would only repeat (or garble) that error.
  const broken = [...malformed].some((m) => m === path || m.startsWith(`${path}.`) || m.startsWith(`${path}[`));
  const rules = (schema["x-kubernetes-validations"] as CelRule[] | undefined) ?? [];
  for (const r of broken ? [] : rules) {
    const transition = /\boldSelf\b/.test(r.rule);
    if (transition && old === undefined) continue;
    const where = r.fieldPath ? `${path}${r.fieldPath}` : path;
    try {
      const ok = program(r.rule)(transition ? { self: value, oldSelf: old } : { self: value });
      if (ok !== true) errors.push({ path: where, message: `${r.message}${isClause(valueAt(value, r.fieldPath))}` });
    } catch (err) {
      errors.push({ path: where, message: `${r.message} (rule could not be evaluated: ${(err as Error).message})` });
    }
  }
  const props = schema["properties"] as Record<string, JsonSchema> | undefined;
  if (props && isObject(value)) {
    const o = isObject(old) ? old : undefined;
    for (const [name, sub] of Object.entries(props))
      checkCel(sub, value[name], o?.[name], `${path}.${name}`, errors, malformed);
  }
  if (schema["items"] && Array.isArray(value)) {
    // Transition rules inside lists need list-map correlation; ecsnet has none, so items get no oldSelf.
    value.forEach((v, i) => checkCel(schema["items"] as JsonSchema, v, undefined, `${path}[${i}]`, errors, malformed));
  }
}

/**
 * Compiles a validator for a spec schema (any kind: EcrAccess uses it too). The returned function never
 * throws; it returns a defaulted deep copy of the input, or the errors sorted by path. `basePath` prefixes
 * every error path (default `spec`).
 */
export function compileSpecValidator<T>(specSchema: TSchema, basePath = "spec"): SpecValidator<T> {
  const structural = structuralSchema(specSchema, basePath);
  // verbose: errors carry the offending value (`data`) and the schema they failed (`parentSchema`).
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, verbose: true });
  const check: ValidateFunction = ajv.compile(strictVariant(structural));
  return (input, opts = {}) => {
    if (!isObject(input)) return { ok: false, errors: [{ path: basePath, message: "must be an object" }] };
    const spec = applyDefaults(structural, cloneJson(input));
    const errors: SpecError[] = [];
    if (!check(spec)) errors.push(...(check.errors ?? []).map((e) => explain(e, basePath)));
    // Every error at once: the CEL rules too, on every part whose structure is right.
    const malformed = new Set(errors.map((e) => e.path));
    // The stored old object was defaulted when it was written, so default it here too.
    const old = opts.old === undefined ? undefined : applyDefaults(structural, cloneJson(opts.old));
    checkCel(structural, spec, old, basePath, errors, malformed);
    if (errors.length > 0) {
      const seen = new Set<string>();
      const unique = errors.filter((e) => !seen.has(`${e.path}\0${e.message}`) && seen.add(`${e.path}\0${e.message}`));
      return { ok: false, errors: unique.sort((a, b) => cmp(a.path, b.path)) };
    }
    return { ok: true, spec: spec as T };
  };
}

/** Spec type per kind validated by {@link validateSpec}. */
export interface SpecOf {
  PrivateEcsNetwork: PrivateEcsNetworkSpec;
  EcrAccess: EcrAccessSpec;
}

let networkValidator: SpecValidator<PrivateEcsNetworkSpec> | undefined;

/** The validator of each kind, compiled on first use. */
const validators: { [K in keyof SpecOf]: SpecValidator<SpecOf[K]> } = {
  PrivateEcsNetwork: (spec, opts) => {
    networkValidator ??= compileSpecValidator<PrivateEcsNetworkSpec>(PrivateEcsNetworkSpecSchema);
    return networkValidator(spec, opts);
  },
  EcrAccess: (spec, opts) => validateEcrAccessSpec(spec, opts),
};

/**
 * Validates a spec of `kind` as the API server would (schema, defaults, CEL rules) and returns it with
 * defaults applied, or every error with its path (`spec.egress.natGateway`) and a human message.
 * Never throws.
 */
export function validateSpec<K extends keyof SpecOf>(
  kind: K,
  spec: unknown,
  opts?: ValidateOptions,
): SpecResult<SpecOf[K]> {
  return (validators[kind] as SpecValidator<SpecOf[K]>)(spec, opts);
}

/** A manifest read from a file, checked: its kind, metadata and defaulted spec. */
export type ManifestResult =
  | {
      readonly ok: true;
      readonly kind: keyof SpecOf;
      readonly metadata: { readonly name: string; readonly namespace?: string; readonly uid?: string };
      readonly spec: SpecOf[keyof SpecOf];
    }
  | { readonly ok: false; readonly errors: SpecError[] };

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Validates a whole object as read from a YAML/JSON file (`ecsnet plan -f`): apiVersion `ecsnet.dev/v1alpha1`,
 * a kind ecsnet serves, `metadata.name` (and `namespace`, when given) as DNS labels, then the spec as
 * {@link validateSpec} does. Never throws.
 */
export function validateManifest(obj: unknown): ManifestResult {
  if (!isObject(obj))
    return { ok: false, errors: [{ path: "", message: "must be an object (a Kubernetes manifest)" }] };
  const errors: SpecError[] = [];
  if (obj["apiVersion"] !== API_VERSION) {
    errors.push({ path: "apiVersion", message: `must be ${API_VERSION}, not ${JSON.stringify(obj["apiVersion"])}` });
  }
  const kind = obj["kind"];
  const known = typeof kind === "string" && Object.prototype.hasOwnProperty.call(validators, kind);
  if (!known) {
    errors.push({
      path: "kind",
      message: `must be one of ${Object.keys(validators).join(", ")}, not ${JSON.stringify(kind)}`,
    });
  }
  const meta = isObject(obj["metadata"]) ? obj["metadata"] : {};
  for (const field of ["name", "namespace"] as const) {
    const v = meta[field];
    if (v === undefined && field === "namespace") continue;
    if (typeof v !== "string" || v.length > 63 || !NAME.test(v)) {
      errors.push({
        path: `metadata.${field}`,
        message: "must be a DNS label: lower-case letters, digits and '-', at most 63",
      });
    }
  }
  if (!known) return { ok: false, errors };
  const r = validateSpec(kind as keyof SpecOf, obj["spec"]);
  if (!r.ok) errors.push(...r.errors);
  if (errors.length > 0 || !r.ok) return { ok: false, errors };
  const metadata = {
    name: meta["name"] as string,
    ...(typeof meta["namespace"] === "string" ? { namespace: meta["namespace"] } : {}),
    ...(typeof meta["uid"] === "string" ? { uid: meta["uid"] } : {}),
  };
  return { ok: true, kind: kind as keyof SpecOf, metadata, spec: r.spec };
}

/** One line per error, `path: message`, for CLI output and condition messages. */
export function formatSpecErrors(errors: readonly SpecError[], max = errors.length): string {
  const shown = errors.slice(0, max).map((e) => `${e.path}: ${e.message}`);
  if (errors.length > max) shown.push(`(and ${errors.length - max} more)`);
  return shown.join("; ");
}
