/** The shape of an EC2 operation handler and helpers shared by the handler tables. */
import type { IdKind } from "./errors.js";
import { assertIdShape, Ec2ApiError, ID_KINDS, missing, notFound } from "./errors.js";
import type { Ctx } from "./state.js";

/** Handles one EC2 action: SDK-shaped input in, SDK-shaped output out; throws Ec2ApiError for API errors. */
export type Handler = (ctx: Ctx, input: Record<string, unknown>) => object;

/** A table of handlers keyed by EC2 action name. */
export type HandlerTable = Record<string, Handler>;

/** Types a handler by its SDK input/output shapes while storing it in an untyped table. */
export function op<I, O extends object>(fn: (ctx: Ctx, input: I) => O): Handler {
  return fn as unknown as Handler;
}

/** Returns the value or throws MissingParameter naming the wire parameter. */
export function required<T>(value: T | undefined | null, name: string): T {
  if (value === undefined || value === null || value === "") throw missing(name);
  return value;
}

/** Parses `a.b.c.d/n` into [base as uint32, prefix length], or undefined when malformed. */
export function parseCidr(cidr: string): [number, number] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return undefined;
  const oct = m.slice(1, 5).map(Number);
  const len = Number(m[5]);
  if (oct.some((o) => o > 255) || len > 32) return undefined;
  const ip = ((oct[0]! << 24) | (oct[1]! << 16) | (oct[2]! << 8) | oct[3]!) >>> 0;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return [(ip & mask) >>> 0, len];
}

/** Whether CIDR `inner` lies inside CIDR `outer` (both well-formed). */
export function cidrWithin(inner: string, outer: string): boolean {
  const [a, al] = parseCidr(inner)!;
  const [b, bl] = parseCidr(outer)!;
  if (al < bl) return false;
  const mask = bl === 0 ? 0 : (0xffffffff << (32 - bl)) >>> 0;
  return (a & mask) >>> 0 === b;
}

/** Whether two well-formed CIDRs overlap. */
export function cidrOverlap(x: string, y: string): boolean {
  return cidrWithin(x, y) || cidrWithin(y, x);
}

/** The n-th host address of a CIDR, as dotted quad. */
export function hostIp(cidr: string, n: number): string {
  const [base] = parseCidr(cidr)!;
  const ip = (base + n) >>> 0;
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join(".");
}

/**
 * The record with id `id` of kind `kind`: Malformed error when the id has the wrong shape, NotFound when
 * absent (or not yet visible under eventual consistency when `describe` is set).
 */
export function lookup<T>(ctx: Ctx, map: Map<string, T>, kind: IdKind, id: string | undefined, param: string): T {
  const v = required(id, param);
  assertIdShape(kind, v);
  const rec = map.get(v);
  if (!rec) throw notFound(ID_KINDS[kind].notFound, v, ID_KINDS[kind].what);
  return rec;
}

/** The NotFound error for a Describe by ids, naming the missing ones like EC2 does. */
export function notFoundMany(kind: IdKind): (ids: string[]) => Ec2ApiError {
  return (ids) => {
    for (const id of ids) assertIdShape(kind, id);
    const what = ID_KINDS[kind].what;
    return new Ec2ApiError(
      ID_KINDS[kind].notFound,
      `The ${what} ID${ids.length > 1 ? "s" : ""} '${ids.join(", ")}' ${ids.length > 1 ? "do" : "does"} not exist`,
    );
  };
}
