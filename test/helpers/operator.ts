/**
 * End-to-end helpers: the world the e2e suite runs in (a Kubernetes API and an EC2/ECS-compatible endpoint)
 * and the REAL `ecsnet run` process spawned against it.
 *
 * The target switch lives here. With ECSNET_TEST_KUBECONFIG and AWS_ENDPOINT_URL both set, the suite runs
 * against that cluster and endpoint: it installs the CRDs from crds/, works in a namespace of its own
 * (random suffix), builds its VPCs through the SDK, and removes the namespace at the end. Otherwise it starts
 * the two in-process sandboxes. Tests that need sandbox powers (faults, dropped watches, compaction) use
 * {@link itWithSandbox}, which skips them, with {@link NEEDS_SANDBOX} in their name, against a real target.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { jest as jestApi } from "@jest/globals";
import { CoordinationV1Api, CoreV1Api, type CoreV1Event, type V1Lease } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import {
  DeleteInternetGatewayCommand,
  DeleteRouteTableCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeRouteTablesCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import type { ECSClient } from "@aws-sdk/client-ecs";
import { Kinds } from "../../operator/api/group.js";
import { KubeClient, loadKubeConfig, type KubeConfig, type KubeObject } from "../../operator/kube/client.js";
import { startAwsSandbox, type AwsSandbox, type AwsSandboxOptions } from "../../operator/sandbox/aws/server.js";
import type { KubeSandbox } from "../../operator/sandbox/kube/server.js";
import { ec2Client, ecsClient, targetFromEnv, twoAzVpc, type AwsTarget, type TwoAzVpc } from "./aws-sandbox.js";
import { startKubeForTests } from "./kube-sandbox.js";

/** True when the suite targets a real cluster and a real AWS-compatible endpoint. */
export const REAL_TARGET = Boolean(process.env.ECSNET_TEST_KUBECONFIG && process.env.AWS_ENDPOINT_URL);

/** Appended to the names of tests skipped against a real target. */
export const NEEDS_SANDBOX =
  "[needs the sandbox admin API (faults, dropWatches, compact, failNext): skipped against a real target]";

/** `it` with the in-process sandboxes, `it.skip` against a real target. */
export const itWithSandbox: jest.It = REAL_TARGET ? it.skip : it;

/** Bounded waits: sandbox transitions are sub-second; a real endpoint's NAT gateways take minutes. */
export const WAIT_MS = REAL_TARGET ? 600_000 : 20_000;
// A test (or hook) may wait several times WAIT_MS against a real target; jest's default would cut it short.
if (REAL_TARGET) jestApi.setTimeout(4 * WAIT_MS);

const ROOT = resolve(new URL("../..", import.meta.url).pathname);
const CRD_DIR = join(ROOT, "crds");

/** The Kubernetes resources the suite reads, as KubeClient ResourceRefs. */
export const PEN = Kinds.PrivateEcsNetwork;
export const ECRA = Kinds.EcrAccess;
const CRD_REF = {
  group: "apiextensions.k8s.io",
  version: "v1",
  plural: "customresourcedefinitions",
  kind: "CustomResourceDefinition",
  namespaced: false,
} as const;

/** Where one e2e file runs. Close it in afterAll. */
export interface E2eWorld {
  readonly real: boolean;
  /** The namespace the file works (and the operator watches and elects) in. */
  readonly namespace: string;
  readonly kubeconfigPath: string;
  readonly kubeConfig: KubeConfig;
  /** The project's client-node adapter, for our CRDs. */
  readonly kube: KubeClient;
  readonly core: CoreV1Api;
  readonly coordination: CoordinationV1Api;
  readonly awsEndpoint: string;
  readonly region: string;
  /** Real SDK clients on the AWS endpoint. */
  readonly ec2: EC2Client;
  readonly ecs: ECSClient;
  /** The sandboxes, absent against a real target. */
  readonly kubeSandbox?: KubeSandbox;
  readonly awsSandbox?: AwsSandbox;
  /** A fresh two-AZ VPC (seeded in the sandbox, built through the SDK otherwise). */
  newVpc(): Promise<TwoAzVpc>;
  close(): Promise<void>;
}

