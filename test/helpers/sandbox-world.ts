/**
 * The state of one VPC in the AWS sandbox as the re-creation and crash tests judge it, read through the
 * real SDK: what an owner has live, and the counts that must be zero after convergence (duplicates, leaked
 * Elastic IPs, blackholed routes).
 */
import {
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcEndpointsCommand,
  type EC2Client,
  type Tag,
} from "@aws-sdk/client-ec2";
import { TagKey } from "../../operator/api/group.js";

const owns = (tags: readonly Tag[] | undefined, uid: string): boolean =>
  (tags ?? []).some((t) => t.Key === TagKey.OwnerUid && t.Value === uid);

/** What `uid` has live in `vpcId`, and what is wrong with it. */
export interface OwnedWorld {
  /** Live (not deleting/deleted) endpoints by service name, with how many of each. */
  readonly endpoints: Record<string, number>;
  /** Live NAT gateways by subnet, with how many in each. */
  readonly natGateways: Record<string, number>;
  readonly securityGroups: number;
  /** Owned Elastic IPs, and those of them no live NAT gateway holds (leaked once converged). */
  readonly addresses: number;
  readonly idleAddresses: number;
  /** Blackholed 0.0.0.0/0 routes in the VPC's route tables. */
  readonly blackholes: number;
  /** Routes 0.0.0.0/0 to a NAT gateway, by route table. */
  readonly natRoutes: Record<string, string>;
  /** The sum of every count above 1 (a second endpoint for a service, a second NAT in a subnet...). */
  readonly duplicates: number;
}

/** Read what `uid` owns in `vpcId` now. */
export async function ownedWorld(ec2: EC2Client, vpcId: string, uid: string): Promise<OwnedWorld> {
  const vpc = [{ Name: "vpc-id", Values: [vpcId] }];
  const [e, n, r, s, a] = await Promise.all([
    ec2.send(new DescribeVpcEndpointsCommand({ Filters: vpc })),
    ec2.send(new DescribeNatGatewaysCommand({ Filter: vpc })),
    ec2.send(new DescribeRouteTablesCommand({ Filters: vpc })),
    ec2.send(new DescribeSecurityGroupsCommand({ Filters: vpc })),
    ec2.send(new DescribeAddressesCommand({ Filters: [{ Name: `tag:${TagKey.OwnerUid}`, Values: [uid] }] })),
  ]);
  const count = (xs: string[]) => xs.reduce<Record<string, number>>((m, x) => ({ ...m, [x]: (m[x] ?? 0) + 1 }), {});
  const liveEndpoints = (e.VpcEndpoints ?? []).filter(
    (x) => owns(x.Tags, uid) && !["deleting", "deleted"].includes(String(x.State).toLowerCase()),
  );
  const liveNats = (n.NatGateways ?? []).filter(
    (x) => owns(x.Tags, uid) && ["pending", "available"].includes(String(x.State)),
  );
  const held = new Set(liveNats.flatMap((x) => (x.NatGatewayAddresses ?? []).map((g) => g.AllocationId)));
  const endpoints = count(liveEndpoints.map((x) => x.ServiceName ?? ""));
  const natGateways = count(liveNats.map((x) => x.SubnetId ?? ""));
  const securityGroups = (s.SecurityGroups ?? []).filter((g) => owns(g.Tags, uid)).length;
  const defaults = (r.RouteTables ?? []).flatMap((t) =>
    (t.Routes ?? []).filter((x) => x.DestinationCidrBlock === "0.0.0.0/0").map((x) => ({ t: t.RouteTableId!, x })),
  );
  const over = (m: Record<string, number>) => Object.values(m).reduce((sum, v) => sum + Math.max(0, v - 1), 0);
  return {
    endpoints,
    natGateways,
    securityGroups,
    addresses: (a.Addresses ?? []).length,
    idleAddresses: (a.Addresses ?? []).filter((x) => !held.has(x.AllocationId)).length,
    blackholes: defaults.filter(({ x }) => x.State === "blackhole").length,
    natRoutes: Object.fromEntries(defaults.filter(({ x }) => x.NatGatewayId).map(({ t, x }) => [t, x.NatGatewayId!])),
    duplicates: over(endpoints) + over(natGateways) + Math.max(0, securityGroups - 1),
  };
}
