/**
 * The CLI as a user runs it: `ecsnet sandbox aws` started as a process (EC2's real throttling buckets on,
 * AWS's NAT/endpoint delays scaled down), then `ecsnet plan/apply/destroy/diagnose` as processes configured
 * only through the AWS SDK's standard environment. The limiter keeps EC2's real pace (CreateVpcEndpoint:
 * four, then one per 3.3 s), so the largest example network takes several rounds of waiting: exactly what
 * once ended `apply` with exit 13 halfway.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";

const dir = mkdtempSync(join(tmpdir(), "ecsnet-cli-process-"));
const example = join(dir, "network.yaml");
let sandbox: ChildProcess;
let endpoint = "";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function ecsnet(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, ["bin/ecsnet.js", ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

/** Node warnings in `stderr`; on Node < 22 the AWS SDK's own notice about its coming Node 22 minimum is expected. */
function warnings(stderr: string): string[] {
  const major = Number(process.versions.node.split(".")[0]);
  return stderr
    .split("\n")
    .filter((l) => /\(node:\d+\) \w*Warning/.test(l))
    .filter((l) => major >= 22 || !l.includes("NodeVersionSupportWarning"));
}

const state = async () =>
  (await (await fetch(`${endpoint}/_sandbox/state`)).json()) as {
    ec2: {
      endpoints: Record<string, { deleteAt?: number }>;
      nats: Record<string, { deleteAt?: number }>;
      tags: Record<string, Record<string, string>>;
    };
  };

/** Endpoints and NAT gateways carrying ecsnet's tags that nobody asked to delete, from the sandbox's state. */
async function liveManaged(): Promise<string[]> {
  const s = await state();
  const live = ([id, r]: [string, { deleteAt?: number }]) =>
    s.ec2.tags[id]?.["ecsnet.dev/managed-by"] === "ecsnet" && r.deleteAt === undefined;
  return [...Object.entries(s.ec2.endpoints), ...Object.entries(s.ec2.nats)].filter(live).map(([id]) => id);
}

beforeAll(async () => {
  sandbox = spawn(
    process.execPath,
    ["bin/ecsnet.js", "sandbox", "aws", "--port", "0", "--time-scale", "0.02", "--example", example],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  endpoint = await new Promise<string>((resolve, reject) => {
    sandbox.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("Ctrl-C stops it")) resolve(/AWS_ENDPOINT_URL=(\S+)/.exec(out)![1]!);
    });
    sandbox.on("exit", (code) => reject(new Error(`sandbox exited ${code}: ${out}`)));
  });
  expect(out).toMatch(/EC2 request throttling on/);
  expect(out).toMatch(/subnet-\w+ +us-east-1a +10\.0\.10\.0\/24 +private +route table rtb-/);
  expect(out).toMatch(/subnet-\w+ +us-east-1a +10\.0\.0\.0\/24 +public +route table rtb-/);
  expect(out).toMatch(/security groups:\n +sg-\w+ +default/);
  expect(out).toContain(`Wrote a ready-to-apply example for this VPC to ${example}`);
}, 30_000);

afterAll(async () => {
  sandbox.kill("SIGTERM");
  await new Promise((r) => sandbox.once("exit", r));
});

