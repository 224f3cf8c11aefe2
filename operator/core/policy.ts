/**
 * IAM policy documents for VPC endpoints, as canonical JSON text, so that the policy we want and the one AWS
 * returns compare equal whatever their formatting, key order or statement order.
 *
 * Canonical form: object keys sorted at every level; `Statement` always an array, sorted by its canonical
 * text and deduplicated; `Action`/`NotAction`/`Resource`/`NotResource` and principal lists sorted and
 * deduplicated, a one-element list written as its single string (IAM treats both the same).
 */
import { stableJson } from "./ownership.js";

/**
 * The policy AWS gives an endpoint created without one: full access (compared as "no policy"), in canonical
 * form without `Version`. A gateway endpoint has no security group, so this default leaves IAM as its only
 * control (aws-facts §3.3); that is acceptable because IAM still applies, and it is what a user gets by
 * giving no policy.
 */
export const DEFAULT_ENDPOINT_POLICY = stableJson({
  Statement: [{ Action: "*", Effect: "Allow", Principal: "*", Resource: "*" }],
});

/**
 * Thrown by {@link normalisePolicy} when the text is not a JSON object: the caller reports it as a spec issue.
 * Its message says what is wrong (not JSON, or not an object) and is safe to show in status; it never means an
 * AWS error and never warrants a retry: the same text fails the same way until the user changes it.
 */
export class InvalidPolicyError extends Error {
  override readonly name = "InvalidPolicyError";
}

// Parsed JSON, typed just enough to walk it without `any`.
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Fields whose values are sets of strings in IAM: order and a single-element list do not matter. */
const SET_FIELDS = new Set(["Action", "NotAction", "Resource", "NotResource"]);

// A set field's canonical form: deduplicated, sorted, and a single element as a bare string (IAM reads
// "s3:GetObject" and ["s3:GetObject"] alike, and AWS may return either).
function canonicalSet(v: Json): Json {
  if (!Array.isArray(v)) return v;
  const uniq = [...new Set(v.map((x) => (typeof x === "string" ? x : stableJson(x))))].sort();
  return uniq.length === 1 ? (uniq[0] as string) : uniq;
}

// One statement's canonical form; a non-object statement is left as is (comparing it verbatim is still
// deterministic, and AWS judges its validity on write).
function canonicalStatement(s: Json): Json {
  if (s === null || typeof s !== "object" || Array.isArray(s)) return s;
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(s)) {
    if (SET_FIELDS.has(k)) out[k] = canonicalSet(v);
    else if ((k === "Principal" || k === "NotPrincipal") && v !== null && typeof v === "object" && !Array.isArray(v)) {
      // {"AWS": ["arn:b", "arn:a"]} and {"AWS": "arn:a"} style principals: each value is a set.
      out[k] = Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, canonicalSet(pv)]));
    } else out[k] = v;
  }
  return out;
}

/** Parse a policy text into a plain object, or throw {@link InvalidPolicyError}. */
function parse(text: string): { [k: string]: Json } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InvalidPolicyError(`policy is not valid JSON: ${(e as Error).message}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new InvalidPolicyError("policy must be a JSON object with a Statement");
  }
  return doc as { [k: string]: Json };
}

/** The statements of a parsed policy as an array (a single statement object is a one-element list). */
function statementsOf(doc: { [k: string]: Json }): Json[] {
  const st = doc.Statement;
  // No Statement: a document that allows nothing.
  if (st === undefined || st === null) return [];
  return Array.isArray(st) ? st : [st];
}

/**
 * The canonical text of a policy document, or null for null/empty input. `Version` is kept as given.
 * Throws {@link InvalidPolicyError} when the text is not a JSON object. Idempotent: normalising canonical text
 * returns it unchanged. Never validates IAM grammar (actions, ARNs): AWS does that on write.
 */
export function normalisePolicy(text: string | null | undefined): string | null {
  if (text === null || text === undefined || text.trim() === "") return null;
  const doc = parse(text);
  return canonical(doc, statementsOf(doc));
}

// The document with `Statement` replaced by the canonical, deduplicated, sorted statements; other top-level
// keys (Version, Id) are kept, and stableJson sorts keys at every level.
function canonical(doc: { [k: string]: Json }, statements: readonly Json[]): string {
  const canon = statements.map(canonicalStatement);
  const byText = new Map(canon.map((s) => [stableJson(s), s] as const));
  const sorted = [...byText.keys()].sort().map((k) => byText.get(k) as Json);
  return stableJson({ ...doc, Statement: sorted });
}

/**
 * The policy for an endpoint given the user's document (`base`, may be null) and statements contributed by
 * EcrAccess objects. No contributed statements → the canonical `base` (null stays null: AWS default).
 * Otherwise `{Version: "2012-10-17", Statement: base's statements ∪ contributed}` in canonical form.
 * Throws {@link InvalidPolicyError} when `base` is not a JSON object.
 *
 * Merging only adds statements: it never drops or narrows one of the user's, so a contribution can widen
 * what the endpoint allows but never take away what the user granted. The Version is always set to
 * "2012-10-17", the current policy language version.
 */
export function mergePolicy(
  base: string | null | undefined,
  contributed: readonly Readonly<Record<string, unknown>>[],
): string | null {
  if (contributed.length === 0) return normalisePolicy(base);
  // No base: the contributed statements alone (AWS's full-access default is not merged in, or the
  // contributions' scoping would mean nothing).
  const doc = base ? parse(base) : {};
  const all = [...statementsOf(doc), ...(contributed as unknown as Json[])];
  return canonical({ ...doc, Version: "2012-10-17" }, all);
}

/**
 * True when the observed policy text means the same as the desired canonical policy. A desired `null`
 * (AWS default) matches an observed null or the default full-access document (any Version).
 * An observed text that cannot be parsed never matches (so it gets rewritten).
 * Precondition: `desired` is already canonical (from {@link mergePolicy}/{@link normalisePolicy}); it is not
 * normalised again. Never throws.
 */
export function policyMatches(desired: string | null, observed: string | null): boolean {
  let obs: string | null;
  try {
    obs = normalisePolicy(observed);
  } catch {
    return false;
  }
  if (desired === null) return obs === null || withoutVersion(obs) === DEFAULT_ENDPOINT_POLICY;
  return obs === desired;
}

// Canonical text minus `Version`: AWS's default document may come back with or without one.
function withoutVersion(text: string): string {
  const doc = JSON.parse(text) as { [k: string]: Json };
  delete doc.Version;
  return stableJson(doc);
}
