/**
 * `npm run bench`: ecsnet's speed and AWS cost against the in-process sandboxes (127.0.0.1 only).
 * Prints a readable report and writes bench/results/latest.json. See docs/benchmarks.md.
 *
 *   npm run bench                          # every figure (a few minutes on 2 cores)
 *   npm run bench -- --only calls,drift    # some figures: calls, sweep, ttr, drift, drift-default, memory, throttle
 *   npm run bench -- --quick               # fewer repetitions and smaller sizes (a smoke run)
 */
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { measureReconcileCalls } from "./calls.js";
import { measureDriftAtDefaults, measureDriftRepair, measureEventRepair } from "./drift.js";
import { measureMemory, memoryVariants } from "./memory.js";
import { render, type BenchResults } from "./report.js";
import { measureSharedSweep } from "./sweep.js";
import { measureThrottling } from "./throttling.js";
import { measureTimeToReady } from "./time-to-ready.js";

const FIGURES = ["calls", "sweep", "ttr", "drift", "drift-default", "drift-events", "memory", "throttle"] as const;
type Figure = (typeof FIGURES)[number];

/** Parse `--only a,b` and `--quick`; unknown arguments are an error. */
function parseArgs(argv: readonly string[]): { only: ReadonlySet<Figure>; quick: boolean } {
  let only = new Set<Figure>(FIGURES);
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--quick") quick = true;
    else if (a === "--only" || a.startsWith("--only=")) {
      const list = a.includes("=") ? a.slice("--only=".length) : (argv[++i] ?? "");
      const names = list.split(",").filter(Boolean);
      const bad = names.filter((n) => !(FIGURES as readonly string[]).includes(n));
      if (bad.length) throw new Error(`unknown figure(s) ${bad.join(", ")}; known: ${FIGURES.join(", ")}`);
      only = new Set(names as Figure[]);
    } else throw new Error(`unknown argument ${a}; use --only ${FIGURES.join(",")} and/or --quick`);
  }
  return { only, quick };
}

const progress = (msg: string): void => void process.stderr.write(`bench: ${msg}\n`);

async function main(): Promise<void> {
  const { only, quick } = parseArgs(process.argv.slice(2));
  const reps = quick ? 3 : 5;
  const t0 = performance.now();
  const out: {
    -readonly [K in keyof BenchResults]: BenchResults[K];
  } = {
    date: new Date().toISOString(),
    machine: {
      cpus: availableParallelism(),
      node: process.versions.node,
      platform: `${process.platform}/${process.arch}`,
    },
    seconds: 0,
  };
  if (only.has("calls")) {
    progress("1/6 calls per reconcile");
    const calls = [];
    for (const egress of ["None", "OnePerAz", "Large"] as const) {
      calls.push(await measureReconcileCalls({ egress, reps: 3, pollMs: 100, steadyRounds: 3 }));
    }
    out.reconcileCalls = calls;
  }
  if (only.has("sweep")) {
    progress("2/6 calls per drift sweep");
    out.sweepCalls = await measureSharedSweep({
      egress: "OnePerAz",
      sizes: quick ? [1, 20] : [1, 100, 1000],
      accountRegions: [1, 10],
      sweeps: 3,
      measurePerVpcUpTo: 100,
      progress,
    });
  }
  if (only.has("ttr")) {
    progress("3/6 time to Ready");
    const def = { name: "default", latency: "none", timeScale: 1 } as const;
    const real = { name: "realistic", latency: "realistic", timeScale: 0.01 } as const;
    out.timeToReady = [
      await measureTimeToReady({ profile: def, reps, pollMs: 100 }),
      await measureTimeToReady({ profile: real, reps, pollMs: 100 }),
      // The whole operator, requeueing by its own policy (pendingRequeueMs 250), status read from Kubernetes.
      await measureTimeToReady({ profile: real, reps, pollMs: 250, via: "operator" }),
    ];
  }
  if (only.has("drift")) {
    progress("4/6 drift-repair latency");
    out.driftRepair = await measureDriftRepair({
      reps,
      resyncMs: 2_000,
      pendingRequeueMs: 250,
      pollMs: 50,
      timeoutMs: 10_000,
    });
  }
  if (only.has("drift-default")) {
    // Minutes: each change waits for the 20 s default sweep, at a random point of its cycle.
    progress("4b/6 drift to repair start at default settings");
    out.driftAtDefaults = await measureDriftAtDefaults({ reps: quick ? 6 : 20, networks: 5, pollMs: 20 });
  }
  if (only.has("drift-events")) {
    progress("4c/6 drift repair from EC2 change events");
    out.eventRepair = await measureEventRepair({ reps: quick ? 8 : 20, timeoutMs: 10_000 });
  }
  if (only.has("memory")) {
    progress("5/6 memory at scale");
    out.memory = await measureMemory({
      sizes: quick ? [50, 200] : [200, 1000],
      runs: quick ? 1 : 3,
      ec2RateScale: 1000,
      variants: await memoryVariants(),
      progress,
    });
  }
  if (only.has("throttle")) {
    progress("6/6 throttling");
    out.throttling = await measureThrottling({ networks: quick ? 4 : 10, concurrency: 10 });
  }
  out.seconds = (performance.now() - t0) / 1000;
  const results = out as BenchResults;
  process.stdout.write(render(results));
  const dir = fileURLToPath(new URL("../../bench/results/", import.meta.url));
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}latest.json`, JSON.stringify(results, null, 2) + "\n");
  progress(`wrote ${dir}latest.json`);
}

main().then(
  // The SDK's and the operator's sockets are closed; exit explicitly so a stray keep-alive timer cannot hold us.
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
