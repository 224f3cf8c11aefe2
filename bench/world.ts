/**
 * The benchmark's worlds: the AWS sandbox on 127.0.0.1, extra VPCs built through the real EC2 SDK, the
 * PrivateEcsNetwork specs it reconciles, and the kube-free reconcile pipeline (the same
 * `reconcileNetwork` the operator runs) with per-run AWS clients. Nothing here talks to anything but
 * 127.0.0.1: every client gets the sandbox endpoint and static credentials in code.
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import { createHash } from "node:crypto";
import { createAwsClients, type AwsClients } from "../operator/aws/clients.js";
import { createEc2Port } from "../operator/aws/ec2-sdk.js";
import type { Ec2Port } from "../operator/aws/ec2-port.js";
import type { Ec2Limiter } from "../operator/aws/throttle.js";
import { Ec2Buckets, type BucketSpec, type Ec2Bucket } from "../operator/aws/throttle.js";
import { converge, type ConvergeEnd } from "../operator/cli/local.js";
import type { NetworkManifest } from "../operator/cli/manifest.js";
import type { NetworkDeps, NetworkOutcome } from "../operator/controllers/reconcile-network.js";
import { startAwsSandbox, type AwsSandbox, type AwsSandboxOptions } from "../operator/sandbox/aws/server.js";
import { buildTwoAzVpc } from "../operator/sandbox/aws/build-vpc.js";

/** Static credentials set in code: the SDK never looks for real ones, and never reaches real AWS. */
export const CREDENTIALS = { accessKeyId: "bench", secretAccessKey: "bench" } as const;
export const REGION = "us-east-1";

/** A VPC shaped like the sandbox seed `two-az-vpc`: two AZs, a public and a private subnet in each. */
export interface BenchVpc {
  readonly vpcId: string;
  readonly publicSubnetIds: readonly string[];
  readonly privateSubnetIds: readonly string[];
  readonly privateRouteTableIds: readonly string[];
}

/** Start the AWS sandbox (seed `two-az-vpc`) on an ephemeral 127.0.0.1 port. */
export async function startAws(opts: AwsSandboxOptions = {}): Promise<{ aws: AwsSandbox; vpc: BenchVpc }> {
  const aws = await startAwsSandbox({ port: 0, seed: "two-az-vpc", ...opts });
  const s = aws.seeded!;
  return { aws, vpc: s };
}

/** A raw EC2 client against the sandbox, for building worlds and injecting drift out of band. */
export function rawEc2(endpoint: string): EC2Client {
  return new EC2Client({ region: REGION, endpoint, credentials: CREDENTIALS, maxAttempts: 3 });
}

/** Build one more `two-az-vpc`-shaped VPC through the EC2 API (operator/sandbox/aws/build-vpc.ts). */
export async function createVpc(ec2: EC2Client): Promise<BenchVpc> {
  return buildTwoAzVpc(ec2, { region: REGION });
}

/** Build `n` VPCs, `parallel` at a time. */
export async function createVpcs(ec2: EC2Client, n: number, parallel = 8): Promise<BenchVpc[]> {
  const out: BenchVpc[] = [];
  for (let i = 0; i < n; i += parallel) {
    const batch = Math.min(parallel, n - i);
    out.push(...(await Promise.all(Array.from({ length: batch }, () => createVpc(ec2)))));
  }
  return out;
}

/**
 * The network shapes the benchmark measures: `None` and `OnePerAz` are a typical Fargate network without
 * and with NAT egress; `Large` adds the EC2 launch type and five extra services (11 interface endpoints).
 */
export type Egress = "None" | "OnePerAz" | "Large";

/**
 * The spec of a typical Fargate network in `vpc`: ecr.api, ecr.dkr and logs interface endpoints, the S3
 * gateway on both private route tables, the endpoint security group, and egress as asked (`Large`: see
 * {@link Egress}, with NAT OnePerAz).
 */
export function networkSpec(vpc: BenchVpc, egress: Egress): Record<string, unknown> {
  const nat = { mode: "NatGateway", natGateway: { placement: "OnePerAz", publicSubnetIds: [...vpc.publicSubnetIds] } };
  return {
    region: REGION,
    vpcId: vpc.vpcId,
    privateSubnets: { ids: [...vpc.privateSubnetIds] },
    launchTypes: egress === "Large" ? ["FARGATE", "EC2"] : ["FARGATE"],
    ...(egress === "Large" ? { endpoints: { extra: ["secretsmanager", "kms", "ssm", "ssmmessages", "sts"] } } : {}),
    egress: egress === "None" ? { mode: "None" } : nat,
  };
}

/** A uid shaped like a Kubernetes one, stable per name. */
export function benchUid(name: string): string {
  const h = createHash("sha1").update(name).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** A cluster-less manifest for the pipeline. */
export function manifest(name: string, spec: Record<string, unknown>): NetworkManifest {
  return { owner: { namespace: "bench", name, uid: benchUid(name) }, generation: 1, rawSpec: spec };
}

/**
 * EC2's buckets multiplied by `factor`: an account whose limits were raised. Used only to build
 * converged worlds fast when the figure measured is not the creation pace (sweep cost, memory).
 */
export function raisedBuckets(factor: number): Record<Ec2Bucket, BucketSpec> {
  return Object.fromEntries(
    Object.entries(Ec2Buckets).map(([k, v]) => [
      k,
      { capacity: v.capacity * factor, refillPerSecond: v.refillPerSecond * factor },
    ]),
  ) as Record<Ec2Bucket, BucketSpec>;
}

/** The kube-free pipeline's dependencies over one fresh set of clients (and so one fresh limiter). */
export interface Pipeline {
  readonly deps: NetworkDeps;
  readonly ec2: Ec2Port;
  readonly clients: AwsClients;
  close(): void;
}

/** Fresh clients for one measurement; `limiter` defaults to one sized to EC2's published buckets. */
export function pipeline(endpoint: string, limiter?: Ec2Limiter): Pipeline {
  const clients = createAwsClients({
    region: REGION,
    endpoint,
    credentials: CREDENTIALS,
    ...(limiter ? { limiter } : {}),
  });
  const ec2 = createEc2Port(clients.ec2);
  return {
    deps: { ec2For: () => ec2, defaultRegion: REGION, now: () => new Date() },
    ec2,
    clients,
    close: () => clients.destroy(),
  };
}

/** Reconcile `m` until Ready; throws unless it gets there within `timeoutMs`. */
export async function convergeReady(
  deps: NetworkDeps,
  m: NetworkManifest,
  intervalMs: number,
  timeoutMs = 60_000,
): Promise<{ outcome: NetworkOutcome; rounds: number }> {
  let rounds = 0;
  const { end, outcome } = await converge(deps, m, {
    deleting: false,
    timeoutMs,
    intervalMs,
    onRound: (r) => (rounds = r),
  });
  if (end !== "ready") throw new Error(`network ${m.owner.name} ended ${end as ConvergeEnd} instead of Ready`);
  return { outcome, rounds };
}

/** Sleep `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `check` every `everyMs` until it is true; throws after `timeoutMs`. Resolves to the ms it took. */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  o: { timeoutMs: number; everyMs: number },
): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (await check()) return performance.now() - t0;
    if (performance.now() - t0 > o.timeoutMs) throw new Error(`timed out after ${o.timeoutMs} ms waiting for ${what}`);
    await sleep(o.everyMs);
  }
}
