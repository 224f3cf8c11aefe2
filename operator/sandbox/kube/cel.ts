/**
 * x-kubernetes-validations: CEL rules evaluated with `self` bound to the value at the rule's schema
 * node and `oldSelf` to the stored value at the same path on update. Rules that mention `oldSelf`
 * (transition rules) run only when an old value exists, as in the real server. Integers declared
 * `type: integer` are handed to CEL as int (BigInt) so `self.x == 3` compares like Kubernetes.
 * Old values are correlated through object properties and maps, not through list items.
 */
import { parse } from "@marcbachmann/cel-js";
import type { StatusCause } from "./status.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

interface Rule {
  readonly rule: string;
  readonly message?: string;
  readonly reason?: string;
  readonly fieldPath?: string;
}

type Compiled = (ctx: Obj) => unknown;
const cache = new Map<string, Compiled>();
function compile(rule: string): Compiled {
  let fn = cache.get(rule);
  if (!fn) {
    fn = parse(rule) as unknown as Compiled;
    cache.set(rule, fn);
  }
  return fn;
}

/** A copy of `value` with schema-declared integers as BigInt (CEL int). */
function toCel(schema: Obj | undefined, value: unknown): unknown {
  if (schema?.type === "integer" && typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return Array.from(value, (v) => toCel(isObj(schema?.items) ? schema.items : undefined, v));
  if (isObj(value)) {
    const props = isObj(schema?.properties) ? (schema.properties as Record<string, Obj>) : {};
    const extra = isObj(schema?.additionalProperties) ? schema.additionalProperties : undefined;
    const out: Obj = {};
    for (const [k, v] of Object.entries(value)) out[k] = toCel(props[k] ?? extra, v);
    return out;
  }
  return value;
}

function prefix(reason: string | undefined): string {
  switch (reason) {
    case "FieldValueForbidden":
      return "Forbidden";
    case "FieldValueRequired":
      return "Required value";
    case "FieldValueDuplicate":
      return "Duplicate value";
    default:
      return "";
  }
}

function check(schema: Obj, value: unknown, old: unknown, hasOld: boolean, path: string, out: StatusCause[]): void {
  const rules = Array.isArray(schema["x-kubernetes-validations"]) ? (schema["x-kubernetes-validations"] as Rule[]) : [];
  for (const r of rules) {
    const transition = /\boldSelf\b/.test(r.rule);
    if (transition && !hasOld) continue;
    const field = r.fieldPath
      ? `${path}${r.fieldPath.startsWith(".") || !path ? "" : "."}${r.fieldPath}`.replace(/^\./, "")
      : path;
    let msg: string | undefined;
    try {
      const ctx: Obj = { self: toCel(schema, value) };
      if (transition) ctx.oldSelf = toCel(schema, old);
      if (compile(r.rule)(ctx) !== true) msg = r.message ?? `failed rule: ${r.rule}`;
    } catch (e) {
      msg = `rule evaluation error: ${r.rule}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`;
    }
    if (msg === undefined) continue;
    const p = prefix(r.reason);
    const typeName = String(schema.type ?? (Array.isArray(value) ? "array" : typeof value));
    out.push({
      reason: r.reason ?? "FieldValueInvalid",
      field,
      message: p ? `${p}: ${msg}` : `Invalid value: "${typeName}": ${msg}`,
    });
  }
  if (Array.isArray(value) && isObj(schema.items)) {
    value.forEach((item, i) => check(schema.items as Obj, item, undefined, false, `${path}[${i}]`, out));
  } else if (isObj(value)) {
    const props = isObj(schema.properties) ? (schema.properties as Record<string, Obj>) : {};
    const extra = isObj(schema.additionalProperties) ? schema.additionalProperties : undefined;
    for (const [k, v] of Object.entries(value)) {
      const s = props[k] ?? extra;
      if (!s) continue;
      const oldChild = isObj(old) ? old[k] : undefined;
      check(s, v, oldChild, hasOld && oldChild !== undefined, path ? `${path}.${k}` : k, out);
    }
  }
}

/**
 * Evaluate every x-kubernetes-validations rule of `schema` over `object`; `old` is the stored object
 * on update. Returns one cause per failing rule (reason from the rule, default FieldValueInvalid).
 */
export function evaluateRules(schema: Obj, object: Obj, old?: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  check(schema, object, old, old !== undefined, "", out);
  return out;
}
