/**
 * VPCs (with their DNS attributes), subnets, internet gateways and availability zones. A new VPC gets its
 * main route table (with the `local` route) and its `default` security group, as in EC2.
 */
import type * as T from "@aws-sdk/client-ec2";
import { Ec2ApiError, invalidValue } from "../errors.js";
import { applyFilters, paginate, selectByIds } from "../filters.js";
import type { HandlerTable } from "../handler.js";
import { cidrOverlap, cidrWithin, lookup, notFoundMany, op, parseCidr, required } from "../handler.js";
import type { Ctx, IgwRec, SubnetRec, VpcRec } from "../state.js";
import { forget, newId, registerCreated, tagsOf } from "../state.js";
import { createDefaultSecurityGroup } from "./security-groups.js";
import { isEndpointLive, isNatLive } from "../lifecycle.js";

/** The availability zones of the sandbox's region: `${region}a` … `${region}f`. */
export function zonesOf(region: string): string[] {
  return ["a", "b", "c", "d", "e", "f"].map((s) => region + s);
}

function zoneId(ctx: Ctx, az: string): string {
  const short = ctx.region.replace(/^(\w\w)-(\w)\w*-(\d+)$/, "$1$2$3");
  return `${short}-az${zonesOf(ctx.region).indexOf(az) + 1}`;
}

function vpcView(ctx: Ctx, v: VpcRec): T.Vpc {
  return {
    VpcId: v.id,
    CidrBlock: v.cidr,
    State: "available",
    OwnerId: ctx.accountId,
    InstanceTenancy: "default",
    IsDefault: false,
    DhcpOptionsId: "dopt-00000000000000000",
    CidrBlockAssociationSet: [
      { AssociationId: `vpc-cidr-assoc-${v.id.slice(4)}`, CidrBlock: v.cidr, CidrBlockState: { State: "associated" } },
    ],
    Tags: tagsOf(ctx.world, v.id),
  };
}

