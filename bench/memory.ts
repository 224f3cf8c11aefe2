/**
 * Figure 5: memory at scale. One operator instance (a child process, bench/memory-child.ts, so only its
 * own memory is counted) reconciles N networks, each in its own VPC built through the EC2 API; after all
 * are Ready, RSS and heap used are read after two full GCs. Baseline = the operator started, no objects.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { FromChild, ToChild } from "./memory-child.js";
import { applyNetwork, readyCount, startKube } from "./operator-world.js";
import { median } from "./stats.js";
import { createVpcs, networkSpec, rawEc2, startAws, until } from "./world.js";

/** Memory of the operator process at one size. */
export interface MemoryPoint {
  readonly networks: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  /** Seconds from applying this step's objects to all of them Ready. */
  readonly readySeconds: number;
}

/** Figure 5's result. */
export interface MemoryAtScale {
  readonly vpcs: "one per network";
  readonly raiseLimitsBy: number;
  readonly points: readonly MemoryPoint[];
  /** (largest − second largest size) increment per network, KiB (the smallest size absorbs one-time warm-up). */
  readonly rssPerNetworkKiB: number;
  readonly heapPerNetworkKiB: number;
  /** (largest size − baseline with no objects) per network, KiB. */
  readonly rssPerNetworkFromBaselineKiB: number;
  readonly heapPerNetworkFromBaselineKiB: number;
}

const MiB = 1024 * 1024;

function ask(child: ChildProcess, m: ToChild, want: FromChild["kind"]): Promise<FromChild> {
  return new Promise((resolve, reject) => {
    const on = (r: FromChild) => {
      if (r.kind === "error") reject(new Error(`operator process: ${r.message}`));
      else if (r.kind === want) resolve(r);
      else return;
      child.off("message", on);
    };
    child.on("message", on);
    child.send(m);
  });
}

/** Figure 5 for the sizes given (ascending), growing one operator's object set step by step. */
export async function measureMemory(o: { sizes: readonly number[]; raiseLimitsBy: number }): Promise<MemoryAtScale> {
  const max = Math.max(...o.sizes);
  const { aws, vpc } = await startAws();
  const raw = rawEc2(aws.endpoint);
  const kube = await startKube();
  const child = fork(fileURLToPath(new URL("./memory-child.js", import.meta.url)), [], {
    execArgv: ["--expose-gc"],
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const points: MemoryPoint[] = [];
  try {
    const vpcs = [vpc, ...(await createVpcs(raw, max - 1))];
    await ask(
      child,
      { kind: "start", kubeconfig: kube.sandbox.kubeconfig, awsEndpoint: aws.endpoint, raiseLimitsBy: o.raiseLimitsBy },
      "started",
    );
    // RSS moves with the allocator, not only with live data: take the median of three samples, 500 ms apart.
    const measure = async (networks: number, readySeconds: number) => {
      const samples: Extract<FromChild, { kind: "memory" }>[] = [];
      for (let i = 0; i < 3; i++) {
        if (i) await new Promise((r) => setTimeout(r, 500));
        samples.push((await ask(child, { kind: "measure" }, "memory")) as Extract<FromChild, { kind: "memory" }>);
      }
      const rssMiB = median(samples.map((m) => m.rss)) / MiB;
      points.push({ networks, rssMiB, heapUsedMiB: median(samples.map((m) => m.heapUsed)) / MiB, readySeconds });
    };
    // Let informers sync and the process settle before the baseline.
    await new Promise((r) => setTimeout(r, 1_000));
    await measure(0, 0);
    let applied = 0;
    for (const n of o.sizes) {
      const t0 = performance.now();
      for (; applied < n; applied++) await applyNetwork(kube, `mem-${applied}`, networkSpec(vpcs[applied]!, "None"));
      await until(`${n} networks Ready`, async () => readyCount(kube) >= n, { timeoutMs: 240_000, everyMs: 250 });
      await measure(n, (performance.now() - t0) / 1000);
    }
  } finally {
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.send({ kind: "stop" } satisfies ToChild);
      setTimeout(() => child.kill(), 10_000).unref();
    });
    raw.destroy();
    await kube.close();
    await aws.close();
  }
  const base = points[0]!;
  const sized = points.filter((p) => p.networks > 0);
  const lo = sized.at(-2) ?? sized[0]!;
  const hi = sized.at(-1)!;
  const span = hi.networks - lo.networks || 1;
  return {
    vpcs: "one per network",
    raiseLimitsBy: o.raiseLimitsBy,
    points,
    rssPerNetworkKiB: ((hi.rssMiB - lo.rssMiB) * 1024) / span,
    heapPerNetworkKiB: ((hi.heapUsedMiB - lo.heapUsedMiB) * 1024) / span,
    rssPerNetworkFromBaselineKiB: ((hi.rssMiB - base.rssMiB) * 1024) / hi.networks,
    heapPerNetworkFromBaselineKiB: ((hi.heapUsedMiB - base.heapUsedMiB) * 1024) / hi.networks,
  };
}
