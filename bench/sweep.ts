/**
 * Figure 2: AWS calls per drift sweep, the shared snapshot (one observe per account and region,
 * controllers/sweep.ts) side by side with the per-VPC design it replaced (every network's reconcile
 * observes its own VPC). N converged networks, one VPC each, spread evenly over 1 or 10 account-regions
 * (10 sandbox instances, one client set each). Counts come from the sandboxes (`admin.calls()`), which see
 * every request including paging and chunking.
 *
 * The per-VPC sweep is measured (one live reconcile of every network, as the old sweep ran) up to
 * `measurePerVpcUpTo` networks; above, it is computed as N × the measured per-network cost (it is exactly
 * linear: figure 1's steady reconcile), and the row says so.
 */
import { Ec2Limiter } from "../operator/aws/throttle.js";
import { ObserveSnapshot } from "../operator/aws/snapshot.js";
import { reconcileNetwork } from "../operator/controllers/reconcile-network.js";
import { SweepCoordinator, type SweepTarget } from "../operator/controllers/sweep.js";
import type { PrivateEcsNetworkStatus } from "../operator/api/private-ecs-network.js";
import type { NetworkManifest } from "../operator/cli/manifest.js";
import type { AwsSandbox } from "../operator/sandbox/aws/server.js";
import { median, totals, type CallCounts } from "./stats.js";
import {
  convergeReady,
  manifest,
  networkSpec,
  pipeline,
  raisedBuckets,
  startAws,
  type Egress,
  type Pipeline,
} from "./world.js";

/** One row: N networks over `accountRegions` clients. */
export interface SharedSweepRow {
  readonly accountRegions: number;
  readonly networks: number;
  /** The shared sweep, steady (median over sweeps): refresh of every snapshot + every slice compared. */
  readonly shared: { readonly callsPerSweep: number; readonly byOperation: CallCounts };
  /** The first sweep of a fresh process: the layout is read too (and DNS attributes no reconcile reported). */
  readonly sharedFirstSweep: number;
  /** The per-VPC design's sweep: one live observe per network. */
  readonly perVpc: { readonly callsPerSweep: number; readonly measured: boolean };
  /** perVpc / shared. */
  readonly ratio: number;
}

/** Figure 2's result. */
export interface SharedSweepCalls {
  readonly egress: Egress;
  readonly rows: readonly SharedSweepRow[];
  /** Calls of one network's live steady reconcile (the per-VPC sweep's unit cost), measured. */
  readonly perNetworkObserve: number;
}

interface Region {
  readonly aws: AwsSandbox;
  readonly p: Pipeline;
  readonly nets: { m: NetworkManifest; vpcId: string; status: PrivateEcsNetworkStatus }[];
}

/** Converge `n` networks in fresh VPCs of `aws`, `parallel` at a time. */
async function buildRegion(n: number, egress: Egress, tag: string, parallel: number): Promise<Region> {
  const { aws } = await startAws();
  const p = pipeline(aws.endpoint, new Ec2Limiter({ buckets: raisedBuckets(1000) }));
  const nets: Region["nets"] = [];
  const specs = Array.from({ length: n }, (_, i) => {
    const vpc = i === 0 ? aws.seeded! : aws.admin.seed("two-az-vpc");
    return { m: manifest(`${tag}-${i}`, networkSpec(vpc, egress)), vpcId: vpc.vpcId };
  });
  for (let i = 0; i < specs.length; i += parallel) {
    const batch = await Promise.all(
      specs.slice(i, i + parallel).map(async (s) => {
        const { outcome } = await convergeReady(p.deps, s.m, 50, 300_000);
        return { ...s, status: outcome.status, topology: outcome.topology! };
      }),
    );
    nets.push(...batch);
  }
  return { aws, p, nets };
}

const callsOf = (regions: readonly Region[]): number =>
  regions.reduce((s, r) => s + totals(r.aws.admin.calls()).total, 0);
