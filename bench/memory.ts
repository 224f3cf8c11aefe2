/**
 * Figure 5: memory at scale. The operator is the real command, `bin/ecsnet.js run`, in a process of its own
 * (the sandboxes run in the benchmark's process, so their state is not counted). It reconciles N networks,
 * each in its own VPC built through the EC2 API; once all are Ready the figure is read from the operator's
 * process as it is: RSS from /proc/<pid>/status (what a container's memory limit sees), V8's heap and
 * external memory from the operator's own /metrics. No GC is forced: the numbers are what the process holds.
 *
 * Each runtime measured (`variants`: the script started and its environment) starts a fresh operator and grows
 * it 0 → sizes[0] → ... Several runs per variant; the report shows medians. The two compared are the unbundled
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
}

/** Memory of the operator process at one size (medians over runs). */
export interface MemoryPoint {
  readonly networks: number;
  /** VmRSS: resident memory, what the container limit counts. */
  readonly rssMiB: number;
  /** RssAnon: the process's own memory (V8 heap, malloc, buffers), without mapped files. */
  readonly rssAnonMiB: number;
  /** RssFile: pages of the node binary and shared libraries in memory. */
  readonly rssFileMiB: number;
  readonly heapUsedMiB: number;
  /** V8's heap reserved from the OS (old + new space and the rest). */
  readonly heapTotalMiB: number;
  /** Memory of C++ objects bound to JS (buffers, external strings such as loaded sources). */
  readonly externalMiB: number;
  /** Seconds from applying this step's objects to all of them Ready (median). */
  readonly readySeconds: number;
}

/** One variant's results. */
export interface MemoryVariantResult extends MemoryVariant {
  readonly runs: number;
  readonly points: readonly MemoryPoint[];
  /** (largest size's RSS − the empty operator's) per network, KiB. */
  readonly rssPerNetworkKiB: number;
  readonly heapPerNetworkKiB: number;
}

/** Figure 5's result. */
export interface MemoryAtScale {
  readonly vpcs: "one per network";
  readonly ec2RateScale: number;
  readonly variants: readonly MemoryVariantResult[];
}

const MiB = 1024 * 1024;
const REPO = fileURLToPath(new URL("../../", import.meta.url));

