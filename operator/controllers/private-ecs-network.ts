/**
 * The PrivateEcsNetwork reconciler: design.md's arrows with Kubernetes around them.
 *
 *   cache → validate → finalizer → reconcileNetwork (topology → desired → observe → plan → apply → status)
 *         → one status patch if it changed → events → finalizer removal when deletion finished → requeue
 *
 * Everything AWS-side is in reconcile-network.ts (shared with `ecsnet apply`); this file only adds what a
 * cluster brings: the cached object, the finalizer, the status subresource, Events and the requeue.
 */
import { API_VERSION, FINALIZER, Kinds } from "../api/group.js";
import type { PrivateEcsNetwork } from "../api/private-ecs-network.js";
import { validateSpec } from "../api/validate.js";
import type { Action } from "../core/actions.js";
import type { Contribution } from "../core/model.js";
import { statusChanged } from "../core/status.js";
import type { KubeClient, KubeObject } from "../kube/client.js";
import { EventType, type EventRecorder } from "../kube/events.js";
import { addFinalizer, hasFinalizer, removeFinalizer } from "../kube/finalizers.js";
import type { Metrics } from "../observability/metrics.js";
import { done, requeueAfter, type ReconcileResult } from "../runtime/result.js";
import type { Reconcile, ReconcileContext } from "../runtime/controller.js";
import { withAbortSignal } from "../aws/abort-scope.js";
import { accountFor, reconcileNetwork, type NetworkDeps, type NetworkOutcome } from "./reconcile-network.js";
import type { AccountSource } from "./accounts.js";
import { requeueAfterMs, type RequeueConfig } from "./requeue-policy.js";
import { statusPatch } from "./status-patch.js";
import { ChangeReason, ConvergenceMemory, changeReason } from "./change-reason.js";
import type { SweepHooks } from "./sweep.js";

/** Read access to an informer's cache. */
export interface ObjectCache<T> {
  get(namespace: string, name: string): T | undefined;
  list(): readonly T[];
}

/** The EcrAccess side, as the network reconciler sees it. */
export interface ContributionSource {
  /**
   * The contributions of every EcrAccess that references the network, or `undefined` while some of them
   * has not been discovered yet since this process started (then acting could remove an endpoint that a
   * workload needs, only to add it back a moment later).
   */
  contributionsFor(namespace: string, name: string): readonly Contribution[] | undefined;
}

export interface NetworkControllerDeps {
  readonly cache: ObjectCache<PrivateEcsNetwork>;
  readonly kube: KubeClient;
  readonly events: EventRecorder;
  readonly aws: NetworkDeps;
  readonly contributions: ContributionSource;
  readonly requeue: RequeueConfig;
  readonly metrics?: Metrics;
  /** The shared drift sweep, when one runs: sweep-enqueued reconciles read from its snapshot. */
  readonly sweep?: SweepHooks;
  /** Which AwsAccount each object uses (controllers/accounts.ts); absent: ecsnet's own credentials for all. */
  readonly accounts?: AccountSource;
  /** Random number in [0,1) for requeue jitter; default Math.random. */
  readonly rand?: () => number;
}

const R = Kinds.PrivateEcsNetwork;

