/**
 * Time-driven states, computed on every read from the record's timestamps and the configured delays:
 * NAT gateways pending → available, deleting → deleted; endpoints pending → available, deleting → deleted;
 * deleted ones stay visible for `deletedVisibleMs`, then `sweep` drops them from Describe (their ClientTokens
 * are remembered for `clientTokenTtlMs` more). `settle` moves every timestamp
 * back so each pending transition is complete now.
 */
import type { Ctx, EndpointRec, NatRec } from "./state.js";
import { forget } from "./state.js";

/** NAT gateway states as EC2 names them. */
export type NatState = "pending" | "available" | "deleting" | "deleted" | "failed";
/** VPC endpoint states as EC2 names them (the subset the sandbox produces). */
export type EndpointState = "pending" | "available" | "deleting" | "deleted";

/** A stable fraction in [0, 1) from an id's hex digits, so spread delays are reproducible. */
function fraction(id: string): number {
  return parseInt(id.slice(-6), 16) / 0x1000000 || 0;
}

const natDelay = (ctx: Ctx, n: NatRec) => ctx.delays.natGatewayAvailableMs + ctx.spread.natMs * fraction(n.id);
const endpointDelay = (ctx: Ctx, e: EndpointRec) =>
  ctx.delays.endpointAvailableMs + ctx.spread.endpointMs * fraction(e.id);

/** The NAT gateway's state now. */
export function natState(ctx: Ctx, n: NatRec): NatState {
  const now = ctx.now();
  if (n.failure) return n.deleteAt !== undefined ? "deleted" : "failed";
  if (n.deleteAt !== undefined) return now - n.deleteAt >= ctx.delays.natGatewayDeletedMs ? "deleted" : "deleting";
  return now - n.createdAt >= natDelay(ctx, n) ? "available" : "pending";
}

/** The endpoint's state now. */
export function endpointState(ctx: Ctx, e: EndpointRec): EndpointState {
  const now = ctx.now();
  if (e.deleteAt !== undefined) return now - e.deleteAt >= ctx.delays.endpointDeletedMs ? "deleted" : "deleting";
  return now - e.createdAt >= endpointDelay(ctx, e) ? "available" : "pending";
}

/** Whether the NAT gateway still holds its EIP and routes through it work (not deleting/deleted/failed). */
export function isNatLive(ctx: Ctx, n: NatRec | undefined): boolean {
  if (!n) return false;
  const s = natState(ctx, n);
  return s === "pending" || s === "available";
}

/** Whether the endpoint still exists for dependency purposes (anything but deleted). */
export function isEndpointLive(ctx: Ctx, e: EndpointRec): boolean {
  return endpointState(ctx, e) !== "deleted";
}

/**
 * Drops deleted NAT gateways and endpoints whose visibility window has passed from Describe (they move to
 * the world's `gone*` maps, where a replayed ClientToken still finds them), and forgets them and their
 * tokens for good once `clientTokenTtlMs` has passed since their deletion.
 */
export function sweep(ctx: Ctx): void {
  const now = ctx.now();
  const w = ctx.world;
  const d = ctx.delays;
  for (const n of w.nats.values()) {
    if (n.deleteAt !== undefined && now - n.deleteAt >= d.natGatewayDeletedMs + d.deletedVisibleMs) {
      w.nats.delete(n.id);
      w.goneNats.set(n.id, n);
    }
  }
  for (const e of w.endpoints.values()) {
    if (e.deleteAt !== undefined && now - e.deleteAt >= d.endpointDeletedMs + d.deletedVisibleMs) {
      w.endpoints.delete(e.id);
      w.goneEndpoints.set(e.id, e);
    }
  }
  const expired = new Set<string>();
  for (const n of w.goneNats.values())
    if (now - (n.deleteAt ?? now) >= d.natGatewayDeletedMs + d.clientTokenTtlMs) expired.add(n.id);
  for (const e of w.goneEndpoints.values())
    if (now - (e.deleteAt ?? now) >= d.endpointDeletedMs + d.clientTokenTtlMs) expired.add(e.id);
  if (expired.size === 0) return;
  for (const [k, t] of w.tokens) if (expired.has(t.id)) w.tokens.delete(k);
  for (const id of expired) {
    w.goneNats.delete(id);
    w.goneEndpoints.delete(id);
    forget(w, id);
  }
}

/** Completes every pending transition now (deleted ones then stay visible for the full window). */
export function settle(ctx: Ctx): void {
  const now = ctx.now();
  const d = ctx.delays;
  for (const n of ctx.world.nats.values()) {
    n.createdAt = Math.min(n.createdAt, now - natDelay(ctx, n));
    if (n.deleteAt !== undefined) n.deleteAt = Math.min(n.deleteAt, now - d.natGatewayDeletedMs);
  }
  for (const e of ctx.world.endpoints.values()) {
    e.createdAt = Math.min(e.createdAt, now - endpointDelay(ctx, e));
    if (e.deleteAt !== undefined) e.deleteAt = Math.min(e.deleteAt, now - d.endpointDeletedMs);
  }
  for (const id of ctx.world.createdAt.keys()) ctx.world.createdAt.set(id, Number.NEGATIVE_INFINITY);
}
