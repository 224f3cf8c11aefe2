/**
 * `ecsnet apply -f` → `ecsnet destroy -f` → `ecsnet apply -f` of one file, as a user runs them (real CLI
 * processes), at once, a few minutes later (the deleted resources still listed as `deleted`), and hours
 * later (they left Describe while EC2 still remembers their ClientTokens, as it does for at least a day).
 * Each apply must converge with exactly one of everything. Out-of-band deletes are repaired at any age.
 * The sandbox's clock is moved forward instead of waiting (its windows are AWS's: 1 hour in Describe, 24
 * hours of token memory).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DeleteNatGatewayCommand,
  DeleteVpcEndpointsCommand,
  DescribeNatGatewaysCommand,
  DescribeVpcEndpointsCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { parse, stringify } from "yaml";
import { fileOwnerUid } from "../../operator/cli/manifest.js";
import { startAwsSandbox, type AwsSandbox } from "../../operator/sandbox/aws/server.js";
import { ec2Client } from "../helpers/aws-sandbox.js";
import { ownedWorld } from "../helpers/sandbox-world.js";
import { runEcsnet, type CliResult } from "../helpers/cli.js";

let aws: AwsSandbox;
let ec2: EC2Client;
let offset = 0;
const HOUR = 3_600_000;
const dir = mkdtempSync(join(tmpdir(), "ecsnet-recreate-"));

beforeAll(async () => {
  aws = await startAwsSandbox({
    seed: "two-az-vpc",
    now: () => Date.now() + offset,
    delays: { deletedVisibleMs: HOUR, clientTokenTtlMs: 24 * HOUR },
  });
  ec2 = ec2Client(aws.endpoint, { region: aws.region });
});
afterAll(async () => {
  ec2.destroy();
  await aws.close();
});

/** Run the real CLI against the sandbox, configured only through the SDK's standard environment. */
export function ecsnet(endpoint: string, region: string, args: string[], accessKeyId = "test"): Promise<CliResult> {
  return runEcsnet(args, { endpoint, region, accessKeyId }, { NODE_NO_WARNINGS: "1" });
}

/**
 * The sandbox does not throttle here, and each process starts with full buckets: the client-side limiter is
 * scaled so that CreateVpcEndpoint's bucket (4, then one per 3.5 s) does not dominate the test's time.
 */
const FAST = ["--ec2-rate-scale", "50"];

const run = (args: string[]) => ecsnet(aws.endpoint, aws.region, args);

/** A fresh two-AZ VPC of the sandbox, so the tests' networks never meet. */
type Vpc = NonNullable<AwsSandbox["seeded"]>;

function networkFile(name: string, s: Vpc): string {
  const path = join(dir, `${name}.yaml`);
  const body = {
    apiVersion: "ecsnet.dev/v1alpha1",
    kind: "PrivateEcsNetwork",
    metadata: { name, namespace: "recreate" },
    spec: {
      vpcId: s.vpcId,
      privateSubnets: { ids: s.privateSubnetIds },
      launchTypes: ["EC2"],
      endpoints: { extra: ["secretsmanager"] },
      egress: { mode: "NatGateway", natGateway: { placement: "OnePerAz", publicSubnetIds: s.publicSubnetIds } },
      tags: { team: "platform" },
    },
  };
  writeFileSync(path, stringify(body));
  return path;
}

/** The network is whole: one of each, nothing leaked or blackholed. */
async function expectWhole(s: Vpc, uid: string): Promise<void> {
  const w = await ownedWorld(ec2, s.vpcId, uid);
  expect(w).toMatchObject({ duplicates: 0, securityGroups: 1, addresses: 2, idleAddresses: 0, blackholes: 0 });
  // EC2 launch type: ecr.api, ecr.dkr, logs, ecs, ecs-agent, ecs-telemetry, the extra, and the S3 gateway.
  expect(Object.keys(w.endpoints)).toHaveLength(8);
  expect(Object.keys(w.natGateways).sort()).toEqual([...s.publicSubnetIds].sort());
  expect(Object.keys(w.natRoutes).sort()).toEqual([...s.privateRouteTableIds].sort());
}

async function applyOk(f: string): Promise<void> {
  const r = await run(["apply", "-f", f, "--timeout", "60s", ...FAST]);
  expect({ code: r.code, out: r.code === 0 ? "" : r.out }).toEqual({ code: 0, out: "" });
}
async function destroyOk(f: string): Promise<void> {
  const r = await run(["destroy", "-f", f, "--timeout", "60s", ...FAST]);
  expect({ code: r.code, out: r.code === 0 ? "" : r.out }).toEqual({ code: 0, out: "" });
}

