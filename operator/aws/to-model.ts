/**
 * Pure mappings from @aws-sdk/client-ec2 response shapes to core/model types, and the derivations the
 * topology needs (effective route table of a subnet, public or not). No I/O: unit-tested with fixtures.
 * Missing optional SDK fields map to empty values, never to exceptions.
 */
import type {
  Address,
  NatGateway,
  Route,
  RouteTable,
  SecurityGroup,
  SecurityGroupRule,
  ServiceDetail,
  Subnet,
  Tag,
  VpcEndpoint,
} from "@aws-sdk/client-ec2";
import { componentOf, isOwnedBy } from "../core/ownership.js";
import type {
  EndpointServiceInfo,
  Key,
  ObservedAddress,
  ObservedEndpoint,
  ObservedNatGateway,
  ObservedSecurityGroupRule,
  OwnerRef,
  RouteInfo,
  RouteTableInfo,
  RouteTarget,
  SubnetInfo,
  Tags,
} from "../core/model.js";
import type { SecurityGroupRecord, SubnetRecord, Unowned } from "./ec2-port.js";

/** SDK tag list → record (later duplicates win; entries without a key are dropped). */
export function tagsOf(tags: readonly Tag[] | undefined): Tags {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? "";
  return out;
}

/** Our tags → SDK tag list, sorted by key (stable requests). */
export const toSdkTags = (tags: Tags): Tag[] =>
  Object.keys(tags)
    .sort()
    .map((k) => ({ Key: k, Value: tags[k] }));

/** `owned` and `component` of a resource, decided by its tags and the owner (never assumed). */
export function withOwnership<T extends { readonly tags: Tags }>(
  x: T,
  owner: Pick<OwnerRef, "uid">,
): T & { readonly owned: boolean; readonly component: Key | null } {
  const owned = isOwnedBy(x.tags, owner);
  return { ...x, owned, component: owned ? componentOf(x.tags) : null };
}

/** Where a route sends traffic; gateway ids are told apart by prefix (`igw-`, `vpce-`, `vgw-`, `local`). */
export function routeTargetOf(r: Route): RouteTarget {
  if (r.NatGatewayId) return { kind: "nat", id: r.NatGatewayId };
  if (r.TransitGatewayId) return { kind: "tgw", id: r.TransitGatewayId };
  if (r.VpcPeeringConnectionId) return { kind: "pcx", id: r.VpcPeeringConnectionId };
  const gw = r.GatewayId;
  if (gw === "local") return { kind: "local", id: "local" };
  if (gw?.startsWith("igw-")) return { kind: "igw", id: gw };
  if (gw?.startsWith("vpce-")) return { kind: "vpce", id: gw };
  if (gw?.startsWith("vgw-")) return { kind: "vgw", id: gw };
  if (r.NetworkInterfaceId) return { kind: "eni", id: r.NetworkInterfaceId };
  if (r.InstanceId) return { kind: "eni", id: r.InstanceId };
  const other = gw ?? r.EgressOnlyInternetGatewayId ?? r.LocalGatewayId ?? r.CarrierGatewayId ?? r.CoreNetworkArn;
  return { kind: "other", id: other ?? "" };
}

/** One route; null for IPv6-only routes (ecsnet manages IPv4 and prefix-list routes only). */
export function toRouteInfo(r: Route): RouteInfo | null {
  const destination = r.DestinationCidrBlock ?? r.DestinationPrefixListId;
  if (destination === undefined) return null;
  const origin = r.Origin === "CreateRouteTable" || r.Origin === "EnableVgwRoutePropagation" ? r.Origin : "CreateRoute";
  return { destination, target: routeTargetOf(r), state: r.State === "blackhole" ? "blackhole" : "active", origin };
}

/** A route table with its explicit (associated, not disassociated) subnets and whether it is the main one. */
export function toRouteTable(rt: RouteTable): RouteTableInfo {
  const assocs = (rt.Associations ?? []).filter(
    (a) => a.AssociationState?.State === undefined || a.AssociationState.State === "associated",
  );
  return {
    id: rt.RouteTableId ?? "",
    isMain: assocs.some((a) => a.Main === true),
    subnetIds: assocs.flatMap((a) => (a.SubnetId ? [a.SubnetId] : [])).sort(),
    routes: (rt.Routes ?? []).flatMap((r) => toRouteInfo(r) ?? []),
    tags: tagsOf(rt.Tags),
  };
}

/** A subnet's id, AZ, CIDR and tags. */
export function toSubnetRecord(s: Subnet): SubnetRecord {
  return { id: s.SubnetId ?? "", az: s.AvailabilityZone ?? "", cidr: s.CidrBlock ?? "", tags: tagsOf(s.Tags) };
}

/** The subnet's effective route table: the one explicitly associated, else the VPC's main table. */
export function effectiveRouteTable(subnetId: string, tables: readonly RouteTableInfo[]): RouteTableInfo | undefined {
  return tables.find((t) => t.subnetIds.includes(subnetId)) ?? tables.find((t) => t.isMain);
}

/** True when the table has an active `0.0.0.0/0` route to an internet gateway. */
export const isPublicTable = (t: RouteTableInfo | undefined): boolean =>
  t?.routes.some((r) => r.destination === "0.0.0.0/0" && r.target.kind === "igw" && r.state === "active") ?? false;

