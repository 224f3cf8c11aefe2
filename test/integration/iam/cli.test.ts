/**
 * `ecsnet iam-policy` as a user runs it (bin/ecsnet.js, the built dist/): the scope flags shape every ARN
 * and VPC condition, feature flags add or remove statements, bad values fail with every problem named and
 * nothing printed on stdout, and `--out` writes the file deploy/iam-policy.json is generated with.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface Statement {
  Sid: string;
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

function iamPolicy(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const env = { PATH: process.env.PATH ?? "", NODE_NO_WARNINGS: "1" };
  const child = spawn(process.execPath, ["bin/ecsnet.js", "iam-policy", ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, out, err })));
}

const statements = (json: string): Statement[] => (JSON.parse(json) as { Statement: Statement[] }).Statement;
const resources = (s: Statement[]): string[] =>
  s.flatMap((x) => (Array.isArray(x.Resource) ? x.Resource : [x.Resource]));

it("builds every ARN, region and VPC condition from --account, --region and --vpc", async () => {
  const r = await iamPolicy([
    "--account",
    "210987654321",
    "--region",
    "eu-west-1,eu-central-1",
    "--vpc",
    "vpc-0a1b2c3d4e5f60718",
    "--vpc",
    "vpc-0f1e2d3c4b5a69788",
  ]);
  expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: "" });
  const s = statements(r.out);
  // Several regions: ARNs name any region of the account, and every statement requires one of the two.
  expect(resources(s).filter((a) => a !== "*" && !/^arn:aws:(ec2|ecs):\*:210987654321:/.test(a))).toEqual([]);
  const regions = ["eu-west-1", "eu-central-1"];
  expect(
    s.filter((x) => JSON.stringify(x.Condition?.StringEquals?.["aws:RequestedRegion"]) !== JSON.stringify(regions)),
  ).toEqual([]);
  const routes = s.find((x) => x.Action.includes("ec2:CreateRoute"))!;
  expect(routes.Condition!.ArnEquals!["ec2:Vpc"]).toEqual([
    "arn:aws:ec2:*:210987654321:vpc/vpc-0a1b2c3d4e5f60718",
    "arn:aws:ec2:*:210987654321:vpc/vpc-0f1e2d3c4b5a69788",
  ]);
  expect(s.some((x) => x.Sid === "AdoptUntaggedVpcEndpointsOptIn")).toBe(false);
});

it("adds the adoption statement only with --adoption, and keeps only reads with --read-only", async () => {
  const scope = ["--account", "210987654321", "--region", "eu-west-1", "--vpc", "vpc-0a1b2c3d4e5f60718"];
  const adoption = statements((await iamPolicy([...scope, "--adoption"])).out);
  expect(adoption.filter((x) => x.Sid === "AdoptUntaggedVpcEndpointsOptIn").map((x) => x.Action)).toEqual([
    ["ec2:CreateTags"],
  ]);
  const readOnly = statements((await iamPolicy([...scope, "--read-only", "--adoption"])).out);
  const actions = readOnly.flatMap((x) => x.Action);
  expect(actions.filter((a) => !/^(ec2|ecs):(Describe|List)/.test(a))).toEqual([]);
  expect(actions).toEqual(expect.arrayContaining(["ec2:DescribeVpcAttribute", "ecs:ListServices"]));
  const lean = statements((await iamPolicy([...scope, "--no-nat", "--no-vpc-dns", "--no-discovery"])).out);
  expect(
    lean
      .flatMap((x) => x.Action)
      .filter((a) => /^ec2:(?!Describe).*(NatGateway|Address|Route)$|ModifyVpcAttribute|^ecs:/.test(a)),
  ).toEqual([]);
});

it("refuses bad scope values, naming each and its fix, with nothing on stdout (exit 1)", async () => {
  const r = await iamPolicy(["--account", "12345", "--region", "Europe", "--vpc", "vpc-xyz,vpc-0a1b2c3d4e5f60718"]);
  expect(r.code).toBe(1);
  expect(r.out).toBe("");
  expect(r.err).toMatch(/account "12345" is not a 12-digit AWS account id: pass --account 123456789012/);
  expect(r.err).toMatch(/region "Europe" is not an AWS region name/);
  expect(r.err).toMatch(/vpc "vpc-xyz" is not a VPC id/);
  expect(r.err).not.toMatch(/vpc-0a1b2c3d4e5f60718/);
});

it("without a scope writes the placeholder policy deploy/iam-policy.json holds, and says so", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "ecsnet-iam-")), "policy.json");
  const r = await iamPolicy(["--out", file]);
  expect(r.code).toBe(0);
  expect(r.err).toMatch(/no --account, --region, --vpc given: the policy names placeholder values/);
  expect(readFileSync(file, "utf8")).toBe(readFileSync("deploy/iam-policy.json", "utf8"));
});
