/**
 * Assembly of one operator instance: Kubernetes client, informers for both kinds, the two controllers,
 * AWS clients per region, leader election and the HTTP endpoints, handed to the runtime's Manager.
 * `ecsnet run` and `ecsnet demo` both start exactly this.
 */
import type { Logger } from "pino";
import type { AwsAccount } from "../api/aws-account.js";
import type { EcrAccess } from "../api/ecr-access.js";
import { Kinds } from "../api/group.js";
import type { PrivateEcsNetwork } from "../api/private-ecs-network.js";
import { createAwsClients, scaledLimiter, type AwsClients } from "../aws/clients.js";
import { createEc2Port } from "../aws/ec2-sdk.js";
import type { Ec2Port } from "../aws/ec2-port.js";
import { createEcsPort } from "../aws/ecs-sdk.js";
import { createEventQueue } from "../aws/event-queue.js";
import type { EcsPort } from "../aws/ecs-port.js";
import { ObserveSnapshot } from "../aws/snapshot.js";
import {
  accountLabel,
  assumeRoleCredentials,
  callerAccount,
  roleIdentity,
  targetKey,
  type AwsTarget,
} from "../aws/targets.js";
import { accountSource, awsAccountReconciler, type NamespaceObject } from "../controllers/accounts.js";
import { ContributionStore, ecrAccessReconciler } from "../controllers/ecr-access.js";
import { networkReconciler } from "../controllers/private-ecs-network.js";
import { accountFor } from "../controllers/reconcile-network.js";
import { SweepCoordinator, sweepMetrics, type SweepTarget } from "../controllers/sweep.js";
import { validateSpec } from "../api/validate.js";
import { KubeClient, loadKubeConfig, type KubeConfigSource, type KubeObject } from "../kube/client.js";
import { EventRecorder } from "../kube/events.js";
import { Informer } from "../kube/informer.js";
import { LeaseElector, kubeLeaseStore } from "../kube/lease.js";
import { EventOutcome } from "../events/cloudtrail.js";
import { EventConsumer, type HandledEvent } from "../events/consumer.js";
import { createMetrics, type Metrics } from "../observability/metrics.js";
import { Controller } from "../runtime/controller.js";
import { Manager } from "../runtime/manager.js";

/** Namespaces, read for their labels (the AwsAccount namespace selector and default-account label). */
const NAMESPACES = { group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false } as const;

/** Everything an operator instance needs; defaults are the Deployment's. */
export interface OperatorOptions {
  readonly kubeconfig: KubeConfigSource;
  /** Watch only this namespace (default: all). */
  readonly namespace?: string;
  /** Reconcile only objects matching this label selector (sharding across instances). */
  readonly selector?: string;
  readonly concurrency: number;
  /** Drift-sweep interval: one shared observe per EC2 client, then the networks whose part changed. */
  readonly resyncMs: number;
  readonly pendingRequeueMs: number;
  /** How often a converged network observes its own VPC in full anyway; default 30 minutes. */
  readonly fullObserveMs?: number;
  /** How often an EcrAccess re-reads its workloads from ECS; default 5 minutes (not part of the EC2 sweep). */
  readonly discoveryResyncMs?: number;
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
  // AwsAccounts and Namespaces (the tenant boundary's inputs): cluster-wide, whatever the namespace and
  // selector of this instance, since an account's rules and a namespace's labels are not sharded.
  const awsAccounts = new Informer<AwsAccount & KubeObject>({
    client: kube,
    resource: Kinds.AwsAccount,
    logger: o.logger.child({ informer: Kinds.AwsAccount.plural }),
    metrics,
  });
  const namespaces = new Informer<NamespaceObject & KubeObject>({
    client: kube,
    resource: NAMESPACES,
    logger: o.logger.child({ informer: "namespaces" }),
    metrics,
  });
  metrics.observeObjects(Kinds.PrivateEcsNetwork.kind, () => networks.list());
  metrics.observeObjects(Kinds.EcrAccess.kind, () => accesses.list());

