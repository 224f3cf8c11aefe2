/**
 * A work queue of object keys with client-go's semantics (`util/workqueue`):
 *
 * - **dirty** holds keys that need a run; **processing** holds keys a worker has taken.
 * - A key is never handed to two workers at once: while it is processing, `add` only marks it
 *   dirty, and `done` puts it back in the queue. However many adds arrive meanwhile (100 watch
 *   events during one slow reconcile), they coalesce into exactly one more run.
 * - A key waiting in the queue is there once; adding it again does nothing.
 * - `addAfter` delays an add (requeueAfter); several delayed adds of one key keep the earliest.
 * - `addRateLimited` delays by the rate limiter's backoff for the key; `forget` resets it.
 *
 * Unlike client-go, `get()` resolves `undefined` as soon as the queue is shut down, even if keys are
 * still queued: shutdown means "take no more work". Queued keys are not lost for good: the next
 * leader (or this one after restart) lists every object and enqueues it again.
 */
import { systemClock, type Clock, type TimerHandle } from "./clock.js";
import { defaultRateLimiter, type RateLimiter } from "./rate-limiter.js";
import type { Metrics } from "../observability/metrics.js";

/** Options of {@link WorkQueue}; all optional. */
export interface WorkQueueOptions {
  /** Name for metrics (`ecsnet_workqueue_*{name}`). Default "default". */
  readonly name?: string;
  /** Backoff for `addRateLimited`. Default {@link defaultRateLimiter} on the same clock. */
  readonly rateLimiter?: RateLimiter;
  readonly clock?: Clock;
  readonly metrics?: Metrics;
}

/** The queue. See the module comment for its semantics. */
export class WorkQueue {
  /** The options this queue was built with, so an owner can build an identical fresh one. */
  readonly options: WorkQueueOptions;
  private readonly name: string;
  private readonly clock: Clock;
  private readonly limiter: RateLimiter;
  /** FIFO of keys ready to be taken; a key appears here at most once. */
  private readonly queue: string[] = [];
  /** Keys that need a run: queued ones, and processing ones that were added again meanwhile. */
  private readonly dirty = new Set<string>();
  /** Keys a worker holds between `get` and `done`; never queued at the same time. */
  private readonly processing = new Set<string>();
  /** When each queued key was added (for queue-duration) and each taken key was taken (work-duration). */
  private readonly addedAt = new Map<string, number>();
  private readonly takenAt = new Map<string, number>();
  /** One pending timer per key for `addAfter`, with its due time, so an earlier request can replace it. */
  private readonly delayed = new Map<string, { at: number; timer: TimerHandle }>();
  /** Workers blocked in `get()`, served in arrival order. */
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  /** Callers of `shutDownWithDrain` waiting for `processing` to empty. */
  private readonly drained: Array<() => void> = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.options = options;
    this.name = options.name ?? "default";
    this.clock = options.clock ?? systemClock;
    this.limiter = options.rateLimiter ?? defaultRateLimiter({ clock: this.clock });
    options.metrics?.initQueue(this.name);
  }

  /** Mark `key` as needing a run. No-op if already waiting, or after shutdown. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.options.metrics?.workqueueAddsTotal.inc({ name: this.name });
    this.dirty.add(key);
    // A key being processed is only marked dirty; done() re-queues it, so it never runs twice at once.
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Add `key` after `ms` milliseconds (at once if `ms <= 0`). An earlier pending delayed add wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const existing = this.delayed.get(key);
    // An earlier pending add already covers this one: the key will run by then and the reconcile
    // decides afresh what it needs next. Keeping the later one too would only cause an extra run.
    if (existing && existing.at <= at) return;
    existing?.timer.cancel();
    const timer = this.clock.setTimer(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** Add `key` after its backoff delay (one more failure recorded by the rate limiter). */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    this.options.metrics?.workqueueRetriesTotal.inc({ name: this.name });
    this.addAfter(key, this.limiter.when(key));
  }

  /** Reset `key`'s backoff. Does not remove it from the queue. */
  forget(key: string): void {
    this.limiter.forget(key);
  }

  /** Failures of `key` since the last `forget`. */
  numRequeues(key: string): number {
    return this.limiter.numRequeues(key);
  }

  /**
   * Take the next key, waiting until there is one. The key is then "processing" until `done(key)`.
   * Resolves `undefined` once the queue is shut down (also for callers already waiting).
   */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.take();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Finish processing `key`. If it was added meanwhile, it goes back in the queue for one more run. */
  done(key: string): void {
    const taken = this.takenAt.get(key);
    if (taken !== undefined)
      this.options.metrics?.workqueueWorkDuration.observe({ name: this.name }, (this.clock.now() - taken) / 1000);
    this.takenAt.delete(key);
    this.processing.delete(key);
    // Added while it ran: the reconcile may have read an old version, so run it exactly once more.
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
    if (this.processing.size === 0) for (const resolve of this.drained.splice(0)) resolve();
  }

  /** Keys waiting to be taken (not counting processing or delayed ones). */
  len(): number {
    return this.queue.length;
  }

  /** True once `shutDown` or `shutDownWithDrain` was called. */
  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stop: reject further adds, drop queued keys, cancel delayed adds, wake every waiting `get()` with `undefined`. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) timer.cancel();
    this.delayed.clear();
    // Queued keys will never be taken now (get() answers undefined): drop them, so len() and the
    // depth gauge say so. Whoever leads next lists every object and enqueues it again.
    for (const key of this.queue.splice(0)) this.dirty.delete(key);
    this.addedAt.clear();
    this.options.metrics?.workqueueDepth.set({ name: this.name }, 0);
    for (const resolve of this.waiters.splice(0)) resolve(undefined);
  }

  /** {@link shutDown}, then resolve once every key being processed is `done`. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  /** Append a key that is dirty and not processing, and serve waiting workers. */
  private push(key: string): void {
    this.queue.push(key);
    this.addedAt.set(key, this.clock.now());
    this.options.metrics?.workqueueDepth.set({ name: this.name }, this.queue.length);
    // Hand keys straight to workers already waiting in get().
    while (this.waiters.length > 0 && this.queue.length > 0) {
      const resolve = this.waiters.shift()!;
      resolve(this.take());
    }
  }

  /** Move the head of the queue to `processing`; undefined when the queue is empty. */
  private take(): string | undefined {
    const key = this.queue.shift();
    if (key === undefined) return undefined;
    const now = this.clock.now();
    const added = this.addedAt.get(key);
    if (added !== undefined)
      this.options.metrics?.workqueueQueueDuration.observe({ name: this.name }, (now - added) / 1000);
    this.addedAt.delete(key);
    this.options.metrics?.workqueueDepth.set({ name: this.name }, this.queue.length);
    this.processing.add(key);
    this.takenAt.set(key, now);
    this.dirty.delete(key);
    return key;
  }
}