const resetCalls = (regions: readonly Region[]): void => regions.forEach((r) => r.aws.admin.resetCalls());

/** One per-VPC sweep: a live reconcile of every network (what the operator did every resync before). */
async function perVpcSweep(regions: readonly Region[]): Promise<void> {
  for (const r of regions) {
    for (const n of r.nets) {
      const out = await reconcileNetwork(r.p.deps, {
        owner: n.m.owner,
        generation: n.m.generation,
        rawSpec: n.m.rawSpec,
        prevStatus: n.status,
        contributions: [],
        deleting: false,
        dryRun: false,
      });
      n.status = out.status;
    }
  }
}

/** Figure 2 (see module doc). */
export async function measureSharedSweep(o: {
  egress: Egress;
  sizes: readonly number[];
  accountRegions: readonly number[];
  sweeps: number;
  measurePerVpcUpTo: number;
  progress?: (msg: string) => void;
}): Promise<SharedSweepCalls> {
  const rows: SharedSweepRow[] = [];
  let perNetworkObserve = 0;
  for (const k of o.accountRegions) {
    for (const n of o.sizes) {
      o.progress?.(`sweep: ${n} networks over ${k} account-region(s)`);
      const regions: Region[] = [];
      try {
        for (let r = 0; r < k; r++) {
          const share = Math.floor(n / k) + (r < n % k ? 1 : 0);
          if (share > 0) regions.push(await buildRegion(share, o.egress, `s${k}-${n}-${r}`, 25));
        }
        // The per-VPC design.
        let perVpc: SharedSweepRow["perVpc"];
        if (n <= o.measurePerVpcUpTo) {
          const samples: number[] = [];
          for (let s = 0; s < o.sweeps; s++) {
            resetCalls(regions);
            await perVpcSweep(regions);
            samples.push(callsOf(regions));
          }
          perVpc = { callsPerSweep: median(samples), measured: true };
          perNetworkObserve = perVpc.callsPerSweep / n;
        } else {
          perVpc = { callsPerSweep: Math.round(perNetworkObserve * n), measured: false };
        }
        // The shared sweep: the operator's coordinator over one snapshot per client.
        const targets: SweepTarget[] = regions.flatMap((r) => {
          const snapshot = new ObserveSnapshot(r.p.ec2);
          return r.nets.map((x) => ({
            key: x.m.owner.name,
            owner: x.m.owner,
            vpcId: x.vpcId,
            region: "us-east-1",
            snapshot,
          }));
        });
        const sweep = new SweepCoordinator({
          intervalMs: 20_000,
          targets: () => targets,
          enqueue: () => undefined,
          logger: { debug: () => undefined, info: () => undefined, warn: () => undefined },
        });
        resetCalls(regions);
        await sweep.sweep();
        const first = callsOf(regions);
        const samples: { total: number; byOp: CallCounts }[] = [];
        for (let s = 0; s < o.sweeps; s++) {
          resetCalls(regions);
          const report = await sweep.sweep();
          if (report.failed > 0) throw new Error(`${report.failed} snapshot refreshes failed`);
          const byOp: Record<string, number> = {};
          for (const r of regions)
            for (const [op, c] of Object.entries(r.aws.admin.calls())) byOp[op] = (byOp[op] ?? 0) + c;
          samples.push({ total: callsOf(regions), byOp });
        }
        const steady = median(samples.map((s) => s.total));
        rows.push({
          accountRegions: k,
          networks: n,
          shared: { callsPerSweep: steady, byOperation: samples.find((s) => s.total === steady)?.byOp ?? {} },
          sharedFirstSweep: first,
          perVpc,
          ratio: perVpc.callsPerSweep / steady,
        });
      } finally {
        for (const r of regions) {
          r.p.close();
          await r.aws.close();
        }
      }
    }
  }
  return { egress: o.egress, rows, perNetworkObserve };
}
