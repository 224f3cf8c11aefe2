/**
 * Route tables: the VPC's main table (a subnet without an explicit association uses it), associations,
 * and routes with EC2's rules: `RouteAlreadyExists`, `InvalidRoute.NotFound`, origin `CreateRouteTable`
 * for the `local` route and `CreateRoute` otherwise, state `blackhole` once the target NAT gateway or
 * internet gateway is gone. Gateway endpoints' `pl-… → vpce-…` routes are derived from the endpoints.
 */
import type * as T from "@aws-sdk/client-ec2";
import { Ec2ApiError, invalidValue, notFound } from "../errors.js";
import { applyFilters, paginate, selectByIds } from "../filters.js";
import type { HandlerTable } from "../handler.js";
import { lookup, notFoundMany, op, parseCidr, required } from "../handler.js";
import { isEndpointLive, isNatLive } from "../lifecycle.js";
import type { Ctx, RouteRec, RouteTableRec } from "../state.js";
import { forget, newId, registerCreated, tagsOf } from "../state.js";
import { prefixListFor } from "./services.js";

function routeState(ctx: Ctx, r: RouteRec): "active" | "blackhole" {
  if (r.NatGatewayId) return isNatLive(ctx, ctx.world.nats.get(r.NatGatewayId)) ? "active" : "blackhole";
  if (r.GatewayId?.startsWith("igw-")) {
    const g = ctx.world.igws.get(r.GatewayId);
    return g?.vpcId ? "active" : "blackhole";
  }
  return "active";
}

/** Every route of a table as EC2 reports it: local route, stored routes, gateway-endpoint routes. */
export function routesOf(ctx: Ctx, t: RouteTableRec): T.Route[] {
  const vpc = ctx.world.vpcs.get(t.vpcId);
  const out: T.Route[] = [
    { DestinationCidrBlock: vpc?.cidr, GatewayId: "local", Origin: "CreateRouteTable", State: "active" },
  ];
  for (const r of t.routes) out.push({ ...r, State: routeState(ctx, r) });
  for (const e of ctx.world.endpoints.values()) {
    if (e.type !== "Gateway" || !e.routeTableIds.includes(t.id) || !isEndpointLive(ctx, e)) continue;
    const pl = prefixListFor(ctx, e.serviceName);
    if (pl) out.push({ DestinationPrefixListId: pl.id, GatewayId: e.id, Origin: "CreateRoute", State: "active" });
  }
  return out;
}

function associationsOf(t: RouteTableRec): T.RouteTableAssociation[] {
  const assoc: T.RouteTableAssociation[] = t.associations.map((a) => ({
    Main: false,
    RouteTableAssociationId: a.id,
    RouteTableId: t.id,
    SubnetId: a.subnetId,
    AssociationState: { State: "associated" },
  }));
  if (t.main && t.mainAssocId)
    assoc.unshift({
      Main: true,
      RouteTableAssociationId: t.mainAssocId,
      RouteTableId: t.id,
      AssociationState: { State: "associated" },
    });
  return assoc;
}

/** The SDK shape of a route table. */
export function routeTableView(ctx: Ctx, t: RouteTableRec): T.RouteTable {
  return {
    RouteTableId: t.id,
    VpcId: t.vpcId,
    OwnerId: ctx.accountId,
    Routes: routesOf(ctx, t),
    Associations: associationsOf(t),
    PropagatingVgws: [],
    Tags: tagsOf(ctx.world, t.id),
  };
}

function createRouteTable(ctx: Ctx, i: T.CreateRouteTableRequest): T.CreateRouteTableResult {
  const v = lookup(ctx, ctx.world.vpcs, "vpc", i.VpcId, "VpcId");
  const t: RouteTableRec = { id: newId(ctx, "rtb"), vpcId: v.id, main: false, routes: [], associations: [] };
  ctx.world.routeTables.set(t.id, t);
  registerCreated(ctx, t.id, "route-table", i.TagSpecifications);
  return { RouteTable: routeTableView(ctx, t) };
}

function deleteRouteTable(ctx: Ctx, i: T.DeleteRouteTableRequest): object {
  const t = lookup(ctx, ctx.world.routeTables, "rtb", i.RouteTableId, "RouteTableId");
  if (t.main || t.associations.length > 0) {
    throw new Ec2ApiError("DependencyViolation", `The routeTable '${t.id}' has dependencies and cannot be deleted.`);
  }
  ctx.world.routeTables.delete(t.id);
  forget(ctx.world, t.id);
  for (const e of ctx.world.endpoints.values()) e.routeTableIds = e.routeTableIds.filter((r) => r !== t.id);
  return {};
}

