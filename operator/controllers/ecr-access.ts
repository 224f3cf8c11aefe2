/**
 * The EcrAccess reconciler: discover what the workloads need, contribute it to their network, run the
 * path checks, report.
 *
 *   cache → validate → network (cache) → discover (ECS) → needs (pure) → contribution → checks (pure) → status
 *
 * An EcrAccess owns nothing in AWS: its contribution lives in {@link ContributionStore} and the network's
 * reconcile turns it into endpoints and policies. When the contribution changes (a new task definition
 * revision adds a secret, say), the network is enqueued at once.
 */
import type { EcrAccess, EcrAccessSpec } from "../api/ecr-access.js";
import { validateEcrAccessSpec } from "../api/ecr-access.js";
import { formatSpecErrors } from "../api/validate.js";
import type { PrivateEcsNetwork } from "../api/private-ecs-network.js";
import { runChecks } from "../core/checks.js";
import { deriveEcrAccessStatus, type EcrAccessStatusInput } from "../core/ecr-access-status.js";
import type { Contribution, OwnerRef } from "../core/model.js";
import { ecrAccessNeeds, toContribution, type WorkloadNeeds } from "../core/workload-needs.js";
import { ClusterNotFoundError, discoverWorkloads, fetchSecurityGroups } from "../aws/discover.js";
import type { EcsPort } from "../aws/ecs-port.js";
import type { AwsTarget } from "../aws/targets.js";
import { classifyAwsError } from "../aws/errors.js";
import { observe } from "../aws/observe.js";
import { resolveTopology } from "../aws/topology.js";
import { Kinds } from "../api/group.js";
import type { KubeClient } from "../kube/client.js";
import { done, requeueAfter, type ReconcileResult } from "../runtime/result.js";
import type { Reconcile } from "../runtime/controller.js";
import type { ContributionSource, ObjectCache } from "./private-ecs-network.js";
import { accountFor, type NetworkDeps } from "./reconcile-network.js";
import type { AccountSource } from "./accounts.js";
import { requeueAfterMs, type RequeueConfig } from "./requeue-policy.js";
import { statusChanged } from "../core/status.js";
import { statusPatch } from "./status-patch.js";
import { cmp } from "../core/order.js";

/**
 * The contributions of EcrAccess objects, by the network they reference. In memory: after a restart
 * each EcrAccess is reconciled (and contributes) again; until then its network waits (see
 * {@link ContributionSource.contributionsFor}).
 */
export class ContributionStore implements ContributionSource {
  /**
   * Per EcrAccess: the network it last reconciled against, and what it contributes there (`null`: it could
   * not work out its needs, e.g. its cluster does not exist, and had contributed nothing to that network).
   */
  private readonly byAccess = new Map<string, { network: string; contribution: Contribution | null }>();

  constructor(private readonly accesses: ObjectCache<EcrAccess>) {}

  /**
   * Record `access`'s contribution to `network`. Returns the networks to reconcile again: `network` when the
   * contribution changed, plus the network it contributed to before when it moved (which must drop it).
   */
  set(access: string, network: string, contribution: Contribution): string[] {
    const prev = this.byAccess.get(access);
    this.byAccess.set(access, { network, contribution });
    const changed =
      !prev || prev.network !== network || JSON.stringify(prev.contribution) !== JSON.stringify(contribution);
    return changedNetworks(prev?.network, network, changed);
  }

  /**
   * `access` references `network` but cannot say what it needs (invalid spec, missing cluster, a terminal
   * AWS error): keep what it contributed to that network before (a broken access must not shrink the
   * network), else record that it contributes nothing, so the network does not wait for it forever.
   * Returns the networks to reconcile again, as {@link set}.
   */
  settleWithoutNeeds(access: string, network: string): string[] {
    const prev = this.byAccess.get(access);
    if (prev?.network === network) return [];
    this.byAccess.set(access, { network, contribution: null });
    return changedNetworks(prev?.network, network, true);
  }

  /** Forget `access`; returns the network it contributed to, if any. */
  delete(access: string): string | undefined {
    const prev = this.byAccess.get(access);
    this.byAccess.delete(access);
    return prev?.network;
  }

