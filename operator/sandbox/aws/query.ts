/**
 * Parses an EC2 Query request body (`Action=...&Filter.1.Name=...&Filter.1.Value.1=...`) into the object the SDK
 * started from (`{ Filters: [{ Name, Values: [...] }] }`), driven by the operation's input schema, so the
 * handlers see exactly the SDK's input types. Unknown parameters are ignored, as EC2 does.
 */
import type { RawSchema } from "./wire-schema.js";
import { kindOf, listValue, structMembers } from "./wire-schema.js";

/** Flat query parameters keyed by their dotted name. */
export type FlatParams = ReadonlyMap<string, string>;

/** Decodes an `application/x-www-form-urlencoded` body into a flat map (last value wins). */
export function flatParams(body: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(body)) out.set(k, v);
  return out;
}

/** The EC2 wire name of a struct member: ec2QueryName, else the capitalised xmlName, else the member name. */
function wireName(name: string, traits: { xmlName?: string; ec2QueryName?: string }): string {
  if (traits.ec2QueryName) return traits.ec2QueryName;
  const key = traits.xmlName ?? name;
  return key.charAt(0).toUpperCase() + key.slice(1);
}

/** Builds the SDK-shaped input object of a struct schema from flat params under `prefix`. */
export function parseStruct(schema: RawSchema, params: FlatParams, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const index = prefixIndex(params);
  for (const m of structMembers(schema)) {
    const v = parseValue(m.schema, params, index, prefix + wireName(m.name, m.traits));
    if (v !== undefined) out[m.name] = v;
  }
  return out;
}

/** For each list prefix, the set of item indices present: built once per request. */
function prefixIndex(params: FlatParams): Map<string, Set<number>> {
  const idx = new Map<string, Set<number>>();
  for (const key of params.keys()) {
    const parts = key.split(".");
    for (let i = 1; i < parts.length; i++) {
      const n = Number(parts[i]);
      if (!Number.isInteger(n) || n < 1) continue;
      const p = parts.slice(0, i).join(".");
      let set = idx.get(p);
      if (!set) idx.set(p, (set = new Set()));
      set.add(n);
    }
  }
  return idx;
}

function parseValue(schema: RawSchema, params: FlatParams, index: Map<string, Set<number>>, key: string): unknown {
  switch (kindOf(schema)) {
    case "string":
      return params.get(key);
    case "number": {
      const raw = params.get(key);
      return raw === undefined ? undefined : Number(raw);
    }
    case "boolean": {
      const raw = params.get(key);
      return raw === undefined ? undefined : raw.toLowerCase() === "true";
    }
    case "timestamp": {
      const raw = params.get(key);
      return raw === undefined ? undefined : new Date(raw);
    }
    case "list": {
      const nums = [...(index.get(key) ?? [])].sort((a, b) => a - b);
      if (nums.length === 0) return undefined;
      const value = listValue(schema);
      return nums.map((n) => parseValue(value.schema, params, index, `${key}.${n}`));
    }
    case "struct": {
      const out: Record<string, unknown> = {};
      for (const m of structMembers(schema)) {
        const v = parseValue(m.schema, params, index, `${key}.${wireName(m.name, m.traits)}`);
        if (v !== undefined) out[m.name] = v;
      }
      return Object.keys(out).length > 0 ? out : undefined;
    }
    default:
      return params.get(key);
  }
}
