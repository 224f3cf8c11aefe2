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

const FIELDS: Record<string, (o: KubeObject) => string> = {
  "metadata.name": (o) => String(o.metadata.name ?? ""),
  "metadata.namespace": (o) => String(o.metadata.namespace ?? ""),
};

/** Compile a fieldSelector (metadata.name / metadata.namespace only); other fields are a 400. */
export function parseFieldSelector(s: string | undefined): Selector {
  if (!s) return () => true;
  const reqs = splitTop(s).map((raw) => {
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(raw);
    const get = m ? FIELDS[m[1] ?? ""] : undefined;
    if (!m || !get) throw badRequest(`field label not supported: ${m?.[1] ?? raw}`);
    return { get, neg: m[2] === "!=", value: (m[3] ?? "").trim() };
  });
  return (o) => reqs.every((r) => (r.get(o) === r.value) !== r.neg);
}
