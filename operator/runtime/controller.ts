/**
 * A controller: N async workers that take keys from a {@link WorkQueue}, run `reconcile(key, ctx)`
 * and turn its outcome into the next step for that key (see the table in result.ts).
 *
 * Keys are the only currency: the controller knows nothing of Kubernetes or AWS. Informers feed it
 * with `enqueue(key)`; the reconcile reads the object from a cache by key.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { ReconcileOutcome, type Metrics } from "../observability/metrics.js";
import { ALIVE, type Liveness } from "./health.js";
import { isConflict, isTerminal, type ReconcileResult } from "./result.js";
import { WorkQueue } from "./work-queue.js";

/** What a reconcile is handed besides its key. */
export interface ReconcileContext {
  /** Unique per run; also on every line of `logger`. */
  readonly reconcileId: string;
  /** Child logger carrying `controller`, `key` and `reconcileId`. */
  readonly logger: Logger;
  /** Aborted when the controller stops and its grace period ran out: finish or give up quickly. */
  readonly signal: AbortSignal;
}

/** The function a controller runs per key. Throws to signal failure (see result.ts). */
export type Reconcile = (key: string, ctx: ReconcileContext) => Promise<ReconcileResult>;

/** Options of {@link Controller}. */
export interface ControllerOptions {
  /** Used in logs and in `ecsnet_reconcile_*{controller}`. */
  readonly name: string;
  /** Workers, i.e. reconciles running at once (never two on one key). At least 1. */
  readonly concurrency: number;
  readonly reconcile: Reconcile;
  /** Queue to use. Default: a fresh {@link WorkQueue} named after the controller. */
  readonly queue?: WorkQueue;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Clock for reconcile durations and liveness, in ms. Default `performance.now`. */
  readonly now?: () => number;
  /**
   * A reconcile running longer than this makes `liveness()` fail: reconciles never wait on AWS (they
   * requeue instead), so one this long is hung on a call that will not return, and its worker with it.
   * Default 10 minutes, far above the slowest healthy reconcile (a first convergence queued behind the
   * EC2 limiter's CreateVpcEndpoint pace).
   */
  readonly stuckAfterMs?: number;
}

/** Options of {@link Controller.stop}. */
export interface StopOptions {
  /** How long in-flight reconciles may take to finish before their signal is aborted. Default 10 s. */
  readonly graceMs?: number;
}

/** Runs reconciles. `start()` → workers run; `stop()` → drain. A stopped controller may start again. */
export class Controller {
  readonly name: string;
  private queue: WorkQueue;
  private readonly opts: ControllerOptions;
  private readonly now: () => number;
  /** One promise per running worker; empty while stopped. */
  private workers: Promise<void>[] = [];
  /** Aborted when a stop's grace period runs out; replaced on every start. */
  private abort = new AbortController();
  /**
   * The reconcile running per key, across runs: a stop past its grace period leaves reconciles running,
   * and a start right after (the Lease taken back) gets a fresh queue that knows nothing of them.
   */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Start time of every reconcile running now, by reconcile id. */
  private readonly startedAt = new Map<string, { key: string; at: number }>();

  constructor(opts: ControllerOptions) {
    if (!(opts.concurrency >= 1)) throw new RangeError(`concurrency must be >= 1, got ${opts.concurrency}`);
    this.opts = opts;
    this.name = opts.name;
    this.now = opts.now ?? (() => performance.now());
    this.queue = opts.queue ?? new WorkQueue({ name: opts.name, metrics: opts.metrics });
    opts.metrics?.initController(opts.name);
  }

  /** True between `start()` and `stop()` (a stopped controller ignores `enqueue`). */
  get running(): boolean {
    return this.workers.length > 0;
  }

  /** Not alive when a reconcile has been running for longer than `stuckAfterMs`. */
  liveness(): Liveness {
    const limit = this.opts.stuckAfterMs ?? 600_000;
    const now = this.now();
    for (const r of this.startedAt.values()) {
      if (now - r.at > limit)
        return {
          ok: false,
          message: `controller ${this.name}: reconcile of ${r.key} running for ${Math.round((now - r.at) / 1000)}s (deadline ${limit / 1000}s)`,
        };
    }
    return ALIVE;
  }