  // AWS clients per account and region (aws/targets.ts targetKey), each with one limiter shared by every object:
  // EC2's buckets are per account and region, so one object cannot have a budget of its own, and one
  // account's or region's calls never slow another's. Each entry also keeps the shared observe snapshot of
  // its EC2 client (aws/snapshot.ts). An account's clients assume its role (credentials
  // cached and refreshed by the SDK); a changed role (AwsAccount spec edit) gets new clients.
  const clients = new Map<
    string,
    { aws: AwsClients; ec2: Ec2Port; ecs: EcsPort; role: string; snapshot: ObserveSnapshot }
  >();
  // Each entry owns its limiter: releasing it ends any wait for EC2 tokens and closes the clients' sockets.
  const release = (c: { aws: AwsClients }) => {
    c.aws.limiter.close();
    c.aws.destroy();
  };
  const forTarget = (t: AwsTarget) => {
    const key = targetKey(t);
    let c = clients.get(key);
    if (c && c.role !== roleIdentity(t.account)) {
      release(c);
      c = undefined;
    }
    if (!c) {
      const account = accountLabel(t);
      const limiter = scaledLimiter(o.ec2RateScale);
      const aws = createAwsClients({
        region: t.region,
        ...(o.aws?.endpoint ? { endpoint: o.aws.endpoint } : {}),
        ...credentialsFor(t),
        ...(limiter ? { limiter } : {}),
        ...(o.version ? { version: o.version } : {}),
        onCall: (r) => {
          metrics.awsApiCallsTotal
            .labels({
              service: r.service,
              operation: r.operation,
              outcome: r.outcome === "ok" ? "success" : r.outcome,
              account,
            })
            .inc();
          metrics.awsApiCallDuration
            .labels({ service: r.service, operation: r.operation, account })
            .observe(r.durationMs / 1000);
        },
      });
      const ec2 = createEc2Port(aws.ec2);
      c = { aws, ec2, ecs: createEcsPort(aws.ecs), role: roleIdentity(t.account), snapshot: new ObserveSnapshot(ec2) };
      clients.set(key, c);
    }
    return c;
  };
  // ecsnet's own credentials (explicit, or the SDK's chain), or an account's role assumed on top of them.
  function credentialsFor(t: AwsTarget) {
    const own = o.aws?.credentials;
    if (t.account === null) return own ? { credentials: own } : {};
    const account = t.account.name;
    return {
      credentials: assumeRoleCredentials({
        account: t.account,
        region: t.region,
        ...(o.aws?.endpoint ? { endpoint: o.aws.endpoint } : {}),
        ...(own ? { masterCredentials: own } : {}),
        onAssume: (ok) => metrics.awsAssumeRoleTotal.labels({ account, outcome: ok ? "success" : "error" }).inc(),
      }),
    };
  }
  const verifyRole = async (account: NonNullable<AwsTarget["account"]>, region: string) => ({
    accountId: await callerAccount({
      region,
      ...(o.aws?.endpoint ? { endpoint: o.aws.endpoint } : {}),
      ...credentialsFor({ region, account }),
    }),
  });
  const accountsOf = accountSource(awsAccounts, namespaces);
  const awsDeps = { ec2For: (t: AwsTarget) => forTarget(t).ec2, defaultRegion: o.defaultRegion, now: () => new Date() };
  const requeue = { resyncMs: o.resyncMs, pendingRequeueMs: o.pendingRequeueMs };
  // Converged networks are watched by the shared sweep; their own requeue is only the long full observe.
  const networkRequeue = { ...requeue, convergedMs: o.fullObserveMs ?? FULL_OBSERVE_MS };
  // EcrAccess discovery (ECS reads) is not part of the shared snapshot: it keeps its five-minute sweep.
  const accessRequeue = { ...requeue, resyncMs: o.discoveryResyncMs ?? ECR_ACCESS_RESYNC_MS };
  const events = new EventRecorder({ kubeConfig, logger: o.logger, ...(o.instance ? { instance: o.instance } : {}) });
  const store = new ContributionStore(accesses);

