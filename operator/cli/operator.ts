/**
 * Assembly of one operator instance: Kubernetes client, informers for both kinds, the two controllers,
 * AWS clients per region, leader election and the HTTP endpoints, handed to the runtime's Manager.
 * `ecsnet run` and `ecsnet demo` both start exactly this.
 */
import type { Logger } from "pino";
import type { EcrAccess } from "../api/ecr-access.js";
import { Kinds } from "../api/group.js";
import type { PrivateEcsNetwork } from "../api/private-ecs-network.js";
import { createAwsClients, scaledLimiter, type AwsClients } from "../aws/clients.js";
import { createEc2Port } from "../aws/ec2-sdk.js";
import type { Ec2Port } from "../aws/ec2-port.js";
import { createEcsPort } from "../aws/ecs-sdk.js";
import { createEventQueue } from "../aws/event-queue.js";
import type { EcsPort } from "../aws/ecs-port.js";
import { ContributionStore, ecrAccessReconciler } from "../controllers/ecr-access.js";
import { networkReconciler } from "../controllers/private-ecs-network.js";
import { KubeClient, loadKubeConfig, type KubeConfigSource, type KubeObject } from "../kube/client.js";
import { EventRecorder } from "../kube/events.js";
import { Informer } from "../kube/informer.js";
import { LeaseElector, kubeLeaseStore } from "../kube/lease.js";
import { EventOutcome } from "../events/cloudtrail.js";
import { EventConsumer, type HandledEvent } from "../events/consumer.js";
import { createMetrics, type Metrics } from "../observability/metrics.js";
import { Controller } from "../runtime/controller.js";
import { Manager } from "../runtime/manager.js";

/** Everything an operator instance needs; defaults are the Deployment's. */
export interface OperatorOptions {
  readonly kubeconfig: KubeConfigSource;
  /** Watch only this namespace (default: all). */
  readonly namespace?: string;
  /** Reconcile only objects matching this label selector (sharding across instances). */
  readonly selector?: string;
  readonly concurrency: number;
  readonly resyncMs: number;
  readonly pendingRequeueMs: number;
  /** Lease-based leader election; absent → this instance always leads. */
  readonly leaderElection?: {
    readonly namespace: string;
    readonly name: string;
    readonly identity: string;
    readonly leaseDurationMs?: number;
    readonly renewDeadlineMs?: number;
    readonly retryPeriodMs?: number;
  };
  readonly http?: { readonly host: "127.0.0.1" | "0.0.0.0"; readonly port: number };
  /** Who may read /metrics (runtime/manager.ts); default local. */
  readonly metricsAccess?: "local" | "any";
  /** Region for specs that name none. */
  readonly defaultRegion: string;
  /** Explicit AWS endpoint and credentials (the demo's in-process sandbox); default: the SDK's own chain. */
  readonly aws?: {
    readonly endpoint?: string;
    readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  };
  /**
   * Multiplies the capacity and refill rate of every bucket of the client-side EC2 limiter: for an account
   * whose throttling limits AWS raised, or an endpoint that does not throttle (the sandbox). Default 1.
   */
  readonly ec2RateScale?: number;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly graceMs?: number;
  /** Pod name or host, for Events. */
  readonly instance?: string;
  /** ecsnet's version, for the `ecsnet/<version>` User-Agent of its AWS clients. */
  readonly version?: string;
  /**
   * EC2 change events (docs/events.md): the SQS queue EventBridge delivers EC2's CloudTrail events to. The
   * leader long-polls it and enqueues the networks each event touches. Absent: the sweep only.
   */
  readonly events?: {
    readonly queueUrl: string;
    /** Called for each handled message (tests, the benchmark). */
    readonly onHandled?: (e: HandledEvent) => void;
  };
}

/** A started operator. */
export interface RunningOperator {
  readonly manager: Manager;
  readonly metrics: Metrics;
  /** The bound HTTP port, when serving HTTP. */
  readonly port: number | undefined;
  stop(): Promise<void>;
}

