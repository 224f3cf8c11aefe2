/**
 * ObserveSnapshot: what AWS has now in every VPC under management behind one EC2 client (one account and
 * region), read with ONE Describe per resource type for all of those VPCs at once (`vpc-id` filters with up
 * to 200 values per call, chunked beyond; pages of up to 1,000 followed to the end), instead of one per
 * network. A network's observation is its slice: {@link ObserveSnapshot.view} is an Ec2Port whose reads
 * answer from the snapshot for one VPC, so `resolveTopology` and `observe` run unchanged on it and select
 * exactly what they select from a live port (same ownership, conflicts, deleted-endpoint history, given
 * groups and addresses). Writes of a view go to the live port.
 *
 * Per refresh: DescribeSecurityGroups, DescribeSecurityGroupRules (the groups any registered network may
 * select), DescribeVpcEndpoints, DescribeNatGateways, DescribeRouteTables, DescribeAddresses (`tag-key` of
 * the owner tag, or the VPC domain when some spec names allocation ids): 6 calls plus paging/chunking.
 * The slow-changing layout (DescribeVpcs, DescribeSubnets, DescribeInternetGateways) is re-read for all VPCs
 * at once every ten minutes or when a new VPC appears. DescribeVpcAttribute takes one VPC per call, so the
 * snapshot does not read it each sweep: the DNS attributes come from the last live reconcile of the VPC
 * (every reconcile that observes its own VPC notes them here), and only a VPC never seen live costs its two
 * calls, once. See docs/adr/0008-shared-observe-snapshot.md for the trade-offs.
 *
 * The snapshot knows nothing of accounts or Kubernetes: it is built from an Ec2Port; the caller keeps one
 * per client.
 */
import { createHash } from "node:crypto";
import pMap from "p-map";
import { TagKey } from "../api/group.js";
import type { ObservedNetwork, ObservedSecurityGroupRule, OwnerRef, RouteTableInfo, Topology } from "../core/model.js";
import { securityGroupName } from "../core/ownership.js";
import {
  selectsAddress,
  vpcIdsOf,
  type Ec2Port,
  type InVpc,
  type SecurityGroupRecord,
  type SubnetRecord,
  type Unowned,
  type VpcRecord,
} from "./ec2-port.js";
import type { ObservedAddress, ObservedEndpoint, ObservedNatGateway } from "../core/model.js";
import { observe } from "./observe.js";
import { VPC_LAYOUT_TTL_MS, isVpcNotFound, resolveTopology, serviceCacheOf } from "./topology.js";

/**
 * VPCs a sweep reads and compares at once. Half the `vpc-id` filter's 200: a part's responses are parsed whole
 * (a page holds up to 1,000 endpoints) and V8 promotes what a parse builds before it is garbage, so the part
 * size sets the sweep's peak (figure 5, 1,000 networks: heap peak 40.3 MiB against 44.6 with parts of 200). It
 * costs one more call of each `vpc-id`-filtered type per 200 VPCs; up to 100 VPCs a sweep is still one part.
 */
export const SWEEP_PART_VPCS = 100;

/** VPCs whose DNS attributes are read at once (two requests each), well under the SDK's 50 sockets. */
export const DNS_READ_CONCURRENCY = 8;

/** One network the snapshot covers: what its observe selects by (as `ObserveScope`). */
export interface SnapshotNetwork {
  readonly owner: OwnerRef;
  readonly vpcId: string;
  readonly givenSecurityGroupIds?: readonly string[];
  readonly givenAllocationIds?: readonly string[];
}

/** A network's slice of the snapshot: what its reconcile would observe, or `missing` when its VPC is gone. */
export type Slice = { readonly topology: Topology; readonly observed: ObservedNetwork } | { readonly missing: true };

interface Layout {
  readonly at: number;
  readonly vpcs: Map<string, VpcRecord>;
  readonly subnets: Map<string, InVpc<SubnetRecord>[]>;
  readonly igws: Map<string, string[]>;
}

/** The reads kept per VPC (and, for rules, per security group of those VPCs). */
interface PerVpc {
  readonly vpcIds: ReadonlySet<string>;
  readonly groups: Map<string, SecurityGroupRecord[]>;
  readonly rules: Map<string, ObservedSecurityGroupRule[]>;
  readonly endpoints: Map<string, InVpc<Unowned<ObservedEndpoint>>[]>;
  readonly nats: Map<string, InVpc<Unowned<ObservedNatGateway>>[]>;
  readonly routeTables: Map<string, InVpc<RouteTableInfo>[]>;
}