  contributionsFor(namespace: string, name: string): readonly Contribution[] | undefined {
    const out: Contribution[] = [];
    for (const a of this.accesses.list()) {
      if (a.metadata.namespace !== namespace || a.spec?.networkRef?.name !== name || a.metadata.deletionTimestamp)
        continue;
      const c = this.byAccess.get(`${namespace}/${a.metadata.name}`);
      // Not reconciled since it came to reference this network: what it recorded was for another one.
      if (!c || c.network !== `${namespace}/${name}`) return undefined;
      if (c.contribution) out.push(c.contribution);
    }
    return out.sort((x, y) => cmp(x.source, y.source));
  }
}

const changedNetworks = (prev: string | undefined, next: string, changed: boolean): string[] => [
  ...(prev !== undefined && prev !== next ? [prev] : []),
  ...(changed ? [next] : []),
];

export interface EcrAccessControllerDeps {
  readonly cache: ObjectCache<EcrAccess>;
  readonly networks: ObjectCache<PrivateEcsNetwork>;
  readonly store: ContributionStore;
  readonly kube: KubeClient;
  readonly aws: NetworkDeps;
  /** The ECS adapter for an account and region. */
  readonly ecsFor: (target: AwsTarget) => EcsPort;
  /** Which AwsAccount each object uses (controllers/accounts.ts); absent: ecsnet's own credentials for all. */
  readonly accounts?: AccountSource;
  /** Enqueue a network key (`namespace/name`) after its contributions changed. */
  readonly enqueueNetwork: (key: string) => void;
  readonly requeue: RequeueConfig;
  readonly rand?: () => number;
}

const R = Kinds.EcrAccess;

