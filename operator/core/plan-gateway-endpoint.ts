/**
 * Planner for the S3 gateway endpoint and its route-table associations: create it on the desired tables,
 * add/remove tables and repair the policy through ModifyVpcEndpoint, adopt an unowned one when asked, and
 * delete ours when the spec turns it off. It shares the endpoint life cycle (triage of broken and duplicate
 * owned endpoints, re-create tokens, retiring what is no longer desired) with plan-endpoints.ts.
 * Route-table associations are changed only through the endpoint; `pl-…` routes are never touched.
 */
import type { DesiredNetwork, Key, ObservedNetwork } from "./model.js";
import { isLive, ownedByAnother, ownedFor, retireNotDesired, triage, WAITING } from "./plan-endpoints.js";
import { policyMatches } from "./policy.js";
import type { Draft } from "./waves.js";

/**
 * Plan the S3 gateway endpoint: create, route-table associations, policy; delete ours when disabled.
 * Returns nothing: actions, pending and blocked items are recorded on `draft`.
 *
 * - Associations are changed only on the endpoint (CreateVpcEndpoint RouteTableIds, ModifyVpcEndpoint
 *   Add/RemoveRouteTableIds); the `pl-…` route AWS then writes into each table is never created, replaced or
 *   deleted here or in plan-routes (aws-facts §3.6).
 * - Never plans an action on an unowned endpoint except the TagResource of an adoption the user asked for,
 *   and never adopts one another ecsnet object owns.
 * - Never adds a table that already carries another endpoint's S3 route (one per table, aws-facts §3.3).
 * - Adding the endpoint or its associations can briefly interrupt existing S3 connections (aws-facts §3.1),
 *   so nothing here re-creates a working endpoint: drift is repaired in place by one Modify.
 */
export function planGatewayEndpoint(d: DesiredNetwork, o: ObservedNetwork, draft: Draft): void {
  const want = d.s3Gateway;
  if (want) {
    // Same life cycle as interface endpoints: broken and duplicate ones go, one is kept.
    const t = triage(draft, want.key, ownedFor(o, d.owner, want.key, "Gateway", want.serviceName));
    const unowned = o.endpoints
      .filter((e) => !e.owned && e.type === "Gateway" && e.serviceName === want.serviceName && isLive(e))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    // Adopt only when we have none of our own: adopting a second would make two S3 endpoints ours.
    const adoptee = !t.keep && want.adopt ? unowned.find((e) => !ownedByAnother(e)) : undefined;
    const target = t.keep ?? adoptee;
    // A table can carry the S3 prefix-list route of one endpoint only (aws-facts §3.3): tables already on
    // someone else's S3 gateway endpoint have the route; adding them to ours would fail, so leave them.
    const taken = new Set(unowned.filter((e) => e !== adoptee).flatMap((e) => e.routeTableIds));
    const tables = want.routeTableIds.filter((id) => !taken.has(id));
    if (!target) {
      // Every desired table already has someone's S3 route: a new endpoint would have nowhere to route, so
      // nothing is created (the tables reach S3 through that other endpoint anyway).
      if (tables.length > 0) {
        draft.add(
          {
            kind: "CreateGatewayEndpoint",
            key: want.key,
            reason: "Missing",
            detail: `create the S3 gateway endpoint on ${tables.join(", ")}`,
            vpcId: d.vpcId,
            serviceName: want.serviceName,
            routeTableIds: tables,
            policy: want.policy,
            clientToken: want.clientToken,
            generation: t.generation,
            tags: want.tags,
          },
          t.deletes,
        );
      }
    } else if (WAITING.has(target.state)) {
      // Pending: associations are judged once it settles; requeue soon rather than modify mid-creation.
      draft.wait(want.key, "EndpointPending", `${target.id} (s3) is ${target.state}`);
    } else {
      const after = adoptee
        ? [
            draft.add({
              kind: "TagResource",
              key: `${want.key}#adopt` as Key,
              reason: "Adopt",
              detail: `adopt ${adoptee.id} for s3 (adoptExisting): tag it as ours`,
              resourceId: adoptee.id,
              tags: want.tags,
            }),
          ]
        : [];
      const add = tables.filter((id) => !target.routeTableIds.includes(id));
      // Removes are judged against every desired table (not `tables`): a table we wanted but left to another
      // endpoint is not ours to cut from an endpoint that already serves it.
      const remove = target.routeTableIds.filter((id) => !want.routeTableIds.includes(id));
      const policyDrift = !policyMatches(want.policy, target.policy);
      if (add.length + remove.length > 0 || policyDrift) {
        draft.add(
          {
            kind: "ModifyGatewayEndpoint",
            key: `${want.key}#modify` as Key,
            reason: adoptee ? "Adopt" : add.length + remove.length > 0 ? "RouteTablesDrifted" : "PolicyDrifted",
            detail: `set ${target.id} (s3): route tables +[${add.join(",")}] -[${remove.join(",")}]${policyDrift ? "; policy" : ""}`,
            endpointId: target.id,
            addRouteTableIds: add,
            removeRouteTableIds: remove,
            ...(policyDrift ? { policy: want.policy } : {}),
          },
          after,
        );
      }
    }
  }
  // With the gateway disabled (want null) nothing claims our gateway endpoints, so they are deleted.
  retireNotDesired(d, o, draft, "Gateway", new Set(want ? [want.serviceName] : []), new Set(want ? [want.key] : []));
}
