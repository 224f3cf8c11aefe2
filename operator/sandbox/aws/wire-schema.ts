/**
 * Reads the wire shapes of EC2 from the schemas that @aws-sdk/client-ec2 itself ships (its `Xxx$` exports),
 * so request parsing and response rendering can never drift from what the real SDK sends and expects.
 *
 * Raw schema encoding (smithy "static schemas"): a struct is `[3, ns, name, traits, memberNames, memberRefs]`,
 * a list `[1, ns, name, traits, valueRef]`, a map `[2, ns, name, traits, keyRef, valueRef]`, an operation
 * `[9, ns, name, traits, () => input, () => output]`, a simple schema with traits `[0, ns, name, traits, ref]`;
 * plain numbers are simple types (0 string, 1 number, 2 boolean, 4..7 timestamp, 15 document, 21/42 blob,
 * 64|x list of x, 128|x map of x). A member ref is either a schema ref or `[ref, traits]`; numeric traits are a
 * bitmask (bit 2 = idempotencyToken), object traits carry `xmlName`, `ec2QueryName`, `xmlFlattened`.
 */
import * as ec2 from "@aws-sdk/client-ec2";

/** A raw schema value as exported by the SDK (see the module comment for the encoding). */
export type RawSchema = unknown;

/** Traits we read from a member or a schema. */
export interface WireTraits {
  readonly xmlName?: string;
  readonly ec2QueryName?: string;
  readonly xmlFlattened?: boolean;
}

/** The kind of a schema after unwrapping, which is all the codec branches on. */
export type WireKind = "string" | "number" | "boolean" | "timestamp" | "list" | "map" | "struct" | "other";

/** One member of a struct: its SDK name, its target schema and its own (member) traits. */
export interface WireMember {
  readonly name: string;
  readonly schema: RawSchema;
  readonly traits: WireTraits;
}

const lib = ec2 as unknown as Record<string, unknown>;

/** Follows lazy `() => schema` references. */
export function deref(s: RawSchema): RawSchema {
  return typeof s === "function" ? (s as () => unknown)() : s;
}

/** Splits a member ref into its schema and its traits; numeric trait bitmasks carry no names, so they map to {}. */
export function splitMember(ref: RawSchema): { schema: RawSchema; traits: WireTraits } {
  if (Array.isArray(ref) && ref.length === 2 && (typeof ref[1] === "number" || isTraitObject(ref[1]))) {
    return { schema: ref[0], traits: typeof ref[1] === "object" ? (ref[1] as WireTraits) : {} };
  }
  return { schema: ref, traits: {} };
}

function isTraitObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Unwraps simple-with-traits schemas to the underlying ref. */
function unwrap(s: RawSchema): RawSchema {
  let sc = deref(s);
  while (Array.isArray(sc) && sc[0] === 0) sc = deref(sc[4]);
  return sc;
}

/** The kind of a schema ref. */
export function kindOf(s: RawSchema): WireKind {
  const sc = unwrap(s);
  if (typeof sc === "number") {
    if (sc === 0) return "string";
    if (sc === 1) return "number";
    if (sc === 2) return "boolean";
    if (sc >= 4 && sc <= 7) return "timestamp";
    if (sc >= 64 && sc < 128) return "list";
    if (sc >= 128 && sc <= 255) return "map";
    return "other";
  }
  if (Array.isArray(sc)) {
    if (sc[0] === 1) return "list";
    if (sc[0] === 2) return "map";
    if (sc[0] === 3 || sc[0] === -3 || sc[0] === 4) return "struct";
  }
  return "other";
}

/** The traits declared on the schema itself (not on a member pointing at it). */
export function schemaTraits(s: RawSchema): WireTraits {
  const sc = deref(s);
  return Array.isArray(sc) && isTraitObject(sc[3]) ? (sc[3] as WireTraits) : {};
}

/** The value member of a list: its schema and merged traits (element name = xmlName ?? "member"). */
export function listValue(s: RawSchema): { schema: RawSchema; traits: WireTraits } {
  const sc = unwrap(s);
  if (typeof sc === "number") return { schema: sc & 0b0011_1111, traits: {} };
  const { schema, traits } = splitMember((sc as unknown[])[4]);
  return { schema, traits: { ...schemaTraits(schema), ...traits } };
}

/** The members of a struct in declaration order. */
export function structMembers(s: RawSchema): WireMember[] {
  const sc = unwrap(s) as unknown[];
  const names = sc[4] as string[];
  const refs = sc[5] as unknown[];
  return names.map((name, i) => ({ name, ...splitMember(refs[i]) }));
}

/** Input and output schemas of an EC2 operation, or undefined when the SDK does not know the action. */
export function operationSchemas(action: string): { input: RawSchema; output: RawSchema } | undefined {
  if (!/^[A-Z][A-Za-z0-9]+$/.test(action)) return undefined;
  const op = lib[`${action}$`];
  if (!Array.isArray(op) || op[0] !== 9) return undefined;
  return { input: deref(op[4]), output: deref(op[5]) };
}
