/**
 * Leader election on a coordination.k8s.io/v1 Lease: the I/O around lease-decision.ts.
 *
 * Every `retryPeriodMs` the elector reads the Lease, asks {@link decide} what to do, and writes
 * with optimistic concurrency through a {@link LeaseStore}. As leader it steps down when it has not
 * renewed for `renewDeadlineMs`, or at once when it reads another holder. `stop()` releases a Lease
 * it holds so a standby takes over at its next attempt.
 *
 * Health: an attempt that ends, however it ends, is progress; `liveness()` fails when none ended for
 * `livenessDeadlineMs` (an attempt hanging on a request that never returns, or the loop's timer chain
 * broken). `problem()` explains attempts that keep failing (the Lease's namespace missing, RBAC, the API
 * server unreachable); it is logged once per distinct cause, not once per retry period.
 */
import type { Logger } from "pino";
import type { Metrics } from "../observability/metrics.js";
import { systemClock, type Clock, type TimerHandle } from "../runtime/clock.js";
import type { ElectionCallbacks, Elector, ElectorRole } from "../runtime/manager.js";
import { progressLiveness, ProblemSlot, type Liveness, type Problem } from "../runtime/health.js";
import { isConflict } from "../runtime/result.js";
import type { KubeClient, KubeObject, ResourceRef } from "./client.js";
import { explainKubeError } from "./explain.js";
import {
  decide,
  observe,
  releaseRecord,
  shouldStepDown,
  type LeaseRecord,
  type Observation,
} from "./lease-decision.js";

/** The Lease as stored, with the version a write must be conditioned on. */
export interface StoredLease {
  readonly record: LeaseRecord;
  readonly resourceVersion: string;
}

/** Reads and writes one Lease. Writes on a stale resourceVersion (or create of an existing Lease) throw ConflictError. */
export interface LeaseStore {
  get(): Promise<StoredLease | undefined>;
  create(record: LeaseRecord): Promise<StoredLease>;
  update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease>;
}

/** The Lease resource. */
export const LEASE: ResourceRef = {
  group: "coordination.k8s.io",
  version: "v1",
  plural: "leases",
  kind: "Lease",
  namespaced: true,
};

type LeaseObject = KubeObject & { spec?: Record<string, unknown> };

/** A {@link LeaseStore} on the Kubernetes API. Times travel as RFC 3339 MicroTime strings. */
export function kubeLeaseStore(client: KubeClient, lease: { namespace: string; name: string }): LeaseStore {
  const toStored = (o: LeaseObject): StoredLease => ({
    record: fromSpec(o.spec ?? {}),
    resourceVersion: o.metadata.resourceVersion ?? "",
  });
  const body = (record: LeaseRecord, resourceVersion?: string): LeaseObject => ({
    metadata: { name: lease.name, namespace: lease.namespace, ...(resourceVersion ? { resourceVersion } : {}) },
    spec: toSpec(record),
  });
  return {
    async get() {
      const o = await client.get<LeaseObject>({ resource: LEASE, ...lease });
      return o && toStored(o);
    },
    create: async (record) => toStored(await client.create({ resource: LEASE, body: body(record) })),
    update: async (record, rv) => toStored(await client.replace({ resource: LEASE, body: body(record, rv) })),
  };
}

/** Options of {@link LeaseElector}; durations default to client-go's 15 s / 10 s / 2 s. */
export interface LeaseElectorOptions {
  readonly store: LeaseStore;
  /** Unique per instance, e.g. the pod name plus a random suffix. */
  readonly identity: string;
  /** Name for logs and `ecsnet_leader{name}`. */
  readonly name: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /**
   * `liveness()` fails after this long without an attempt ending. Default leaseDuration + 20 s, the
   * tolerance kube-controller-manager gives client-go's leader-election healthz adaptor.
   */
  readonly livenessDeadlineMs?: number;
  /** Where the Lease lives and the API server's URL, for problem messages. */
  readonly where?: { readonly namespace?: string; readonly server?: string };
  readonly clock?: Clock;
  /** Jitter source in [0, 1); default Math.random. */
  readonly random?: () => number;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

/** Runs the election loop; implements the manager's {@link Elector}. */
export class LeaseElector implements Elector {
  private readonly o: Required<Pick<LeaseElectorOptions, "leaseDurationMs" | "renewDeadlineMs" | "retryPeriodMs">> &
    LeaseElectorOptions;
  private readonly clock: Clock;
  private state: ElectorRole = "unknown";
  private observed: Observation | undefined;
  private lastRenewAt = 0;
  private leader = "";
  private callbacks: ElectionCallbacks = {};
  private timer: TimerHandle | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = true;
  /** When this instance last stepped down for missing the renew deadline (clock ms; 0 = never). */
  private steppedDownAt = 0;
  /** When the last attempt ended (or the loop started): the elector's progress. */
  private lastProgressAt = 0;
  private readonly problemSlot: ProblemSlot;

  constructor(opts: LeaseElectorOptions) {
    this.o = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...opts };
    if (this.o.renewDeadlineMs >= this.o.leaseDurationMs)
      throw new RangeError("renewDeadlineMs must be < leaseDurationMs");
    this.clock = opts.clock ?? systemClock;
    this.problemSlot = new ProblemSlot(opts.logger, { lease: opts.name });
  }

  /** Not alive when no attempt ended for the liveness deadline while running. */
  liveness(): Liveness {
    if (this.stopped) return { ok: true };
    const deadline = this.o.livenessDeadlineMs ?? this.o.leaseDurationMs + 20_000;
    return progressLiveness(`leader election ${this.o.name}`, this.lastProgressAt, this.clock.now(), deadline);
  }

