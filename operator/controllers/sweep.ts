/**
 * The drift sweep: every resync interval, one shared observe per EC2 client (account and region) instead of
 * one per network, and a reconcile only for the networks whose part of it changed.
 *
 *   timer → for each snapshot: refresh (≈6 Describe calls for all its VPCs) → each network's slice →
 *   fingerprint ≠ the one its last reconcile saw → enqueue, marked to read from the snapshot
 *
 * What a reconcile saw is reported back by the network reconciler ({@link SweepCoordinator.reconciled}): a
 * fingerprint of its topology and observation, whichever way it read them, so the sweep compares like with
 * like (test/integration/aws/snapshot-equivalence.test.ts proves the two reads agree). A reconcile the sweep
 * enqueued reads its part from the fresh snapshot ({@link SweepCoordinator.takeView}); every other reconcile
 * (a spec change, pending work, right after a mutation, a watch event, the long full-observe requeue)
 * observes its own VPC live, as before. Networks not yet reconciled by this process are left to the
 * reconcile the informer's initial list already queued.
 */
import type { Ec2Port } from "../aws/ec2-port.js";
import type { Metrics } from "../observability/metrics.js";
import { fingerprint, type ObserveSnapshot, type Slice, type SnapshotNetwork } from "../aws/snapshot.js";

/** One network the sweep looks at, with the snapshot of its EC2 client (the caller keeps one per client). */
export interface SweepTarget extends SnapshotNetwork {
  /** The work-queue key (`namespace/name`). */
  readonly key: string;
  readonly region: string;
  readonly snapshot: ObserveSnapshot;
}

/** What a reconcile reports: its slice (or null when it stopped before observing) and how it ended. */
export interface ReconcileSeen {
  readonly slice: Slice | null;
  /** True when it read the VPC itself (not a snapshot view): its DNS attributes are fresh. */
  readonly live: boolean;
  /** Nothing done, nothing pending, nothing failed: a snapshot read is enough for its next reconcile. */
  readonly settled: boolean;
}

/** What the network reconciler needs from the sweep. */
export interface SweepHooks {
  /** The snapshot view to read from, when the sweep enqueued `key` for a change (consumed by this call). */
  takeView(key: string): Ec2Port | undefined;
  /** What a reconcile of `key` saw. */
  reconciled(key: string, seen: ReconcileSeen): void;
  /** `key` is gone: forget it. */
  forget(key: string): void;
}

/** The outcome of one sweep (for logs, tests and the benchmark). */
export interface SweepReport {
  readonly snapshots: number;
  readonly networks: number;
  /** Keys enqueued because their part changed. */
  readonly enqueued: readonly string[];
  /** Snapshots whose refresh failed (their networks wait for the next sweep or their own requeue). */
  readonly failed: number;
}

export interface SweepOptions {
  /** The sweep interval, ms (the operator's resync). */
  readonly intervalMs: number;
  /** The networks to sweep now (valid, not being deleted). */
  readonly targets: () => readonly SweepTarget[];
  readonly enqueue: (key: string) => void;
  /** False while this instance does not lead: no sweep then. Default always. */
  readonly active?: () => boolean;
  readonly logger: {
    debug(o: object, m: string): void;
    info(o: object, m: string): void;
    warn(o: object, m: string): void;
  };
  readonly now?: () => number;
  /** Called after each sweep this instance ran (not while it does not lead), with its duration in seconds. */
  readonly onSweep?: (report: SweepReport, seconds: number) => void;
  /** [0,1) for the interval's jitter; default Math.random. */
  readonly rand?: () => number;
}

/** The values of `ecsnet_drift_sweeps_total`'s result label. */
const SWEEP_RESULTS = ["ok", "partial", "failed"] as const;

/** `ecsnet_drift_sweeps_total`'s result label of a sweep. */
export function sweepResult(r: SweepReport): (typeof SWEEP_RESULTS)[number] {
  if (r.failed === 0) return "ok";
  return r.failed === r.snapshots ? "failed" : "partial";
}

/**
 * The `onSweep` that counts each sweep in `ecsnet_drift_sweeps_total{result}` and times it in
 * `ecsnet_drift_sweep_duration_seconds`. Every result starts at 0, so an alert on `failed` has a series to rate.
 */
export function sweepMetrics(
  metrics: Pick<Metrics, "driftSweepsTotal" | "driftSweepDuration">,
): NonNullable<SweepOptions["onSweep"]> {
  for (const result of SWEEP_RESULTS) metrics.driftSweepsTotal.labels({ result }).inc(0);
  return (report, seconds) => {
    metrics.driftSweepsTotal.labels({ result: sweepResult(report) }).inc();
    metrics.driftSweepDuration.observe(seconds);
  };
}

/** Fraction of the interval a sweep may start early or late, so replicas and restarts do not sweep in step. */
export const SWEEP_JITTER = 0.1;