interface Sample {
  rss: number;
  rssAnon: number;
  rssFile: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

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
      // Long enough that no drift sweep runs while a figure is taken; short enough to be a real setting.
      "--resync",
      "600",
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

/** Read the operator's memory: /proc for RSS, its /metrics for V8's view. */
async function sample(op: OperatorProcess): Promise<Sample> {
  const status = await readFile(`/proc/${op.child.pid}/status`, "utf8");
  const kib = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  const text = await (await fetch(op.metricsUrl)).text();
  const metric = (k: string) => Number(new RegExp(`^${k} ([0-9.e+]+)`, "m").exec(text)?.[1] ?? NaN);
  return {
    rss: kib("VmRSS"),
    rssAnon: kib("RssAnon"),
    rssFile: kib("RssFile"),
    heapUsed: metric("nodejs_heap_size_used_bytes"),
    heapTotal: metric("nodejs_heap_size_total_bytes"),
    external: metric("nodejs_external_memory_bytes"),
  };
}

/** Three samples 500 ms apart, the median of each field (RSS moves with the allocator, not only live data). */
async function settledSample(op: OperatorProcess): Promise<Sample> {
  const s: Sample[] = [];
  for (let i = 0; i < 3; i++) {
    if (i) await new Promise((r) => setTimeout(r, 500));
    s.push(await sample(op));
  }
  const m = (f: (x: Sample) => number) => median(s.map(f));
  return {
    rss: m((x) => x.rss),
    rssAnon: m((x) => x.rssAnon),
    rssFile: m((x) => x.rssFile),
    heapUsed: m((x) => x.heapUsed),
    heapTotal: m((x) => x.heapTotal),
    external: m((x) => x.external),
  };
}

/** One run: a fresh operator process grown through `sizes`; the sample at 0 and at each size. */
async function oneRun(
  kube: Kube,
  kubeconfigPath: string,
  awsEndpoint: string,
  vpcs: readonly BenchVpc[],
  sizes: readonly number[],
  o: { variant: MemoryVariant; ec2RateScale: number; runId: string },
): Promise<{ networks: number; sample: Sample; readySeconds: number }[]> {
  const op = await startOperatorProcess(kubeconfigPath, awsEndpoint, o);
  const out: { networks: number; sample: Sample; readySeconds: number }[] = [];
  try {
    // Let informers sync and the process settle before the baseline.
    await new Promise((r) => setTimeout(r, 2_000));
    out.push({ networks: 0, sample: await settledSample(op), readySeconds: 0 });
    let applied = 0;
    for (const n of sizes) {
      const t0 = performance.now();
      for (; applied < n; applied++) {
        await applyNetwork(kube, `mem-${o.runId}-${applied}`, networkSpec(vpcs[applied]!, "None"));
      }
      await until(`${n} networks Ready`, async () => readyCount(kube) >= n, { timeoutMs: 600_000, everyMs: 250 });
      const readySeconds = (performance.now() - t0) / 1000;
      // A moment for the last status writes and their watch events to be handled.
      await new Promise((r) => setTimeout(r, 1_000));
      out.push({ networks: n, sample: await settledSample(op), readySeconds });
    }
  } finally {
    await op.stop();
  }
  return out;
}

/** Figure 5 for the sizes given (ascending), `runs` fresh operators per variant. */
export async function measureMemory(o: {
  sizes: readonly number[];
  runs: number;
  ec2RateScale: number;
  variants: readonly MemoryVariant[];
  progress?: (msg: string) => void;
}): Promise<MemoryAtScale> {
  const max = Math.max(...o.sizes);
  const variants: MemoryVariantResult[] = [];
  for (const v of o.variants) {
    const runs: Awaited<ReturnType<typeof oneRun>>[] = [];
    for (let r = 0; r < o.runs; r++) {
      // A fresh world per run: the AWS sandbox's state and the Kubernetes store start empty each time.
      const { aws, vpc } = await startAws();
      const raw = rawEc2(aws.endpoint);
      const kube = await startKube();
      const dir = await mkdtemp(join(tmpdir(), "ecsnet-bench-"));
      const kubeconfigPath = join(dir, "kubeconfig");
      try {
        await kube.sandbox.writeKubeconfig(kubeconfigPath);
        const vpcs = [vpc, ...(await createVpcs(raw, max - 1))];
        o.progress?.(`memory: ${v.name} run ${r + 1}/${o.runs}`);
        runs.push(
          await oneRun(kube, kubeconfigPath, aws.endpoint, vpcs, o.sizes, {
            variant: v,
            ec2RateScale: o.ec2RateScale,
            runId: String(r),
          }),
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
        raw.destroy();
        await kube.close();
        await aws.close();
      }
    }
    const points: MemoryPoint[] = runs[0]!.map((p, i) => {
      const at = runs.map((run) => run[i]!);
      const m = (f: (s: Sample) => number) => median(at.map((x) => f(x.sample))) / MiB;
      return {
        networks: p.networks,
        rssMiB: m((s) => s.rss),
        rssAnonMiB: m((s) => s.rssAnon),
        rssFileMiB: m((s) => s.rssFile),
        heapUsedMiB: m((s) => s.heapUsed),
        heapTotalMiB: m((s) => s.heapTotal),
        externalMiB: m((s) => s.external),
        readySeconds: median(at.map((x) => x.readySeconds)),
      };
    });
    const base = points[0]!;
    const hi = points.at(-1)!;
    variants.push({
      ...v,
      runs: o.runs,
      points,
      rssPerNetworkKiB: ((hi.rssMiB - base.rssMiB) * 1024) / hi.networks,
      heapPerNetworkKiB: ((hi.heapUsedMiB - base.heapUsedMiB) * 1024) / hi.networks,
    });
  }
  return { vpcs: "one per network", ec2RateScale: o.ec2RateScale, variants };
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
