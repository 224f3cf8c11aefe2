/**
 * The sandbox Kubernetes API driven by the real kubectl, when it is installed: apply a CRD, apply an
 * object, see the printer columns, change it, have an invalid object refused, delete it.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import type { KubeSandbox } from "../../../operator/sandbox/kube/server.js";
import {
  startKubeForTests,
  TEST_CRD,
  TEST_GROUP,
  TEST_KIND,
  TEST_PLURAL,
  TEST_VERSION,
} from "../../helpers/kube-sandbox.js";
import { hasKubectl } from "../../helpers/tools.js";

const kubectlInstalled = hasKubectl;
if (!kubectlInstalled) {
  console.warn("skipping the kubectl tests of the sandbox Kubernetes API: kubectl is not installed");
}
const describeWithKubectl = kubectlInstalled ? describe : describe.skip;

describeWithKubectl("kubectl against the sandbox", () => {
  let sandbox: KubeSandbox;
  let dir: string;
  const run = (...args: string[]): Promise<{ code: number; out: string }> =>
    new Promise((resolve) => {
      execFile(
        "kubectl",
        ["--kubeconfig", join(dir, "kubeconfig"), "--cache-dir", join(dir, "cache"), ...args],
        { timeout: 20_000 },
        (err, stdout, stderr) => {
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
        },
      );
    });
  const network = (spec: Record<string, unknown>): string =>
    stringify({
      apiVersion: `${TEST_GROUP}/${TEST_VERSION}`,
      kind: TEST_KIND,
      metadata: { name: "net-k", namespace: "default" },
      spec,
    });

  beforeAll(async () => {
    sandbox = await startKubeForTests("test/no-crds-here", { includeTestCrd: false });
    dir = await mkdtemp(join(tmpdir(), "ecsnet-kubectl-"));
    await sandbox.writeKubeconfig(join(dir, "kubeconfig"));
    await writeFile(join(dir, "crd.yaml"), stringify(TEST_CRD));
  });
  afterAll(async () => {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("kubectl apply of a CRD registers it and serves its resource", async () => {
    const applied = await run("apply", "-f", join(dir, "crd.yaml"));
    expect(applied).toMatchObject({
      code: 0,
      out: expect.stringContaining(
        `customresourcedefinition.apiextensions.k8s.io/${TEST_PLURAL}.${TEST_GROUP} created`,
      ),
    });
    const resources = await run("api-resources", "--api-group", TEST_GROUP);
    expect(resources.out).toMatch(
      new RegExp(`${TEST_PLURAL}\\s+tn\\s+${TEST_GROUP}/${TEST_VERSION}\\s+true\\s+${TEST_KIND}`),
    );
  });

  test("kubectl apply creates an object and kubectl get shows the printer columns", async () => {
    await writeFile(join(dir, "net.yaml"), network({ vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0a"] }));
    expect((await run("apply", "-f", join(dir, "net.yaml"))).out).toContain(
      `${TEST_PLURAL.slice(0, -1)}.${TEST_GROUP}/net-k created`,
    );
    await run(
      "patch",
      "tn",
      "net-k",
      "--subresource=status",
      "--type=merge",
      "-p",
      '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}',
    );
    const got = await run("get", "tn");
    const [header, row] = got.out.trim().split("\n");
    expect(header?.split(/\s{2,}/)).toEqual(["NAME", "VPC", "EGRESS", "READY", "AGE"]);
    expect(row?.split(/\s+/).slice(0, 4)).toEqual(["net-k", "vpc-0123456789abcdef0", "None", "True"]);
    expect(row?.split(/\s+/)[4]).toMatch(/^\d+s$/);
  });

  test("kubectl describe shows the events recorded about the object", async () => {
    const uid = (await run("get", "tn", "net-k", "-o", "jsonpath={.metadata.uid}")).out;
    const involvedObject = {
      apiVersion: `${TEST_GROUP}/${TEST_VERSION}`,
      kind: TEST_KIND,
      name: "net-k",
      namespace: "default",
      uid,
    };
    const event = {
      metadata: { name: "net-k.1" },
      involvedObject,
      reason: "Repaired",
      message: "s3 route restored",
      type: "Normal",
      source: { component: "ecsnet" },
    };
    await fetch(`${sandbox.url}/api/v1/namespaces/default/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(event),
    });
    const described = await run("describe", "tn", "net-k");
    expect(described.code).toBe(0);
    expect(described.out).toMatch(/Normal\s+Repaired\s+.*ecsnet\s+s3 route restored/);
  });

  test("kubectl apply of a change configures the object and bumps its generation", async () => {
    await writeFile(
      join(dir, "net.yaml"),
      network({ vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0a", "subnet-0b"] }),
    );
    expect((await run("apply", "-f", join(dir, "net.yaml"))).out).toContain("configured");
    const generation = await run("get", "tn", "net-k", "-o", "jsonpath={.metadata.generation} {.spec.subnetIds}");
    expect(generation.out).toBe('2 ["subnet-0a","subnet-0b"]');
  });

  test("kubectl apply of an invalid object fails with the field and the reason", async () => {
    await writeFile(
      join(dir, "bad.yaml"),
      network({ vpcId: "not-a-vpc", subnetIds: ["subnet-0a"] }).replace("net-k", "net-bad"),
    );
    const r = await run("apply", "-f", join(dir, "bad.yaml"));
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(`spec.vpcId: Invalid value: "not-a-vpc": spec.vpcId in body should match`);
  });

  test("kubectl apply refuses an unknown field, as a real server with strict field validation", async () => {
    await writeFile(
      join(dir, "unknown.yaml"),
      network({ vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0a"], colour: "red" }).replace(
        "net-k",
        "net-unknown",
      ),
    );
    const r = await run("apply", "-f", join(dir, "unknown.yaml"));
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('unknown field "spec.colour"');
  });

  test("kubectl delete removes the object and then the CRD", async () => {
    expect((await run("delete", "tn", "net-k")).out).toContain("deleted");
    expect((await run("get", "tn", "-o", "name")).out).not.toContain("net-k");
    expect((await run("delete", "-f", join(dir, "crd.yaml"))).code).toBe(0);
    expect(sandbox.admin.objects("customresourcedefinitions")).toEqual([]);
  });
});