/** See module doc. */
export class SweepCoordinator implements SweepHooks {
  /** Per key: the fingerprint of what its last reconcile (or the last sweep that enqueued it) saw. */
  private readonly seen = new Map<string, string>();
  /** Keys whose last reconcile settled (a snapshot read is enough for the next one). */
  private readonly settled = new Set<string>();
  /** Keys the sweep enqueued, with the snapshot and VPC to read from. */
  private readonly marks = new Map<string, { snapshot: ObserveSnapshot; vpcId: string }>();
  /** The latest target of each key, to note live DNS reads on its snapshot. */
  private readonly targetsByKey = new Map<string, SweepTarget>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepReport> | undefined;
  private stopped = false;

  constructor(private readonly opts: SweepOptions) {}

  /** Start sweeping every interval (jittered); the first sweep comes one interval after start. */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Stop the timer and wait for a sweep in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped) return;
    const rand = (this.opts.rand ?? Math.random)();
    const delay = Math.round(this.opts.intervalMs * (1 - SWEEP_JITTER + 2 * SWEEP_JITTER * rand));
    this.timer = setTimeout(() => {
      this.running = this.sweep();
      void this.running
        .catch((err: unknown) => this.opts.logger.warn({ err }, "drift sweep failed"))
        .finally(() => this.schedule());
    }, delay);
    this.timer.unref?.();
  }

  /** One sweep now (see module doc). Never rejects for an AWS failure of one snapshot: it is counted. */
  async sweep(): Promise<SweepReport> {
    if (this.opts.active && !this.opts.active()) return { snapshots: 0, networks: 0, enqueued: [], failed: 0 };
    const started = performance.now();
    const targets = this.opts.targets();
    const bySnapshot = new Map<ObserveSnapshot, SweepTarget[]>();
    for (const t of targets) {
      this.targetsByKey.set(t.key, t);
      const list = bySnapshot.get(t.snapshot) ?? [];
      list.push(t);
      bySnapshot.set(t.snapshot, list);
    }
    const enqueued: string[] = [];
    let failed = 0;
    await Promise.all(
      [...bySnapshot].map(async ([snapshot, group]) => {
        // Each part (at most SWEEP_PART_VPCS VPCs) is compared as soon as it is read; only the enqueued networks'
        // VPCs stay in the snapshot, for their reconciles to read.
        const compare = async (part: readonly SweepTarget[]): Promise<string[]> => {
          const keep: string[] = [];
          for (const t of part) {
            let fp: string;
            try {
              fp = fingerprint(await snapshot.slice(t, t.region));
            } catch (err) {
              this.opts.logger.warn({ err, key: t.key }, "drift sweep: slice failed");
              continue;
            }
            const prev = this.seen.get(t.key);
            if (this.marks.get(t.key)?.snapshot === snapshot) keep.push(t.vpcId);
            // Not reconciled by this process yet: the informer's initial list already queued it.
            if (prev === undefined || prev === fp) continue;
            this.seen.set(t.key, fp);
            this.marks.set(t.key, { snapshot, vpcId: t.vpcId });
            keep.push(t.vpcId);
            enqueued.push(t.key);
          }
          return keep;
        };
        try {
          await snapshot.refresh(group, { onPart: compare });
        } catch (err) {
          failed++;
          this.opts.logger.warn({ err, networks: group.length }, "drift sweep: shared observe failed");
        }
      }),
    );
    for (const key of enqueued) this.opts.enqueue(key);
    const report = { snapshots: bySnapshot.size, networks: targets.length, enqueued, failed };
    this.opts.onSweep?.(report, (performance.now() - started) / 1000);
    this.opts.logger[enqueued.length > 0 ? "info" : "debug"]({ ...report, enqueued: enqueued.length }, "drift sweep");
    return report;
  }

  takeView(key: string): Ec2Port | undefined {
    const mark = this.marks.get(key);
    this.marks.delete(key);
    if (mark === undefined || !this.settled.has(key)) return undefined;
    const at = mark.snapshot.at;
    const now = (this.opts.now ?? Date.now)();
    // A mark older than two sweeps (a long queue) is no better than a live read.
    if (at === undefined || now - at > 2 * this.opts.intervalMs || !mark.snapshot.covers(mark.vpcId)) return undefined;
    return mark.snapshot.view(mark.vpcId);
  }

  reconciled(key: string, seen: ReconcileSeen): void {
    if (seen.settled) this.settled.add(key);
    else this.settled.delete(key);
    if (seen.slice === null) {
      this.seen.delete(key);
      return;
    }
    this.seen.set(key, fingerprint(seen.slice));
    const target = this.targetsByKey.get(key);
    if (seen.live && "topology" in seen.slice && target !== undefined) {
      const { vpcId, dnsSupport, dnsHostnames } = seen.slice.topology;
      target.snapshot.noteDns(vpcId, dnsSupport, dnsHostnames);
    }
  }

  forget(key: string): void {
    this.seen.delete(key);
    this.settled.delete(key);
    this.marks.delete(key);
    this.targetsByKey.delete(key);
  }
}
