/**
 * The cluster-less commands as a user runs them: `ecsnet plan/apply/destroy -f` against the AWS sandbox,
 * configured only through the AWS SDK's standard environment (AWS_ENDPOINT_URL, AWS_REGION, credentials).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { startAwsSandbox, type AwsSandbox } from "../../operator/sandbox/aws/server.js";
import { runEcsnet, type CliResult } from "../helpers/cli.js";

let aws: AwsSandbox;
const dir = mkdtempSync(join(tmpdir(), "ecsnet-cli-"));

beforeAll(async () => {
  aws = await startAwsSandbox({ port: 0, seed: "two-az-vpc" });
});
afterAll(async () => {
  await aws.close();
});

function ecsnet(args: string[]): Promise<CliResult> {
  return runEcsnet(args, aws);
}

function file(name: string, spec: Record<string, unknown>): string {
  const s = aws.seeded!;
  const path = join(dir, `${name}.yaml`);
  const body = {
    apiVersion: "ecsnet.dev/v1alpha1",
    kind: "PrivateEcsNetwork",
    metadata: { name, namespace: "cli" },
    spec: { vpcId: s.vpcId, privateSubnets: { ids: s.privateSubnetIds }, ...spec },
  };
  writeFileSync(path, stringify(body));
  return path;
}

it("plans (exit 2), applies until Ready (exit 0), plans nothing (exit 0), and destroys (exit 0)", async () => {
  const s = aws.seeded!;
  const f = file("prod", {
    egress: { mode: "NatGateway", natGateway: { placement: "OnePerAz", publicSubnetIds: s.publicSubnetIds } },
  });
  const plan = await ecsnet(["plan", "-f", f]);
  expect(plan.code).toBe(2);
  expect(plan.out).toMatch(/\+ CreateNatGateway\s+nat:us-east-1a/);
  expect(plan.out).toMatch(/reason: Missing/);
  expect(aws.admin.calls().CreateNatGateway ?? 0).toBe(0);

  const apply = await ecsnet(["apply", "-f", f, "--timeout", "60s"]);
  expect({ code: apply.code, out: apply.code === 0 ? "" : apply.out }).toEqual({ code: 0, out: "" });
  expect(apply.out).toMatch(/cli\/prod: ready/);

  const again = await ecsnet(["plan", "-f", f]);
  expect(again.code).toBe(0);
  expect(again.out).toMatch(/no changes: AWS matches the spec/);

  const destroy = await ecsnet(["destroy", "-f", f, "--timeout", "60s"]);
  expect(destroy.code).toBe(0);
  expect(destroy.out).toMatch(/cli\/prod: deleted/);
  expect((await ecsnet(["plan", "-f", f])).code).toBe(2);
}, 120_000);

it("refuses an invalid file before any AWS call, naming the field (exit 1)", async () => {
  const before = Object.values(aws.admin.calls()).reduce((a, b) => a + b, 0);
  const f = file("bad", { egress: { mode: "NatGateway" } });
  const r = await ecsnet(["plan", "-f", f]);
  expect(r.code).toBe(1);
  expect(r.out).toMatch(/spec\.egress/);
  expect(Object.values(aws.admin.calls()).reduce((a, b) => a + b, 0)).toBe(before);
});

it("applies and destroys an ObserveOnly network in one pass each without changing AWS", async () => {
  aws.admin.resetCalls();
  const f = file("watch", { managementMode: "ObserveOnly" });
  for (const cmd of ["apply", "destroy"]) {
    const r = await ecsnet([cmd, "-f", f]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ObserveOnly: AWS left unchanged/);
    expect(r.out).not.toMatch(/deleted/);
  }
  expect(Object.keys(aws.admin.calls()).filter((op) => !/^Describe/.test(op))).toEqual([]);
}, 60_000);
