/**
 * The sandbox's realism switches and admin API (sandbox only: these need `/_sandbox/`): EC2 throttling
 * buckets, injected errors and resets, eventual consistency, latency, call counts, settle, reset, and the
 * routing of ECS JSON requests on the same port.
 */
import {
  AllocateAddressCommand,
  CreateNatGatewayCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DescribeNatGatewaysCommand,
  DescribeVpcsCommand,
} from "@aws-sdk/client-ec2";
import type { EC2Client } from "@aws-sdk/client-ec2";
import { CreateClusterCommand, DescribeClustersCommand } from "@aws-sdk/client-ecs";
import { runAwsSandboxForeground } from "../../../operator/sandbox/aws/cli.js";
import { bucketFor, TokenBuckets } from "../../../operator/sandbox/aws/faults.js";
import type { AwsSandbox } from "../../../operator/sandbox/aws/server.js";
import { startAwsSandbox } from "../../../operator/sandbox/aws/server.js";
import { ec2Client, ecsClient } from "../../helpers/aws-sandbox.js";

// Every test here needs the admin API, so against an external endpoint the whole file is skipped.
const describeSandbox = process.env.AWS_ENDPOINT_URL ? describe.skip : describe;

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: Error & { $metadata?: { httpStatusCode?: number } }) => e,
  );

describeSandbox("sandbox faults and admin [needs the sandbox admin API]", () => {
  let sb: AwsSandbox;
  let ec2: EC2Client;
  beforeAll(async () => {
    sb = await startAwsSandbox({ seed: "two-az-vpc" });
    ec2 = ec2Client(sb.endpoint);
  });
  afterAll(() => sb.close());
  beforeEach(() =>
    sb.admin.setFaults({ throttling: false, errorRate: 0, resetRate: 0, eventualConsistencyMs: 0, latencyMs: 0 }),
  );

  it("throttles the fifth rapid CreateVpcEndpoint with RequestLimitExceeded (bucket 4, refill 0.3/s, aws-facts 3.7)", async () => {
    const net = sb.admin.seed("two-az-vpc");
    sb.admin.setFaults({ throttling: true });
    const create = (short: string) =>
      ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: net.vpcId,
          VpcEndpointType: "Interface",
          ServiceName: `com.amazonaws.us-east-1.${short}`,
          SubnetIds: net.privateSubnetIds,
        }),
      );
    for (const s of ["ecr.api", "ecr.dkr", "logs", "ecs"]) await create(s);
    const fifth = await errorOf(create("sts"));
    expect(fifth?.name).toBe("RequestLimitExceeded");
    expect(fifth?.$metadata?.httpStatusCode).toBe(503);
    // Other buckets are independent: describes still pass.
    expect((await ec2.send(new DescribeVpcsCommand({ VpcIds: [net.vpcId] }))).Vpcs).toHaveLength(1);
  });

  it("fails the next call of an operation once with the injected code, then serves normally", async () => {
    sb.admin.setFaults({ failNext: [{ operation: "DescribeVpcs", code: "InternalError", status: 500 }] });
    expect((await errorOf(ec2.send(new DescribeVpcsCommand({}))))?.name).toBe("InternalError");
    expect((await ec2.send(new DescribeVpcsCommand({}))).Vpcs!.length).toBeGreaterThan(0);
  });

  it("injects 5xx at errorRate 1 and destroys connections at resetRate 1", async () => {
    sb.admin.setFaults({ errorRate: 1 });
    const e = await errorOf(ec2.send(new DescribeVpcsCommand({})));
    expect(["InternalError", "Unavailable"]).toContain(e?.name);
    sb.admin.setFaults({ errorRate: 0, resetRate: 1 });
    const r = await errorOf(ec2.send(new DescribeVpcsCommand({})));
    expect(r).toBeInstanceOf(Error);
    expect(r?.name).not.toBe("InvalidAction");
  });

  it("hides a just-created VPC from Describe-by-id during eventual consistency, until settle", async () => {
    sb.admin.setFaults({ eventualConsistencyMs: 60_000 });
    const id = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.9.0.0/16" }))).Vpc!.VpcId!;
    expect((await errorOf(ec2.send(new DescribeVpcsCommand({ VpcIds: [id] }))))?.name).toBe("InvalidVpcID.NotFound");
    sb.admin.settle();
    expect((await ec2.send(new DescribeVpcsCommand({ VpcIds: [id] }))).Vpcs![0]!.VpcId).toBe(id);
  });

  it("adds per-operation latency", async () => {
    sb.admin.setFaults({ latencyMs: { DescribeVpcs: 150 } });
    const t0 = Date.now();
    await ec2.send(new DescribeVpcsCommand({}));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it("counts calls per operation across EC2 and ECS, and routes ECS JSON requests to the ECS sandbox", async () => {
    sb.admin.resetCalls();
    const ecs = ecsClient(sb.endpoint);
    await ecs.send(new CreateClusterCommand({ clusterName: "apps" }));
    const d = await ecs.send(new DescribeClustersCommand({ clusters: ["apps"] }));
    expect(d.clusters![0]!.clusterName).toBe("apps");
    await ec2.send(new DescribeVpcsCommand({}));
    expect(sb.admin.calls()).toEqual({ CreateCluster: 1, DescribeClusters: 1, DescribeVpcs: 1 });
  });

  it("serves the admin API as JSON under /_sandbox/", async () => {
    const j = (method: string, path: string, body?: unknown) =>
      fetch(sb.endpoint + path, { method, body: body === undefined ? undefined : JSON.stringify(body) }).then(
        (r) => r.json() as Promise<Record<string, unknown>>,
      );
    const seed = await j("POST", "/_sandbox/seed", { name: "two-az-vpc" });
    expect(seed.vpcId).toMatch(/^vpc-/);
    expect(await j("POST", "/_sandbox/faults", { latencyMs: 0 })).toMatchObject({ throttling: false });
    await j("DELETE", "/_sandbox/calls");
    await ec2.send(new DescribeVpcsCommand({}));
    expect(await j("GET", "/_sandbox/calls")).toEqual({ DescribeVpcs: 1 });
    const state = (await j("GET", "/_sandbox/state")) as { ec2: { vpcs: Record<string, unknown> } };
    expect(Object.keys(state.ec2.vpcs)).toContain(seed.vpcId);
    expect(await j("POST", "/_sandbox/settle")).toEqual({ ok: true });
    await j("POST", "/_sandbox/reset");
    expect((await ec2.send(new DescribeVpcsCommand({}))).Vpcs).toEqual([]);
  });
});

