/**
 * Figure 3: time to Ready of a cold network (NAT OnePerAz, so both NAT gateways and all endpoints must
 * become available), through the kube-free pipeline polling every `pollMs`, against the lower bound: the
 * sandbox's own state-transition time for the slowest resource of that run (nothing can be Ready earlier).
 */
import type { AwsSandbox } from "../operator/sandbox/aws/server.js";
import { delaysFor } from "../operator/sandbox/aws/server.js";
import { median, ratio, summarize, type Summary } from "./stats.js";
import { applyNetwork, getNetwork, isReady, startBenchOperator, startKube } from "./operator-world.js";
import { convergeReady, manifest, networkSpec, pipeline, startAws, until, type BenchVpc } from "./world.js";

/** A latency profile of the sandbox. */
export interface LatencyProfile {
  readonly name: string;
  readonly latency: "none" | "realistic";
  readonly timeScale: number;
}

/** Figure 3's result for one profile. */
export interface TimeToReady {
  readonly profile: LatencyProfile;
  /** `pipeline`: reconcileNetwork polled every `pollMs`; `operator`: the whole operator, requeueing on its own. */
  readonly via: "pipeline" | "operator";
  /** Pipeline: the polling interval; operator: its pendingRequeueMs. */
  readonly pollMs: number;
  readonly timeMs: Summary;
  /** Per run: the slowest NAT/endpoint transition the sandbox imposed (ms). */
  readonly lowerBoundMs: Summary;
  /** Median over runs of time / lower bound. */
  readonly overLowerBound: number;
  /** Reconcile rounds to Ready (pipeline only; NaN for the operator). */
  readonly rounds: number;
}

/**
 * The sandbox's spread of one resource's delay: a stable fraction of its id, exactly as
 * operator/sandbox/aws/lifecycle.ts computes it (realistic mode spreads NAT 60–120 s, endpoints 60–90 s).
 */
function fraction(id: string): number {
  return parseInt(id.slice(-6), 16) / 0x1000000 || 0;
}

/** The slowest pending → available transition among the world's NAT gateways and endpoints, in ms. */
function slowestTransitionMs(aws: AwsSandbox, p: LatencyProfile): number {
  const d = delaysFor(p.latency, p.timeScale);
  const spreadNat = p.latency === "realistic" ? 60_000 * p.timeScale : 0;
  const spreadEndpoint = p.latency === "realistic" ? 30_000 * p.timeScale : 0;
  const world =
    (aws.admin.dump() as { ec2?: { nats?: Record<string, unknown>; endpoints?: Record<string, unknown> } }).ec2 ?? {};
  const nat = Object.keys(world.nats ?? {}).map((id) => d.natGatewayAvailableMs + spreadNat * fraction(id));
  const eps = Object.keys(world.endpoints ?? {}).map((id) => d.endpointAvailableMs + spreadEndpoint * fraction(id));
  return Math.max(0, ...nat, ...eps);
}

/** One cold run to Ready; resolves to the ms it took and the reconcile rounds (NaN when not counted). */
type ColdRun = (aws: AwsSandbox, vpc: BenchVpc, rep: number) => Promise<{ ms: number; rounds: number }>;

const viaPipeline =
  (pollMs: number): ColdRun =>
  async (aws, vpc, rep) => {
    const p = pipeline(aws.endpoint);
    try {
      const m = manifest(`ttr-${rep}`, networkSpec(vpc, "OnePerAz"));
      const t0 = performance.now();
      const r = await convergeReady(p.deps, m, pollMs, 120_000);
      return { ms: performance.now() - t0, rounds: r.rounds };
    } finally {
      p.close();
    }
  };

const viaOperator =
  (pendingRequeueMs: number): ColdRun =>
  async (aws, vpc, rep) => {
    const kube = await startKube();
    const operator = await startBenchOperator(kube, aws.endpoint, { pendingRequeueMs });
    try {
      const t0 = performance.now();
      await applyNetwork(kube, `ttr-${rep}`, networkSpec(vpc, "OnePerAz"));
      await until("Ready", async () => isReady(await getNetwork(kube, `ttr-${rep}`)), {
        timeoutMs: 120_000,
        everyMs: 20,
      });
      return { ms: performance.now() - t0, rounds: Number.NaN };
    } finally {
      await operator.stop();
      await kube.close();
    }
  };

/**
 * Figure 3 for one latency profile: `reps` cold runs, each on a freshly reset sandbox with fresh clients
 * (and, via the operator, a fresh operator and Kubernetes API).
 */
export async function measureTimeToReady(o: {
  profile: LatencyProfile;
  reps: number;
  pollMs: number;
  via?: "pipeline" | "operator";
}): Promise<TimeToReady> {
  const via = o.via ?? "pipeline";
  const run = via === "pipeline" ? viaPipeline(o.pollMs) : viaOperator(o.pollMs);
  const { aws } = await startAws({ latency: o.profile.latency, timeScale: o.profile.timeScale });
  const times: number[] = [];
  const bounds: number[] = [];
  const ratios: number[] = [];
  const rounds: number[] = [];
  try {
    for (let rep = 0; rep < o.reps; rep++) {
      aws.admin.reset();
      const r = await run(aws, aws.admin.seed("two-az-vpc"), rep);
      const bound = slowestTransitionMs(aws, o.profile);
      times.push(r.ms);
      bounds.push(bound);
      ratios.push(ratio(r.ms, bound));
      rounds.push(r.rounds);
    }
  } finally {
    await aws.close();
  }
  return {
    profile: o.profile,
    via,
    pollMs: o.pollMs,
    timeMs: summarize(times),
    lowerBoundMs: summarize(bounds),
    overLowerBound: median(ratios),
    rounds: median(rounds),
  };
}