  /** Ask for a run of `key`. Ignored while stopped (the next start relists everything anyway). */
  enqueue(key: string): void {
    if (this.running) this.queue.add(key);
  }

  /** Start the workers. No-op if running. After a `stop()`, a fresh queue with the same options is used. */
  start(): void {
    if (this.running) return;
    if (this.queue.isShuttingDown()) this.queue = new WorkQueue(this.queue.options);
    this.abort = new AbortController();
    for (let i = 0; i < this.opts.concurrency; i++) this.workers.push(this.worker(this.queue));
  }

  /**
   * Stop taking keys and wait for in-flight reconciles. After `graceMs` their signal is aborted and
   * this resolves without waiting further (returns false then). Resolves true when all finished.
   */
  async stop(opts: StopOptions = {}): Promise<boolean> {
    if (!this.running) return true;
    const graceMs = opts.graceMs ?? 10_000;
    // Shutting the queue down wakes idle workers (get() → undefined) and stops busy ones after
    // their current key; keys still queued are dropped (the next start or leader relists them).
    const workers = Promise.all(this.workers);
    this.workers = [];
    const drained = this.queue.shutDownWithDrain().then(() => workers);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    });
    const finished = await Promise.race([drained.then(() => true as const), timedOut]);
    clearTimeout(timer);
    // Past the grace period we stop waiting: reconciles are idempotent, so one cut short is simply
    // redone by whoever leads next. The signal lets them give up cooperatively.
    if (!finished) {
      this.opts.logger.warn({ controller: this.name, graceMs }, "reconciles still running after grace period");
      this.abort.abort(new Error("controller stopped"));
    }
    return finished;
  }

  /** One worker, bound to the queue of this run (a restart after a timed-out stop gets a new one). */
  private async worker(queue: WorkQueue): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        // Never two reconciles of one key at once, also when one of them belongs to an earlier run.
        await this.inFlight.get(key);
        const run = this.runOne(queue, key);
        this.inFlight.set(key, run);
        await run.finally(() => {
          if (this.inFlight.get(key) === run) this.inFlight.delete(key);
        });
      } finally {
        queue.done(key);
      }
    }
  }

  /** Run one reconcile of `key` and decide, from its outcome, when (or whether) the key runs again. */
  private async runOne(queue: WorkQueue, key: string): Promise<void> {
    const metrics = this.opts.metrics;
    const name = this.name;
    const reconcileId = randomUUID();
    const logger = this.opts.logger.child({ controller: name, key, reconcileId });
    const started = this.now();
    this.startedAt.set(reconcileId, { key, at: started });
    const count = (result: ReconcileOutcome) => metrics?.reconcileTotal.inc({ controller: name, result });
    try {
      const result = await this.opts.reconcile(key, { reconcileId, logger, signal: this.abort.signal });
      // Success always resets the key's backoff: the next failure starts again at the base delay.
      queue.forget(key);
      if (result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
        // The reconciler asked to look again later (something pending, or the drift sweep).
        queue.addAfter(key, result.requeueAfterMs);
        count(ReconcileOutcome.RequeueAfter);
      } else {
        count(ReconcileOutcome.Success);
      }
    } catch (err) {
      if (isTerminal(err)) {
        // Retrying cannot help: forget the key; only a new event (e.g. a spec change) runs it again.
        queue.forget(key);
        count(ReconcileOutcome.TerminalError);
        metrics?.reconcileErrorsTotal.inc({ controller: name });
        logger.warn({ err }, "reconcile failed terminally; not retrying until the object changes");
      } else if (isConflict(err)) {
        // Lost an optimistic-concurrency race: normal. Retry with backoff once the cache caught up,
        // without an error log or error metric (house rule 9).
        queue.addRateLimited(key);
        count(ReconcileOutcome.Requeue);
        logger.debug({ err }, "conflict; requeued");
      } else {
        // Anything else may be transient: retry with per-key exponential backoff.
        queue.addRateLimited(key);
        count(ReconcileOutcome.Error);
        metrics?.reconcileErrorsTotal.inc({ controller: name });
        logger.error({ err, retries: queue.numRequeues(key) }, "reconcile failed; requeued with backoff");
      }
    } finally {
      this.startedAt.delete(reconcileId);
      metrics?.reconcileDuration.observe({ controller: name }, (this.now() - started) / 1000);
    }
  }
}