it("diagnoses (1), plans (2), applies the largest example cold (0), plans nothing (0), diagnoses (0), destroys (0)", async () => {
  const spec = (parse(readFileSync(example, "utf8")) as { spec: Record<string, unknown> }).spec;
  expect(spec).toMatchObject({ launchTypes: ["FARGATE", "EC2"], egress: { natGateway: { placement: "OnePerAz" } } });

  const before = await ecsnet(["diagnose", "--vpc", spec["vpcId"] as string, "--launch-type", "EC2"]);
  expect(before.code).toBe(1);
  expect(before.stdout).toMatch(/✗/);

  const plan = await ecsnet(["plan", "-f", example]);
  expect(plan.code).toBe(2);
  expect(plan.stdout).toMatch(/Plan: 17 to add, 0 to change, 0 to destroy; 2 pending, 0 blocked\./);

  const apply = await ecsnet(["apply", "-f", example, "--timeout", "5m"]);
  expect({ code: apply.code, stderr: apply.code === 0 ? "" : apply.stderr }).toEqual({ code: 0, stderr: "" });
  expect(apply.stdout).toMatch(/^default\/sandbox: ready after \d+s$/m);
  // Without a terminal: one line per state change, each endpoint from creating to pending to available.
  for (const svc of ["ecr.api", "ssmmessages", "ecs-telemetry"]) {
    expect(apply.stderr).toMatch(new RegExp(`endpoint:${svc} vpce-\\w+: creating → pending after \\d+s`));
    expect(apply.stderr).toMatch(new RegExp(`endpoint:${svc} vpce-\\w+: pending → available after \\d+s`));
  }
  expect(apply.stderr).toMatch(/nat:us-east-1a nat-\w+: pending → available/);
  const lines = apply.stderr.split("\n").filter((l) => l.startsWith("["));
  expect(new Set(lines.map((l) => l.replace(/^\[[ \dms]+\] /, ""))).size).toBe(lines.length);
  expect(warnings(apply.stderr)).toEqual([]);

  const again = await ecsnet(["plan", "-f", example]);
  expect({ code: again.code, out: again.stdout }).toEqual({ code: 0, out: expect.stringMatching(/no changes/) });

  const diagnose = await ecsnet(["diagnose", "--vpc", spec["vpcId"] as string, "--launch-type", "EC2"]);
  expect({ code: diagnose.code, out: diagnose.code === 0 ? "" : diagnose.stdout }).toEqual({ code: 0, out: "" });

  const destroy = await ecsnet(["destroy", "-f", example, "--timeout", "5m"]);
  expect(destroy.code).toBe(0);
  expect(destroy.stdout).toMatch(/^default\/sandbox: deleted \(nothing ecsnet created for it is left in AWS\)/m);
  expect(destroy.stdout).not.toMatch(/Reconciling/);
  expect(destroy.stderr).toMatch(/nat:us-east-1b nat-\w+: \w+ → deleted/);
  expect(await liveManaged()).toEqual([]);
}, 300_000);