/** Start (or connect to) the world of one e2e file. */
export async function startE2eWorld(opts: { aws?: AwsSandboxOptions } = {}): Promise<E2eWorld> {
  const dir = await mkdtemp(join(tmpdir(), "ecsnet-e2e-"));
  let kubeSandbox: KubeSandbox | undefined;
  let kubeconfigPath: string;
  if (REAL_TARGET) {
    kubeconfigPath = process.env.ECSNET_TEST_KUBECONFIG!;
  } else {
    kubeSandbox = await startKubeForTests(CRD_DIR, { port: 0, includeTestCrd: false });
    kubeconfigPath = join(dir, "kubeconfig");
    await kubeSandbox.writeKubeconfig(kubeconfigPath);
  }
  const kubeConfig = loadKubeConfig({ path: kubeconfigPath });
  const kube = new KubeClient(kubeConfig);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const coordination = kubeConfig.makeApiClient(CoordinationV1Api);
  if (REAL_TARGET) await installCrds(kube);
  const namespace = `ecsnet-e2e-${randomBytes(3).toString("hex")}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });

  const target: AwsTarget = REAL_TARGET ? await targetFromEnv() : await sandboxTarget(opts.aws ?? {});
  const ec2 = ec2Client(target.endpoint, { region: target.region, maxAttempts: 3 });
  const ecs = ecsClient(target.endpoint, { region: target.region, maxAttempts: 3 });
  const vpcs: TwoAzVpc[] = [];
  let vpcBase = 20 + (randomBytes(1)[0]! % 200);
  return {
    real: REAL_TARGET,
    namespace,
    kubeconfigPath,
    kubeConfig,
    kube,
    core,
    coordination,
    awsEndpoint: target.endpoint,
    region: target.region,
    ec2,
    ecs,
    ...(kubeSandbox ? { kubeSandbox } : {}),
    ...(target.sandbox ? { awsSandbox: target.sandbox } : {}),
    async newVpc() {
      const vpc = await twoAzVpc(target, ec2, vpcBase++ % 250);
      vpcs.push(vpc);
      return vpc;
    },
    async close() {
      if (REAL_TARGET) {
        // Let a still-running operator tear down what it made (bounded): a real account must not keep it.
        for (const r of [ECRA, PEN]) {
          const { items } = await kube.list({ resource: r, namespace }).catch(() => ({ items: [] as KubeObject[] }));
          for (const o of items)
            await kube.delete({ resource: r, namespace, name: o.metadata.name! }).catch(() => false);
        }
        if (running.size > 0)
          await eventually(
            async () => {
              if ((await kube.list({ resource: PEN, namespace })).items.length > 0) throw new Error("networks left");
            },
            { timeoutMs: WAIT_MS, what: "every network of the run is torn down" },
          ).catch((err: unknown) => console.warn(String(err)));
      }
      await stopAllOperators();
      if (REAL_TARGET) {
        // Nothing runs the finalizers any more: strip them so the namespace can go.
        for (const r of [ECRA, PEN]) {
          const { items } = await kube.list({ resource: r, namespace }).catch(() => ({ items: [] as KubeObject[] }));
          for (const o of items) {
            await kube
              .jsonPatch({
                resource: r,
                namespace,
                name: o.metadata.name!,
                ops: [{ op: "remove", path: "/metadata/finalizers" }],
              })
              .catch(() => undefined);
          }
        }
        await core.deleteNamespace({ name: namespace }).catch(() => undefined);
        for (const vpc of vpcs)
          await deleteVpc(ec2, vpc).catch((err: unknown) => console.warn(`cannot delete ${vpc.vpcId}: ${String(err)}`));
      }
      ec2.destroy();
      ecs.destroy();
      await target.close();
      await kubeSandbox?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Delete a VPC built by `twoAzVpc` (real targets only): its route tables, subnets, gateway, then itself. */
async function deleteVpc(ec2: EC2Client, vpc: TwoAzVpc): Promise<void> {
  const tables = [vpc.publicRouteTableId, ...vpc.privateRouteTableIds];
  const described = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: tables }));
  for (const t of described.RouteTables ?? [])
    for (const a of t.Associations ?? [])
      if (!a.Main && a.RouteTableAssociationId)
        await ec2.send(new DisassociateRouteTableCommand({ AssociationId: a.RouteTableAssociationId }));
  for (const id of tables) await ec2.send(new DeleteRouteTableCommand({ RouteTableId: id }));
  for (const id of [...vpc.publicSubnetIds, ...vpc.privateSubnetIds])
    await ec2.send(new DeleteSubnetCommand({ SubnetId: id }));
  await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: vpc.igwId, VpcId: vpc.vpcId }));
  await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: vpc.igwId }));
  await ec2.send(new DeleteVpcCommand({ VpcId: vpc.vpcId }));
}

async function sandboxTarget(opts: AwsSandboxOptions): Promise<AwsTarget> {
  const sandbox = await startAwsSandbox({ port: 0, ...opts });
  return { endpoint: sandbox.endpoint, region: sandbox.region, external: false, sandbox, close: () => sandbox.close() };
}

/** Create or replace the CRDs of crds/ and wait until the API server serves them. */
async function installCrds(kube: KubeClient): Promise<void> {
  for (const f of (await readdir(CRD_DIR)).filter((n) => n.endsWith(".yaml"))) {
    for (const doc of parseAllDocuments(await readFile(join(CRD_DIR, f), "utf8"))) {
      const crd = doc.toJS() as KubeObject;
      if (!crd?.metadata?.name) continue;
      const existing = await kube.get({ resource: CRD_REF, name: crd.metadata.name });
      if (existing)
        await kube.replace({
          resource: CRD_REF,
          body: { ...crd, metadata: { ...crd.metadata, resourceVersion: existing.metadata.resourceVersion } },
        });
      else await kube.create({ resource: CRD_REF, body: crd });
      await eventually(
        async () => {
          const got = await kube.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>({
            resource: CRD_REF,
            name: crd.metadata.name!,
          });
          if (!got?.status?.conditions?.some((c) => c.type === "Established" && c.status === "True"))
            throw new Error(`CRD ${crd.metadata.name} not established`);
        },
        { timeoutMs: 60_000, what: `CRD ${crd.metadata.name} established` },
      );
    }
  }
}

/**
 * Poll `check` every `intervalMs` (default 150) until it returns without throwing (its value is returned)
 * or `timeoutMs` (default {@link WAIT_MS}) passes; then throws the last error, prefixed with `what`.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const end = Date.now() + (opts.timeoutMs ?? WAIT_MS);
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > end) {
        const msg = err instanceof Error ? err.message : String(err);
        throw new Error(`timed out${opts.what ? ` waiting until ${opts.what}` : ""}: ${msg}`, { cause: err });
      }
      await sleep(opts.intervalMs ?? 150);
    }
  }
}

/** Resolve after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One pino line of the operator. */
export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** A spawned `ecsnet run`. */
export interface OperatorProcess {
  readonly identity: string;
  readonly child: ChildProcess;
  /** The HTTP port it reported in "ecsnet operator started". */
  readonly port: number;
  /** Every parsed stdout line so far. */
  readonly logs: LogLine[];
  /** The last 20 kB of raw stderr (for failure messages). */
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** GET a path of its HTTP server: status and body text. */
  http(path: string): Promise<{ status: number; body: string }>;
  /** Send a signal (default SIGTERM) and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

const running = new Set<OperatorProcess>();

/** Options of {@link spawnOperator}. */
export interface SpawnOptions {
  /** Lease identity; default `op-<random>`. */
  readonly identity?: string;
  /** Elect through a Lease in the world's namespace; default false (`--no-leader-elect`). */
  readonly leaderElect?: boolean;
  /** More `ecsnet run` flags. */
  readonly args?: readonly string[];
  /** ECSNET_* settings; defaults: ECSNET_RESYNC_MS and ECSNET_DISCOVERY_RESYNC_MS 1500, ECSNET_PENDING_REQUEUE_MS 300, log level debug. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Spawn `node bin/ecsnet.js run` (the built runtime bundle, dist/bundle/) against the world: its kubeconfig, only its namespace,
 * HTTP on 127.0.0.1 port 0, AWS through the world's endpoint. Resolves once "ecsnet operator started" was
 * logged (rejects if it exits first or 20 s pass). Every spawned process is killed by {@link stopAllOperators}.
 */
export async function spawnOperator(world: E2eWorld, opts: SpawnOptions = {}): Promise<OperatorProcess> {
  await checkBuild();
  const identity = opts.identity ?? `op-${randomBytes(3).toString("hex")}`;
  const args = [
    join(ROOT, "bin/ecsnet.js"),
    "run",
    "--kubeconfig",
    world.kubeconfigPath,
    "--namespace",
    world.namespace,
    "--http-port",
    "0",
    "--http-host",
    "127.0.0.1",
    "--identity",
    identity,
    "--region",
    world.region,
    ...(opts.leaderElect ? ["--lease-namespace", world.namespace] : ["--no-leader-elect"]),
    // The sandbox does not throttle: EC2's real endpoint buckets (4 endpoint calls, then one per 3.3 s)
    // would only make the suite slow. Against a real endpoint the limiter keeps its real sizes.
    ...(world.real ? [] : ["--ec2-rate-scale", "50"]),
    ...(opts.args ?? []),
  ];
  const awsEnv: Record<string, string> = world.real
    ? {}
    : {
        // Only the sandbox: static credentials, no profile files, no instance metadata lookups.
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_CONFIG_FILE: "/nonexistent",
        AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
        AWS_EC2_METADATA_DISABLED: "true",
      };
  const env: Record<string, string> = {
    ...(world.real ? (process.env as Record<string, string>) : { PATH: process.env.PATH ?? "" }),
    ...awsEnv,
    AWS_ENDPOINT_URL: world.awsEndpoint,
    AWS_REGION: world.region,
    ECSNET_RESYNC_MS: "1500",
    ECSNET_DISCOVERY_RESYNC_MS: "1500",
    ECSNET_PENDING_REQUEUE_MS: "300",
    ECSNET_LOG_LEVEL: "debug",
    ...opts.env,
  };
  delete env.KUBECONFIG;
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const logs: LogLine[] = [];
  let stderr = "";
  let onLine: ((l: LogLine) => void) | undefined;
  // pino writes JSON lines; the operator logs to stderr, but both streams are read the same way.
  const readLines = (stream: NodeJS.ReadableStream, raw: (chunk: string) => void) => {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      raw(chunk);
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const text of lines) {
        if (!text.trim()) continue;
        let line: LogLine;
        try {
          line = JSON.parse(text) as LogLine;
        } catch {
          line = { msg: text };
        }
        logs.push(line);
        onLine?.(line);
      }
    });
  };
  readLines(child.stdout!, () => undefined);
  // ECSNET_E2E_LOG_DIR keeps each operator's full log for a person debugging a failure.
  const logDir = process.env.ECSNET_E2E_LOG_DIR;
  const logFile = logDir ? createWriteStream(join(logDir, `${identity}.log`)) : undefined;
  readLines(child.stderr!, (c) => {
    stderr = (stderr + c).slice(-20_000);
    logFile?.write(c);
  });
  const exited = new Promise<number | string>((res) =>
    child.once("exit", (code, signal) => res(code ?? signal ?? "unknown")),
  );
  const started = await new Promise<LogLine>((res, rej) => {
    const timer = setTimeout(
      () => rej(new Error(`operator did not start in 20 s; stderr: ${stderr.slice(-2000)}`)),
      20_000,
    );
    onLine = (l) => {
      if (l.msg === "ecsnet operator started") {
        clearTimeout(timer);
        res(l);
      }
    };
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`operator exited (${code}) before it started; stderr: ${stderr}`));
    });
  }).catch((err: unknown) => {
    child.kill("SIGKILL");
    throw err;
  });
  onLine = undefined;
  const port = Number(started.port);
  const op: OperatorProcess = {
    identity,
    child,
    port,
    logs,
    stderr: () => stderr,
    exited,
    http: (path) => httpGet(`http://127.0.0.1:${port}${path}`),
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await Promise.race([exited, sleep(10_000).then(() => "timeout")]);
      if (code === "timeout") {
        child.kill("SIGKILL");
        return exited;
      }
      running.delete(op);
      return code;
    },
  };
  running.add(op);
  void exited.then(() => running.delete(op));
  return op;
}

