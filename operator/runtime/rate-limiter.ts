/**
 * How long a failed key waits before its next try: client-go's default controller rate limiter,
 * the max of a per-key exponential backoff and a global token bucket.
 *
 * - Per key: `baseDelayMs * 2^failures`, capped at `maxDelayMs` (client-go: 5 ms → 1000 s). One
 *   broken object backs off on its own without slowing the others.
 * - Global: a token bucket (client-go: 10 per second, burst 100). When many keys fail at once (the
 *   API server or AWS is down), their retries are spread out instead of arriving as a thundering herd.
 *
 * `forget(key)` resets a key's backoff; the controller calls it after every successful reconcile.
 */
import { systemClock, type Clock } from "./clock.js";

/** Decides the delay before a key's next retry. */
export interface RateLimiter {
  /** Record one more failure of `key` and return how long it must wait (ms) before running again. */
  when(key: string): number;
  /** Reset `key`'s failure count (after a success or a terminal error). */
  forget(key: string): void;
  /** How many times `key` failed since the last `forget`. */
  numRequeues(key: string): number;
}

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** Delay after the first failure. Default 5 ms (client-go). */
  readonly baseDelayMs?: number;
  /** Upper bound of the delay. Default 1 000 000 ms = 1000 s (client-go). */
  readonly maxDelayMs?: number;
}

/** Per-key exponential backoff: 5, 10, 20, 40 … ms, capped; `forget` starts a key over at the base. */
export function exponentialBackoff(opts: ExponentialBackoffOptions = {}): RateLimiter {
  const base = opts.baseDelayMs ?? 5;
  const max = opts.maxDelayMs ?? 1_000_000;
  const failures = new Map<string, number>();
  return {
    when(key) {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      // 2^n overflows to Infinity for large n; min() keeps the cap exact.
      return Math.min(max, base * Math.pow(2, n));
    },
    forget(key) {
      failures.delete(key);
    },
    numRequeues(key) {
      return failures.get(key) ?? 0;
    },
  };
}

/** Options of {@link tokenBucket}. */
export interface TokenBucketOptions {
  /** Sustained retries per second across all keys. Default 10 (client-go). */
  readonly qps?: number;
  /** Retries allowed at once before the rate applies. Default 100 (client-go). */
  readonly burst?: number;
  readonly clock?: Clock;
}

/**
 * Global token bucket. Each `when` reserves one token and returns the wait until that token exists
 * (0 while the burst lasts). Keys are ignored: it limits the sum of all retries.
 */
export function tokenBucket(opts: TokenBucketOptions = {}): RateLimiter {
  const qps = opts.qps ?? 10;
  const burst = opts.burst ?? 100;
  const clock = opts.clock ?? systemClock;
  let tokens = burst;
  let last = clock.now();
  return {
    when() {
      const now = clock.now();
      tokens = Math.min(burst, tokens + ((now - last) * qps) / 1000);
      last = now;
      tokens -= 1;
      // A negative balance is a reservation: the caller waits until the bucket refills to zero.
      return tokens >= 0 ? 0 : Math.ceil((-tokens / qps) * 1000);
    },
    forget() {},
    numRequeues() {
      return 0;
    },
  };
}

/** Combine limiters: the delay is the largest any of them asks for; `forget` resets all of them. */
export function maxOf(...limiters: RateLimiter[]): RateLimiter {
  return {
    when: (key) => Math.max(0, ...limiters.map((l) => l.when(key))),
    forget: (key) => limiters.forEach((l) => l.forget(key)),
    numRequeues: (key) => Math.max(0, ...limiters.map((l) => l.numRequeues(key))),
  };
}

/** Options of {@link defaultRateLimiter}: both halves, all optional. */
export interface DefaultRateLimiterOptions extends ExponentialBackoffOptions, TokenBucketOptions {}

/** client-go's `DefaultControllerRateLimiter`: max of per-key backoff (5 ms → 1000 s) and a 10 qps / 100 burst bucket. */
export function defaultRateLimiter(opts: DefaultRateLimiterOptions = {}): RateLimiter {
  return maxOf(exponentialBackoff(opts), tokenBucket(opts));
}