  // The sweep's callbacks run only after start, when networkController exists.
  const sweep: SweepCoordinator = new SweepCoordinator({
    intervalMs: o.resyncMs,
    targets: () =>
      sweepTargets(networks.list(), o.defaultRegion, (n, region) => {
        // The sweep reads an object's account only where the tenant boundary lets it (never refused ones).
        const decision = accountFor(accountsOf.choose(n.metadata.namespace ?? "", n.spec?.accountRef?.name), region);
        return decision.ok ? forTarget({ region, account: decision.account }).snapshot : null;
      }),
    enqueue: (k) => networkController.enqueue(k),
    active: () => networkController.running,
    logger: o.logger.child({ component: "sweep" }),
    onSweep: sweepMetrics(metrics),
  });
  const networkController: Controller = new Controller({
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
      requeue: networkRequeue,
      sweep,
      metrics,
      accounts: accountsOf,
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
      ecsFor: (t) => forTarget(t).ecs,
      accounts: accountsOf,
      enqueueNetwork: (k) => networkController.enqueue(k),
      requeue: accessRequeue,
    }),
  });
  const accountController = new Controller({
    name: "awsaccount",
    concurrency: 1,
    logger: o.logger,
    metrics,
    reconcile: awsAccountReconciler({
      cache: awsAccounts,
      kube,
      verify: verifyRole,
      now: () => new Date(),
      forget: (name) => {
        for (const [key, c] of clients) {
          if (!key.startsWith(`${name}/`)) continue;
          clients.delete(key);
          release(c);
        }
      },
    }),
  });
  // An AwsAccount or a Namespace changed: the objects that may use it decide again (allowed or not).
  const networksUsing = (accountOrNamespace: string) =>
    networks
      .list()
      .filter(
        (n) =>
          n.metadata.namespace === accountOrNamespace ||
          usesAccount(n.metadata.namespace ?? "", n.spec?.accountRef?.name, accountOrNamespace),
      )
      .map((n) => `${n.metadata.namespace}/${n.metadata.name}`);
  const usesAccount = (namespace: string, ref: string | undefined, account: string) => {
    const choice = accountsOf.choose(namespace, ref);
    return "named" in choice && choice.named.name === account;
  };

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
      { source: awsAccounts, controller: accountController },
      { source: awsAccounts, controller: networkController, map: networksUsing },
      { source: namespaces, controller: networkController, map: networksUsing },
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
  sweep.start();
  eventConsumer?.start();
  return {
    manager,
    metrics,
    port: manager.port,
    async stop() {
      await sweep.stop();
      await eventConsumer?.stop();
      await manager.stop();
      // Reconciles cut short after the grace period may still wait for EC2 tokens: end those waits now.
      for (const c of clients.values()) release(c);
    },
  };
}

/** Default of {@link OperatorOptions.fullObserveMs}. */
const FULL_OBSERVE_MS = 30 * 60 * 1000;
/** The EcrAccess resync (ECS discovery), unchanged by the shorter network sweep. */
const ECR_ACCESS_RESYNC_MS = 5 * 60 * 1000;

/** The networks the sweep covers: valid specs, not being deleted, each with its client's snapshot. */
export function sweepTargets(
  list: readonly PrivateEcsNetwork[],
  defaultRegion: string,
  snapshotFor: (network: PrivateEcsNetwork, region: string) => ObserveSnapshot | null,
): SweepTarget[] {
  return list.flatMap((n) => {
    if (n.metadata.deletionTimestamp) return [];
    const v = validateSpec("PrivateEcsNetwork", n.spec);
    if (!v.ok) return [];
    const spec = v.spec as PrivateEcsNetwork["spec"];
    const region = spec.region ?? defaultRegion;
    const namespace = n.metadata.namespace ?? "";
    const name = n.metadata.name ?? "";
    const snapshot = snapshotFor(n, region);
    if (snapshot === null) return [];
    return [
      {
        key: `${namespace}/${name}`,
        owner: { namespace, name, uid: n.metadata.uid ?? "" },
        vpcId: spec.vpcId,
        region,
        givenSecurityGroupIds: spec.securityGroup.groupIds ?? [],
        givenAllocationIds: spec.egress.natGateway?.elasticIpAllocationIds ?? [],
        snapshot,
      },
    ];
  });
}