/** A subnet with its effective route table and public flag (`routeTableId` is "" when the VPC has no main table). */
export function toSubnetInfo(s: SubnetRecord, tables: readonly RouteTableInfo[]): SubnetInfo {
  const t = effectiveRouteTable(s.id, tables);
  return { id: s.id, az: s.az, cidr: s.cidr, routeTableId: t?.id ?? "", isPublic: isPublicTable(t), tags: s.tags };
}

/** A security group without rules. */
export function toSecurityGroupRecord(g: SecurityGroup): SecurityGroupRecord {
  return { id: g.GroupId ?? "", groupName: g.GroupName ?? "", vpcId: g.VpcId ?? "", tags: tagsOf(g.Tags) };
}

/** One security group rule (ports default to -1 for all-traffic rules). */
export function toSecurityGroupRule(r: SecurityGroupRule): ObservedSecurityGroupRule {
  return {
    ruleId: r.SecurityGroupRuleId ?? "",
    isEgress: r.IsEgress === true,
    protocol: r.IpProtocol ?? "-1",
    fromPort: r.FromPort ?? -1,
    toPort: r.ToPort ?? -1,
    ...(r.CidrIpv4 ? { cidr: r.CidrIpv4 } : {}),
    ...(r.CidrIpv6 ? { ipv6Cidr: r.CidrIpv6 } : {}),
    ...(r.ReferencedGroupInfo?.GroupId ? { sourceSecurityGroupId: r.ReferencedGroupInfo.GroupId } : {}),
    ...(r.PrefixListId ? { prefixListId: r.PrefixListId } : {}),
  };
}

/** SDK timestamps are Dates; the model keeps ISO-8601 text (plain data). */
const iso = (d: Date | string): string => (typeof d === "string" ? d : d.toISOString());

/** EC2 spells endpoint states `available` on the wire and `Available` in SDK enums: keep the wire form. */
const wireState = (s: string | undefined): string => (s ? s.charAt(0).toLowerCase() + s.slice(1) : "unknown");

/** An Interface or Gateway endpoint; null for other types (Gateway Load Balancer, Resource, ...). */
export function toEndpoint(e: VpcEndpoint): Unowned<ObservedEndpoint> | null {
  const type = e.VpcEndpointType;
  if (type !== "Interface" && type !== "Gateway") return null;
  return {
    id: e.VpcEndpointId ?? "",
    type,
    serviceName: e.ServiceName ?? "",
    state: wireState(e.State),
    subnetIds: [...(e.SubnetIds ?? [])].sort(),
    securityGroupIds: (e.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])).sort(),
    routeTableIds: [...(e.RouteTableIds ?? [])].sort(),
    privateDns: e.PrivateDnsEnabled === true,
    policy: e.PolicyDocument ?? null,
    ...(e.CreationTimestamp ? { createdAt: iso(e.CreationTimestamp) } : {}),
    tags: tagsOf(e.Tags),
  };
}

/** A NAT gateway with the allocation ids of its addresses. */
export function toNatGateway(n: NatGateway): Unowned<ObservedNatGateway> {
  return {
    id: n.NatGatewayId ?? "",
    subnetId: n.SubnetId ?? "",
    state: wireState(n.State),
    allocationIds: (n.NatGatewayAddresses ?? []).flatMap((a) => (a.AllocationId ? [a.AllocationId] : [])),
    ...(n.FailureCode ? { failureCode: n.FailureCode } : {}),
    ...(n.FailureMessage ? { failureMessage: n.FailureMessage } : {}),
    ...(n.CreateTime ? { createdAt: iso(n.CreateTime) } : {}),
    tags: tagsOf(n.Tags),
  };
}

/** An Elastic IP (VPC domain). */
export function toAddress(a: Address): Unowned<ObservedAddress> {
  return {
    id: a.AllocationId ?? "",
    allocationId: a.AllocationId ?? "",
    publicIp: a.PublicIp ?? "",
    ...(a.AssociationId ? { associationId: a.AssociationId } : {}),
    ...(a.NetworkInterfaceId ? { networkInterfaceId: a.NetworkInterfaceId } : {}),
    tags: tagsOf(a.Tags),
  };
}

/**
 * Endpoint services of `region`: one entry per (AWS service, type), short name = the service name without
 * `com.amazonaws.<region>.`. Services of other owners (PrivateLink partners) are dropped.
 */
export function toEndpointServices(details: readonly ServiceDetail[], region: string): EndpointServiceInfo[] {
  const prefix = `com.amazonaws.${region}.`;
  return details.flatMap((d) => {
    const name = d.ServiceName ?? "";
    if (!name.startsWith(prefix)) return [];
    const types = (d.ServiceType ?? []).flatMap((t) =>
      t.ServiceType === "Interface" || t.ServiceType === "Gateway" ? [t.ServiceType] : [],
    );
    return types.map((type) => ({
      shortName: name.slice(prefix.length),
      serviceName: name,
      type,
      azs: [...(d.AvailabilityZones ?? [])].sort(),
      ...(d.PrivateDnsName ? { privateDnsName: d.PrivateDnsName } : {}),
    }));
  });
}
