/**
 * VPC endpoints, Interface and Gateway. Interface: one subnet per AZ (DuplicateSubnetsInSameZone), the
 * service must be offered in each subnet's AZ, private DNS (on by default for AWS services) needs both VPC
 * DNS attributes and conflicts with another private-DNS endpoint of the same service in the VPC. Gateway:
 * route tables get `pl-… → vpce-…` routes (derived in route-tables.ts). ClientToken idempotency as EC2
 * documents it (ec2-api-idempotency, Run_Instance_Idempotency): see `createEndpoint`. States are reported lower-case (`available`), as EC2 sends them on the wire.
 */
import type * as T from "@aws-sdk/client-ec2";
import { Ec2ApiError, ID_KINDS, assertIdShape } from "../errors.js";
import { applyFilters, paginate, selectByIds } from "../filters.js";
import type { HandlerTable } from "../handler.js";
import { lookup, notFoundMany, op, required } from "../handler.js";
import { endpointState, isEndpointLive } from "../lifecycle.js";
import type { Ctx, EndpointRec, VpcRec } from "../state.js";
import { IDEMPOTENT_MISMATCH_MESSAGE, isInvisible, newId, registerCreated, tagsOf, tokenKey } from "../state.js";
import { findOffering, prefixListFor, serviceAzs, shortNameOf } from "./services.js";

/** The policy AWS attaches when none is given: full access. */
export const DEFAULT_ENDPOINT_POLICY = JSON.stringify({
  Version: "2008-10-17",
  Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }],
});

const invalid = (m: string) => new Ec2ApiError("InvalidParameter", m);

function checkPolicy(doc: string | undefined): void {
  if (doc === undefined) return;
  try {
    JSON.parse(doc);
  } catch {
    throw new Ec2ApiError("MalformedPolicyDocument", "The policy document is not valid JSON");
  }
}

function checkSubnets(ctx: Ctx, e: Pick<EndpointRec, "vpcId" | "serviceName">, subnetIds: string[]): void {
  const seen = new Map<string, string>();
  const short = shortNameOf(ctx, e.serviceName) ?? "";
  for (const id of subnetIds) {
    const s = lookup(ctx, ctx.world.subnets, "subnet", id, "SubnetId");
    if (s.vpcId !== e.vpcId) throw invalid(`The subnet ${s.id} does not belong to ${e.vpcId}`);
    if (seen.has(s.az))
      throw new Ec2ApiError(
        "DuplicateSubnetsInSameZone",
        `Found another VPC endpoint subnet in the availability zone of ${s.id}. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.`,
      );
    seen.set(s.az, s.id);
    if (!serviceAzs(ctx, short).includes(s.az))
      throw invalid(
        `The VPC endpoint service ${e.serviceName} does not support the availability zone of the subnet: ${s.id}.`,
      );
  }
}

function checkPrivateDns(
  ctx: Ctx,
  v: VpcRec,
  e: Pick<EndpointRec, "id" | "serviceName">,
  dnsName: string | undefined,
): void {
  if (!v.dnsSupport || !v.dnsHostnames) {
    throw invalid(
      `Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for ${v.id}`,
    );
  }
  const clash = [...ctx.world.endpoints.values()].find(
    (o) =>
      o.id !== e.id && o.vpcId === v.id && o.serviceName === e.serviceName && o.privateDns && isEndpointLive(ctx, o),
  );
  if (clash)
    throw invalid(
      `private-dns-enabled cannot be set because there is already a conflicting DNS domain for ${dnsName} in the VPC ${v.id}`,
    );
}

function checkRouteTables(ctx: Ctx, e: Pick<EndpointRec, "id" | "vpcId" | "serviceName">, ids: string[]): void {
  const pl = prefixListFor(ctx, e.serviceName);
  for (const id of ids) {
    const t = lookup(ctx, ctx.world.routeTables, "rtb", id, "RouteTableId");
    if (t.vpcId !== e.vpcId) throw invalid(`The route table ${t.id} does not belong to ${e.vpcId}`);
    const dup = [...ctx.world.endpoints.values()].find(
      (o) =>
        o.id !== e.id &&
        o.type === "Gateway" &&
        isEndpointLive(ctx, o) &&
        o.routeTableIds.includes(t.id) &&
        prefixListFor(ctx, o.serviceName)?.id === pl?.id,
    );
    if (dup)
      throw new Ec2ApiError(
        "RouteAlreadyExists",
        `route table ${t.id} already has a route with destination-prefix-list-id ${pl?.id}`,
      );
  }
}

