/**
 * The bundled runtime of `ecsnet run` (docs/adr/0009-bundled-runtime.md), as `npm run build` leaves it in
 * dist/bundle/: bin/ecsnet.js starts it for `run` (and only for `run`), its source map leads a stack trace back
 * to the TypeScript, it holds none of the sandboxes, the benchmark or the other commands, and it is pure ASCII
 * (Node holds a module's source at two bytes per character otherwise).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runEcsnet } from "../../helpers/cli.js";

const DIR = "dist/bundle";
// Nothing is called: `run` fails on the missing kubeconfig before it talks to AWS or Kubernetes.
const AWS = { endpoint: "http://127.0.0.1:9", region: "us-east-1" };
const missing = ["--debug", "run", "--kubeconfig", "/nonexistent/ecsnet-kubeconfig", "--no-leader-elect"];

describe("the bundled runtime of ecsnet run", () => {
  it("is what bin/ecsnet.js starts for run: the stack of an error that ends it is in dist/bundle/", async () => {
    const r = await runEcsnet(missing, AWS);
    expect(r.code).toBe(1);
    expect(r.out).toContain("ecsnet: ENOENT");
    expect(r.out).toMatch(/at loadKubeConfig \(file:\/\/\S+\/dist\/bundle\/ecsnet-run\.js:\d+:\d+\)/);
    expect(r.out).not.toContain("dist/operator/");
  });

  it("maps its stack back to the TypeScript sources with --enable-source-maps", async () => {
    const r = await runEcsnet(missing, AWS, { NODE_OPTIONS: "--enable-source-maps" });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/at loadKubeConfig \(\S+\/operator\/kube\/client\.ts:\d+:\d+\)/);
    expect(r.out).toMatch(/at startOperator \(\S+\/operator\/cli\/operator\.ts:\d+:\d+\)/);
  });

  it("is not started for other commands", async () => {
    const r = await runEcsnet(["--debug", "plan", "-f", "/nonexistent/ecsnet-manifest.yaml"], AWS);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/at readNetworks \(file:\/\/\S+\/dist\/operator\/cli\/manifest\.js:\d+:\d+\)/);
    expect(r.out).not.toContain("dist/bundle/");
  });

  const files = readdirSync(DIR);
  const sources = files
    .filter((f) => f.endsWith(".js.map"))
    .flatMap((f) => (JSON.parse(readFileSync(join(DIR, f), "utf8")) as { sources: string[] }).sources);

  it("holds run's modules and their dependencies, none of the sandboxes, the benchmark or other commands", () => {
    const own = sources.filter((s) => !s.includes("node_modules/")).map((s) => s.replace(/^(\.\.\/)+/, ""));
    expect(own).toEqual(expect.arrayContaining(["operator/cli/run.ts", "operator/kube/informer.ts"]));
    expect(sources.some((s) => s.includes("node_modules/@aws-sdk/client-ec2/dist-es/"))).toBe(true);
    expect(own.filter((s) => /^(operator\/sandbox|bench|test)\//.test(s))).toEqual([]);
    for (const other of ["demo", "plan", "apply", "diagnose", "crds", "iam-policy", "sandbox"])
      expect(own).not.toContain(`operator/cli/${other}.ts`);
  });

  it("loads only the EC2 commands ecsnet imports and their schemas, not the whole client", () => {
    const bundle = files.filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(DIR, f), "utf8"));
    // A command ecsnet calls, and one of EC2's ~800 that it never calls; the same for their request schemas.
    expect(bundle.some((t) => t.includes("DescribeVpcEndpointsCommand"))).toBe(true);
    expect(bundle.some((t) => t.includes("DescribeVpcEndpointsRequest$"))).toBe(true);
    expect(bundle.some((t) => t.includes("RunInstancesCommand"))).toBe(false);
    expect(bundle.some((t) => t.includes("RunInstancesRequest$"))).toBe(false);
  });

  it("is pure ASCII", () => {
    for (const f of files.filter((x) => x.endsWith(".js")))
      expect({ f, nonAscii: /[\u0080-\uffff]/.test(readFileSync(join(DIR, f), "latin1")) }).toEqual({
        f,
        nonAscii: false,
      });
  });
});
