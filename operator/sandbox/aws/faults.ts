/**
 * Injected realism: EC2's request throttling as token buckets (sizes and refill rates as AWS publishes them,
 * aws-facts 3.7), random 5xx and connection resets, per-operation latency and one-shot failures.
 * Everything reads the injectable clock and random source, so it is testable without sleeping.
 */

/** One-shot injected error for the next call of `operation`. */
export interface InjectedFailure {
  operation: string;
  code: string;
  message?: string;
  status?: number;
}

/** The fault switches; all off by default. */
export interface Faults {
  throttling: boolean;
  errorRate: number;
  resetRate: number;
  eventualConsistencyMs: number;
  latencyMs: number | Record<string, number>;
  failNext: InjectedFailure[];
  /**
   * Crash boundaries: scope → N, where a scope is a client's access key id, `uid:<owner uid>` (the mutations
   * for one ecsnet object, crash-scope.ts), or `*` (any client). The N-th EC2 mutation of that scope is
   * applied, but its response is never sent (the call is parked), and every later mutation of the scope is
   * refused unapplied (503 Unavailable, so held calls never drain the client's connections): the world holds
   * exactly N changes of it, and a test can SIGKILL the client right after (see `SandboxAdmin.parked`). Only
   * mutations that succeed count.
   */
  parkAfterMutations: Record<string, number>;
}

/** The defaults: no fault at all. */
export function noFaults(): Faults {
  return {
    throttling: false,
    errorRate: 0,
    resetRate: 0,
    eventualConsistencyMs: 0,
    latencyMs: 0,
    failNext: [],
    parkAfterMutations: {},
  };
}

/** A bucket size and refill rate per second. */
export interface BucketSpec {
  readonly max: number;
  readonly refillPerSec: number;
}

const PER_ACTION: Record<string, BucketSpec> = {
  CreateVpcEndpoint: { max: 4, refillPerSec: 0.3 },
  ModifyVpcEndpoint: { max: 4, refillPerSec: 0.3 },
  DeleteVpcEndpoints: { max: 4, refillPerSec: 0.3 },
  CreateNatGateway: { max: 10, refillPerSec: 1 },
  DeleteNatGateway: { max: 10, refillPerSec: 1 },
  CreateTags: { max: 100, refillPerSec: 10 },
  DeleteTags: { max: 100, refillPerSec: 10 },
  AuthorizeSecurityGroupIngress: { max: 50, refillPerSec: 5 },
  RevokeSecurityGroupIngress: { max: 50, refillPerSec: 5 },
};
const NON_MUTATING: BucketSpec = { max: 100, refillPerSec: 20 };
const UNFILTERED: BucketSpec = { max: 50, refillPerSec: 10 };
const MUTATING: BucketSpec = { max: 50, refillPerSec: 5 };
const UNFILTERED_ACTIONS = new Set(["DescribeSecurityGroups", "DescribeNetworkInterfaces", "DescribeInstances"]);

/**
 * The bucket an EC2 call draws from: its own for the actions AWS lists, else the unfiltered/unpaginated
 * bucket for those Describes without Filter/MaxResults, else non-mutating or mutating by verb.
 */
export function bucketFor(action: string, filteredOrPaged: boolean): { key: string; spec: BucketSpec } {
  const own = PER_ACTION[action];
  if (own) return { key: action, spec: own };
  if (UNFILTERED_ACTIONS.has(action) && !filteredOrPaged) return { key: "unfiltered", spec: UNFILTERED };
  if (/^(Describe|List|Search|Get)/.test(action)) return { key: "non-mutating", spec: NON_MUTATING };
  return { key: "mutating", spec: MUTATING };
}

/** Token buckets keyed by bucket name; lazily refilled from the clock. */
export class TokenBuckets {
  private readonly state = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly now: () => number) {}

  /** Takes one token; false when the bucket is empty (the call is throttled and consumes nothing). */
  take(key: string, spec: BucketSpec): boolean {
    const now = this.now();
    const s = this.state.get(key) ?? { tokens: spec.max, at: now };
    s.tokens = Math.min(spec.max, s.tokens + ((now - s.at) / 1000) * spec.refillPerSec);
    s.at = now;
    this.state.set(key, s);
    if (s.tokens < 1) return false;
    s.tokens -= 1;
    return true;
  }

  /** Refills every bucket. */
  clear(): void {
    this.state.clear();
  }
}

/** The latency to add to one call of `operation`. */
export function latencyFor(f: Faults, operation: string): number {
  return typeof f.latencyMs === "number" ? f.latencyMs : (f.latencyMs[operation] ?? f.latencyMs["*"] ?? 0);
}

/** Removes and returns the first one-shot failure queued for `operation`, if any. */
export function takeFailNext(f: Faults, operation: string): InjectedFailure | undefined {
  const i = f.failNext.findIndex((x) => x.operation === operation || x.operation === "*");
  return i < 0 ? undefined : f.failNext.splice(i, 1)[0];
}

/** True for EC2 actions that change something (everything but Describe/Get/List/Search). */
export const isMutatingAction = (action: string): boolean => !/^(Describe|Get|List|Search)/.test(action);

/** A mutating call the sandbox holds without answering (see `Faults.parkAfterMutations`). */
export interface ParkedCall {
  /** The scope whose limit parked it: an access key id or `uid:<owner uid>`. */
  readonly accessKeyId: string;
  readonly action: string;
  /** True for the N-th mutation (applied, answer held); false for later ones (refused, not applied). */
  readonly applied: boolean;
}