function endpointView(ctx: Ctx, e: EndpointRec): T.VpcEndpoint {
  const offering = findOffering(ctx, e.serviceName, e.type);
  const short = shortNameOf(ctx, e.serviceName) ?? "";
  const base = `${e.id}.${short}.${ctx.region}.vpce.amazonaws.com`;
  return {
    VpcEndpointId: e.id,
    VpcEndpointType: e.type,
    VpcId: e.vpcId,
    ServiceName: e.serviceName,
    OwnerId: ctx.accountId,
    State: endpointState(ctx, e) as T.State,
    PolicyDocument: e.policy,
    RouteTableIds: e.routeTableIds,
    SubnetIds: e.subnetIds,
    Groups: e.securityGroupIds.map((g) => ({ GroupId: g, GroupName: ctx.world.sgs.get(g)?.name })),
    IpAddressType: e.ipAddressType as T.IpAddressType,
    DnsOptions: e.type === "Interface" ? { DnsRecordIpType: "ipv4" } : undefined,
    PrivateDnsEnabled: e.privateDns,
    RequesterManaged: false,
    NetworkInterfaceIds: e.subnetIds.map((s) => `eni-${s.slice(7)}`.slice(0, 21)),
    DnsEntries:
      e.type === "Interface"
        ? [
            { DnsName: base, HostedZoneId: "Z7HUB22UULQXV" },
            ...(e.privateDns && offering?.dns
              ? [{ DnsName: offering.dns(ctx.region), HostedZoneId: "ZONEIDPENDING" }]
              : []),
          ]
        : [],
    CreationTimestamp: new Date(e.born),
    Tags: tagsOf(ctx.world, e.id),
  };
}

function createEndpoint(ctx: Ctx, i: T.CreateVpcEndpointRequest): T.CreateVpcEndpointResult {
  const v = lookup(ctx, ctx.world.vpcs, "vpc", i.VpcId, "VpcId");
  const serviceName = required(i.ServiceName, "ServiceName");
  const type = i.VpcEndpointType ?? "Gateway";
  if (type !== "Interface" && type !== "Gateway") throw invalid(`The sandbox does not support endpoint type ${type}`);
  const offering = findOffering(ctx, serviceName, type);
  if (!offering)
    throw new Ec2ApiError("InvalidServiceName", `The Vpc Endpoint Service '${serviceName}' does not exist`);
  const subnetIds = type === "Interface" ? [...(i.SubnetIds ?? [])] : [];
  const routeTableIds = type === "Gateway" ? [...(i.RouteTableIds ?? [])] : [];
  if (type === "Gateway" && i.SubnetIds?.length) throw invalid("Gateway endpoints do not take subnets");
  const privateDns = type === "Interface" ? (i.PrivateDnsEnabled ?? true) : false;
  const sgs = type === "Interface" ? (i.SecurityGroupIds?.length ? [...i.SecurityGroupIds] : [v.defaultSgId]) : [];
  const fingerprint = JSON.stringify([
    v.id,
    serviceName,
    type,
    [...subnetIds].sort(),
    [...routeTableIds].sort(),
    [...sgs].sort(),
    privateDns,
    i.PolicyDocument ?? null,
  ]);
  // EC2 API idempotency (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html): a
  // retry with the same token and parameters returns the resource the first call made, in whatever state it
  // is now (deleted included); the same token with other parameters fails with IdempotentParameterMismatch.
  const tk = i.ClientToken ? tokenKey(ctx, "CreateVpcEndpoint", i.ClientToken) : undefined;
  const prior = tk ? ctx.world.tokens.get(tk) : undefined;
  if (prior) {
    if (prior.fingerprint !== fingerprint)
      throw new Ec2ApiError("IdempotentParameterMismatch", IDEMPOTENT_MISMATCH_MESSAGE);
    const existing = ctx.world.endpoints.get(prior.id) ?? ctx.world.goneEndpoints.get(prior.id);
    if (existing) return { VpcEndpoint: endpointView(ctx, existing), ClientToken: i.ClientToken };
  }
  checkPolicy(i.PolicyDocument);
  const draft = { id: "", vpcId: v.id, serviceName };
  if (type === "Interface") {
    if (subnetIds.length === 0)
      throw new Ec2ApiError("MissingParameter", "The request must contain the parameter SubnetId");
    checkSubnets(ctx, draft, subnetIds);
    for (const g of sgs) lookup(ctx, ctx.world.sgs, "sg", g, "SecurityGroupId");
    if (privateDns) checkPrivateDns(ctx, v, draft, offering.dns?.(ctx.region));
  } else checkRouteTables(ctx, draft, routeTableIds);
  const e: EndpointRec = {
    id: newId(ctx, "vpce"),
    vpcId: v.id,
    serviceName,
    type,
    subnetIds,
    routeTableIds,
    securityGroupIds: sgs,
    privateDns,
    policy: i.PolicyDocument ?? DEFAULT_ENDPOINT_POLICY,
    born: ctx.now(),
    createdAt: ctx.now(),
    ipAddressType: i.IpAddressType ?? "ipv4",
  };
  ctx.world.endpoints.set(e.id, e);
  registerCreated(ctx, e.id, "vpc-endpoint", i.TagSpecifications);
  if (tk) ctx.world.tokens.set(tk, { id: e.id, fingerprint });
  return { VpcEndpoint: endpointView(ctx, e), ClientToken: i.ClientToken };
}