interface Fast extends PerVpc {
  /** When the refresh that read it started. */
  readonly at: number;
  /** Addresses carrying the owner tag (any owner), plus every given one. */
  readonly addresses: Unowned<ObservedAddress>[];
  /** Allocation ids the address read covered beyond the tagged ones. */
  readonly givenAllocationIds: ReadonlySet<string>;
}

/** Two PerVpc read at different times, for disjoint VPCs; either may be absent. */
function merge(a: PerVpc | undefined, b: PerVpc | undefined): PerVpc {
  const join = <T>(x: Map<string, T> | undefined, y: Map<string, T> | undefined) =>
    new Map([...(x ?? []), ...(y ?? [])]);
  return {
    vpcIds: new Set([...(a?.vpcIds ?? []), ...(b?.vpcIds ?? [])]),
    groups: join(a?.groups, b?.groups),
    rules: join(a?.rules, b?.rules),
    endpoints: join(a?.endpoints, b?.endpoints),
    nats: join(a?.nats, b?.nats),
    routeTables: join(a?.routeTables, b?.routeTables),
  };
}

/** `networks` in parts whose VPCs number at most `size` (a VPC's networks stay in one part). */
function partsOf<N extends SnapshotNetwork>(networks: readonly N[], size: number): N[][] {
  const byVpc = new Map<string, N[]>();
  for (const n of networks) byVpc.set(n.vpcId, [...(byVpc.get(n.vpcId) ?? []), n]);
  const vpcs = [...byVpc.keys()].sort();
  const out: N[][] = [];
  for (let i = 0; i < vpcs.length; i += size) out.push(vpcs.slice(i, i + size).flatMap((id) => byVpc.get(id)!));
  return out;
}

const groupBy = <T>(ids: Iterable<string>, items: readonly T[], vpcOf: (t: T) => string): Map<string, T[]> => {
  const m = new Map<string, T[]>([...ids].map((id) => [id, []]));
  for (const t of items) m.get(vpcOf(t))?.push(t);
  return m;
};

/** The shared observe of one EC2 client (see module doc). Not safe for two concurrent `refresh` calls. */
export class ObserveSnapshot {
  private layout: Layout | undefined;
  private fast: Fast | undefined;
  private readonly dns = new Map<string, { support: boolean; hostnames: boolean }>();
  private readonly now: () => number;
  private readonly layoutTtlMs: number;

  constructor(
    private readonly ec2: Ec2Port,
    opts: { now?: () => number; layoutTtlMs?: number } = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.layoutTtlMs = opts.layoutTtlMs ?? VPC_LAYOUT_TTL_MS;
  }

  /** When the last refresh finished reading (ms since epoch), or undefined before the first. */
  get at(): number | undefined {
    return this.fast?.at;
  }

  /** True when the last refresh covered `vpcId`. */
  covers(vpcId: string): boolean {
    return this.fast?.vpcIds.has(vpcId) ?? false;
  }

  /**
   * Keep the last refresh's reads only for `vpcIds` (the VPCs whose networks the sweep just enqueued, which their
   * reconciles will read through {@link view}); every other VPC's part is dropped, and its view reads live. A
   * sweep needs the whole snapshot only while it compares every network's slice: kept whole between sweeps, the
   * snapshot of 1,000 VPCs was the largest thing in the operator's heap, and the next refresh replaces it anyway.
   * The layout and the DNS attributes, which save calls at the next sweep, are kept.
   */
  retain(vpcIds: Iterable<string>): void {
    const fast = this.fast;
    if (fast === undefined) return;
    const keep = new Set([...vpcIds].filter((id) => fast.vpcIds.has(id)));
    const only = <T>(m: Map<string, T>) => new Map([...keep].flatMap((id) => (m.has(id) ? [[id, m.get(id)!]] : [])));
    const groups = only(fast.groups);
    const groupIds = new Set([...groups.values()].flat().map((g) => g.id));
    this.fast = {
      ...fast,
      vpcIds: keep,
      groups,
      rules: new Map([...fast.rules].filter(([id]) => groupIds.has(id))),
      endpoints: only(fast.endpoints),
      nats: only(fast.nats),
      routeTables: only(fast.routeTables),
    };
  }

  /** Record the DNS attributes a live read of the VPC just saw (every reconcile observing its own VPC). */
  noteDns(vpcId: string, support: boolean, hostnames: boolean): void {
    this.dns.set(vpcId, { support, hostnames });
  }

