/**
 * `ecsnet plan` and `ecsnet diagnose` with `--role-arn` / `--external-id`: the real CLI assumes the role on top
 * of the SDK's own credentials and works in the role's account (the sandbox plays it), or stops on the
 * AccessDenied STS answers for a wrong external id.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAwsSandbox, type AwsSandbox, type SeedResult } from "../../operator/sandbox/aws/server.js";
import { runEcsnet } from "../helpers/cli.js";

const ACCOUNT = "444444444444";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/ecsnet-cli-target`;
let sandbox: AwsSandbox;
let dir: string;
let file: string;
let vpc: SeedResult;

beforeAll(async () => {
  sandbox = await startAwsSandbox({ roles: [{ arn: ROLE, externalId: "cli-ext" }] });
  vpc = sandbox.admin.account(ACCOUNT).seed("two-az-vpc");
  dir = await mkdtemp(join(tmpdir(), "ecsnet-cli-role-"));
  file = join(dir, "network.yaml");
  await writeFile(
    file,
    JSON.stringify({
      apiVersion: "ecsnet.dev/v1alpha1",
      kind: "PrivateEcsNetwork",
      metadata: { name: "cli", namespace: "default" },
      spec: { vpcId: vpc.vpcId, privateSubnets: { ids: vpc.privateSubnetIds }, egress: { mode: "None" } },
    }),
  );
});
afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  sandbox.admin.resetCalls();
  sandbox.admin.account(ACCOUNT).resetCalls();
});

const aws = () => ({ endpoint: sandbox.endpoint, region: sandbox.region });

describe("the CLI with --role-arn", () => {
  it("plans in the role's account: the VPC only that account has is found, and the calls are counted there", async () => {
    const r = await runEcsnet(["plan", "-f", file, "--role-arn", ROLE, "--external-id", "cli-ext"], aws());
    expect(r.code).toBe(2);
    expect(r.out).toContain("CreateInterfaceEndpoint  endpoint:ecr.api");
    const inTarget = sandbox.admin.account(ACCOUNT).calls();
    expect(inTarget.AssumeRole).toBeGreaterThanOrEqual(1);
    expect(inTarget.DescribeVpcs).toBeGreaterThanOrEqual(1);
    // The base credentials only asked STS; no EC2 call went to the default account.
    expect(Object.keys(sandbox.admin.calls())).toEqual(["AssumeRole"]);
  });

  it("stops on AccessDenied for a wrong external id, with no call in the role's account beyond the refused AssumeRole", async () => {
    const r = await runEcsnet(["plan", "-f", file, "--role-arn", ROLE, "--external-id", "wrong"], aws());
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/not authorized to perform: sts:AssumeRole/);
    expect(Object.keys(sandbox.admin.account(ACCOUNT).calls())).toEqual(["AssumeRole"]);
  });

  it("diagnoses a VPC of the role's account", async () => {
    const r = await runEcsnet(
      ["diagnose", "--vpc", vpc.vpcId, "--role-arn", ROLE, "--external-id", "cli-ext", "-o", "json"],
      aws(),
    );
    expect(JSON.parse(r.out.slice(r.out.indexOf("{"))).vpcId).toBe(vpc.vpcId);
    expect(sandbox.admin.account(ACCOUNT).calls().DescribeVpcs).toBeGreaterThanOrEqual(1);
  });

  it("refuses a --role-arn that is not a role ARN before any call", async () => {
    const r = await runEcsnet(["plan", "-f", file, "--role-arn", "arn:aws:iam::1:user/x"], aws());
    expect(r.code).toBe(1);
    expect(r.out).toContain("--role-arn must be an IAM role ARN");
    expect(sandbox.admin.calls()).toEqual({});
  });
});