  /** Why attempts keep failing, or undefined while they succeed. */
  problem(): Problem | undefined {
    return this.problemSlot.get();
  }

  /** "unknown" until the first attempt finished, then "leader" or "standby". */
  role(): ElectorRole {
    return this.state;
  }

  /** Identity of the current holder as last read ("" if none known). */
  currentLeader(): string {
    return this.leader;
  }

  /** Start the loop; the first attempt runs at once. */
  start(callbacks: ElectionCallbacks = {}): void {
    this.callbacks = callbacks;
    this.stopped = false;
    this.lastProgressAt = this.clock.now();
    this.o.metrics?.leader.set({ name: this.o.name }, 0);
    this.tick();
  }

  /** Stop the loop; if leading, step down (onStoppedLeading) and release the Lease. Never throws. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.inFlight;
    if (this.state !== "leader") return;
    this.setRole("standby");
    try {
      const stored = await this.o.store.get();
      const record = stored && releaseRecord(stored.record, this.o.identity, this.clock.now());
      if (stored && record) await this.o.store.update(record, stored.resourceVersion);
    } catch (err) {
      // The Lease then simply expires after leaseDuration; a standby takes over a little later.
      this.o.logger?.warn({ err }, "cannot release lease");
    }
  }

  private tick(): void {
    if (this.stopped) return;
    // Checked on every tick, also while an attempt hangs: a leader that cannot renew in time steps down.
    if (this.state === "leader" && shouldStepDown(this.lastRenewAt, this.clock.now(), this.o.renewDeadlineMs)) {
      this.o.logger?.warn({ lease: this.o.name }, "lease not renewed within the renew deadline; stepping down");
      this.steppedDownAt = this.clock.now();
      this.setRole("standby");
    }
    if (!this.inFlight)
      this.inFlight = this.attempt().finally(() => {
        this.inFlight = undefined;
        this.lastProgressAt = this.clock.now();
      });
    // client-go jitters the acquire period by up to 1.2x so standbys do not hit the API server together.
    const jitter = this.state === "leader" ? 1 : 1 + (this.o.random ?? Math.random)() * 0.2;
    this.timer = this.clock.setTimer(() => this.tick(), this.o.retryPeriodMs * jitter);
  }

  private async attempt(): Promise<void> {
    const { store, identity } = this.o;
    const startedAt = this.clock.now();
    let verb = "get";
    try {
      const stored = await store.get();
      const now = this.clock.now();
      if (stored) this.observed = observe(this.observed, stored.record, now);
      const d = decide({
        lease: stored?.record,
        observed: this.observed,
        identity,
        now,
        leaseDurationMs: this.o.leaseDurationMs,
      });
      if (this.stopped) return;
      if (d.kind === "wait") {
        // Someone else holds a live Lease. If we thought we led, it was taken from us: step down now.
        this.problemSlot.set(undefined);
        this.noteLeader(d.holder);
        this.setRole("standby");
        return;
      }
      verb = d.kind === "create" ? "create" : "update";
      const written =
        d.kind === "create" ? await store.create(d.record) : await store.update(d.record, stored!.resourceVersion);
      this.problemSlot.set(undefined);
      this.observed = { record: written.record, observedAt: this.clock.now() };
      this.lastRenewAt = now;
      this.noteLeader(identity);
      // An attempt that was still hanging when we stepped down (renew deadline passed) must not make us lead
      // again with its old renew time, only to step down at the next tick: the next attempt starts fresh.
      if (this.steppedDownAt > startedAt) return;
      if (!this.stopped) this.setRole("leader");
    } catch (err) {
      // A conflict means another instance wrote first; anything else is an API problem. Either way,
      // retry next period; a leader keeps leading until the renew deadline passes (checked in tick).
      // The cause is logged once (problemSlot), not every retry period.
      if (!isConflict(err))
        this.problemSlot.set(
          explainKubeError(err, {
            verb,
            resource: LEASE,
            ...(this.o.where?.namespace ? { namespace: this.o.where.namespace } : {}),
            ...(this.o.where?.server ? { server: this.o.where.server } : {}),
          }),
        );
      if (this.state === "unknown") this.setRole("standby");
    }
  }

  private setRole(role: ElectorRole): void {
    const was = this.state;
    this.state = role;
    if (was === role) return;
    this.o.metrics?.leader.set({ name: this.o.name }, role === "leader" ? 1 : 0);
    if (role === "leader") this.callbacks.onStartedLeading?.();
    if (was === "leader") this.callbacks.onStoppedLeading?.();
  }

  private noteLeader(holder: string): void {
    if (holder === this.leader) return;
    this.leader = holder;
    this.callbacks.onNewLeader?.(holder);
  }
}

function toSpec(r: LeaseRecord): Record<string, unknown> {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: microTime(r.acquireTime),
    renewTime: microTime(r.renewTime),
    leaseTransitions: r.leaseTransitions,
  };
}

function fromSpec(s: Record<string, unknown>): LeaseRecord {
  const time = (v: unknown) => (typeof v === "string" ? Date.parse(v) || 0 : 0);
  return {
    holderIdentity: typeof s.holderIdentity === "string" ? s.holderIdentity : "",
    leaseDurationSeconds: typeof s.leaseDurationSeconds === "number" ? s.leaseDurationSeconds : 0,
    acquireTime: time(s.acquireTime),
    renewTime: time(s.renewTime),
    leaseTransitions: typeof s.leaseTransitions === "number" ? s.leaseTransitions : 0,
  };
}

/** RFC 3339 with microseconds, as Kubernetes MicroTime is serialised. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