  /**
   * Read everything the networks' observes need, once for all of them. Rejects with the SDK's error when a
   * call fails (the caller logs and tries at the next sweep): without `onPart` the previous snapshot is then
   * kept; with it, the parts already compared are.
   *
   * With `onPart`, the VPCs are read in parts of at most {@link SWEEP_PART_VPCS} and `onPart` runs on each part
   * as soon as it is in the snapshot; what it returns is the VPCs to keep ({@link retain}) once it is done. A
   * sweep of 1,000 VPCs then holds one part's reads at a time instead of all of them: what it compares is the
   * same. Without `onPart` the whole snapshot is kept.
   */
  async refresh<N extends SnapshotNetwork>(
    networks: readonly N[],
    opts: { onPart?: (part: readonly N[]) => Promise<Iterable<string>> } = {},
  ): Promise<void> {
    const at = this.now();
    const vpcIds = [...new Set(networks.map((n) => n.vpcId))].sort();
    const givenAllocationIds = new Set(networks.flatMap((n) => n.givenAllocationIds ?? []));
    const layout = await this.readLayout(vpcIds);
    const addresses =
      vpcIds.length === 0
        ? []
        : await this.ec2.describeAddresses({ tagKey: TagKey.OwnerUid, allocationIds: [...givenAllocationIds] });
    // No networks is one empty part: it makes no calls and leaves an empty snapshot.
    const parts = opts.onPart && networks.length > 0 ? partsOf(networks, SWEEP_PART_VPCS) : [networks];
    let kept: Fast | undefined;
    for (const part of parts) {
      const read = await this.readPart(part, layout);
      const fast: Fast = { at, ...merge(kept, read), addresses, givenAllocationIds };
      this.layout = layout;
      this.fast = fast;
      if (!opts.onPart) return;
      this.retain([...(kept?.vpcIds ?? []), ...(await opts.onPart(part))]);
      kept = this.fast;
    }
  }

  /** One part's resource types, one after another (one response in memory at a time). */
  private async readPart(networks: readonly SnapshotNetwork[], layout: Layout): Promise<PerVpc> {
    const vpcIds = [...new Set(networks.map((n) => n.vpcId))].sort();
    const givenGroups = new Set(networks.flatMap((n) => n.givenSecurityGroupIds ?? []));
    const names = new Set(networks.map((n) => securityGroupName(n.owner)));
    const scope = { vpcIds };
    const groups = await this.ec2.describeSecurityGroups(scope);
    const endpoints = await this.ec2.describeVpcEndpoints(scope);
    const nats = await this.ec2.describeNatGateways(scope);
    const routeTables = await this.ec2.describeRouteTables(scope);
    // The groups some network may select: any owner's, a given one, or one with a network's deterministic name.
    const selectable = groups.filter(
      (g) => g.tags[TagKey.OwnerUid] !== undefined || givenGroups.has(g.id) || names.has(g.groupName),
    );
    const rules = await this.ec2.describeSecurityGroupRules({ groupIds: selectable.map((g) => g.id) });
    await this.readMissingDns(vpcIds.filter((id) => layout.vpcs.has(id)));
    return {
      vpcIds: new Set(vpcIds),
      groups: groupBy(vpcIds, groups, (g) => g.vpcId),
      rules,
      endpoints: groupBy(vpcIds, endpoints, (e) => e.vpcId),
      nats: groupBy(vpcIds, nats, (n) => n.vpcId),
      routeTables: groupBy(vpcIds, routeTables, (t) => t.vpcId),
    };
  }

  /**
   * An Ec2Port whose reads answer from this snapshot for `vpcId` (what `resolveTopology` and `observe` call),
   * and whose writes go to the live port. Reads of another VPC, or of groups / addresses the snapshot did not
   * cover, go to the live port too, so a view is never wrong, only sometimes not free.
   */
  view(vpcId: string): Ec2Port {
    const live = this.ec2;
    const fast = this.fast;
    const layout = this.layout;
    if (fast === undefined || layout === undefined || !fast.vpcIds.has(vpcId)) return live;
    const mine = (scope: Parameters<Ec2Port["describeSubnets"]>[0]) => {
      const ids = vpcIdsOf(scope);
      return ids.length === 1 && ids[0] === vpcId;
    };
    const dns = this.dns.get(vpcId);
    const services = serviceCacheOf(live);
    return {
      ...live,
      describeVpc: async (id) => (id === vpcId ? (layout.vpcs.get(id) ?? null) : live.describeVpc(id)),
      describeVpcAttribute: async (i) => {
        if (i.vpcId !== vpcId || dns === undefined) return live.describeVpcAttribute(i);
        return i.attribute === "enableDnsSupport" ? dns.support : dns.hostnames;
      },
      describeSubnets: async (i) => (mine(i) ? [...(layout.subnets.get(vpcId) ?? [])] : live.describeSubnets(i)),
      describeInternetGateways: async (i) =>
        i.vpcId === vpcId ? [...(layout.igws.get(vpcId) ?? [])] : live.describeInternetGateways(i),
      describeRouteTables: async (i) => {
        if (!mine(i)) return live.describeRouteTables(i);
        const tables = fast.routeTables.get(vpcId) ?? [];
        const only = i.routeTableIds === undefined ? undefined : new Set(i.routeTableIds);
        return tables.filter((t) => only === undefined || only.has(t.id));
      },
      describeEndpointServices: (i) => services.get(i.region, () => live.describeEndpointServices(i)),
      describeSecurityGroups: async (i) =>
        mine(i) ? [...(fast.groups.get(vpcId) ?? [])] : live.describeSecurityGroups(i),
      describeSecurityGroupRules: async (i) => {
        if (!i.groupIds.every((id) => fast.rules.has(id))) return live.describeSecurityGroupRules(i);
        return new Map(i.groupIds.map((id) => [id, [...(fast.rules.get(id) ?? [])]]));
      },
      describeVpcEndpoints: async (i) =>
        mine(i) ? [...(fast.endpoints.get(vpcId) ?? [])] : live.describeVpcEndpoints(i),
      describeNatGateways: async (i) => (mine(i) ? [...(fast.nats.get(vpcId) ?? [])] : live.describeNatGateways(i)),
      describeAddresses: async (i) => {
        const given = new Set(i.allocationIds ?? []);
        const covered = i.tagKey === TagKey.OwnerUid && [...given].every((id) => fast.givenAllocationIds.has(id));
        if (!covered) return live.describeAddresses(i);
        return fast.addresses.filter((a) => selectsAddress(i, given, a));
      },
    };
  }

