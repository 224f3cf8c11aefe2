/**
 * Planner for the S3 gateway endpoint and its route-table associations: create it on the desired tables,
 * add/remove tables and repair the policy through ModifyVpcEndpoint, adopt an unowned one when asked, and
 * delete ours when the spec turns it off. It shares the endpoint life cycle (triage of broken and duplicate
 * owned endpoints, re-create tokens, retiring what is no longer desired) with plan-endpoints.ts.
 * Route-table associations are changed only through the endpoint; `pl-…` routes are never touched.
 */
import type { DesiredNetwork, Key, ObservedNetwork } from "./model.js";
import {
  isLive,
  ownedByAnother,
  ownedFor,
  recreateToken,
  retireNotDesired,
  triage,
  WAITING,
} from "./plan-endpoints.js";
import { policyMatches } from "./policy.js";
import type { Draft } from "./waves.js";

/** Plan the S3 gateway endpoint: create, route-table associations, policy; delete ours when disabled. */
export function planGatewayEndpoint(d: DesiredNetwork, o: ObservedNetwork, draft: Draft): void {
  const want = d.s3Gateway;
  if (want) {
    // Same life cycle as interface endpoints: broken and duplicate ones go, one is kept.
    const t = triage(draft, want.key, ownedFor(o, d.owner, want.key, "Gateway", want.serviceName));
    const unowned = o.endpoints
      .filter((e) => !e.owned && e.type === "Gateway" && e.serviceName === want.serviceName && isLive(e))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const adoptee = !t.keep && want.adopt ? unowned.find((e) => !ownedByAnother(e)) : undefined;
    const target = t.keep ?? adoptee;
    // A table can carry the S3 prefix-list route of one endpoint only (aws-facts §3.3): tables already on
    // someone else's S3 gateway endpoint have the route; adding them to ours would fail, so leave them.
    const taken = new Set(unowned.filter((e) => e !== adoptee).flatMap((e) => e.routeTableIds));
    const tables = want.routeTableIds.filter((id) => !taken.has(id));
    if (!target) {
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
            clientToken: recreateToken(d.owner, want.key, want.clientToken, t.predecessors),
            tags: want.tags,
          },
          t.deletes,
        );
      }
    } else if (WAITING.has(target.state)) {
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
  retireNotDesired(d, o, draft, "Gateway", new Set(want ? [want.serviceName] : []), new Set(want ? [want.key] : []));
}