function describeRouteTables(ctx: Ctx, i: T.DescribeRouteTablesRequest): T.DescribeRouteTablesResult {
  let items = selectByIds(ctx, ctx.world.routeTables, i.RouteTableIds, notFoundMany("rtb"));
  const routes = (t: RouteTableRec) => routesOf(ctx, t);
  items = applyFilters(
    ctx,
    items,
    i.Filters,
    {
      "vpc-id": (t) => t.vpcId,
      "route-table-id": (t) => t.id,
      "owner-id": () => ctx.accountId,
      "association.subnet-id": (t) => t.associations.map((a) => a.subnetId),
      "association.route-table-association-id": (t) => associationsOf(t).map((a) => a.RouteTableAssociationId),
      "association.route-table-id": (t) => (associationsOf(t).length ? t.id : undefined),
      "association.main": (t) => (t.main ? true : t.associations.length ? false : undefined),
      "route.destination-cidr-block": (t) => routes(t).map((r) => r.DestinationCidrBlock),
      "route.destination-prefix-list-id": (t) => routes(t).map((r) => r.DestinationPrefixListId),
      "route.gateway-id": (t) => routes(t).map((r) => r.GatewayId),
      "route.nat-gateway-id": (t) => routes(t).map((r) => r.NatGatewayId),
      "route.origin": (t) => routes(t).map((r) => r.Origin),
      "route.state": (t) => routes(t).map((r) => r.State),
    },
    (t) => t.id,
  );
  const { page, NextToken } = paginate(items, i.MaxResults, i.NextToken, { min: 5, max: 100 });
  return { RouteTables: page.map((t) => routeTableView(ctx, t)), NextToken };
}

function associateRouteTable(ctx: Ctx, i: T.AssociateRouteTableRequest): T.AssociateRouteTableResult {
  const t = lookup(ctx, ctx.world.routeTables, "rtb", i.RouteTableId, "RouteTableId");
  const s = lookup(ctx, ctx.world.subnets, "subnet", i.SubnetId, "SubnetId");
  if (s.vpcId !== t.vpcId)
    throw invalidValue("subnetId", s.id, `route table ${t.id} and subnet ${s.id} belong to different networks`);
  const existing = [...ctx.world.routeTables.values()].find((o) => o.associations.some((a) => a.subnetId === s.id));
  if (existing)
    throw new Ec2ApiError(
      "Resource.AlreadyAssociated",
      `the specified association for route table ${existing.id} conflicts with an existing association`,
    );
  const a = { id: newId(ctx, "rtbassoc"), subnetId: s.id };
  t.associations.push(a);
  return { AssociationId: a.id, AssociationState: { State: "associated" } };
}

function findAssociation(ctx: Ctx, id: string | undefined): RouteTableRec {
  const assocId = required(id, "AssociationId");
  if (!/^rtbassoc-[0-9a-f]+$/.test(assocId))
    throw new Ec2ApiError("InvalidAssociationID.Malformed", `Invalid id: "${assocId}"`);
  const t = [...ctx.world.routeTables.values()].find(
    (r) => r.associations.some((a) => a.id === assocId) || r.mainAssocId === assocId,
  );
  if (!t) throw notFound("InvalidAssociationID.NotFound", assocId, "association");
  return t;
}

function disassociateRouteTable(ctx: Ctx, i: T.DisassociateRouteTableRequest): object {
  const t = findAssociation(ctx, i.AssociationId);
  if (t.mainAssocId === i.AssociationId)
    throw new Ec2ApiError("InvalidParameterValue", "cannot disassociate the main route table association");
  t.associations = t.associations.filter((a) => a.id !== i.AssociationId);
  return {};
}