  /** The network's slice: `resolveTopology` and `observe` on {@link view}, exactly as its reconcile runs them. */
  async slice(network: SnapshotNetwork, region: string): Promise<Slice> {
    const ec2 = this.view(network.vpcId);
    try {
      const topology = await resolveTopology(ec2, { vpcId: network.vpcId, region });
      const observed = await observe(ec2, {
        owner: network.owner,
        vpcId: network.vpcId,
        topology,
        givenSecurityGroupIds: network.givenSecurityGroupIds ?? [],
        givenAllocationIds: network.givenAllocationIds ?? [],
      });
      return { topology, observed };
    } catch (err) {
      if (isVpcNotFound(err)) return { missing: true };
      throw err;
    }
  }

  /** The layout, reused while younger than its TTL and covering every VPC; else re-read for all at once. */
  private async readLayout(vpcIds: readonly string[]): Promise<Layout> {
    const old = this.layout;
    const fresh = old !== undefined && this.now() - old.at < this.layoutTtlMs;
    if (fresh && vpcIds.every((id) => old.vpcs.has(id) || old.subnets.has(id))) return old;
    if (vpcIds.length === 0) return { at: this.now(), vpcs: new Map(), subnets: new Map(), igws: new Map() };
    const vpcs = await this.ec2.describeVpcs({ vpcIds });
    const subnets = await this.ec2.describeSubnets({ vpcIds });
    const igws = await this.ec2.describeInternetGatewaysByVpc({ vpcIds });
    return {
      at: this.now(),
      vpcs: new Map(vpcs.map((v) => [v.vpcId, v])),
      // Keyed by every asked id, so a VPC that does not exist is known to be missing until the next TTL.
      subnets: groupBy(vpcIds, subnets, (s) => s.vpcId),
      igws,
    };
  }

  /**
   * Two DescribeVpcAttribute calls for each VPC whose attributes no live reconcile has reported yet, for
   * {@link DNS_READ_CONCURRENCY} VPCs at a time: a first sweep of 1,000 VPCs would otherwise open 2,000 requests
   * at once, past the client's sockets and the EC2 limiter's burst, holding every pending request in memory.
   */
  private async readMissingDns(vpcIds: readonly string[]): Promise<void> {
    const missing = vpcIds.filter((id) => !this.dns.has(id));
    await pMap(
      missing,
      async (vpcId) => {
        const [support, hostnames] = await Promise.all([
          this.ec2.describeVpcAttribute({ vpcId, attribute: "enableDnsSupport" }),
          this.ec2.describeVpcAttribute({ vpcId, attribute: "enableDnsHostnames" }),
        ]);
        this.dns.set(vpcId, { support, hostnames });
      },
      { concurrency: DNS_READ_CONCURRENCY },
    );
  }
}

/**
 * A fingerprint of what a reconcile sees of its network: equal for the live observe and the snapshot's slice
 * of an unchanged world, different as soon as anything the planner reads changed. The region's endpoint
 * services are left out (they are shared and cached, not part of the network).
 */
export function fingerprint(slice: Slice): string {
  if ("missing" in slice) return "missing";
  const { services: _services, ...topology } = slice.topology;
  void _services;
  return createHash("sha256")
    .update(JSON.stringify({ topology, observed: slice.observed }))
    .digest("base64url");
}
