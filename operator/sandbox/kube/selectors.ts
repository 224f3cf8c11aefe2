/**
 * Label and field selectors, with the syntax of the real API server:
 * labels `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, comma-joined (AND);
 * fields `metadata.name=x`, `metadata.namespace!=y`. An unparsable selector is a 400.
 */
import { badRequest } from "./status.js";
import type { KubeObject } from "./store.js";

/** A compiled selector: true when the object matches. */
export type Selector = (o: KubeObject) => boolean;

interface Requirement {
  readonly key: string;
  readonly op: "=" | "!=" | "in" | "notin" | "exists" | "!exists";
  readonly values: readonly string[];
}

const KEY = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;

/** Split on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function parseRequirement(raw: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(raw);
  if (set) {
    const values = (set[3] ?? "")
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v);
    return { key: set[1] ?? "", op: set[2] as "in" | "notin", values };
  }
  const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(raw);
  if (cmp) return { key: cmp[1] ?? "", op: cmp[2] === "!=" ? "!=" : "=", values: [(cmp[3] ?? "").trim()] };
  if (raw.startsWith("!")) return { key: raw.slice(1).trim(), op: "!exists", values: [] };
  return { key: raw, op: "exists", values: [] };
}

/** Compile a labelSelector query value; undefined/empty matches everything. */
export function parseLabelSelector(s: string | undefined): Selector {
  if (!s) return () => true;
  const reqs = splitTop(s).map(parseRequirement);
  for (const r of reqs)
    if (!KEY.test(r.key)) throw badRequest(`unable to parse requirement: invalid label key "${r.key}"`);
  return (o) => {
    const labels = (o.metadata.labels ?? {}) as Record<string, string>;
    return reqs.every((r) => {
      const has = Object.prototype.hasOwnProperty.call(labels, r.key);
      const v = labels[r.key];
      switch (r.op) {
        case "=":
          return has && v === r.values[0];
        case "!=":
          return !has || v !== r.values[0];
        case "in":
          return has && r.values.includes(v ?? "");
        case "notin":
          return !has || !r.values.includes(v ?? "");
        case "exists":
          return has;
        case "!exists":
          return !has;
      }
    });
  };
}

/** The value of a field label: a dotted path into the object ("source" is the event's source.component). */
function fieldValue(o: KubeObject, field: string): string {
  const path = field === "source" ? "source.component" : field;
  let cur: unknown = o;
  for (const seg of path.split("."))
    cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[seg] : undefined;
  return cur === undefined || cur === null ? "" : String(cur);
}

/**
 * Compile a fieldSelector. metadata.name and metadata.namespace work on every type; `extra` names the
 * type's other field labels (the Events' involvedObject.*, reason, type, ...). Any other field is a
 * 400, as on the real server.
 */
export function parseFieldSelector(s: string | undefined, extra: readonly string[] = []): Selector {
  if (!s) return () => true;
  const allowed = new Set(["metadata.name", "metadata.namespace", ...extra]);
  const reqs = splitTop(s).map((raw) => {
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(raw);
    const field = m?.[1] ?? raw;
    if (!m || !allowed.has(field)) throw badRequest(`field label not supported: ${field}`);
    return { field, neg: m[2] === "!=", value: (m[3] ?? "").trim() };
  });
  return (o) => reqs.every((r) => (fieldValue(o, r.field) === r.value) !== r.neg);
}