/** Build the reconcile function for the EcrAccess controller. */
export function ecrAccessReconciler(deps: EcrAccessControllerDeps): Reconcile {
  return async (key): Promise<ReconcileResult> => {
    const [namespace = "", name = ""] = key.split("/");
    const obj = deps.cache.get(namespace, name);
    if (!obj || obj.metadata.deletionTimestamp) {
      // Gone: withdraw the contribution so the network drops what only this access needed.
      const network = deps.store.delete(key);
      if (network) deps.enqueueNetwork(network);
      return done;
    }
    const now = deps.aws.now().toISOString();
    const generation = obj.metadata.generation ?? 1;
    const write = async (input: Omit<EcrAccessStatusInput, "generation" | "now">) => {
      const status = deriveEcrAccessStatus(obj.status, { ...input, generation, now });
      // lastDiscoveryTime alone is no change (as lastSyncTime for networks): every write is a watch event
      // that runs this access again at once, so writing it every round would reconcile in a tight loop.
      const { lastDiscoveryTime: _prev, ...prevRest } = obj.status ?? {};
      const { lastDiscoveryTime: _next, ...nextRest } = status;
      if (statusChanged(prevRest as never, nextRest as never))
        await deps.kube.patchStatus({ resource: R, namespace, name, status: statusPatch(obj.status, status) });
    };

    // Needs unknown (a problem only a person can fix): the network neither waits for this access nor shrinks.
    const settle = (network: string) => deps.store.settleWithoutNeeds(key, network).forEach(deps.enqueueNetwork);

    const v = validateEcrAccessSpec(obj.spec);
    if (!v.ok) {
      const ref = (obj.spec as { networkRef?: { name?: unknown } } | undefined)?.networkRef?.name;
      if (typeof ref === "string") settle(`${namespace}/${ref}`);
      await write({ problem: { reason: "InvalidSpec", message: formatSpecErrors(v.errors, 3), stalled: true } });
      return done;
    }
    const spec = v.spec as EcrAccessSpec;
    const network = deps.networks.get(namespace, spec.networkRef.name);
    const networkKey = `${namespace}/${spec.networkRef.name}`;
    if (!network?.spec) {
      settle(networkKey);
      await write({
        problem: {
          reason: "NetworkNotFound",
          message: `PrivateEcsNetwork ${namespace}/${spec.networkRef.name} does not exist`,
          stalled: true,
        },
      });
      return requeueAfter(deps.requeue.resyncMs);
    }
    const region = network.spec.region ?? deps.aws.defaultRegion;
    // The tenant boundary (pure), before any AWS call: the network's account for EC2 reads of its VPC, and
    // this access's own account (spec.accountRef, default the network's) for its ECS calls.
    const networkRef = network.spec.accountRef?.name;
    const ec2Account = accountFor(deps.accounts?.choose(namespace, networkRef), region);
    const ecsAccount = accountFor(deps.accounts?.choose(namespace, spec.accountRef?.name ?? networkRef), region);
    const refused = [ecsAccount, ec2Account].find((d) => !d.ok);
    if (refused && !refused.ok) {
      settle(networkKey);
      await write({ problem: { reason: refused.reason, message: refused.message, stalled: true } });
      return requeueAfter(deps.requeue.resyncMs);
    }
    const ecsTarget: AwsTarget = { region, account: ecsAccount.ok ? ecsAccount.account : null };
    const ec2Target: AwsTarget = { region, account: ec2Account.ok ? ec2Account.account : null };

    // discover → needs (pure) → contribution
    let needs: WorkloadNeeds;
    try {
      const discovered = spec.ecs
        ? await discoverWorkloads(deps.ecsFor(ecsTarget), {
            cluster: spec.ecs.cluster,
            services: spec.ecs.services ?? [],
          })
        : null;
      needs = ecrAccessNeeds(spec, discovered, { region });
    } catch (err) {
      if (err instanceof ClusterNotFoundError) {
        settle(networkKey);
        await write({ problem: { reason: "ClusterNotFound", message: err.message, stalled: true } });
        return requeueAfter(deps.requeue.resyncMs);
      }
      const e = classifyAwsError(err);
      if (e.class === "terminal") {
        settle(networkKey);
        await write({ problem: { reason: "AwsError", message: `${e.code}: ${e.message}`, stalled: true } });
        return requeueAfter(deps.requeue.resyncMs);
      }
      throw err;
    }
    const contribution = toContribution(key, needs, {
      restrictEndpointPolicies: spec.restrictEndpointPolicies,
      region,
    });
    deps.store.set(key, networkKey, contribution).forEach(deps.enqueueNetwork);

    // checks (pure) over the network's VPC as it is now
    const ec2 = deps.aws.ec2For(ec2Target);
    const owner: OwnerRef = { namespace, name: spec.networkRef.name, uid: network.metadata.uid ?? "" };
    // Right after the network's spec changed (new subnets, say), read the VPC's layout now, not from the cache.
    const fresh = network.status?.observedGeneration !== network.metadata.generation;
    const topology = await resolveTopology(ec2, { vpcId: network.spec.vpcId, region, fresh });
    const observed = await observe(ec2, {
      owner,
      vpcId: network.spec.vpcId,
      topology,
      givenSecurityGroupIds: network.spec.securityGroup?.groupIds ?? [],
    });
    // Rules of the task groups and of every endpoint's groups (including groups the network does not own).
    const groupIds = [
      ...new Set([...needs.taskSecurityGroups, ...observed.endpoints.flatMap((e) => e.securityGroupIds)]),
    ];
    const securityGroups = await fetchSecurityGroups(ec2, { vpcId: network.spec.vpcId, groupIds });
    // Repositories-only accesses name no task subnets: check the network's private subnets instead.
    const selector = network.spec.privateSubnets?.selector?.tags;
    const fallbackTaskSubnets =
      network.spec.privateSubnets?.ids ??
      topology.subnets
        .filter((s) => selector && Object.entries(selector).every(([k, v]) => s.tags[k] === v))
        .map((s) => s.id);
    const checks = runChecks({ topology, observed, needs, securityGroups, fallbackTaskSubnets });
    await write({ needs, checks, discoveredAt: now });
    const pending = checks.some((c) => !c.ok);
    // While the path is not verified (the network is still converging), look again soon.
    return requeueAfter(
      pending
        ? deps.requeue.pendingRequeueMs
        : requeueAfterMs({ plan: null, results: [], rand: (deps.rand ?? Math.random)() }, deps.requeue),
    );
  };
}