function replaceAssociation(ctx: Ctx, i: T.ReplaceRouteTableAssociationRequest): T.ReplaceRouteTableAssociationResult {
  const from = findAssociation(ctx, i.AssociationId);
  const to = lookup(ctx, ctx.world.routeTables, "rtb", i.RouteTableId, "RouteTableId");
  const newAssoc = newId(ctx, "rtbassoc");
  if (from.mainAssocId === i.AssociationId) {
    from.main = false;
    from.mainAssocId = undefined;
    to.main = true;
    to.mainAssocId = newAssoc;
    ctx.world.vpcs.get(to.vpcId)!.mainRouteTableId = to.id;
  } else {
    const a = from.associations.find((x) => x.id === i.AssociationId)!;
    from.associations = from.associations.filter((x) => x !== a);
    to.associations.push({ id: newAssoc, subnetId: a.subnetId });
  }
  return { NewAssociationId: newAssoc, AssociationState: { State: "associated" } };
}

type RouteInput = T.CreateRouteRequest | T.ReplaceRouteRequest;

function routeTarget(ctx: Ctx, t: RouteTableRec, i: RouteInput): Partial<RouteRec> {
  if (i.NatGatewayId) {
    const n = ctx.world.nats.get(i.NatGatewayId);
    if (!n) throw notFound("InvalidNatGatewayID.NotFound", i.NatGatewayId, "natGateway");
    return { NatGatewayId: n.id };
  }
  if (i.GatewayId) {
    const g = ctx.world.igws.get(i.GatewayId);
    if (!g) throw notFound("InvalidGatewayID.NotFound", i.GatewayId, "gateway");
    if (g.vpcId !== t.vpcId)
      throw new Ec2ApiError(
        "InvalidParameterValue",
        `route table ${t.id} and network gateway ${g.id} belong to different networks`,
      );
    return { GatewayId: g.id };
  }
  throw new Ec2ApiError(
    "InvalidParameterCombination",
    "No route target specified; the sandbox supports GatewayId and NatGatewayId",
  );
}

function destination(i: RouteInput): string {
  const d = required(i.DestinationCidrBlock, "DestinationCidrBlock");
  if (!parseCidr(d)) throw invalidValue("destinationCidrBlock", d);
  return d;
}

function createRoute(ctx: Ctx, i: T.CreateRouteRequest): T.CreateRouteResult {
  const t = lookup(ctx, ctx.world.routeTables, "rtb", i.RouteTableId, "RouteTableId");
  const dest = destination(i);
  const target = routeTarget(ctx, t, i);
  if (t.routes.some((r) => r.DestinationCidrBlock === dest) || ctx.world.vpcs.get(t.vpcId)?.cidr === dest) {
    throw new Ec2ApiError("RouteAlreadyExists", `The route identified by ${dest} already exists.`);
  }
  t.routes.push({ DestinationCidrBlock: dest, ...target, Origin: "CreateRoute" });
  return { Return: true };
}

function replaceRoute(ctx: Ctx, i: T.ReplaceRouteRequest): object {
  const t = lookup(ctx, ctx.world.routeTables, "rtb", i.RouteTableId, "RouteTableId");
  const dest = destination(i);
  const idx = t.routes.findIndex((r) => r.DestinationCidrBlock === dest);
  if (idx < 0)
    throw new Ec2ApiError(
      "InvalidRoute.NotFound",
      `There is no route defined for '${dest}' in the route table. Use CreateRoute instead.`,
    );
  t.routes[idx] = { DestinationCidrBlock: dest, ...routeTarget(ctx, t, i), Origin: "CreateRoute" };
  return {};
}

function deleteRoute(ctx: Ctx, i: T.DeleteRouteRequest): object {
  const t = lookup(ctx, ctx.world.routeTables, "rtb", i.RouteTableId, "RouteTableId");
  const dest = required(i.DestinationCidrBlock, "DestinationCidrBlock");
  const before = t.routes.length;
  t.routes = t.routes.filter((r) => r.DestinationCidrBlock !== dest);
  if (t.routes.length === before)
    throw new Ec2ApiError(
      "InvalidRoute.NotFound",
      `No route with destination-cidr-block ${dest} in route table ${t.id}`,
    );
  return {};
}

/** Route table, association and route operations. */
export const routeTableHandlers: HandlerTable = {
  CreateRouteTable: op(createRouteTable),
  DeleteRouteTable: op(deleteRouteTable),
  DescribeRouteTables: op(describeRouteTables),
  AssociateRouteTable: op(associateRouteTable),
  DisassociateRouteTable: op(disassociateRouteTable),
  ReplaceRouteTableAssociation: op(replaceAssociation),
  CreateRoute: op(createRoute),
  ReplaceRoute: op(replaceRoute),
  DeleteRoute: op(deleteRoute),
};