let buildChecked = false;

/** The suite runs the built dist: refuse a missing build, warn (once) about one older than the sources. */
async function checkBuild(): Promise<void> {
  if (buildChecked) return;
  buildChecked = true;
  const built = await stat(join(ROOT, "dist/operator/main.js")).catch(() => undefined);
  if (!built) throw new Error("dist/ is missing: run `npm run build` (npm test does it first)");
  const newest = async (dir: string): Promise<number> => {
    let max = 0;
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      max = Math.max(max, e.isDirectory() ? await newest(p) : e.name.endsWith(".ts") ? (await stat(p)).mtimeMs : 0);
    }
    return max;
  };
  if ((await newest(join(ROOT, "operator"))) > built.mtimeMs)
    console.warn("dist/ is older than operator/: the e2e suite runs the build; run `npm run build` first");
}

/** SIGKILL every operator this file spawned that still runs (afterEach/afterAll; safe to call twice). */
export async function stopAllOperators(): Promise<void> {
  const all = [...running];
  for (const op of all) op.child.kill("SIGKILL");
  await Promise.all(all.map((op) => op.exited));
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = httpRequest(url, (r) => {
      let body = "";
      r.setEncoding("utf8").on("data", (c: string) => (body += c));
      r.on("end", () => res({ status: r.statusCode ?? 0, body }));
    });
    req.on("error", rej);
    req.setTimeout(5_000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.end();
  });
}