describe("exit codes and what the errors say", () => {
  const file = (name: string, spec: Record<string, unknown>) => {
    const base = (parse(readFileSync(example, "utf8")) as { spec: Record<string, unknown> }).spec;
    const path = join(dir, `${name}.yaml`);
    const body = {
      apiVersion: "ecsnet.dev/v1alpha1",
      kind: "PrivateEcsNetwork",
      metadata: { name, namespace: "cli" },
      spec: { vpcId: base["vpcId"], privateSubnets: base["privateSubnets"], ...spec },
    };
    writeFileSync(path, stringify(body));
    return path;
  };
  const subnets = () => {
    const s = (
      parse(readFileSync(example, "utf8")) as { spec: { egress: { natGateway: { publicSubnetIds: string[] } } } }
    ).spec;
    return { publicIds: s.egress.natGateway.publicSubnetIds };
  };

  it("exits 1 for an invalid file, listing every error with its value and a suggestion, before any AWS call", async () => {
    const f = file("bad", {
      vpcId: "vpc-XYZ",
      launchTypes: ["Fargate"],
      egress: { mode: "NatGateway" },
      deletePolicy: "Retain",
    });
    for (const cmd of ["plan", "apply"]) {
      const r = await ecsnet([cmd, "-f", f]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('spec.vpcId: must be a vpc id like vpc-0123456789abcdef0, not "vpc-XYZ"');
      expect(r.stderr).toContain('not "Fargate" (did you mean FARGATE?)');
      expect(r.stderr).toContain("spec.deletePolicy: is not a known field (did you mean deletionPolicy?)");
      expect(r.stderr).toMatch(/spec\.egress/);
      expect(r.stderr).not.toMatch(/undefined/);
    }
  });

  it("exits 1 for a blocked spec with every reason (a public subnet listed as private), and apply changes nothing", async () => {
    const f = file("blocked", { privateSubnets: { ids: subnets().publicIds } });
    const plan = await ecsnet(["plan", "-f", f]);
    expect(plan.code).toBe(1);
    const reasons = plan.stdout.split("\n").filter((l) => l.includes("✗ blocked"));
    expect(reasons.length).toBe(2);
    const apply = await ecsnet(["apply", "-f", f, "--timeout", "30s"]);
    expect(apply.code).toBe(1);
    expect(apply.stdout).toMatch(/cli\/blocked: cannot be applied as it is:\n +✗ /);
    expect(apply.stderr).not.toMatch(/creating/);
  }, 60_000);

  it("exits 1 for a missing VPC and for a near-miss endpoint name, saying what was meant", async () => {
    const missing = await ecsnet(["plan", "-f", file("novpc", { vpcId: "vpc-0123456789abcdef0" })]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/VPC vpc-0123456789abcdef0 does not exist in us-east-1/);
    const typo = await ecsnet(["plan", "-f", file("typo", { endpoints: { extra: ["ecr-api"] } })]);
    expect(typo.code).toBe(1);
    expect(typo.stdout).toMatch(/endpoint:ecr-api: .*did you mean ecr\.api\?/);
  }, 60_000);

  it("names the settings to check when the endpoint refuses connections", async () => {
    const r = await ecsnet(["plan", "-f", example], { AWS_ENDPOINT_URL: "http://127.0.0.1:1" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ECONNREFUSED/);
    expect(r.stderr).toMatch(/AWS_ENDPOINT_URL \/ AWS_ENDPOINT_URL_EC2/);
    expect(r.stderr).toMatch(/AWS_REGION/);
  }, 60_000);

  it("exits 124 on timeout, 0 for --no-wait without saying timeout, and streams JSON events with -o json", async () => {
    const f = file("slow", {
      egress: { mode: "NatGateway", natGateway: { placement: "Single", publicSubnetIds: [subnets().publicIds[0]] } },
    });
    const timedOut = await ecsnet(["apply", "-f", f, "--timeout", "1s"]);
    expect(timedOut.code).toBe(124);
    expect(timedOut.stdout).toMatch(/cli\/slow: timed out after 1s, not Ready yet/);

    const noWait = await ecsnet(["apply", "-f", f, "--no-wait"]);
    expect(noWait.code).toBe(0);
    expect(noWait.stdout + noWait.stderr).not.toMatch(/timeout|timed out/i);

    const json = await ecsnet(["apply", "-f", f, "-o", "json", "--timeout", "2m"]);
    expect(json.code).toBe(0);
    const events = json.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; network: string; key?: string; state?: string; result?: string });
    expect(events[0]).toMatchObject({ type: "start", network: "cli/slow" });
    expect(events.at(-1)).toMatchObject({ type: "end", result: "ready", exitCode: 0 });
    expect(events.some((e) => e.type === "resource" && e.key === "nat:us-east-1a" && e.state === "available")).toBe(
      true,
    );

    const destroy = await ecsnet(["destroy", "-f", f, "--timeout", "2m"]);
    expect(destroy.code).toBe(0);
  }, 180_000);

  it("prints its version and no warning", async () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    const r = await ecsnet(["--version"]);
    expect({ code: r.code, out: r.stdout.trim() }).toEqual({
      code: 0,
      out: `ecsnet ${pkg.version} (node ${process.version}, ${process.platform}/${process.arch})`,
    });
    const help = await ecsnet(["plan", "--help"]);
    expect(help.stdout).toMatch(/2 +changes to make/);
    expect(warnings(r.stderr + help.stderr)).toEqual([]);
  });
});
