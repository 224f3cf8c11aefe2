/**
 * Prometheus metrics of ecsnet, on one prom-client registry. Names follow controller-runtime's
 * (`*_reconcile_total`, `workqueue_*`) with an `ecsnet_` prefix, so existing dashboards translate.
 * Label sets are fixed, and every known combination is initialised to zero (controller-runtime's
 * `initMetrics`) so a rate() over a counter works from the first scrape, not from the first event.
 *
 * Nothing here is global: each call to {@link createMetrics} builds metrics on its own registry,
 * so tests and in-process sandboxes never collide on metric names.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** `result` label values of `ecsnet_reconcile_total` (controller-runtime's, plus `terminal_error`). */
export const ReconcileOutcome = {
  Success: "success",
  Error: "error",
  Requeue: "requeue",
  RequeueAfter: "requeue_after",
  TerminalError: "terminal_error",
} as const;
export type ReconcileOutcome = (typeof ReconcileOutcome)[keyof typeof ReconcileOutcome];

/** `outcome` label values of `ecsnet_aws_api_calls_total`. */
export const AwsCallOutcome = { Success: "success", Error: "error", Throttled: "throttled" } as const;
export type AwsCallOutcome = (typeof AwsCallOutcome)[keyof typeof AwsCallOutcome];

/** Every metric ecsnet exports, plus helpers that zero-initialise label sets once names are known. */
export interface Metrics {
  readonly registry: Registry;
  readonly reconcileTotal: Counter<"controller" | "result">;
  readonly reconcileErrorsTotal: Counter<"controller">;
  readonly reconcileDuration: Histogram<"controller">;
  readonly workqueueDepth: Gauge<"name">;
  readonly workqueueAddsTotal: Counter<"name">;
  readonly workqueueRetriesTotal: Counter<"name">;
  readonly workqueueQueueDuration: Histogram<"name">;
  readonly workqueueWorkDuration: Histogram<"name">;
  /**
   * `account`: the AwsAccount's name, or `_operator` for ecsnet's own credentials. The name, not the id: it is
   * what a person wrote and alerts on, it is bounded by the AwsAccounts a cluster admin creates, and the
   * account id stays out of a scrape that tenants may read.
   */
  readonly awsApiCallsTotal: Counter<"service" | "operation" | "outcome" | "account">;
  readonly awsApiCallDuration: Histogram<"service" | "operation" | "account">;
  /** sts:AssumeRole calls the credential providers made, per AwsAccount name and outcome (success, error). */
  readonly awsAssumeRoleTotal: Counter<"account" | "outcome">;
  readonly driftRepairsTotal: Counter<"component">;
  /** Drift sweeps by result: `ok` (every snapshot refreshed), `partial` (some failed), `failed` (all failed). */
  readonly driftSweepsTotal: Counter<"result">;
  /** Time per drift sweep: the shared observes of every account and region, and the comparison of every network. */
  readonly driftSweepDuration: Histogram;
  readonly leader: Gauge<"name">;
  readonly informerRestartsTotal: Counter<"resource">;
  /**
   * `ecsnet_objects{kind,condition}`: cached objects whose kstatus condition (Ready, Reconciling, Stalled) is
   * True, counted at scrape time from the informers' caches (so standbys report it too: alert on `max`).
   */
  readonly objects: Gauge<"kind" | "condition">;
  /** Messages read from the events queue (`--events-queue`), whatever they were. */
  readonly eventsReceivedTotal: Counter;
  /** Handled events by outcome (operator/events/cloudtrail.ts `EventOutcome`: matched, unmatched, own, ...). */
  readonly eventsTotal: Counter<"outcome">;
  /** Count objects from `source` on every scrape. Call once per kind. */
  observeObjects(kind: string, source: () => Iterable<{ status?: unknown }>): void;
  /** Zero every `ecsnet_reconcile_*` series of a controller. Idempotent. */
  initController(controller: string): void;
  /** Zero every `ecsnet_workqueue_*` series of a queue. Idempotent. */
  initQueue(name: string): void;
  /** Zero `ecsnet_informer_restarts_total` for a resource. Idempotent. */
  initInformer(resource: string): void;
  /** Zero the AWS call counters for the given operations of a service (account default `_operator`). Idempotent. */
  initAwsOperations(service: string, operations: readonly string[], account?: string): void;
  /** Zero the events counters for the given outcomes. Idempotent. */
  initEvents(outcomes: readonly string[]): void;
  /** Zero `ecsnet_drift_repairs_total` for the given components. Idempotent. */
  initDriftComponents(components: readonly string[]): void;
}

const seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Also register Node's process metrics (prom-client `collectDefaultMetrics`). Default true; pure tests turn it off. */
  readonly defaultMetrics?: boolean;
}

/**
 * Build ecsnet's metrics on `registry` (default: a fresh one) and register Node's default process
 * metrics there too. Never touches prom-client's global registry unless it is passed in.
 */
export function createMetrics(registry: Registry = new Registry(), opts: MetricsOptions = {}): Metrics {
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const r = [registry];
  const objectSources = new Map<string, () => Iterable<{ status?: unknown }>>();
  const m = {
    registry,
    reconcileTotal: new Counter({
      name: "ecsnet_reconcile_total",
      help: "Reconciles by controller and result.",
      labelNames: ["controller", "result"] as const,
      registers: r,
    }),
    reconcileErrorsTotal: new Counter({
      name: "ecsnet_reconcile_errors_total",
      help: "Reconciles that ended in an error (conflicts excluded).",
      labelNames: ["controller"] as const,
      registers: r,
    }),
    reconcileDuration: new Histogram({
      name: "ecsnet_reconcile_duration_seconds",
      help: "Time per reconcile.",
      labelNames: ["controller"] as const,
      buckets: seconds,
      registers: r,
    }),
    workqueueDepth: new Gauge({
      name: "ecsnet_workqueue_depth",
      help: "Keys waiting in a work queue.",
      labelNames: ["name"] as const,
      registers: r,
    }),
    workqueueAddsTotal: new Counter({
      name: "ecsnet_workqueue_adds_total",
      help: "Keys added to a work queue (coalesced adds not counted).",
      labelNames: ["name"] as const,
      registers: r,
    }),
    workqueueRetriesTotal: new Counter({
      name: "ecsnet_workqueue_retries_total",
      help: "Rate-limited re-adds to a work queue.",
      labelNames: ["name"] as const,
      registers: r,
    }),
    workqueueQueueDuration: new Histogram({
      name: "ecsnet_workqueue_queue_duration_seconds",
      help: "Time a key waits in the queue before a worker takes it.",
      labelNames: ["name"] as const,
      buckets: seconds,
      registers: r,
    }),
    workqueueWorkDuration: new Histogram({
      name: "ecsnet_workqueue_work_duration_seconds",
      help: "Time from a worker taking a key to marking it done.",
      labelNames: ["name"] as const,
      buckets: seconds,
      registers: r,
    }),
    awsApiCallsTotal: new Counter({
      name: "ecsnet_aws_api_calls_total",
      help: "AWS API calls by service, operation, outcome and account (AwsAccount name, _operator: own credentials).",
      labelNames: ["service", "operation", "outcome", "account"] as const,
      registers: r,
    }),
    awsApiCallDuration: new Histogram({
      name: "ecsnet_aws_api_call_duration_seconds",
      help: "AWS API call latency.",
      labelNames: ["service", "operation", "account"] as const,
      buckets: seconds,
      registers: r,
    }),
    awsAssumeRoleTotal: new Counter({
      name: "ecsnet_aws_assume_role_total",
      help: "sts:AssumeRole calls made for AwsAccounts (credential refreshes included), by account and outcome.",
      labelNames: ["account", "outcome"] as const,
      registers: r,
    }),
    driftRepairsTotal: new Counter({
      name: "ecsnet_drift_repairs_total",
      help: "Changes that repaired drift (AWS changed since the last converged observe), by component; first creation and spec changes are not counted.",
      labelNames: ["component"] as const,
      registers: r,
    }),
    driftSweepsTotal: new Counter({
      name: "ecsnet_drift_sweeps_total",
      help: "Drift sweeps by result: ok (every account-region's snapshot refreshed), partial (some failed), failed (all failed).",
      labelNames: ["result"] as const,
      registers: r,
    }),
    driftSweepDuration: new Histogram({
      name: "ecsnet_drift_sweep_duration_seconds",
      help: "Time per drift sweep (the shared observes and the comparison of every network).",
      buckets: seconds,
      registers: r,
    }),
    leader: new Gauge({
      name: "ecsnet_leader",
      help: "1 while this instance holds the named lease, else 0.",
      labelNames: ["name"] as const,
      registers: r,
    }),
    informerRestartsTotal: new Counter({
      name: "ecsnet_informer_restarts_total",
      help: "List/watch restarts after an error, a 410 or a silent watch.",
      labelNames: ["resource"] as const,
      registers: r,
    }),
    objects: new Gauge({
      name: "ecsnet_objects",
      help: "Objects whose kstatus condition (Ready, Reconciling, Stalled) is True, by kind.",
      labelNames: ["kind", "condition"] as const,
      registers: r,
      collect() {
        for (const [kind, source] of objectSources) {
          const count: Record<string, number> = { Ready: 0, Reconciling: 0, Stalled: 0 };
          for (const o of source()) {
            const conditions = (o.status as { conditions?: { type?: string; status?: string }[] } | undefined)
              ?.conditions;
            for (const c of conditions ?? [])
              if (c.status === "True" && c.type !== undefined && c.type in count) count[c.type]!++;
          }
          for (const [condition, n] of Object.entries(count)) this.labels({ kind, condition }).set(n);
        }
      },
    }),
    eventsReceivedTotal: new Counter({
      name: "ecsnet_events_received_total",
      help: "Messages read from the events queue (--events-queue).",
      registers: r,
    }),
    eventsTotal: new Counter({
      name: "ecsnet_events_total",
      help: "Events from the events queue by outcome: matched (networks enqueued), unmatched, own (ecsnet's calls), unwatched, failed (the call failed), invalid (unreadable).",
      labelNames: ["outcome"] as const,
      registers: r,
    }),
  };
  return {
    ...m,
    observeObjects(kind, source) {
      objectSources.set(kind, source);
    },
    initController(controller) {
      for (const result of Object.values(ReconcileOutcome)) m.reconcileTotal.labels({ controller, result }).inc(0);
      m.reconcileErrorsTotal.labels({ controller }).inc(0);
      m.reconcileDuration.zero({ controller });
    },
    initQueue(name) {
      m.workqueueDepth.labels({ name }).inc(0);
      m.workqueueAddsTotal.labels({ name }).inc(0);
      m.workqueueRetriesTotal.labels({ name }).inc(0);
      m.workqueueQueueDuration.zero({ name });
      m.workqueueWorkDuration.zero({ name });
    },
    initInformer(resource) {
      m.informerRestartsTotal.labels({ resource }).inc(0);
    },
    initAwsOperations(service, operations, account = "_operator") {
      for (const operation of operations) {
        for (const outcome of Object.values(AwsCallOutcome))
          m.awsApiCallsTotal.labels({ service, operation, outcome, account }).inc(0);
        m.awsApiCallDuration.zero({ service, operation, account });
      }
    },
    initEvents(outcomes) {
      m.eventsReceivedTotal.inc(0);
      for (const outcome of outcomes) m.eventsTotal.labels({ outcome }).inc(0);
    },
    initDriftComponents(components) {
      for (const component of components) m.driftRepairsTotal.labels({ component }).inc(0);
    },
  };
}
