/**
 * Figure 1: AWS API calls per reconcile of one network, cold to Ready and steady state, for egress None and
 * NAT OnePerAz (figure 2, calls per drift sweep, is in sweep.ts). Counts come from the sandbox
 * (`admin.calls()`), which sees every request including SDK retries.
 */
import { Ec2Limiter } from "../operator/aws/throttle.js";
import type { PrivateEcsNetworkStatus } from "../operator/api/private-ecs-network.js";
import type { NetworkManifest } from "../operator/cli/manifest.js";
import { reconcileNetwork, type NetworkDeps } from "../operator/controllers/reconcile-network.js";
import type { DesiredNetwork } from "../operator/core/model.js";
import type { AwsSandbox } from "../operator/sandbox/aws/server.js";
import { median, medianCalls, totals, type CallCounts } from "./stats.js";
import {
  convergeReady,
  manifest,
  networkSpec,
  pipeline,
  raisedBuckets,
  startAws,
  type BenchVpc,
  type Egress,
} from "./world.js";

/** Calls of one network, by phase. */
export interface ReconcileCalls {
  readonly egress: Egress;
  readonly reps: number;
  /** The first reconcile of a new network: observes, then creates everything it can in one pass. */
  readonly firstReconcile: { readonly total: number; readonly mutating: number };
  /** From creation to Ready, polling every `pollMs` (median over repetitions). */
  readonly coldToReady: {
    readonly rounds: number;
    readonly total: number;
    readonly mutating: number;
    readonly byOperation: CallCounts;
  };
  readonly pollMs: number;
  /** One reconcile of the converged network (the drift sweep), per reconcile. */
  readonly steady: {
    readonly total: number;
    readonly mutating: number;
    /** Every steady reconcile made the same number of calls. */
    readonly constant: boolean;
    readonly byOperation: CallCounts;
  };
  /** AWS resources this network manages (what per-resource controllers Describe one by one). */
  readonly managedResources: number;
}

/** The managed AWS resources of a desired network: SG, endpoints, S3 gateway, EIPs, NAT gateways, routes. */
export function managedResourceCount(d: DesiredNetwork): number {
  return 1 + d.interfaceEndpoints.size + (d.s3Gateway ? 1 : 0) + d.elasticIps.size + d.natGateways.size + d.routes.size;
}

const snapshot = (aws: AwsSandbox): CallCounts => ({ ...aws.admin.calls() });

async function reconcileOnce(deps: NetworkDeps, m: NetworkManifest, prev: PrivateEcsNetworkStatus | undefined) {
  return reconcileNetwork(deps, {
    owner: m.owner,
    generation: m.generation,
    rawSpec: m.rawSpec,
    prevStatus: prev,
    contributions: [],
    deleting: false,
    dryRun: false,
  });
}

/** Figure 1 for one egress mode: `reps` cold runs, each on a freshly reset sandbox, then `steadyRounds`. */
export async function measureReconcileCalls(o: {
  egress: Egress;
  reps: number;
  pollMs: number;
  steadyRounds: number;
}): Promise<ReconcileCalls> {
  const { aws } = await startAws();
  const firsts: CallCounts[] = [];
  const colds: { rounds: number; calls: CallCounts }[] = [];
  const steadies: CallCounts[] = [];
  let managed = 0;
  try {
    for (let rep = 0; rep < o.reps; rep++) {
      aws.admin.reset();
      const vpc: BenchVpc = aws.admin.seed("two-az-vpc");
      // The large network's 12 endpoint creates would wait ~30 s on EC2's endpoint bucket: raise it (counts are unchanged).
      const p = pipeline(
        aws.endpoint,
        o.egress === "Large" ? new Ec2Limiter({ buckets: raisedBuckets(50) }) : undefined,
      );
      try {
        const m = manifest(`calls-${o.egress.toLowerCase()}`, networkSpec(vpc, o.egress));
        aws.admin.resetCalls();
        const first = await reconcileOnce(p.deps, m, undefined);
        firsts.push(snapshot(aws));
        aws.admin.resetCalls();
        const { outcome, rounds } = await convergeReady(p.deps, m, o.pollMs);
        const rest = snapshot(aws);
        const all: Record<string, number> = { ...rest };
        for (const [op, n] of Object.entries(firsts.at(-1)!)) all[op] = (all[op] ?? 0) + n;
        colds.push({ rounds: rounds + 1, calls: all });
        managed = managedResourceCount(outcome.desired ?? first.desired!);
        let prev = outcome.status;
        for (let i = 0; i < o.steadyRounds; i++) {
          aws.admin.resetCalls();
          const out = await reconcileOnce(p.deps, m, prev);
          prev = out.status;
          steadies.push(snapshot(aws));
        }
      } finally {
        p.close();
      }
    }
  } finally {
    await aws.close();
  }
  const steadyTotals = steadies.map((c) => totals(c).total);
  const cold = medianCalls(colds.map((c) => c.calls));
  const steady = medianCalls(steadies);
  return {
    egress: o.egress,
    reps: o.reps,
    firstReconcile: {
      total: median(firsts.map((c) => totals(c).total)),
      mutating: median(firsts.map((c) => totals(c).mutating)),
    },
    coldToReady: {
      rounds: median(colds.map((c) => c.rounds)),
      total: median(colds.map((c) => totals(c.calls).total)),
      mutating: median(colds.map((c) => totals(c.calls).mutating)),
      byOperation: cold,
    },
    pollMs: o.pollMs,
    steady: {
      total: median(steadyTotals),
      mutating: median(steadies.map((c) => totals(c).mutating)),
      constant: steadyTotals.every((t) => t === steadyTotals[0]),
      byOperation: steady,
    },
    managedResources: managed,
  };
}
