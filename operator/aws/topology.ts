/**
 * resolveTopology: what the VPC is made of (CIDRs, DNS attributes, subnets with their effective route
 * tables, route tables, internet gateways, the region's endpoint services), read with one call per kind,
 * all in parallel. Endpoint services do not change between reconciles, so they are cached per region.
 */
import type { EndpointServiceInfo, Topology } from "../core/model.js";
import type { Ec2Port } from "./ec2-port.js";
import { toSubnetInfo } from "./to-model.js";

/** The VPC named by the spec does not exist (or is not visible to these credentials): report Stalled, do not retry hot. */
export class VpcNotFoundError extends Error {
  override readonly name = "VpcNotFoundError";
  /** The condition reason the controller reports. */
  readonly reason = "VpcNotFound";
  readonly vpcId: string;
  constructor(vpcId: string) {
    super(`cannot find vpc ${vpcId}`);
    this.vpcId = vpcId;
  }
}

/** Type guard for {@link VpcNotFoundError}. */
export const isVpcNotFound = (err: unknown): err is VpcNotFoundError => err instanceof VpcNotFoundError;

/** One hour: endpoint services of a region change on AWS's release schedule, not between reconciles. */
export const SERVICES_TTL_MS = 60 * 60 * 1000;

/** A per-region cache of DescribeVpcEndpointServices results; `now` is injectable for tests. */
export class EndpointServiceCache {
  private readonly entries = new Map<string, { at: number; value: Promise<EndpointServiceInfo[]> }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(opts: { ttlMs?: number; now?: () => number } = {}) {
    this.ttlMs = opts.ttlMs ?? SERVICES_TTL_MS;
    this.now = opts.now ?? Date.now;
  }

  /** The region's services: cached if younger than the TTL, else fetched once (concurrent callers share it). */
  get(region: string, fetch: () => Promise<EndpointServiceInfo[]>): Promise<EndpointServiceInfo[]> {
    const hit = this.entries.get(region);
    if (hit !== undefined && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = fetch();
    this.entries.set(region, { at: this.now(), value });
    // A failed fetch is not cached: the next reconcile asks again.
    value.catch(() => {
      if (this.entries.get(region)?.value === value) this.entries.delete(region);
    });
    return value;
  }
}

// One cache per port by default: a process builds its port once, tests build fresh ones.
const defaultCaches = new WeakMap<Ec2Port, EndpointServiceCache>();
const cacheFor = (ec2: Ec2Port): EndpointServiceCache => {
  let c = defaultCaches.get(ec2);
  if (c === undefined) defaultCaches.set(ec2, (c = new EndpointServiceCache()));
  return c;
};

/** Options of {@link resolveTopology}. */
export interface ResolveTopologyInput {
  readonly vpcId: string;
  readonly region: string;
  /** Default: one cache per `ec2` port with a one-hour TTL. */
  readonly serviceCache?: EndpointServiceCache;
}

/**
 * Read the VPC's topology. Rejects with {@link VpcNotFoundError} when the VPC does not exist, and with the
 * SDK's error (classify it with `classifyAwsError`) on any other failure. Subnets and route tables are sorted
 * by id; each subnet carries its effective route table (explicit association, else the main table).
 */
export async function resolveTopology(ec2: Ec2Port, input: ResolveTopologyInput): Promise<Topology> {
  const { vpcId, region } = input;
  const cache = input.serviceCache ?? cacheFor(ec2);
  const [vpc, dnsSupport, dnsHostnames, subnets, tables, igws, services] = await Promise.allSettled([
    ec2.describeVpc(vpcId),
    ec2.describeVpcAttribute({ vpcId, attribute: "enableDnsSupport" }),
    ec2.describeVpcAttribute({ vpcId, attribute: "enableDnsHostnames" }),
    ec2.describeSubnets({ vpcId }),
    ec2.describeRouteTables({ vpcId }),
    ec2.describeInternetGateways({ vpcId }),
    cache.get(region, () => ec2.describeEndpointServices({ region })),
  ]);
  // A missing VPC explains every other failure (the attribute calls fail with InvalidVpcID.NotFound).
  const vpcRecord = value(vpc);
  if (vpcRecord === null) throw new VpcNotFoundError(vpcId);
  const routeTables = [...value(tables)].sort((a, b) => a.id.localeCompare(b.id));
  return {
    region,
    vpcId,
    vpcCidrs: vpcRecord.cidrs,
    dnsSupport: value(dnsSupport),
    dnsHostnames: value(dnsHostnames),
    subnets: value(subnets)
      .map((s) => toSubnetInfo(s, routeTables))
      .sort((a, b) => a.id.localeCompare(b.id)),
    routeTables,
    services: value(services),
    internetGatewayIds: value(igws),
  };
}

function value<T>(r: PromiseSettledResult<T>): T {
  if (r.status === "rejected") throw r.reason;
  return r.value;
}
