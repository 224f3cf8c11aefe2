/**
 * resolveTopology: what the VPC is made of (CIDRs, DNS attributes, subnets with their effective route
 * tables, route tables, internet gateways, the region's endpoint services), read with one call per kind,
 * all in parallel. Endpoint services do not change between reconciles, so they are cached per region; the
 * VPC's CIDRs, subnets and internet gateways change rarely, so a sweep reuses them for ten minutes.
 */
import type { EndpointServiceInfo, Topology } from "../core/model.js";
import type { Ec2Port } from "./ec2-port.js";
import { classifyAwsError } from "./errors.js";
import { withoutVpc } from "./observe.js";
import { toSubnetInfo } from "./to-model.js";
import { cmp } from "../core/order.js";

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

/**
 * Ten minutes: how long the slow-changing part of a VPC (its CIDRs, subnets and internet gateways) is reused
 * between sweeps. Everything drift is made of (DNS attributes, route tables, endpoints, security groups, NAT
 * gateways, addresses) is read on every reconcile; a spec change always reads everything.
 */
export const VPC_LAYOUT_TTL_MS = 10 * 60 * 1000;

/** A small TTL cache of promises keyed by string; concurrent callers share one fetch; failures are not kept. */
export class TtlCache<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(opts: { ttlMs: number; now?: () => number }) {
    this.ttlMs = opts.ttlMs;
    this.now = opts.now ?? Date.now;
  }

  /** The cached value if younger than the TTL (and `fresh` is not set), else `fetch()`'s, which is then kept. */
  get(key: string, fetch: () => Promise<T>, fresh = false): Promise<T> {
    const hit = this.entries.get(key);
    if (!fresh && hit !== undefined && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = fetch();
    this.entries.set(key, { at: this.now(), value });
    // A failed fetch is not cached: the next reconcile asks again.
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  /** Forget `key`: the next `get` fetches. */
  invalidate(key: string): void {
    this.entries.delete(key);
  }
}

/** A per-region cache of DescribeVpcEndpointServices results; `now` is injectable for tests. */
export class EndpointServiceCache extends TtlCache<EndpointServiceInfo[]> {
  constructor(opts: { ttlMs?: number; now?: () => number } = {}) {
    super({ ttlMs: opts.ttlMs ?? SERVICES_TTL_MS, ...(opts.now ? { now: opts.now } : {}) });
  }
}

/** The slow-changing part of a VPC, cached between sweeps. */
interface VpcLayout {
  readonly cidrs: readonly string[];
  readonly subnets: Awaited<ReturnType<Ec2Port["describeSubnets"]>>;
  readonly internetGatewayIds: readonly string[];
}

// One cache of each per port by default: a process builds its port once per region, tests build fresh ones.
/** The endpoint-service cache of `ec2` (one per port): a snapshot's views share their live port's. */
export const serviceCacheOf = (ec2: Ec2Port): EndpointServiceCache => cachesFor(ec2).services;

const defaultCaches = new WeakMap<Ec2Port, { services: EndpointServiceCache; layouts: TtlCache<VpcLayout | null> }>();
const cachesFor = (ec2: Ec2Port) => {
  let c = defaultCaches.get(ec2);
  if (c === undefined) {
    c = { services: new EndpointServiceCache(), layouts: new TtlCache<VpcLayout | null>({ ttlMs: VPC_LAYOUT_TTL_MS }) };
    defaultCaches.set(ec2, c);
  }
  return c;
};

/** Options of {@link resolveTopology}. */
export interface ResolveTopologyInput {
  readonly vpcId: string;
  readonly region: string;
  /** Default: one cache per `ec2` port with a one-hour TTL. */
  readonly serviceCache?: EndpointServiceCache;
  /**
   * Read the VPC's CIDRs, subnets and internet gateways now instead of reusing them from the last ten minutes
   * (set it when the spec changed: a new subnet id or selector must be seen at once). Default false.
   */
  readonly fresh?: boolean;
}

/**
 * Read the VPC's topology. Rejects with {@link VpcNotFoundError} when the VPC does not exist, and with the
 * SDK's error (classify it with `classifyAwsError`) on any other failure. Subnets and route tables are sorted
 * by id; each subnet carries its effective route table (explicit association, else the main table).
 */
export async function resolveTopology(ec2: Ec2Port, input: ResolveTopologyInput): Promise<Topology> {
  const { vpcId, region } = input;
  const caches = cachesFor(ec2);
  const services = input.serviceCache ?? caches.services;
  const layout = caches.layouts.get(vpcId, () => readLayout(ec2, vpcId), input.fresh ?? false);
  const [vpc, dnsSupport, dnsHostnames, tables, regionServices] = await Promise.allSettled([
    layout,
    ec2.describeVpcAttribute({ vpcId, attribute: "enableDnsSupport" }),
    ec2.describeVpcAttribute({ vpcId, attribute: "enableDnsHostnames" }),
    ec2.describeRouteTables({ vpcId }),
    services.get(region, () => ec2.describeEndpointServices({ region })),
  ]);
  // A missing VPC explains every other failure (the attribute calls fail with InvalidVpcID.NotFound), also
  // when its layout came from the cache.
  const layoutValue = value(vpc);
  if (layoutValue === null || isVpcIdNotFound(dnsSupport) || isVpcIdNotFound(dnsHostnames)) {
    caches.layouts.invalidate(vpcId);
    throw new VpcNotFoundError(vpcId);
  }
  const routeTables = value(tables)
    .map(withoutVpc)
    .sort((a, b) => cmp(a.id, b.id));
  return {
    region,
    vpcId,
    vpcCidrs: layoutValue.cidrs,
    dnsSupport: value(dnsSupport),
    dnsHostnames: value(dnsHostnames),
    subnets: layoutValue.subnets.map((s) => toSubnetInfo(s, routeTables)).sort((a, b) => cmp(a.id, b.id)),
    routeTables,
    services: value(regionServices),
    internetGatewayIds: layoutValue.internetGatewayIds,
  };
}

/** The VPC's CIDRs, subnets and internet gateways, or null when the VPC does not exist. */
async function readLayout(ec2: Ec2Port, vpcId: string): Promise<VpcLayout | null> {
  const [vpc, subnets, igws] = await Promise.all([
    ec2.describeVpc(vpcId),
    ec2.describeSubnets({ vpcId }),
    ec2.describeInternetGateways({ vpcId }),
  ]);
  return vpc === null ? null : { cidrs: vpc.cidrs, subnets, internetGatewayIds: igws };
}

const isVpcIdNotFound = (r: PromiseSettledResult<unknown>): boolean =>
  r.status === "rejected" && classifyAwsError(r.reason).code === "InvalidVpcID.NotFound";

function value<T>(r: PromiseSettledResult<T>): T {
  if (r.status === "rejected") throw r.reason;
  return r.value;
}
