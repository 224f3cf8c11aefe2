/**
 * Figure 5: memory at scale. The operator is the real command, `bin/ecsnet.js run`, in a process of its own
 * (the sandboxes run in the benchmark's process, so their state is not counted), with the operator's default
 * drift sweep (every 20 s: one shared observe of every VPC, the moment a process holding 1,000 networks allocates
 * most). It reconciles N networks, each in its own VPC built through the EC2 API. RSS is read from
 * /proc/<pid>/status (what a container's memory limit sees) every 200 ms for the whole run; V8's heap and external
 * memory, and the sweeps the operator made, from its own /metrics every 2 s. No GC is forced: the numbers are what
 * the process holds. At each size, once all networks are Ready and a whole sweep has passed with nothing queued,
 * the operator is left alone for a hold window that spans several sweeps; the figure is the median RSS over that
 * window (steady) and its maximum (peak, during a sweep), plus the maximum while the networks were being created.
 *
 * Each runtime measured (`variants`: the script started and its environment) starts a fresh operator and grows
 * it 0 → sizes[0] → ... Several runs per variant (the former runtime, a reference, once); the report shows medians. The two compared are the unbundled
 * operator (dist/operator/main.js) with the image's former settings, and what the image runs now: bin/ecsnet.js,
 * which runs the bundled runtime (dist/bundle/) for `run`, with the Dockerfile's ENTRYPOINT flags, NODE_OPTIONS
 * and MALLOC_* environment.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../operator/config.js";
import { applyNetwork, NS, readyCount, startKube, type Kube } from "./operator-world.js";
import { imageNodeArgs, imageRuntimeEnv } from "./node-options.js";
import { median } from "./stats.js";
import { CREDENTIALS, createVpcs, networkSpec, rawEc2, REGION, startAws, until, type BenchVpc } from "./world.js";

/** One runtime the operator is started with. */
export interface MemoryVariant {
  readonly name: string;
  /** The script node runs with `run ...` (relative to the repository). */
  readonly script: string;
  /** Node/V8 flags before the script (those NODE_OPTIONS does not accept), as the image's ENTRYPOINT has them. */
  readonly nodeArgs: readonly string[];
  /** NODE_OPTIONS for the operator process ("" = Node's defaults). */
  readonly nodeOptions: string;
  /** Further environment of the runtime (glibc's MALLOC_* tunables). */
  readonly env: Readonly<Record<string, string>>;
  /** Runs of this variant, when fewer than the figure's (a reference measured once). */
  readonly maxRuns?: number;
}

/** Memory of the operator process at one size (medians over runs). */
export interface MemoryPoint {
  readonly networks: number;
  /** VmRSS, median over the hold window (sweeps included): what the container holds most of the time. */
  readonly rssMiB: number;
  /** VmRSS, maximum over the hold window: the peak during a sweep, what a memory limit must allow. */
  readonly rssPeakMiB: number;
  /** VmRSS, maximum from applying this step's networks until the operator was idle (0 for the empty operator). */
  readonly rssRampPeakMiB: number;
  /** RssAnon (median over the window): the process's own memory (V8 heap, malloc, buffers), without mapped files. */
  readonly rssAnonMiB: number;
  /** RssFile (median): pages of the node binary and shared libraries in memory. */
  readonly rssFileMiB: number;
  /** V8 heap used, median and maximum of the window's /metrics samples. */
  readonly heapUsedMiB: number;
  readonly heapUsedPeakMiB: number;
  /** V8's heap reserved from the OS (old + new space and the rest), median. */
  readonly heapTotalMiB: number;
  /** Memory of C++ objects bound to JS (buffers, external strings such as loaded sources), median. */
  readonly externalMiB: number;
  /** Drift sweeps the operator finished during the hold window (its ecsnet_drift_sweeps_total). */
  readonly sweeps: number;
  /** Mean duration of those sweeps, seconds (ecsnet_drift_sweep_duration_seconds). */
  readonly sweepSeconds: number;
  /** Seconds from applying this step's objects to all of them Ready (median). */
  readonly readySeconds: number;
}

/** One variant's results. */
export interface MemoryVariantResult extends MemoryVariant {
  readonly runs: number;
  readonly points: readonly MemoryPoint[];
  /** (largest size's steady RSS − the empty operator's) per network, KiB. */
  readonly rssPerNetworkKiB: number;
  readonly heapPerNetworkKiB: number;
}

/** Figure 5's result. */
export interface MemoryAtScale {
  readonly vpcs: "one per network";
  readonly ec2RateScale: number;
  /** Seconds the operator is left alone at each size, all networks Ready. */
  readonly holdSeconds: number;
  /** The operator's drift-sweep interval during the figure (its default). */
  readonly sweepIntervalSeconds: number;
  readonly variants: readonly MemoryVariantResult[];
}