/** GET `path` of the API server as a meta.k8s.io/v1 Table (what `kubectl get` prints). */
export async function getTable(
  world: E2eWorld,
  path: string,
): Promise<{ columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] }> {
  const cluster = world.kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("kubeconfig has no current cluster");
  const url = new URL(path, cluster.server);
  const opts: RequestOptions = { method: "GET", headers: { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" } };
  await world.kubeConfig.applyToHTTPSOptions(opts);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  const text = await new Promise<string>((res, rej) => {
    const req = send(url, opts, (r) => {
      let body = "";
      r.setEncoding("utf8").on("data", (c: string) => (body += c));
      r.on("end", () =>
        (r.statusCode ?? 0) < 300 ? res(body) : rej(new Error(`GET ${path}: ${r.statusCode} ${body}`)),
      );
    });
    req.on("error", rej);
    req.end();
  });
  return JSON.parse(text) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
}

/** The Events of the world's namespace that concern the object `name`. */
export async function eventsFor(world: E2eWorld, name: string): Promise<CoreV1Event[]> {
  const list = await world.core.listNamespacedEvent({ namespace: world.namespace });
  return list.items.filter((e) => e.involvedObject?.name === name);
}

/** The Lease the operators elect through, or undefined. */
export async function readLease(world: E2eWorld, name = "ecsnet-leader"): Promise<V1Lease | undefined> {
  try {
    return await world.coordination.readNamespacedLease({ name, namespace: world.namespace });
  } catch {
    return undefined;
  }
}

/** A condition of a status, by type. */
export interface ConditionLike {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

/** The `type` condition of `obj.status.conditions`, or undefined. */
export function conditionOf(obj: KubeObject | undefined, type: string): ConditionLike | undefined {
  const conds = (obj as { status?: { conditions?: ConditionLike[] } } | undefined)?.status?.conditions;
  return conds?.find((c) => c.type === type);
}

/** The value of a Prometheus sample line (sum over all label sets matching every `labels` pair). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let found = false;
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    found = true;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return found ? sum : undefined;
}