describe("apply → destroy → apply of one file", () => {
  it("converges at once, a few minutes later, and after the deleted resources left Describe", async () => {
    const vpc = aws.seeded!;
    const f = networkFile("cycle", vpc);
    const uid = fileOwnerUid("recreate", "cycle");
    await applyOk(f);
    await expectWhole(vpc, uid);

    await destroyOk(f);
    await applyOk(f); // at once: the deleted ones are still listed
    await expectWhole(vpc, uid);

    await destroyOk(f);
    offset += 5 * 60_000; // a few minutes: still listed as deleted
    await applyOk(f);
    await expectWhole(vpc, uid);

    await destroyOk(f);
    offset += 2 * HOUR; // gone from Describe; EC2 still remembers every token used so far
    await applyOk(f);
    await expectWhole(vpc, uid);
  }, 180_000);
});

describe("out-of-band deletes", () => {
  it("are repaired whatever their age, including after the deleted resources left Describe", async () => {
    const vpc = aws.admin.seed("two-az-vpc");
    const f = networkFile("oob", vpc);
    const uid = fileOwnerUid("recreate", "oob");
    await applyOk(f);
    for (const age of [0, 10 * 60_000, 2 * HOUR]) {
      const before = await ownedWorldIds(vpc, uid);
      await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: before.nat }));
      await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [before.endpoint] }));
      aws.admin.settle();
      offset += age;
      await applyOk(f);
      await expectWhole(vpc, uid);
      const after = await ownedWorldIds(vpc, uid);
      expect(after.nat).not.toBe(before.nat);
    }
  }, 180_000);
});

describe("the shipped example", () => {
  it("naming a security group that does not exist is Stalled with zero mutating calls", async () => {
    const s = aws.admin.seed("two-az-vpc");
    const example = parse(readFileSync("deploy/examples/private-ecs-network.yaml", "utf8")) as {
      spec: Record<string, unknown> & { securityGroup: { allowFromSecurityGroupIds: string[] } };
    };
    // The example's VPC and subnets, mapped onto the sandbox's; its task security group stays as shipped.
    Object.assign(example.spec, {
      vpcId: s.vpcId,
      privateSubnets: { ids: s.privateSubnetIds, endpointSubnetIds: s.privateSubnetIds },
      egress: {
        ...(example.spec.egress as object),
        natGateway: { placement: "OnePerAz", publicSubnetIds: s.publicSubnetIds },
      },
    });
    expect(example.spec.securityGroup.allowFromSecurityGroupIds).toEqual(["sg-0c000000000000001"]);
    const path = join(dir, "example.yaml");
    writeFileSync(path, stringify(example));
    const before = Object.values(aws.admin.mutations()).reduce((a, b) => a + b, 0);
    const r = await run(["apply", "-f", path, "--timeout", "60s"]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/cannot be applied as it is/);
    expect(r.out).toMatch(/Stalled\s+True\s+SecurityGroupNotFound/);
    expect(r.out).toMatch(/sg-0c000000000000001/);
    expect(Object.values(aws.admin.mutations()).reduce((a, b) => a + b, 0)).toBe(before);
  }, 60_000);
});

/** One live NAT gateway id and one live interface endpoint id of `uid`. */
async function ownedWorldIds(s: Vpc, uid: string): Promise<{ nat: string; endpoint: string }> {
  const vpc = [{ Name: "vpc-id", Values: [s.vpcId] }];
  const mine = (tags?: { Key?: string; Value?: string }[]) => (tags ?? []).some((t) => t.Value === uid);
  const nats = (await ec2.send(new DescribeNatGatewaysCommand({ Filter: vpc }))).NatGateways ?? [];
  const eps = (await ec2.send(new DescribeVpcEndpointsCommand({ Filters: vpc }))).VpcEndpoints ?? [];
  const nat = nats.find((n) => mine(n.Tags) && n.State === "available")!.NatGatewayId!;
  const endpoint = eps.find(
    (e) => mine(e.Tags) && e.VpcEndpointType === "Interface" && String(e.State).toLowerCase() === "available",
  )!.VpcEndpointId!;
  return { nat, endpoint };
}