const MiB = 1024 * 1024;
const REPO = fileURLToPath(new URL("../../", import.meta.url));
/** The operator's default drift-sweep interval (ECSNET_RESYNC_MS unset), which the figure runs at. */
const DEFAULT_SWEEP_SECONDS = loadConfig({}).resyncMs / 1000;

/** The operator process started by {@link startOperatorProcess}. */
interface OperatorProcess {
  readonly child: ChildProcess;
  readonly metricsUrl: string;
  stop(): Promise<void>;
}

/** Start `ecsnet run` against the sandboxes; resolves once it logged its HTTP port. */
async function startOperatorProcess(
  kubeconfigPath: string,
  awsEndpoint: string,
  o: { variant: MemoryVariant; ec2RateScale: number },
): Promise<OperatorProcess> {
  const child = spawn(
    process.execPath,
    [
      ...o.variant.nodeArgs,
      join(REPO, o.variant.script),
      "run",
      "--kubeconfig",
      kubeconfigPath,
      "--no-leader-elect",
      "--namespace",
      NS,
      "--http-host",
      "127.0.0.1",
      "--http-port",
      "0",
      "--region",
      REGION,
      "--ec2-rate-scale",
      String(o.ec2RateScale),
      "--concurrency",
      "8",
      // No --resync: the default drift sweep runs, and its shared observe of every VPC is part of the figure.
    ],
    {
      stdio: ["ignore", "ignore", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        ...o.variant.env,
        NODE_OPTIONS: o.variant.nodeOptions,
        AWS_ENDPOINT_URL: awsEndpoint,
        AWS_REGION: REGION,
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        AWS_EC2_METADATA_DISABLED: "true",
        // Its log (JSON lines on stderr) is read for the port, then drained so the pipe never blocks it.
        ECSNET_LOG_LEVEL: "info",
        // Pending resources are polled every 250 ms rather than 15 s, so 1,000 networks are Ready in about a minute.
        ECSNET_PENDING_REQUEUE_MS: "250",
      },
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const fail = (err: Error) => {
      child.kill("SIGKILL");
      reject(err);
    };
    const lines = createInterface({ input: child.stderr! });
    const timer = setTimeout(() => fail(new Error("ecsnet run did not log its port within 30 s")), 30_000);
    child.once("exit", (code) => fail(new Error(`ecsnet run exited with ${code} before starting`)));
    lines.on("line", (l) => {
      try {
        const rec = JSON.parse(l) as { msg?: string; port?: number };
        if (rec.msg === "ecsnet operator started" && typeof rec.port === "number") {
          clearTimeout(timer);
          resolve(rec.port);
        }
      } catch {
        // not a log line
      }
    });
  });
  return {
    child,
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    stop: async () => {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** One read of /proc/<pid>/status. */
interface ProcSample {
  readonly at: number;
  readonly rss: number;
  readonly rssAnon: number;
  readonly rssFile: number;
}

/** One read of the operator's /metrics. */
interface MetricsSample {
  readonly at: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly sweeps: number;
  readonly sweepSecondsSum: number;
  /** Keys ever added to the operator's work queues (ecsnet_workqueue_adds_total, all queues). */
  readonly queueAdds: number;
}

async function procSample(pid: number): Promise<ProcSample> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { at: performance.now(), rss: kib("VmRSS"), rssAnon: kib("RssAnon"), rssFile: kib("RssFile") };
}

async function metricsSample(url: string): Promise<MetricsSample> {
  const text = await (await fetch(url)).text();
  const values = (re: RegExp) => [...text.matchAll(re)].map((m) => Number(m[1]));
  const one = (k: string) => values(new RegExp(`^${k} ([0-9.e+-]+)$`, "gm"))[0] ?? NaN;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    at: performance.now(),
    heapUsed: one("nodejs_heap_size_used_bytes"),
    heapTotal: one("nodejs_heap_size_total_bytes"),
    external: one("nodejs_external_memory_bytes"),
    sweeps: sum(values(/^ecsnet_drift_sweeps_total\{[^}]*\} ([0-9.e+-]+)$/gm)),
    sweepSecondsSum: one("ecsnet_drift_sweep_duration_seconds_sum"),
    queueAdds: sum(values(/^ecsnet_workqueue_adds_total\{[^}]*\} ([0-9.e+-]+)$/gm)),
  };
}

/**
 * Samples the operator for the whole run: /proc every 200 ms (a file read, nothing the operator does), /metrics
 * every 2 s (a scrape allocates a little in the operator, as Prometheus's would).
 */
