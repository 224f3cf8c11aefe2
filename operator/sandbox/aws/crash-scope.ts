/**
 * Which ecsnet object an EC2 mutation is for, so that crash boundaries (`Faults.parkAfterMutations`) can be
 * counted per object as well as per client: one process reconciling many objects can then be stopped at a
 * different boundary for each of them. The object is its `ecsnet.dev/owner-uid` tag, read from the call's
 * TagSpecifications or from the resource the call names (for a route: the NAT gateway it points at).
 * Undefined for calls on nothing ecsnet owns (ModifyVpcAttribute, or a resource already forgotten).
 */
import { TagKey } from "../../api/group.js";
import type { FlatParams } from "./query.js";
import type { Ctx } from "./state.js";

const tagOf = (ctx: Ctx, id: string | undefined): string | undefined =>
  id === undefined ? undefined : ctx.world.tags.get(id)?.get(TagKey.OwnerUid);

/** The owner uid a mutating EC2 call is for, from its raw query parameters and the world before it runs. */
export function ownerOfCall(ctx: Ctx, action: string, p: FlatParams): string | undefined {
  for (const [k, v] of p) {
    const m = /^TagSpecification\.(\d+)\.Tag\.(\d+)\.Key$/.exec(k);
    if (m && v === TagKey.OwnerUid) return p.get(`TagSpecification.${m[1]}.Tag.${m[2]}.Value`);
  }
  switch (action) {
    case "AuthorizeSecurityGroupIngress":
    case "RevokeSecurityGroupIngress":
    case "RevokeSecurityGroupEgress":
    case "DeleteSecurityGroup":
      return tagOf(ctx, p.get("GroupId"));
    case "ModifyVpcEndpoint":
      return tagOf(ctx, p.get("VpcEndpointId"));
    case "DeleteVpcEndpoints":
      return tagOf(ctx, p.get("VpcEndpointId.1"));
    case "DeleteNatGateway":
    case "CreateRoute":
    case "ReplaceRoute":
      return tagOf(ctx, p.get("NatGatewayId"));
    case "ReleaseAddress":
      return tagOf(ctx, p.get("AllocationId"));
    case "CreateTags":
    case "DeleteTags":
      return tagOf(ctx, p.get("ResourceId.1"));
    case "DeleteRoute": {
      const t = ctx.world.routeTables.get(p.get("RouteTableId") ?? "");
      const r = t?.routes.find((x) => x.DestinationCidrBlock === p.get("DestinationCidrBlock"));
      return tagOf(ctx, r?.NatGatewayId);
    }
    default:
      return undefined;
  }
}
