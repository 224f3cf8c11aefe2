/**
 * observe: what AWS has now in one VPC for one owner, with one Describe call per resource type per VPC
 * (never one per resource), independent calls in parallel. Ownership is decided from tags here, once.
 * Route tables and VPC DNS attributes come from the topology resolved in the same reconcile (no second call).
 */
import { TagKey } from "../api/group.js";
import type { ObservedNetwork, ObservedSecurityGroup, OwnerRef, Topology } from "../core/model.js";
import { securityGroupName } from "../core/ownership.js";
import type { Ec2Port, SecurityGroupRecord } from "./ec2-port.js";
import { withOwnership } from "./to-model.js";
import { cmp } from "../core/order.js";

/** What to observe. */
export interface ObserveScope {
  readonly owner: OwnerRef;
  readonly vpcId: string;
  /** The topology of this reconcile: its route tables and DNS attributes are reused as observed. */
  readonly topology: Topology;
  /** The spec's `securityGroup.groupIds`: observed (with rules) but never owned. */
  readonly givenSecurityGroupIds?: readonly string[];
  /** The spec's `egress.natGateway.elasticIpAllocationIds`: observed but never owned. */
  readonly givenAllocationIds?: readonly string[];
  /** The deterministic endpoint SG name; default `securityGroupName(owner)`. */
  readonly securityGroupName?: string;
}

/**
 * Read the owner's world in the VPC. Returns:
 * - `securityGroupIds`: the id of every group of the VPC (the spec's references are checked against it);
 * - `securityGroups`: groups carrying our owner tag, the given groups, and any group with our deterministic
 *   name (owned or not: an unowned one is a conflict the planner reports), each with all its rules;
 * - `endpoints`, `natGateways`: every one in the VPC not `deleted`, owned or not (unowned ones are conflicts
 *   or adoptable; `owned` says which); `endpoints` also holds our own `deleted` endpoints, as history;
 * - `deletedNatGateways`: our own NAT gateways in state `deleted` that AWS still reports;
 * - `addresses`: Elastic IPs carrying our owner tag, plus the given ones.
 * Rejects with the SDK's error on any failed call (classify with `classifyAwsError`). Changes nothing.
 */
export async function observe(ec2: Ec2Port, scope: ObserveScope): Promise<ObservedNetwork> {
  const { owner, vpcId, topology } = scope;
  const [{ selected: securityGroups, allIds }, endpoints, natGateways, addresses] = await Promise.all([
    observeSecurityGroups(ec2, scope),
    ec2.describeVpcEndpoints({ vpcId }),
    ec2.describeNatGateways({ vpcId }),
    ec2.describeAddresses({
      tagKey: TagKey.OwnerUid,
      tagValue: owner.uid,
      allocationIds: scope.givenAllocationIds ?? [],
    }),
  ]);
  const nats = natGateways.map((n) => withOwnership(withoutVpc(n), owner)).sort(byId);
  return {
    vpcId,
    dnsSupport: topology.dnsSupport,
    dnsHostnames: topology.dnsHostnames,
    securityGroups,
    securityGroupIds: allIds,
    // Deleted endpoints are kept only when they were ours: their intent tags tell the planner which
    // creation intent a re-create is (re-sending the original token would just return the deleted endpoint).
    endpoints: endpoints
      .map((e) => withOwnership(withoutVpc(e), owner))
      .filter((e) => e.state !== "deleted" || e.owned)
      .sort(byId),
    addresses: addresses.map((a) => withOwnership(a, owner)).sort(byId),
    natGateways: nats.filter((n) => n.state !== "deleted"),
    // Our deleted NATs, while AWS still reports them: they tell the planner that a blackholed route
    // pointed at a NAT of ours (so it may be replaced) and give the re-create's next creation intent.
    deletedNatGateways: nats.filter((n) => n.state === "deleted" && n.owned),
    routeTables: topology.routeTables,
  };
}

const byId = (a: { id: string }, b: { id: string }): number => cmp(a.id, b.id);

/** A record without the VPC id the port adds for multi-VPC reads (the model's types do not carry it). */
export function withoutVpc<T extends { vpcId: string }>(r: T): Omit<T, "vpcId"> {
  const { vpcId: _vpcId, ...rest } = r;
  void _vpcId;
  return rest;
}

/**
 * One DescribeSecurityGroups (filtered by vpc-id; EC2 ANDs filters, so "our tag OR given id OR our name" is
 * selected here), then one DescribeSecurityGroupRules for all selected groups.
 */
async function observeSecurityGroups(
  ec2: Ec2Port,
  scope: ObserveScope,
): Promise<{ selected: ObservedSecurityGroup[]; allIds: string[] }> {
  const given = new Set(scope.givenSecurityGroupIds ?? []);
  const name = scope.securityGroupName ?? securityGroupName(scope.owner);
  const all = (await ec2.describeSecurityGroups({ vpcId: scope.vpcId })).map((g: SecurityGroupRecord) =>
    withOwnership(g, scope.owner),
  );
  const allIds = all.map((g) => g.id).sort();
  const selected = all.filter((g) => g.owned || given.has(g.id) || g.groupName === name).sort(byId);
  if (selected.length === 0) return { selected: [], allIds };
  const rules = await ec2.describeSecurityGroupRules({ groupIds: selected.map((g) => g.id) });
  return { selected: selected.map((g) => ({ ...g, rules: rules.get(g.id) ?? [] })), allIds };
}