function startTrace(op: OperatorProcess): { proc: ProcSample[]; metrics: MetricsSample[]; stop(): Promise<void> } {
  const proc: ProcSample[] = [];
  const metrics: MetricsSample[] = [];
  let stopped = false;
  const loop = async (everyMs: number, read: () => Promise<void>) => {
    while (!stopped) {
      try {
        await read();
      } catch {
        // the process is exiting
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  };
  const loops = [
    loop(200, async () => void proc.push(await procSample(op.child.pid!))),
    loop(2_000, async () => void metrics.push(await metricsSample(op.metricsUrl))),
  ];
  return {
    proc,
    metrics,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/**
 * Wait until the operator is idle: a whole sweep (and 2 s more) during which nothing was added to a work queue.
 * Ready is not idle: the sweeps right after creation still enqueue networks whose last reconcile saw AWS while
 * it was changing (an S3 route added after the reconcile read the route tables), each once, and that settling
 * belongs to creating the networks, not to holding them.
 */
async function quiet(op: OperatorProcess): Promise<void> {
  let from = await metricsSample(op.metricsUrl);
  await until(
    "the operator is idle for a whole sweep",
    async () => {
      const now = await metricsSample(op.metricsUrl);
      if (now.queueAdds !== from.queueAdds) from = now;
      return now.sweeps > from.sweeps && now.at - from.at > 2_000;
    },
    { timeoutMs: 300_000, everyMs: 1_000 },
  );
}

/** What one run saw at one size. */
interface RunPoint {
  readonly networks: number;
  readonly readySeconds: number;
  readonly ramp: readonly ProcSample[];
  readonly hold: readonly ProcSample[];
  readonly holdMetrics: readonly MetricsSample[];
}

/** One run: a fresh operator process grown through `sizes`, held at 0 and at each size. */
async function oneRun(
  kube: Kube,
  kubeconfigPath: string,
  awsEndpoint: string,
  vpcs: readonly BenchVpc[],
  sizes: readonly number[],
  o: { variant: MemoryVariant; ec2RateScale: number; runId: string; holdSeconds: number },
): Promise<RunPoint[]> {
  const op = await startOperatorProcess(kubeconfigPath, awsEndpoint, o);
  const trace = startTrace(op);
  const since = <T extends { at: number }>(xs: readonly T[], t: number) => xs.filter((x) => x.at >= t);
  const out: RunPoint[] = [];
  const hold = async (networks: number, readySeconds: number, rampFrom: number, seconds = o.holdSeconds) => {
    const t = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1_000));
    const ramp = trace.proc.filter((x) => x.at >= rampFrom && x.at < t);
    out.push({ networks, readySeconds, ramp, hold: since(trace.proc, t), holdMetrics: since(trace.metrics, t) });
  };
  try {
    // Let informers sync and the process settle before the baseline.
    await new Promise((r) => setTimeout(r, 2_000));
    // The empty operator: one sweep interval (its sweeps read nothing).
    await hold(0, 0, performance.now(), DEFAULT_SWEEP_SECONDS + 2);
    let applied = 0;
    for (const n of sizes) {
      const t0 = performance.now();
      for (; applied < n; applied++) {
        await applyNetwork(kube, `mem-${o.runId}-${applied}`, networkSpec(vpcs[applied]!, "None"));
      }
      await until(`${n} networks Ready`, async () => readyCount(kube) >= n, { timeoutMs: 600_000, everyMs: 250 });
      const readySeconds = (performance.now() - t0) / 1000;
      await quiet(op);
      await hold(n, readySeconds, t0);
    }
  } finally {
    await trace.stop();
    await op.stop();
  }
  return out;
}

/** The figure's numbers for one size of one run. */
function pointOf(p: RunPoint): MemoryPoint {
  const med = (xs: readonly number[]) => (xs.length ? median([...xs]) : NaN) / MiB;
  const max = (xs: readonly number[]) => (xs.length ? Math.max(...xs) : NaN) / MiB;
  const m = p.holdMetrics;
  const first = m[0];
  const last = m.at(-1);
  const sweeps = first && last ? last.sweeps - first.sweeps : 0;
  return {
    networks: p.networks,
    rssMiB: med(p.hold.map((x) => x.rss)),
    rssPeakMiB: max(p.hold.map((x) => x.rss)),
    rssRampPeakMiB: p.networks ? max(p.ramp.map((x) => x.rss)) : 0,
    rssAnonMiB: med(p.hold.map((x) => x.rssAnon)),
    rssFileMiB: med(p.hold.map((x) => x.rssFile)),
    heapUsedMiB: med(m.map((x) => x.heapUsed)),
    heapUsedPeakMiB: max(m.map((x) => x.heapUsed)),
    heapTotalMiB: med(m.map((x) => x.heapTotal)),
    externalMiB: med(m.map((x) => x.external)),
    sweeps,
    sweepSeconds: sweeps > 0 ? (last!.sweepSecondsSum - first!.sweepSecondsSum) / sweeps : NaN,
    readySeconds: p.readySeconds,
  };
}

/** Figure 5 for the sizes given (ascending), `runs` fresh operators per variant. */
export async function measureMemory(o: {
  sizes: readonly number[];
  runs: number;
  ec2RateScale: number;
  variants: readonly MemoryVariant[];
  /** Seconds held at each size; default: room for three sweeps at the default interval (+10% jitter). */
  holdSeconds?: number;
  progress?: (msg: string) => void;
}): Promise<MemoryAtScale> {
  const holdSeconds = o.holdSeconds ?? Math.ceil(3.3 * DEFAULT_SWEEP_SECONDS);
  const max = Math.max(...o.sizes);
  const variants: MemoryVariantResult[] = [];
  for (const v of o.variants) {
    const runs: MemoryPoint[][] = [];
    const wanted = Math.min(o.runs, v.maxRuns ?? o.runs);
    for (let r = 0; r < wanted; r++) {
      // A fresh world per run: the AWS sandbox's state and the Kubernetes store start empty each time.
      const { aws, vpc } = await startAws();
      const raw = rawEc2(aws.endpoint);
      const kube = await startKube();
      const dir = await mkdtemp(join(tmpdir(), "ecsnet-bench-"));
      const kubeconfigPath = join(dir, "kubeconfig");
      try {
        await kube.sandbox.writeKubeconfig(kubeconfigPath);
        const vpcs = [vpc, ...(await createVpcs(raw, max - 1))];
        o.progress?.(`memory: ${v.name} run ${r + 1}/${wanted}`);
        const points = await oneRun(kube, kubeconfigPath, aws.endpoint, vpcs, o.sizes, {
          variant: v,
          ec2RateScale: o.ec2RateScale,
          runId: String(r),
          holdSeconds,
        });
        runs.push(points.map(pointOf));
      } finally {
        await rm(dir, { recursive: true, force: true });
        raw.destroy();
        await kube.close();
        await aws.close();
      }
    }
    // Every field is a number; each is its median over the runs (networks is the same in all of them).
    const points = runs[0]!.map((_, i) => {
      const at = runs.map((run) => run[i]!);
      const fields = Object.keys(at[0]!) as (keyof MemoryPoint)[];
      return Object.fromEntries(fields.map((k) => [k, median(at.map((x) => x[k]))])) as unknown as MemoryPoint;
    });
    const base = points[0]!;
    const hi = points.at(-1)!;
    variants.push({
      ...v,
      runs: wanted,
      points,
      rssPerNetworkKiB: ((hi.rssMiB - base.rssMiB) * 1024) / hi.networks,
      heapPerNetworkKiB: ((hi.heapUsedMiB - base.heapUsedMiB) * 1024) / hi.networks,
    });
  }
  return {
    vpcs: "one per network",
    ec2RateScale: o.ec2RateScale,
    holdSeconds,
    sweepIntervalSeconds: DEFAULT_SWEEP_SECONDS,
    variants,
  };
}

/** The image's settings before the bundled runtime (docs/benchmarks.md, figure 5, 2026-12-03). */
export const FORMER_NODE_OPTIONS = "--max-semi-space-size=2 --max-old-space-size=192";

/**
 * The runtimes figure 5 compares: the unbundled operator with the image's former V8 settings, and what the
 * image runs now (bin/ecsnet.js → the bundle, with the Dockerfile's NODE_OPTIONS and MALLOC_* settings).
 */
export async function memoryVariants(): Promise<MemoryVariant[]> {
  const dockerfile = await readFile(join(REPO, "Dockerfile"), "utf8");
  const { NODE_OPTIONS: nodeOptions = "", ...env } = imageRuntimeEnv(dockerfile);
  return [
    {
      name: "unbundled, former settings",
      script: "dist/operator/main.js",
      nodeArgs: [],
      nodeOptions: FORMER_NODE_OPTIONS,
      env: {},
      // The reference the issue started from: one run is enough to read the distance.
      maxRuns: 1,
    },
    {
      name: "bundled runtime, image settings",
      script: "bin/ecsnet.js",
      nodeArgs: imageNodeArgs(dockerfile),
      nodeOptions,
      env,
    },
  ];
}