function modifyEndpoint(ctx: Ctx, i: T.ModifyVpcEndpointRequest): T.ModifyVpcEndpointResult {
  const e = lookup(ctx, ctx.world.endpoints, "vpce", i.VpcEndpointId, "VpcEndpointId");
  if (!isEndpointLive(ctx, e) || e.deleteAt !== undefined) throw invalid(`Endpoint ${e.id} is being deleted`);
  const v = ctx.world.vpcs.get(e.vpcId)!;
  if (e.type === "Gateway" && (i.AddSubnetIds?.length || i.AddSecurityGroupIds?.length))
    throw invalid("Gateway endpoints do not take subnets or security groups");
  if (e.type === "Interface" && i.AddRouteTableIds?.length)
    throw invalid("Interface endpoints do not take route tables");
  const subnets = [
    ...e.subnetIds.filter((s) => !i.RemoveSubnetIds?.includes(s)),
    ...(i.AddSubnetIds ?? []).filter((s) => !e.subnetIds.includes(s)),
  ];
  const rts = [
    ...e.routeTableIds.filter((r) => !i.RemoveRouteTableIds?.includes(r)),
    ...(i.AddRouteTableIds ?? []).filter((r) => !e.routeTableIds.includes(r)),
  ];
  const sgs = [
    ...e.securityGroupIds.filter((g) => !i.RemoveSecurityGroupIds?.includes(g)),
    ...(i.AddSecurityGroupIds ?? []).filter((g) => !e.securityGroupIds.includes(g)),
  ];
  if (e.type === "Interface") checkSubnets(ctx, e, subnets);
  checkRouteTables(
    ctx,
    e,
    (i.AddRouteTableIds ?? []).filter((r) => !e.routeTableIds.includes(r)),
  );
  for (const g of i.AddSecurityGroupIds ?? []) lookup(ctx, ctx.world.sgs, "sg", g, "SecurityGroupId");
  if (e.type === "Interface" && sgs.length === 0)
    throw invalid("An interface endpoint must keep at least one security group");
  if (i.PrivateDnsEnabled === true && !e.privateDns)
    checkPrivateDns(ctx, v, e, findOffering(ctx, e.serviceName, e.type)?.dns?.(ctx.region));
  if (i.ResetPolicy && i.PolicyDocument)
    throw new Ec2ApiError("InvalidParameterCombination", "ResetPolicy and PolicyDocument are mutually exclusive");
  checkPolicy(i.PolicyDocument);
  e.subnetIds = subnets;
  e.routeTableIds = rts;
  e.securityGroupIds = sgs;
  if (i.PrivateDnsEnabled !== undefined && e.type === "Interface") e.privateDns = i.PrivateDnsEnabled;
  if (i.ResetPolicy) e.policy = DEFAULT_ENDPOINT_POLICY;
  if (i.PolicyDocument) e.policy = i.PolicyDocument;
  e.modifiedAt = ctx.now();
  return { Return: true };
}

function deleteEndpoints(ctx: Ctx, i: T.DeleteVpcEndpointsRequest): T.DeleteVpcEndpointsResult {
  const ids = required(i.VpcEndpointIds, "VpcEndpointId");
  const Unsuccessful: T.UnsuccessfulItem[] = [];
  for (const id of ids) {
    try {
      assertIdShape("vpce", id);
    } catch (err) {
      Unsuccessful.push({
        ResourceId: id,
        Error: { Code: (err as Ec2ApiError).code, Message: (err as Ec2ApiError).message },
      });
      continue;
    }
    const e = ctx.world.endpoints.get(id);
    if (!e || endpointState(ctx, e) === "deleted") {
      Unsuccessful.push({
        ResourceId: id,
        Error: { Code: ID_KINDS.vpce.notFound, Message: `The Vpc Endpoint Id '${id}' does not exist` },
      });
      continue;
    }
    if (e.deleteAt === undefined) e.deleteAt = ctx.now();
  }
  return { Unsuccessful };
}

function describeEndpoints(ctx: Ctx, i: T.DescribeVpcEndpointsRequest): T.DescribeVpcEndpointsResult {
  let items = selectByIds(ctx, ctx.world.endpoints, i.VpcEndpointIds, notFoundMany("vpce"));
  // Eventual consistency: a just-created endpoint is missing from every Describe answer for a while.
  items = items.filter((e) => !isInvisible(ctx, e.id));
  items = applyFilters(
    ctx,
    items,
    i.Filters,
    {
      "vpc-id": (e) => e.vpcId,
      "service-name": (e) => e.serviceName,
      "vpc-endpoint-type": (e) => e.type,
      "vpc-endpoint-state": (e) => endpointState(ctx, e),
      "vpc-endpoint-id": (e) => e.id,
      "ip-address-type": (e) => e.ipAddressType,
      "service-region": () => ctx.region,
    },
    (e) => e.id,
  );
  const { page, NextToken } = paginate(items, i.MaxResults, i.NextToken, { min: 1, max: 1000 });
  return { VpcEndpoints: page.map((e) => endpointView(ctx, e)), NextToken };
}

/** VPC endpoint operations. */
export const endpointHandlers: HandlerTable = {
  CreateVpcEndpoint: op(createEndpoint),
  ModifyVpcEndpoint: op(modifyEndpoint),
  DeleteVpcEndpoints: op(deleteEndpoints),
  DescribeVpcEndpoints: op(describeEndpoints),
};