/** Build the reconcile function for the PrivateEcsNetwork controller. */
export function networkReconciler(deps: NetworkControllerDeps): Reconcile {
  // Per key: reconciles in a row that changed nothing and failed retryably (one key never runs twice at once).
  const failureStreaks = new Map<string, number>();
  // Per key: the highest generation seen converged, so a change is told apart as a repair or an update.
  const converged = new ConvergenceMemory();
  return async (key, ctx): Promise<ReconcileResult> => {
    const [namespace = "", name = ""] = key.split("/");
    // read the object from the informer cache; gone means deleted and finalized: nothing to do.
    let obj = deps.cache.get(namespace, name);
    if (!obj) {
      failureStreaks.delete(key);
      converged.forget(key);
      deps.sweep?.forget(key);
      return done;
    }
    converged.see(key, obj.status);
    const deleting = Boolean(obj.metadata.deletionTimestamp);
    if (deleting && !hasFinalizer(obj as KubeObject, FINALIZER)) return done;

    // finalizer before the first AWS mutation (only for a valid spec in an account it may use: anything else
    // never reaches AWS, so deleting it needs no cleanup and must not wait for one).
    const account = deps.accounts?.choose(namespace, obj.spec?.accountRef?.name);
    const rawSpec = obj.spec;
    const mayReachAws = () => {
      const valid = validateSpec("PrivateEcsNetwork", rawSpec);
      return valid.ok && accountFor(account, valid.spec.region ?? deps.aws.defaultRegion).ok;
    };
    if (!deleting && !hasFinalizer(obj as KubeObject, FINALIZER) && mayReachAws()) {
      obj = (await addFinalizer({
        client: deps.kube,
        resource: R,
        object: obj as KubeObject,
        finalizer: FINALIZER,
      })) as PrivateEcsNetwork;
    }

    const contributions = deps.contributions.contributionsFor(namespace, name);
    if (contributions === undefined && !deleting) {
      // Some EcrAccess referencing this network has not been discovered yet: wait rather than shrink.
      ctx.logger.debug("waiting for EcrAccess discovery before planning");
      return requeueAfter(1_000);
    }
    // Enqueued by the sweep for a change it saw: read from its snapshot, unless the spec changed since the
    // last reconcile (a new spec reads its VPC now) or the object is going away.
    const generation = obj.metadata.generation ?? 1;
    const view = deps.sweep?.takeView(key);
    const reads = view !== undefined && !deleting && obj.status?.observedGeneration === generation ? view : undefined;
    // Every AWS call of this reconcile stops starting once the signal is aborted (lost Lease, shutdown).
    const outcome = await withAbortSignal(ctx.signal, () =>
      reconcileNetwork(deps.aws, {
        owner: { namespace, name, uid: obj.metadata.uid ?? "" },
        generation: obj.metadata.generation ?? 1,
        rawSpec: obj.spec,
        prevStatus: obj.status,
        contributions: contributions ?? [],
        deleting,
        dryRun: false,
        signal: ctx.signal,
        ...(reads ? { reads } : {}),
        ...(account ? { account } : {}),
      }),
    );
    // A missing VPC is a slice too: the sweep then notices the VPC appearing.
    const vpcMissing = outcome.status.conditions?.some((c) => c.type === "Stalled" && c.reason === "VpcNotFound");
    deps.sweep?.reconciled(key, {
      slice:
        outcome.topology && outcome.observed
          ? { topology: outcome.topology, observed: outcome.observed }
          : vpcMissing && !deleting
            ? { missing: true }
            : null,
      live: reads === undefined,
      settled: !deleting && outcome.plan !== null && outcome.plan.pending.length === 0 && outcome.results.length === 0,
    });

    logOutcome(ctx.logger, outcome);
    const reason = changeReason({
      deleting,
      generation: obj.metadata.generation ?? 1,
      convergedGeneration: converged.get(key),
    });
    await recordEvents(deps, obj, outcome, reason, ctx.logger);
    converged.see(key, outcome.status);
    // Stopped mid-way (lost the Lease, shutting down): another instance may lead now; write nothing more.
    if (ctx.signal.aborted) return done;

    // One status patch, only when it changed, and only onto the version this status was derived from: a
    // stale cache (e.g. a new leader that has not seen the latest spec) gets a 409, which throws
    // ConflictError: a quiet requeue that reads the fresh object, never a lower observedGeneration.
    if (!outcome.deletionComplete && statusChanged(obj.status, outcome.status)) {
      await deps.kube.patchStatus({
        resource: R,
        namespace,
        name,
        status: statusPatch(obj.status, outcome.status),
        ...(obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {}),
      });
    }

    const stuck =
      !outcome.results.some((r) => r.outcome === "done") &&
      outcome.results.some((r) => r.outcome === "failed" && r.error.class !== "terminal");
    const failureStreak = stuck ? (failureStreaks.get(key) ?? 0) + 1 : 0;
    if (failureStreak > 0) failureStreaks.set(key, failureStreak);
    else failureStreaks.delete(key);

    if (deleting && outcome.deletionComplete) {
      await removeFinalizer({ client: deps.kube, resource: R, object: obj as KubeObject, finalizer: FINALIZER });
      return done;
    }
    // An invalid spec waits for the person who fixes it: the edit arrives as a watch event.
    if (outcome.spec === null) return done;
    return requeueAfter(
      requeueAfterMs(
        { plan: outcome.plan, results: outcome.results, rand: (deps.rand ?? Math.random)(), failureStreak },
        deps.requeue,
      ),
    );
  };
}

