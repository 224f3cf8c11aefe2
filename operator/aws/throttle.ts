/**
 * One client-side rate limiter for every EC2 call, sized to EC2's own token buckets (aws-facts 3.7,
 * "Request throttling for the Amazon EC2 API"). EC2 throttles per account and Region per action category;
 * spending our tokens before AWS spends its own keeps a burst (ten endpoints for one VPC, many objects in
 * one account) from turning into `RequestLimitExceeded` storms. A caller that finds its bucket empty waits
 * for a token (FIFO per bucket); it fails only when its abort signal fires or the limiter is closed.
 *
 * A waiting call is a pending AWS call: its timer keeps the process alive (an unref'd timer let a CLI's
 * top-level await end with exit 13 halfway through an apply). Shutting down therefore aborts the waits
 * (the reconcile's signal) or closes the limiter, which cancels every timer.
 */

/** A timer that can be cancelled. */
export interface LimiterTimer {
  cancel(): void;
}

/**
 * The time source: `now()` in ms and a timer. Structurally compatible with runtime/clock.ts `Clock`.
 * `setTimer` returns a {@link LimiterTimer} when its timers can be cancelled (anything else is ignored).
 */
export interface LimiterClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
}

const cancelOf = (t: unknown): (() => void) | undefined => {
  const c = (t as Partial<LimiterTimer> | null | undefined)?.cancel;
  return typeof c === "function" ? () => c.call(t) : undefined;
};

/** Why a wait for a token ended without one: its signal was aborted, or the limiter was closed. */
export class LimiterWaitAbortedError extends Error {
  override readonly name = "LimiterWaitAbortedError";
  constructor(operation: string, why: string) {
    super(`${operation} not sent: ${why} while it waited for EC2's request rate`);
  }
}

/** A token bucket's size: `capacity` tokens, refilled at `refillPerSecond`. */
export interface BucketSpec {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

/** EC2's published buckets (per account per Region). */
export const Ec2Buckets = {
  nonMutating: { capacity: 100, refillPerSecond: 20 },
  mutating: { capacity: 50, refillPerSecond: 5 },
  securityGroupRules: { capacity: 50, refillPerSecond: 5 },
  vpcEndpoints: { capacity: 4, refillPerSecond: 0.3 },
  natGateways: { capacity: 10, refillPerSecond: 1 },
  tags: { capacity: 100, refillPerSecond: 10 },
} as const satisfies Record<string, BucketSpec>;
export type Ec2Bucket = keyof typeof Ec2Buckets;

const special: Readonly<Record<string, Ec2Bucket>> = {
  CreateVpcEndpoint: "vpcEndpoints",
  ModifyVpcEndpoint: "vpcEndpoints",
  DeleteVpcEndpoints: "vpcEndpoints",
  CreateNatGateway: "natGateways",
  DeleteNatGateway: "natGateways",
  CreateTags: "tags",
  DeleteTags: "tags",
  AuthorizeSecurityGroupIngress: "securityGroupRules",
  AuthorizeSecurityGroupEgress: "securityGroupRules",
  RevokeSecurityGroupIngress: "securityGroupRules",
  RevokeSecurityGroupEgress: "securityGroupRules",
};

/** The bucket EC2 charges an operation (command name without `Command`) against. */
export function bucketOf(operation: string): Ec2Bucket {
  const s = special[operation];
  if (s !== undefined) return s;
  return /^(Describe|List|Search|Get)/.test(operation) ? "nonMutating" : "mutating";
}

/** We refill 5% slower than EC2 does (see the {@link Ec2Limiter} constructor). */
export const DEFAULT_HEADROOM = 0.05;

/**
 * The real clock. Its timers are ref'd on purpose: a call waiting for a token keeps the process alive exactly
 * like a call waiting for its HTTP response does.
 */
export const systemLimiterClock: LimiterClock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
};

interface BucketState {
  spec: BucketSpec;
  /** May go negative: each waiting caller has reserved a future token (that is what makes it FIFO). */
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets keyed by {@link Ec2Bucket}. Reservation-based: `acquire` takes a token now, or reserves
 * the next free one and resolves when it is due, so callers are served in arrival order.
 */
export class Ec2Limiter {
  private readonly buckets = new Map<Ec2Bucket, BucketState>();
  private readonly clock: LimiterClock;
  private readonly specs: Readonly<Record<Ec2Bucket, BucketSpec>>;
  /** Every wait in progress, to end them all on {@link close}. */
  private readonly waits = new Set<(why: string) => void>();
  /** The waits under each abort signal, and the one listener that ends them. */
  private readonly bySignal = new Map<AbortSignal, { set: Set<(why: string) => void>; onAbort: () => void }>();
  private closed = false;

