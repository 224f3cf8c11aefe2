/**
 * The second ownership check (house rule 7): `plan` already excludes what is not ours; before `apply`
 * mutates an existing resource it re-asserts, against the observed snapshot the plan was made from, that the
 * resource carries our owner tag (or, for routes, that the route still is what the plan saw). A refusal is a
 * terminal failure with code `NotOwned` (or a conflict `RouteChanged`), never a call to AWS.
 */
import { TagKey } from "../api/group.js";
import type { Action } from "../core/actions.js";
import type { ClassifiedError } from "../core/errors.js";
import type { ObservedMeta, ObservedNetwork, OwnerRef, RouteInfo } from "../core/model.js";

/** What apply knows besides the plan: who owns, and the snapshot the plan was computed from. */
export interface ApplyContext {
  readonly owner: OwnerRef;
  readonly observed: ObservedNetwork;
}

/** A refusal to touch something that is not ours. */
export const notOwned = (what: string): ClassifiedError => ({
  class: "terminal",
  code: "NotOwned",
  message: `cannot modify ${what}: it does not carry this object's owner tag`,
});

/** The text a plan writes in `before` for a route's target: `nat-…`, `igw-…`, or `blackhole:nat-…`. */
export const routeTargetText = (r: RouteInfo): string =>
  r.state === "blackhole" ? `blackhole:${r.target.id}` : r.target.id;

const findRoute = (ctx: ApplyContext, routeTableId: string, destination: string): RouteInfo | undefined =>
  ctx.observed.routeTables.find((t) => t.id === routeTableId)?.routes.find((r) => r.destination === destination);

function owned(list: readonly ObservedMeta[], id: string, what: string): ClassifiedError | null {
  const item = list.find((x) => x.id === id);
  return item?.owned === true ? null : notOwned(`${what} ${id}`);
}

function routeUnchanged(ctx: ApplyContext, rt: string, dest: string, before: string): ClassifiedError | null {
  const r = findRoute(ctx, rt, dest);
  if (r !== undefined && routeTargetText(r) === before) return null;
  const now = r === undefined ? "absent" : routeTargetText(r);
  return {
    class: "conflict",
    code: "RouteChanged",
    message: `cannot change route ${dest} in ${rt}: planned from ${before}, observed ${now}`,
  };
}

/**
 * Null when `action` (with literal ids: Refs name resources created in this plan, which are ours) may run;
 * otherwise the failure to report. Creates need no check; `TagResource` is refused only when the resource
 * carries another owner's uid (adopting an untagged resource is what it is for).
 */
export function guardAction(action: Action, ctx: ApplyContext): ClassifiedError | null {
  const { observed } = ctx;
  switch (action.kind) {
    case "DeleteSecurityGroup":
      return owned(observed.securityGroups, action.groupId, "security group");
    case "RevokeRules":
      return owned(observed.securityGroups, action.groupId, "security group");
    case "AuthorizeIngress":
      return typeof action.groupId === "string"
        ? owned(observed.securityGroups, action.groupId, "security group")
        : null;
    case "ModifyInterfaceEndpoint":
    case "ModifyGatewayEndpoint":
    case "DeleteEndpoint":
      return owned(observed.endpoints, action.endpointId, "vpc endpoint");
    case "ReleaseAddress":
      return owned(observed.addresses, action.allocationId, "elastic ip");
    case "DeleteNatGateway":
      return owned(observed.natGateways, action.natGatewayId, "nat gateway");
    case "ReplaceRoute":
      return routeUnchanged(ctx, action.routeTableId, action.destination, action.before);
    case "DeleteRoute": {
      const changed = routeUnchanged(ctx, action.routeTableId, action.destination, action.before);
      if (changed !== null) return changed;
      const r = findRoute(ctx, action.routeTableId, action.destination);
      // Only routes to our NAT gateways are ours; a blackholed one points at a NAT that no longer exists.
      if (
        r?.target.kind === "nat" &&
        (r.state === "blackhole" || owned(observed.natGateways, r.target.id, "") === null)
      ) {
        return null;
      }
      return notOwned(`route ${action.destination} in ${action.routeTableId}`);
    }
    case "TagResources":
    case "UntagResources": {
      // Every id must be ours in the snapshot: tag repairs never touch anything else.
      const all: readonly ObservedMeta[] = [
        ...observed.securityGroups,
        ...observed.endpoints,
        ...observed.addresses,
        ...observed.natGateways,
      ];
      const foreign = action.resourceIds.find((id) => all.find((x) => x.id === id)?.owned !== true);
      return foreign === undefined ? null : notOwned(foreign);
    }
    case "TagResource": {
      const all: readonly ObservedMeta[] = [
        ...observed.securityGroups,
        ...observed.endpoints,
        ...observed.addresses,
        ...observed.natGateways,
      ];
      const uid = all.find((x) => x.id === action.resourceId)?.tags[TagKey.OwnerUid];
      return uid !== undefined && uid !== ctx.owner.uid ? notOwned(action.resourceId) : null;
    }
    default:
      return null;
  }
}
