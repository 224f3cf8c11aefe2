/**
 * Test helpers for anything that talks to the AWS sandbox (or another EC2-compatible endpoint): real SDK
 * clients pinned to an endpoint with static test credentials and no retries, and `targetFromEnv()` which
 * uses AWS_ENDPOINT_URL when set (conformance against another implementation) or starts the sandbox.
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECSClient } from "@aws-sdk/client-ecs";
import type { AwsSandbox, AwsSandboxOptions, SeedResult } from "../../operator/sandbox/aws/server.js";
import { startAwsSandbox } from "../../operator/sandbox/aws/server.js";
import { buildTwoAzVpc } from "../../operator/sandbox/aws/build-vpc.js";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };

/** An EC2 client for `endpoint`: region us-east-1 unless given, test credentials, `maxAttempts: 1` unless overridden. */
export function ec2Client(endpoint: string, opts: { region?: string; maxAttempts?: number } = {}): EC2Client {
  return new EC2Client({
    endpoint,
    region: opts.region ?? "us-east-1",
    credentials,
    maxAttempts: opts.maxAttempts ?? 1,
  });
}

/** An ECS client for `endpoint`, configured like `ec2Client`. */
export function ecsClient(endpoint: string, opts: { region?: string; maxAttempts?: number } = {}): ECSClient {
  return new ECSClient({
    endpoint,
    region: opts.region ?? "us-east-1",
    credentials,
    maxAttempts: opts.maxAttempts ?? 1,
  });
}

/** Where a conformance suite runs: an external endpoint, or the in-process sandbox with its admin. */
export interface AwsTarget {
  endpoint: string;
  region: string;
  /** true when AWS_ENDPOINT_URL pointed elsewhere: no admin, no seed. */
  external: boolean;
  /** The in-process sandbox; undefined when external. */
  sandbox?: AwsSandbox;
  close(): Promise<void>;
}

/**
 * AWS_ENDPOINT_URL set → that endpoint (region from AWS_REGION, default us-east-1); else a fresh in-process
 * sandbox started with `opts`. Always call `close()` in afterAll.
 */
export async function targetFromEnv(opts: AwsSandboxOptions = {}): Promise<AwsTarget> {
  const external = process.env.AWS_ENDPOINT_URL;
  if (external) {
    return { endpoint: external, region: process.env.AWS_REGION ?? "us-east-1", external: true, close: async () => {} };
  }
  const sandbox = await startAwsSandbox(opts);
  return { endpoint: sandbox.endpoint, region: sandbox.region, external: false, sandbox, close: () => sandbox.close() };
}

/** `it` when the target is the in-process sandbox, else `it.skip` (the test needs admin-only features). */
export function itWithAdmin(): jest.It {
  return process.env.AWS_ENDPOINT_URL ? it.skip : it;
}

/** Reason printed in skipped-test names when running against an external endpoint. */
export const NEEDS_ADMIN = "[needs the sandbox admin API: settle/faults]";

/** Waits until `check` stops throwing or `timeoutMs` passes (then rethrows the last error). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 5_000, stepMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, stepMs));
    }
  }
}

/** Ids of a two-AZ VPC the conformance suites work in (same shape as the sandbox's `two-az-vpc` seed). */
export type TwoAzVpc = SeedResult;

/**
 * A fresh two-AZ VPC: the sandbox's seed when in process, else built through the SDK (VPC with both DNS
 * attributes, IGW, public subnets on a 0.0.0.0/0 → igw table, private subnets each on their own table).
 */
export async function twoAzVpc(target: AwsTarget, ec2: EC2Client, base = 0): Promise<TwoAzVpc> {
  if (target.sandbox) return target.sandbox.admin.seed("two-az-vpc");
  return buildTwoAzVpc(ec2, { region: target.region, cidrBase: base });
}

/**
 * Lets pending transitions finish: `settle()` in the sandbox; against an external endpoint, polls `check`
 * for up to 3 minutes (AWS's NAT gateways and endpoints take 1–2 minutes).
 */
export async function settled<T>(target: AwsTarget, check: () => Promise<T>): Promise<T> {
  if (target.sandbox) {
    target.sandbox.admin.settle();
    return check();
  }
  return eventually(check, 180_000, 2_000);
}