  /**
   * `buckets` overrides sizes (tests, or an account with raised limits); defaults to {@link Ec2Buckets}.
   * `headroom` (default 0.05) is the fraction by which we refill slower than EC2: a limiter running exactly
   * at EC2's rate is throttled whenever a later request reaches AWS faster than an earlier one did.
   */
  constructor(
    opts: { clock?: LimiterClock; buckets?: Partial<Record<Ec2Bucket, BucketSpec>>; headroom?: number } = {},
  ) {
    this.clock = opts.clock ?? systemLimiterClock;
    const factor = 1 - Math.min(0.5, Math.max(0, opts.headroom ?? DEFAULT_HEADROOM));
    const all: Record<string, BucketSpec> = { ...Ec2Buckets, ...opts.buckets };
    this.specs = Object.fromEntries(
      Object.entries(all).map(([k, v]) => [k, { capacity: v.capacity, refillPerSecond: v.refillPerSecond * factor }]),
    ) as Record<Ec2Bucket, BucketSpec>;
  }

  /** Milliseconds a call of `operation` would wait if it asked now (0 when a token is free). */
  delayFor(operation: string): number {
    const b = this.refilled(bucketOf(operation));
    return b.tokens >= 1 ? 0 : Math.ceil(((1 - b.tokens) / b.spec.refillPerSecond) * 1000);
  }

  /**
   * Take one token for `operation`, waiting for it if the bucket is empty. Resolves to the ms waited; rejects
   * with {@link LimiterWaitAbortedError} when `signal` aborts (or is already aborted) or the limiter is closed
   * before the token is due. A token reserved by an abandoned wait is not given back: the callers behind it
   * already count on their own due times, so handing it on could send two calls where EC2 allows one.
   */
  acquire(operation: string, signal?: AbortSignal): Promise<number> {
    if (this.closed) return Promise.reject(new LimiterWaitAbortedError(operation, "the limiter was closed"));
    if (signal?.aborted) return Promise.reject(new LimiterWaitAbortedError(operation, "the call was stopped"));
    const b = this.refilled(bucketOf(operation));
    const waitMs = b.tokens >= 1 ? 0 : Math.ceil(((1 - b.tokens) / b.spec.refillPerSecond) * 1000);
    b.tokens -= 1;
    if (waitMs === 0) return Promise.resolve(0);
    const due = this.clock.now() + waitMs;
    return new Promise((resolve, reject) => {
      let timer: unknown;
      const end = (why: string): void => {
        cancelOf(timer)?.();
        finish();
        reject(new LimiterWaitAbortedError(operation, why));
      };
      const finish = (): void => {
        this.waits.delete(end);
        if (signal) this.unwatch(signal, end);
      };
      // Timers may fire a little early by the clock (Node's cached loop time): re-arm until really due.
      const wake = (): void => {
        const left = due - this.clock.now();
        if (left > 0) timer = this.clock.setTimer(wake, left);
        else {
          finish();
          resolve(waitMs);
        }
      };
      this.waits.add(end);
      if (signal) this.watch(signal, end);
      timer = this.clock.setTimer(wake, waitMs);
    });
  }

  /**
   * One abort listener per signal, whatever the number of waits under it: a reconcile creating a dozen
   * endpoints must not trip Node's MaxListenersExceededWarning on its signal.
   */
  private watch(signal: AbortSignal, end: (why: string) => void): void {
    let ends = this.bySignal.get(signal);
    if (!ends) {
      const set = new Set<(why: string) => void>();
      const onAbort = (): void => {
        this.bySignal.delete(signal);
        for (const e of [...set]) e("the call was stopped");
      };
      ends = { set, onAbort };
      this.bySignal.set(signal, ends);
      signal.addEventListener("abort", onAbort, { once: true });
    }
    ends.set.add(end);
  }

  private unwatch(signal: AbortSignal, end: (why: string) => void): void {
    const ends = this.bySignal.get(signal);
    if (!ends) return;
    ends.set.delete(end);
    if (ends.set.size === 0) {
      this.bySignal.delete(signal);
      signal.removeEventListener("abort", ends.onAbort);
    }
  }

  /** End every wait (rejected, timers cancelled) and refuse new calls: for shutting a process down. */
  close(): void {
    this.closed = true;
    for (const end of [...this.waits]) end("the limiter was closed");
  }

  private refilled(name: Ec2Bucket): BucketState {
    const now = this.clock.now();
    let b = this.buckets.get(name);
    if (b === undefined) {
      const spec = this.specs[name];
      b = { spec, tokens: spec.capacity, updatedAt: now };
      this.buckets.set(name, b);
    }
    const elapsed = Math.max(0, now - b.updatedAt) / 1000;
    b.tokens = Math.min(b.spec.capacity, b.tokens + elapsed * b.spec.refillPerSecond);
    b.updatedAt = now;
    return b;
  }
}