/** One line per reconcile that did or found something (info), else a debug line; one line per action done. */
function logOutcome(logger: ReconcileContext["logger"], outcome: NetworkOutcome): void {
  const kinds = new Map((outcome.plan?.actions ?? []).map((a) => [a.key as string, a.kind]));
  for (const r of outcome.results) {
    if (r.outcome === "done") logger.info({ action: kinds.get(r.key), key: r.key, id: r.id }, "action done");
  }
  const summary = {
    planned: outcome.plan?.actions.length ?? 0,
    done: outcome.results.filter((r) => r.outcome === "done").length,
    failed: outcome.results.filter((r) => r.outcome === "failed").length,
    pending: outcome.plan?.pending.map((p) => p.key) ?? [],
    blocked: outcome.plan?.blocked.map((b) => `${b.key}: ${b.reason}`) ?? [],
    ready: outcome.status.conditions?.find((c) => c.type === "Ready")?.status,
  };
  const notable = summary.planned > 0 || summary.blocked.length > 0 || outcome.stalled;
  logger[notable ? "info" : "debug"](summary, "reconciled");
}

/** Component label for metrics: the key's kind prefix (`endpoint`, `nat`, `route`, `sg`, `eip`). */
const componentOf = (a: Action): string => a.key.split(/[:#]/)[0] ?? "other";

async function recordEvents(
  deps: NetworkControllerDeps,
  obj: PrivateEcsNetwork,
  outcome: NetworkOutcome,
  reason: ChangeReason,
  logger: { warn: (o: object, m: string) => void },
): Promise<void> {
  // Objects from a list carry no apiVersion/kind; an Event's involvedObject needs both.
  const object = { ...(obj as KubeObject), apiVersion: API_VERSION, kind: R.kind };
  const actions = new Map((outcome.plan?.actions ?? []).map((a) => [a.key as string, a]));
  const writes: Promise<void>[] = [];
  for (const r of outcome.results) {
    const a = actions.get(r.key);
    if (!a) continue;
    if (r.outcome === "done") {
      // Only a change of AWS since the last converged observe is drift (change-reason.ts).
      if (reason === ChangeReason.Repaired) deps.metrics?.driftRepairsTotal.labels({ component: componentOf(a) }).inc();
      writes.push(deps.events.record({ object, type: EventType.Normal, reason, message: a.detail }));
    } else if (r.outcome === "failed") {
      const reason = r.error.class === "throttled" ? "Throttled" : "AwsError";
      logger.warn({ key: r.key, code: r.error.code, requestId: r.error.requestId }, "action failed");
      writes.push(
        deps.events.record({
          object,
          type: EventType.Warning,
          reason,
          message: `${a.kind} ${a.key} failed: ${r.error.code}: ${r.error.message}`,
        }),
      );
    }
  }
  for (const b of outcome.plan?.blocked ?? []) {
    const reason =
      b.reason === "NotOwned" || b.reason === "PrivateDnsConflict" || b.reason === "RouteTargetsOther"
        ? "Conflict"
        : "Stalled";
    writes.push(deps.events.record({ object, type: EventType.Warning, reason, message: b.message }));
  }
  const stalled = outcome.status.conditions?.find((c) => c.type === "Stalled" && c.status === "True");
  if (stalled && (outcome.plan?.blocked.length ?? 0) === 0) {
    writes.push(deps.events.record({ object, type: EventType.Warning, reason: "Stalled", message: stalled.message }));
  }
  await Promise.all(writes);
}