/** Start an operator instance (see module doc). Resolves once started (not once caches synced). */
export async function startOperator(o: OperatorOptions): Promise<RunningOperator> {
  const metrics = o.metrics ?? createMetrics();
  const kubeConfig = loadKubeConfig(o.kubeconfig);
  const kube = new KubeClient(kubeConfig);
  const informer = <T extends { metadata: object }>(
    resource: typeof Kinds.PrivateEcsNetwork | typeof Kinds.EcrAccess,
  ) =>
    new Informer<T & KubeObject>({
      client: kube,
      resource,
      ...(o.namespace ? { namespace: o.namespace } : {}),
      ...(o.selector ? { labelSelector: o.selector } : {}),
      logger: o.logger.child({ informer: resource.plural }),
      metrics,
    });
  const networks = informer<PrivateEcsNetwork>(Kinds.PrivateEcsNetwork);
  const accesses = informer<EcrAccess>(Kinds.EcrAccess);
  metrics.observeObjects(Kinds.PrivateEcsNetwork.kind, () => networks.list());
  metrics.observeObjects(Kinds.EcrAccess.kind, () => accesses.list());

  // AWS clients per region, each region with one limiter shared by every object: EC2's buckets are per
  // account and region, so one object cannot have a budget of its own, and one region's calls never slow
  // another's.
  const clients = new Map<string, { aws: AwsClients; ec2: Ec2Port; ecs: EcsPort }>();
  const forRegion = (region: string) => {
    let c = clients.get(region);
    if (!c) {
      const limiter = scaledLimiter(o.ec2RateScale);
      const aws = createAwsClients({
        region,
        ...(o.aws?.endpoint ? { endpoint: o.aws.endpoint } : {}),
        ...(o.aws?.credentials ? { credentials: o.aws.credentials } : {}),
        ...(limiter ? { limiter } : {}),
        ...(o.version ? { version: o.version } : {}),
        onCall: (r) => {
          metrics.awsApiCallsTotal
            .labels({ service: r.service, operation: r.operation, outcome: r.outcome === "ok" ? "success" : r.outcome })
            .inc();
          metrics.awsApiCallDuration
            .labels({ service: r.service, operation: r.operation })
            .observe(r.durationMs / 1000);
        },
      });
      c = { aws, ec2: createEc2Port(aws.ec2), ecs: createEcsPort(aws.ecs) };
      clients.set(region, c);
    }
    return c;
  };
  const awsDeps = { ec2For: (r: string) => forRegion(r).ec2, defaultRegion: o.defaultRegion, now: () => new Date() };
  const requeue = { resyncMs: o.resyncMs, pendingRequeueMs: o.pendingRequeueMs };
  const events = new EventRecorder({ kubeConfig, logger: o.logger, ...(o.instance ? { instance: o.instance } : {}) });
  const store = new ContributionStore(accesses);

  const networkController = new Controller({
    name: "privateecsnetwork",
    concurrency: o.concurrency,
    logger: o.logger,
    metrics,
    reconcile: networkReconciler({
      cache: networks,
      kube,
      events,
      aws: awsDeps,
      contributions: store,
      requeue,
      metrics,
    }),
  });
  const accessController = new Controller({
    name: "ecraccess",
    concurrency: o.concurrency,
    logger: o.logger,
    metrics,
    reconcile: ecrAccessReconciler({
      cache: accesses,
      networks,
      store,
      kube,
      aws: awsDeps,
      ecsFor: (r) => forRegion(r).ecs,
      enqueueNetwork: (k) => networkController.enqueue(k),
      requeue,
    }),
  });
  // A network change re-runs the checks of the EcrAccess objects that go through it.
  const accessesOf = (networkKey: string) =>
    accesses
      .list()
      .filter((a) => `${a.metadata.namespace}/${a.spec?.networkRef?.name}` === networkKey)
      .map((a) => `${a.metadata.namespace}/${a.metadata.name}`);

  const elector = o.leaderElection
    ? new LeaseElector({
        store: kubeLeaseStore(kube, { namespace: o.leaderElection.namespace, name: o.leaderElection.name }),
        identity: o.leaderElection.identity,
        name: o.leaderElection.name,
        ...(o.leaderElection.leaseDurationMs ? { leaseDurationMs: o.leaderElection.leaseDurationMs } : {}),
        ...(o.leaderElection.renewDeadlineMs ? { renewDeadlineMs: o.leaderElection.renewDeadlineMs } : {}),
        ...(o.leaderElection.retryPeriodMs ? { retryPeriodMs: o.leaderElection.retryPeriodMs } : {}),
        where: { namespace: o.leaderElection.namespace, server: kubeConfig.getCurrentCluster()?.server ?? "" },
        logger: o.logger,
        metrics,
      })
    : undefined;
  const manager = new Manager({
    watches: [
      { source: networks, controller: networkController },
      { source: networks, controller: accessController, map: accessesOf },
      { source: accesses, controller: accessController },
    ],
    ...(elector ? { elector } : {}),
    logger: o.logger,
    metrics,
    ...(o.http ? { http: o.http } : {}),
    ...(o.metricsAccess ? { metricsAccess: o.metricsAccess } : {}),
    ...(o.graceMs !== undefined ? { graceMs: o.graceMs } : {}),
  });
  // ---- EC2 change events (operator/events/): only the leader consumes, once its network cache has synced.
  const eventConsumer = o.events
    ? new EventConsumer({
        queue: createEventQueue({
          queueUrl: o.events.queueUrl,
          region: o.defaultRegion,
          ...(o.aws?.endpoint ? { endpoint: o.aws.endpoint } : {}),
          ...(o.aws?.credentials ? { credentials: o.aws.credentials } : {}),
          ...(o.version ? { version: o.version } : {}),
        }),
        active: () => manager.isLeading() && networks.hasSynced(),
        networks: () => networks.list(),
        defaultRegion: o.defaultRegion,
        enqueue: (k) => networkController.enqueue(k),
        logger: o.logger.child({ component: "events" }),
        metrics,
        ...(o.events.onHandled ? { onHandled: o.events.onHandled } : {}),
      })
    : undefined;
  if (eventConsumer) metrics.initEvents(Object.values(EventOutcome));
  // ---- end of events

  await manager.start();
  eventConsumer?.start();
  return {
    manager,
    metrics,
    port: manager.port,
    async stop() {
      await eventConsumer?.stop();
      await manager.stop();
      // Reconciles cut short after the grace period may still wait for EC2 tokens: end those waits now.
      for (const c of clients.values()) {
        c.aws.limiter.close();
        c.aws.destroy();
      }
    },
  };
}