describe("EC2 token buckets (pure, injected clock)", () => {
  it("refills CreateVpcEndpoint at 0.3 tokens per second after the burst of 4", () => {
    let now = 0;
    const buckets = new TokenBuckets(() => now);
    const b = bucketFor("CreateVpcEndpoint", false);
    expect([1, 2, 3, 4, 5].map(() => buckets.take(b.key, b.spec))).toEqual([true, true, true, true, false]);
    now += 3_000;
    expect(buckets.take(b.key, b.spec)).toBe(false);
    now += 400;
    expect(buckets.take(b.key, b.spec)).toBe(true);
  });

  it("puts an unfiltered DescribeSecurityGroups in the smaller bucket and a filtered one in the non-mutating bucket", () => {
    expect(bucketFor("DescribeSecurityGroups", false).spec).toEqual({ max: 50, refillPerSec: 10 });
    expect(bucketFor("DescribeSecurityGroups", true).spec).toEqual({ max: 100, refillPerSec: 20 });
    expect(bucketFor("CreateRoute", false).spec).toEqual({ max: 50, refillPerSec: 5 });
  });
});

describeSandbox("realistic delays and the foreground command [needs the in-process sandbox]", () => {
  it("keeps a NAT gateway pending for 60–120 s of (injected) time in realistic mode", async () => {
    let now = 1_000_000;
    const sb = await startAwsSandbox({ seed: "two-az-vpc", latency: "realistic", now: () => now });
    try {
      sb.admin.setFaults({ latencyMs: 0 });
      const ec2 = ec2Client(sb.endpoint);
      const eip = (await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }))).AllocationId!;
      const id = (
        await ec2.send(new CreateNatGatewayCommand({ SubnetId: sb.seeded!.publicSubnetIds[0], AllocationId: eip }))
      ).NatGateway!.NatGatewayId!;
      const state = async () =>
        (await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [id] }))).NatGateways![0]!.State;
      now += 59_000;
      expect(await state()).toBe("pending");
      now += 61_001;
      expect(await state()).toBe("available");
    } finally {
      await sb.close();
    }
  });

  it("prints the endpoint, the env to export and the seeded ids, and stops on SIGTERM", async () => {
    const lines: string[] = [];
    const done = runAwsSandboxForeground({ port: 0, seed: "two-az-vpc" }, (l) => lines.push(l));
    const until = Date.now() + 5_000;
    while (!lines.some((l) => l.startsWith("  zones")) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+) \(region us-east-1/.exec(lines[0] ?? "")?.[1];
    expect(url).toBeDefined();
    expect(lines).toContain(`  export AWS_ENDPOINT_URL=${url}`);
    const vpcId = /vpc (vpc-[0-9a-f]{17})/.exec(lines.join("\n"))?.[1];
    const live = await ec2Client(url!).send(new DescribeVpcsCommand({ VpcIds: [vpcId!] }));
    expect(live.Vpcs![0]!.VpcId).toBe(vpcId);
    process.emit("SIGTERM");
    await done;
    expect(lines.at(-1)).toBe("AWS sandbox stopped");
  });
});
