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
  readonly messageExpression?: string;
  readonly reason?: string;
  readonly fieldPath?: string;
}

/**
 * The text naming a rule in an error: its message, else the rule itself (apiextensions-apiserver
 * pkg/apiserver/schema/cel/validation.go, ruleErrorString).
 */
export function ruleErrorString(r: { rule: string; message?: string }): string {
  return r.message?.trim() ? r.message.trim() : r.rule.trim();
}

/** cel-js's evaluation error in cel-go's words: first line, lower-case start ("no such key: mode"). */
export function celErrorText(e: unknown): string {
  const first = (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";
  return first.charAt(0).toLowerCase() + first.slice(1);
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

/** How field.Invalid prints the bad value of a failed rule. */
function badValue(typeName: string, value: unknown): string {
  if (typeName === "object" || typeName === "array" || typeof value === "object") return `"${typeName}"`;
  return typeof value === "string" ? JSON.stringify(value) : String(value);
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
    const typeName = String(schema.type ?? (Array.isArray(value) ? "array" : typeof value));
    const ctx: Obj = { self: toCel(schema, value) };
    if (transition) ctx.oldSelf = toCel(schema, old);
    let result: unknown;
    try {
      result = compile(r.rule)(ctx);
    } catch (e) {
      // validation.go: "no such key: {key}, index out of bounds, ..." → `<err> evaluating rule: <message or rule>`,
      // reported at the rule's own node (not its fieldPath), whatever the rule's reason
      out.push({
        reason: "FieldValueInvalid",
        field: path,
        message: `Invalid value: "${typeName}": ${celErrorText(e)} evaluating rule: ${ruleErrorString(r)}`,
      });
      continue;
    }
    if (result === true) continue;
    msg = r.message?.trim() ? r.message.trim() : `failed rule: ${ruleErrorString(r)}`;
    if (r.messageExpression) {
      // messageExpression wins when it evaluates to a non-empty one-line string (evalMessageExpression)
      try {
        const m = compile(r.messageExpression)(ctx);
        if (typeof m === "string" && m.trim() && !/[\n\r]/.test(m.trim())) msg = m.trim();
      } catch {
        // the real server logs the failure and keeps the message
      }
    }
    const p = prefix(r.reason);
    out.push({
      reason: r.reason ?? "FieldValueInvalid",
      field,
      // validation.go: objects and arrays are not printed (their type stands in); scalars are, as Go's %q / %v
      message: p ? `${p}: ${msg}` : `Invalid value: ${badValue(typeName, value)}: ${msg}`,
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
export function evaluateRules(schema: Obj, object: unknown, old?: unknown, basePath = ""): StatusCause[] {
  const out: StatusCause[] = [];
  check(schema, object, old, old !== undefined, basePath, out);
  return out;
}
