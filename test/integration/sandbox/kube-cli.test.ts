/** `ecsnet sandbox kube` in the foreground: it serves the CRDs of a folder and writes a usable kubeconfig. */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { runKubeSandboxForeground } from "../../../operator/sandbox/kube/cli.js";
import { TEST_CRD, TEST_GROUP, TEST_PLURAL, TEST_VERSION } from "../../helpers/kube-sandbox.js";

test("the foreground sandbox serves the folder's CRDs through the kubeconfig it wrote, until told to stop", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ecsnet-sandbox-cli-"));
  try {
    await writeFile(join(dir, "test-crd.yaml"), `# a comment document first\n---\n${stringify(TEST_CRD)}`);
    const lines: string[] = [];
    let stop: () => void = () => undefined;
    const until = new Promise<void>((resolve) => (stop = resolve));
    const running = runKubeSandboxForeground({
      port: 0,
      crdDir: dir,
      kubeconfigPath: join(dir, "kubeconfig"),
      out: (l) => lines.push(l),
      until,
    });
    for (let i = 0; i < 100 && lines.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(lines[0]).toMatch(/^sandbox Kubernetes API listening on http:\/\/127\.0\.0\.1:\d+ \(1 CRDs registered\)$/);
    expect(lines[1]).toContain(join(dir, "kubeconfig"));
    const kc = new KubeConfig();
    kc.loadFromString(await readFile(join(dir, "kubeconfig"), "utf8"));
    expect(kc.getCurrentContext()).toBe("ecsnet-sandbox");
    const list = (await kc
      .makeApiClient(CustomObjectsApi)
      .listClusterCustomObject({ group: TEST_GROUP, version: TEST_VERSION, plural: TEST_PLURAL })) as {
      items: unknown[];
    };
    expect(list.items).toEqual([]);
    stop();
    await running;
    await expect(fetch(kc.getCurrentCluster()?.server + "/version")).rejects.toThrow();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
