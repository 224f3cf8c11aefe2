/**
 * Planner for the private route tables' 0.0.0.0/0 routes through our NAT gateways (planNat calls it once it
 * knows, per desired NAT key, which NAT the routes may point at). Routes are pointed only at `available`
 * NATs: while a new NAT is `pending` the old route keeps working, or, when there is none, the route waits.
 * Routes are ours to change when they point at one of our NATs (even deleted: blackholed); anything else
 * (internet gateway, someone's NAT, a transit gateway…) only with `replaceExistingDefaultRoute`, else blocked.
 * Tables no longer desired lose only their routes to our NATs.
 */
import type { Ref } from "./actions.js";
import type { DesiredNetwork, Key, ObservedNetwork } from "./model.js";
import { key } from "./model.js";
import type { Draft } from "./waves.js";

/** The destination of the default route; the only destination this planner ever creates, replaces or deletes. */
export const DEFAULT = "0.0.0.0/0";

/**
 * Where the routes of a desired NAT key may point: an available NAT id, or nothing yet.
 * Built by planNat: an observed NAT it keeps (`available` mirrors its state), or the Ref of a NAT created in
 * this plan (`available` is always false then, so routes wait for a later reconcile).
 */
export interface NatTarget {
  /** The NAT gateway id, or a Ref to the CreateNatGateway action of this plan. */
  readonly id: string | Ref;
  /** True only when the NAT was observed `available`; routes are pointed at it only then. */
  readonly available: boolean;
}

/**
 * Default routes of the desired route tables, then routes to our NATs in tables no longer desired.
 * Returns, per NAT id, the keys of route actions that move traffic off it in this plan; planNat orders each
 * NAT's delete after them so egress moves before the old NAT goes.
 *
 * - `targets` maps a desired NAT key to where its routes may point; a key with no target (its NAT is blocked
 *   or waiting) gets no route action and no extra message: the NAT planner already said why.
 * - `ourNatIds` holds the ids of our NATs, live and deleted; only routes to those are ours to change.
 * - Never changes a route that is not ours unless the spec sets `replaceExistingDefaultRoute`; then it is
 *   blocked (RouteTargetsOther / RouteBlackholed) with the table and the current target named.
 * - Never points a route at a NAT that is not `available`: the route is pending instead.
 * - Never touches routes to any destination other than {@link DEFAULT}, including the S3 gateway endpoint's
 *   prefix-list routes, which AWS writes for the endpoint (aws-facts §3.6) and plan-gateway-endpoint owns.
 * - A missing route table is blocked (RouteTableNotFound): waiting will not make it appear.
 */
export function planRoutes(
  d: DesiredNetwork,
  o: ObservedNetwork,
  draft: Draft,
  targets: ReadonlyMap<Key, NatTarget>,
  ourNatIds: ReadonlySet<string>,
): Map<string, Key[]> {
  const moved = new Map<string, Key[]>();
  // Record that route action `k` moves traffic off NAT `natId` (read by retireNats).
  const note = (natId: string, k: Key): void => void moved.set(natId, [...(moved.get(natId) ?? []), k]);
  for (const r of d.routes.values()) {
    const table = o.routeTables.find((t) => t.id === r.routeTableId);
    const target = targets.get(r.natKey);
    if (!table) {
      draft.block(r.key, "RouteTableNotFound", `route table ${r.routeTableId} not found`);
      continue;
    }
    if (!target) continue; // its NAT is blocked or waiting: said there.
    const route = table.routes.find((x) => x.destination === DEFAULT);
    const toId = typeof target.id === "string" ? target.id : `the new ${r.natKey}`;
    // Already right: an active route to the NAT we keep for this table's AZ.
    if (route && route.state === "active" && route.target.kind === "nat" && route.target.id === target.id) continue;
    const was = route?.target.id ?? "";
    // Ours to change: a route to one of our NATs (live, or deleted and now a blackhole). Anything else was
    // made by someone (internet gateway, their NAT, a transit gateway...): only with replaceExisting.
    const isOurNat = route?.target.kind === "nat" && ourNatIds.has(was);
    // A blackhole says the NAT is gone (deleted, or its EIP released), whoever made it; reported first.
    const reason =
      route?.state === "blackhole" ? "RouteBlackholed" : isOurNat ? "RouteTargetsWrongNatGateway" : "RouteTargetsOther";
    if (route && !isOurNat && !r.replaceExisting) {
      // Said at once, even while our NAT is still pending, so the user can decide before traffic is at stake.
      const what =
        route.state === "blackhole" ? `deleted ${was} (not ours)` : `${was} (${route.target.kind}, not ours)`;
      draft.block(
        r.key,
        reason,
        `${DEFAULT} in ${r.routeTableId} points at ${what}: set egress.natGateway.replaceExistingDefaultRoute to replace it`,
        r.routeTableId,
      );
      continue;
    }
    // Point routes only at an available NAT: a working route stays until its replacement can carry traffic,
    // and a missing/blackholed one loses nothing by waiting (CreateRoute to a pending NAT is not relied on).
    if (!target.available) {
      draft.wait(r.key, "NatGatewayPending", `${DEFAULT} in ${r.routeTableId} waits for ${toId} to be available`);
      continue;
    }
    // No default route at all: create one, after the NAT's key (a no-op dependency when the NAT exists).
    if (!route) {
      draft.add(
        {
          kind: "CreateRoute",
          key: r.key,
          reason: "RouteMissing",
          detail: `route ${DEFAULT} in ${r.routeTableId} to ${toId}`,
          routeTableId: r.routeTableId,
          destination: DEFAULT,
          natGatewayId: target.id,
        },
        [r.natKey],
      );
      continue;
    }
    // ReplaceRoute, not Delete + Create: the table is never without a default route in between. `before`
    // records what we expect to replace, so apply can refuse if the route changed under us (rule 7).
    const k = draft.add(
      {
        kind: "ReplaceRoute",
        key: r.key,
        reason,
        detail: `${DEFAULT} in ${r.routeTableId} points at ${route.state === "blackhole" ? `deleted ${was}` : was}; point it at ${toId}`,
        routeTableId: r.routeTableId,
        destination: DEFAULT,
        natGatewayId: target.id,
        before: route.state === "blackhole" ? `blackhole:${was}` : was,
      },
      [r.natKey],
    );
    note(was, k);
  }
  // Tables no longer desired (egress None, a subnet left the spec): remove only routes to our NATs.
  const desiredTables = new Set([...d.routes.values()].map((r) => r.routeTableId));
  for (const t of o.routeTables) {
    const route = t.routes.find(
      (x) => x.destination === DEFAULT && x.target.kind === "nat" && ourNatIds.has(x.target.id),
    );
    if (!route || desiredTables.has(t.id)) continue;
    const k = draft.add({
      kind: "DeleteRoute",
      key: key(`route:${t.id}:${DEFAULT}`),
      reason: "NotDesired",
      detail: `remove ${DEFAULT} in ${t.id} to our ${route.target.id}: no longer desired`,
      routeTableId: t.id,
      destination: DEFAULT,
      before: route.state === "blackhole" ? `blackhole:${route.target.id}` : route.target.id,
    });
    note(route.target.id, k);
  }
  return moved;
}