function subnetView(ctx: Ctx, s: SubnetRec): T.Subnet {
  const [, len] = parseCidr(s.cidr)!;
  return {
    SubnetId: s.id,
    VpcId: s.vpcId,
    CidrBlock: s.cidr,
    AvailabilityZone: s.az,
    AvailabilityZoneId: zoneId(ctx, s.az),
    State: "available",
    AvailableIpAddressCount: 2 ** (32 - len) - 5,
    DefaultForAz: false,
    MapPublicIpOnLaunch: s.mapPublicIp,
    OwnerId: ctx.accountId,
    SubnetArn: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:subnet/${s.id}`,
    AssignIpv6AddressOnCreation: false,
    Ipv6Native: false,
    Tags: tagsOf(ctx.world, s.id),
  };
}

function igwView(ctx: Ctx, g: IgwRec): T.InternetGateway {
  return {
    InternetGatewayId: g.id,
    OwnerId: ctx.accountId,
    Tags: tagsOf(ctx.world, g.id),
    Attachments: g.vpcId ? [{ VpcId: g.vpcId, State: "available" as T.AttachmentStatus }] : [],
  };
}

function createVpc(ctx: Ctx, i: T.CreateVpcRequest): T.CreateVpcResult {
  const cidr = required(i.CidrBlock, "CidrBlock");
  const parsed = parseCidr(cidr);
  if (!parsed) throw invalidValue("cidrBlock", cidr);
  if (parsed[1] < 16 || parsed[1] > 28) throw new Ec2ApiError("InvalidVpc.Range", `The CIDR '${cidr}' is invalid.`);
  const id = newId(ctx, "vpc");
  const rtbId = newId(ctx, "rtb");
  const v: VpcRec = { id, cidr, dnsSupport: true, dnsHostnames: false, mainRouteTableId: rtbId, defaultSgId: "" };
  ctx.world.vpcs.set(id, v);
  registerCreated(ctx, id, "vpc", i.TagSpecifications);
  ctx.world.routeTables.set(rtbId, {
    id: rtbId,
    vpcId: id,
    main: true,
    routes: [],
    associations: [],
    mainAssocId: newId(ctx, "rtbassoc"),
  });
  registerCreated(ctx, rtbId, "route-table", undefined);
  v.defaultSgId = createDefaultSecurityGroup(ctx, id);
  return { Vpc: vpcView(ctx, v) };
}

function deleteVpc(ctx: Ctx, i: T.DeleteVpcRequest): object {
  const v = lookup(ctx, ctx.world.vpcs, "vpc", i.VpcId, "VpcId");
  const w = ctx.world;
  const blocking =
    [...w.subnets.values()].some((s) => s.vpcId === v.id) ||
    [...w.igws.values()].some((g) => g.vpcId === v.id) ||
    [...w.routeTables.values()].some((r) => r.vpcId === v.id && !r.main) ||
    [...w.sgs.values()].some((g) => g.vpcId === v.id && !g.isDefault) ||
    [...w.nats.values()].some((n) => n.vpcId === v.id && isNatLive(ctx, n)) ||
    [...w.endpoints.values()].some((e) => e.vpcId === v.id && isEndpointLive(ctx, e));
  if (blocking)
    throw new Ec2ApiError("DependencyViolation", `The vpc '${v.id}' has dependencies and cannot be deleted.`);
  const owned = [...w.routeTables.values(), ...w.sgs.values()].filter((r) => r.vpcId === v.id).map((r) => r.id);
  for (const id of owned) {
    w.routeTables.delete(id);
    w.sgs.delete(id);
    forget(w, id);
  }
  for (const [id, r] of w.sgRules) if (!w.sgs.has(r.groupId)) w.sgRules.delete(id);
  w.vpcs.delete(v.id);
  forget(w, v.id);
  return {};
}

function describeVpcs(ctx: Ctx, i: T.DescribeVpcsRequest): T.DescribeVpcsResult {
  let items = selectByIds(ctx, ctx.world.vpcs, i.VpcIds, notFoundMany("vpc"));
  items = applyFilters(
    ctx,
    items,
    i.Filters,
    {
      "vpc-id": (v) => v.id,
      cidr: (v) => v.cidr,
      "cidr-block-association.cidr-block": (v) => v.cidr,
      state: () => "available",
      "is-default": () => false,
      "owner-id": () => ctx.accountId,
    },
    (v) => v.id,
  );
  const { page, NextToken } = paginate(items, i.MaxResults, i.NextToken);
  return { Vpcs: page.map((v) => vpcView(ctx, v)), NextToken };
}

function describeVpcAttribute(ctx: Ctx, i: T.DescribeVpcAttributeRequest): T.DescribeVpcAttributeResult {
  const v = lookup(ctx, ctx.world.vpcs, "vpc", i.VpcId, "VpcId");
  const attr = required(i.Attribute, "Attribute");
  if (attr === "enableDnsSupport") return { VpcId: v.id, EnableDnsSupport: { Value: v.dnsSupport } };
  if (attr === "enableDnsHostnames") return { VpcId: v.id, EnableDnsHostnames: { Value: v.dnsHostnames } };
  throw invalidValue("attribute", attr);
}

function modifyVpcAttribute(ctx: Ctx, i: T.ModifyVpcAttributeRequest): object {
  const v = lookup(ctx, ctx.world.vpcs, "vpc", i.VpcId, "VpcId");
  const support = i.EnableDnsSupport?.Value;
  const hostnames = i.EnableDnsHostnames?.Value;
  if ((support === undefined) === (hostnames === undefined)) {
    throw new Ec2ApiError("InvalidParameterCombination", "Exactly one attribute may be modified per request");
  }
  if (hostnames === true && !(support ?? v.dnsSupport)) {
    throw new Ec2ApiError("InvalidParameterValue", "Cannot enable DNS hostnames when DNS support is disabled");
  }
  if (support !== undefined) v.dnsSupport = support;
  if (hostnames !== undefined) v.dnsHostnames = hostnames;
  return {};
}

function createSubnet(ctx: Ctx, i: T.CreateSubnetRequest): T.CreateSubnetResult {
  const v = lookup(ctx, ctx.world.vpcs, "vpc", i.VpcId, "VpcId");
  const cidr = required(i.CidrBlock, "CidrBlock");
  const parsed = parseCidr(cidr);
  if (!parsed) throw invalidValue("cidrBlock", cidr);
  if (!cidrWithin(cidr, v.cidr) || parsed[1] > 28)
    throw new Ec2ApiError("InvalidSubnet.Range", `The CIDR '${cidr}' is invalid.`);
  const siblings = [...ctx.world.subnets.values()].filter((s) => s.vpcId === v.id);
  if (siblings.some((s) => cidrOverlap(s.cidr, cidr))) {
    throw new Ec2ApiError("InvalidSubnet.Conflict", `The CIDR '${cidr}' conflicts with another subnet`);
  }
  const zones = zonesOf(ctx.region);
  const az = i.AvailabilityZone ?? zones[0]!;
  if (!zones.includes(az)) {
    throw invalidValue(
      "availabilityZone",
      az,
      `Subnets can currently only be created in the following availability zones: ${zones.join(", ")}.`,
    );
  }
  const s: SubnetRec = { id: newId(ctx, "subnet"), vpcId: v.id, cidr, az, mapPublicIp: false };
  ctx.world.subnets.set(s.id, s);
  registerCreated(ctx, s.id, "subnet", i.TagSpecifications);
  return { Subnet: subnetView(ctx, s) };
}

function deleteSubnet(ctx: Ctx, i: T.DeleteSubnetRequest): object {
  const s = lookup(ctx, ctx.world.subnets, "subnet", i.SubnetId, "SubnetId");
  const w = ctx.world;
  const used =
    [...w.nats.values()].some((n) => n.subnetId === s.id && isNatLive(ctx, n)) ||
    [...w.endpoints.values()].some((e) => e.subnetIds.includes(s.id) && isEndpointLive(ctx, e));
  if (used)
    throw new Ec2ApiError("DependencyViolation", `The subnet '${s.id}' has dependencies and cannot be deleted.`);
  for (const r of w.routeTables.values()) r.associations = r.associations.filter((a) => a.subnetId !== s.id);
  w.subnets.delete(s.id);
  forget(w, s.id);
  return {};
}

function describeSubnets(ctx: Ctx, i: T.DescribeSubnetsRequest): T.DescribeSubnetsResult {
  let items = selectByIds(ctx, ctx.world.subnets, i.SubnetIds, notFoundMany("subnet"));
  items = applyFilters(
    ctx,
    items,
    i.Filters,
    {
      "vpc-id": (s) => s.vpcId,
      "subnet-id": (s) => s.id,
      "availability-zone": (s) => s.az,
      availabilityZone: (s) => s.az,
      "availability-zone-id": (s) => zoneId(ctx, s.az),
      "cidr-block": (s) => s.cidr,
      cidr: (s) => s.cidr,
      cidrBlock: (s) => s.cidr,
      state: () => "available",
      "default-for-az": () => false,
      "map-public-ip-on-launch": (s) => s.mapPublicIp,
      "owner-id": () => ctx.accountId,
    },
    (s) => s.id,
  );
  const { page, NextToken } = paginate(items, i.MaxResults, i.NextToken);
  return { Subnets: page.map((s) => subnetView(ctx, s)), NextToken };
}

function createIgw(ctx: Ctx, i: T.CreateInternetGatewayRequest): T.CreateInternetGatewayResult {
  const g: IgwRec = { id: newId(ctx, "igw") };
  ctx.world.igws.set(g.id, g);
  registerCreated(ctx, g.id, "internet-gateway", i.TagSpecifications);
  return { InternetGateway: igwView(ctx, g) };
}

function attachIgw(ctx: Ctx, i: T.AttachInternetGatewayRequest): object {
  const g = lookup(ctx, ctx.world.igws, "igw", i.InternetGatewayId, "InternetGatewayId");
  const v = lookup(ctx, ctx.world.vpcs, "vpc", i.VpcId, "VpcId");
  if (g.vpcId)
    throw new Ec2ApiError("Resource.AlreadyAssociated", `resource ${g.id} is already attached to network ${g.vpcId}`);
  if ([...ctx.world.igws.values()].some((o) => o.vpcId === v.id)) {
    throw new Ec2ApiError("Resource.AlreadyAssociated", `network ${v.id} already has an internet gateway attached`);
  }
  g.vpcId = v.id;
  return {};
}

function detachIgw(ctx: Ctx, i: T.DetachInternetGatewayRequest): object {
  const g = lookup(ctx, ctx.world.igws, "igw", i.InternetGatewayId, "InternetGatewayId");
  const vpcId = required(i.VpcId, "VpcId");
  if (g.vpcId !== vpcId)
    throw new Ec2ApiError("Gateway.NotAttached", `resource ${g.id} is not attached to network ${vpcId}`);
  g.vpcId = undefined;
  return {};
}

function deleteIgw(ctx: Ctx, i: T.DeleteInternetGatewayRequest): object {
  const g = lookup(ctx, ctx.world.igws, "igw", i.InternetGatewayId, "InternetGatewayId");
  if (g.vpcId)
    throw new Ec2ApiError(
      "DependencyViolation",
      `The internetGateway '${g.id}' has dependencies and cannot be deleted.`,
    );
  ctx.world.igws.delete(g.id);
  forget(ctx.world, g.id);
  return {};
}

function describeIgws(ctx: Ctx, i: T.DescribeInternetGatewaysRequest): T.DescribeInternetGatewaysResult {
  let items = selectByIds(ctx, ctx.world.igws, i.InternetGatewayIds, notFoundMany("igw"));
  items = applyFilters(
    ctx,
    items,
    i.Filters,
    {
      "attachment.vpc-id": (g) => g.vpcId,
      "attachment.state": (g) => (g.vpcId ? "available" : undefined),
      "internet-gateway-id": (g) => g.id,
      "owner-id": () => ctx.accountId,
    },
    (g) => g.id,
  );
  const { page, NextToken } = paginate(items, i.MaxResults, i.NextToken);
  return { InternetGateways: page.map((g) => igwView(ctx, g)), NextToken };
}

function describeAzs(ctx: Ctx, i: T.DescribeAvailabilityZonesRequest): T.DescribeAvailabilityZonesResult {
  const zones = zonesOf(ctx.region).map((z) => ({ z }));
  const picked = i.ZoneNames?.length ? zones.filter(({ z }) => i.ZoneNames!.includes(z)) : zones;
  const items = applyFilters(
    ctx,
    picked,
    i.Filters,
    {
      "zone-name": ({ z }) => z,
      state: () => "available",
      "region-name": () => ctx.region,
      "zone-id": ({ z }) => zoneId(ctx, z),
    },
    ({ z }) => z,
  );
  return {
    AvailabilityZones: items.map(({ z }) => ({
      ZoneName: z,
      ZoneId: zoneId(ctx, z),
      State: "available",
      RegionName: ctx.region,
      ZoneType: "availability-zone",
      OptInStatus: "opt-in-not-required",
      GroupName: ctx.region,
      NetworkBorderGroup: ctx.region,
      Messages: [],
    })),
  };
}

/** VPC, subnet, internet gateway and availability zone operations. */
export const vpcHandlers: HandlerTable = {
  CreateVpc: op(createVpc),
  DeleteVpc: op(deleteVpc),
  DescribeVpcs: op(describeVpcs),
  DescribeVpcAttribute: op(describeVpcAttribute),
  ModifyVpcAttribute: op(modifyVpcAttribute),
  CreateSubnet: op(createSubnet),
  DeleteSubnet: op(deleteSubnet),
  DescribeSubnets: op(describeSubnets),
  CreateInternetGateway: op(createIgw),
  AttachInternetGateway: op(attachIgw),
  DetachInternetGateway: op(detachIgw),
  DeleteInternetGateway: op(deleteIgw),
  DescribeInternetGateways: op(describeIgws),
  DescribeAvailabilityZones: op(describeAzs),
};
