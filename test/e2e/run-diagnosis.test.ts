/**
 * `ecsnet run` says why it cannot work: against the sandbox Kubernetes API with the Lease's namespace
 * missing, the CRDs not installed, RBAC forbidding the list, and no API server at all, the process stays up,
 * `/readyz` fails naming the cause and the fix, `/healthz` stays ok (restarting would not help), the cause
 * is logged once as one line (no stack, no escaped JSON) with an ISO timestamp, and no object's status is
 * written.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kinds } from "../../operator/api/group.js";
import { KubeClient, loadKubeConfig } from "../../operator/kube/client.js";
import type { KubeSandbox } from "../../operator/sandbox/kube/server.js";
import { startKubeForTests } from "../helpers/kube-sandbox.js";

type Line = Record<string, unknown> & { level?: number; msg?: string; time?: unknown };

interface Run {
  child: ChildProcess;
  lines: Line[];
  raw: string[];
  port: number;
}

const running = new Set<ChildProcess>();
afterEach(() => {
  for (const c of running) c.kill("SIGKILL");
  running.clear();
});

const dir = mkdtempSync(join(tmpdir(), "ecsnet-diag-"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Spawn `ecsnet run` with fast election timing; resolves once its HTTP port is known. */
async function run(kubeconfig: string, args: string[] = []): Promise<Run> {
  const child = spawn(
    process.execPath,
    [
      "bin/ecsnet.js",
      "run",
      "--kubeconfig",
      kubeconfig,
      "--http-host",
      "127.0.0.1",
      "--http-port",
      "0",
      "--region",
      "us-east-1",
      "--lease-duration",
      "1.5",
      "--renew-deadline",
      "1",
      "--retry-period",
      "0.1",
      ...args,
    ],
    {
      env: { PATH: process.env.PATH ?? "", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  running.add(child);
  const r: Run = { child, lines: [], raw: [], port: 0 };
  let partial = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    for (const text of parts.filter((t) => t.trim())) {
      r.raw.push(text);
      try {
        r.lines.push(JSON.parse(text) as Line);
      } catch {
        r.lines.push({ msg: text });
      }
    }
  });
  const deadline = Date.now() + 15_000;
  while (!r.port) {
    const started = r.lines.find((l) => l.msg === "ecsnet operator started");
    if (started) r.port = started.port as number;
    else if (Date.now() > deadline || child.exitCode !== null) throw new Error(`did not start:\n${r.raw.join("\n")}`);
    else await sleep(50);
  }
  return r;
}

async function probe(port: number, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, text: await res.text() };
}

/** Wait until /readyz fails with a body matching `re`; then let the retry loops run a while longer. */
async function notReadyBecause(r: Run, re: RegExp): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ready = await probe(r.port, "/readyz");
    if (ready.status === 503 && re.test(ready.text)) {
      await sleep(1_500); // ~15 retry periods: the cause must still be logged only once
      return ready.text;
    }
    if (Date.now() > deadline) throw new Error(`/readyz never matched ${re}: ${ready.status} ${ready.text}`);
    await sleep(100);
  }
}

/** Every line logged at error level or above. */
const errors = (r: Run) => r.lines.filter((l) => (l.level ?? 0) >= 50);

function expectOneLinePerCause(r: Run, reason: string, count = 1): Line[] {
  const lines = errors(r).filter((l) => l.reason === reason);
  expect(lines).toHaveLength(count);
  for (const l of lines) {
    expect(typeof l.time === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(l.time)).toBe(true);
    expect(JSON.stringify(l)).not.toMatch(/\\"kind\\"|"stack"|\\n\s+at /);
  }
  return lines;
}

async function sandbox(withCrds: boolean): Promise<{ kube: KubeSandbox; kubeconfig: string; client: KubeClient }> {
  const kube = await startKubeForTests(withCrds ? "crds" : "", { port: 0, includeTestCrd: false });
  const kubeconfig = join(dir, `kubeconfig-${kube.url.split(":").pop()}`);
  await kube.writeKubeconfig(kubeconfig);
  return { kube, kubeconfig, client: new KubeClient(loadKubeConfig({ yaml: kube.kubeconfig })) };
}

describe("ecsnet run says why it cannot work", () => {
  it("the Lease's namespace is missing: not ready with the fix, logged once, no status written; ready once created", async () => {
    const { kube, kubeconfig, client } = await sandbox(true);
    try {
      await client.create({
        resource: Kinds.PrivateEcsNetwork,
        body: {
          apiVersion: "ecsnet.dev/v1alpha1",
          kind: "PrivateEcsNetwork",
          metadata: { name: "apps", namespace: "default" },
          spec: { vpcId: "vpc-0123456789abcdef0", privateSubnets: { ids: ["subnet-0123456789abcdef0"] } },
        },
      });
      const r = await run(kubeconfig);
      const why = await notReadyBecause(r, /namespace ecsnet-system does not exist/);
      expect(why).toContain("kubectl create namespace ecsnet-system");
      expect((await probe(r.port, "/healthz")).status).toBe(200);
      const [line] = expectOneLinePerCause(r, "NamespaceMissing");
      expect(line!.msg).toMatch(/^cannot create leases\.coordination\.k8s\.io in namespace ecsnet-system: .*; fix: /);
      const obj = await client.get({ resource: Kinds.PrivateEcsNetwork, namespace: "default", name: "apps" });
      expect(obj?.status).toBeUndefined();

      await client
        .create({
          resource: { group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false },
          body: { metadata: { name: "ecsnet-system" } },
        })
        .catch(async () => {
          // KubeClient speaks only API groups; the core group's namespaces go through a plain request.
          const res = await fetch(`${kube.url}/api/v1/namespaces`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "ecsnet-system" } }),
          });
          expect(res.status).toBe(201);
        });
      const deadline = Date.now() + 10_000;
      while ((await probe(r.port, "/readyz")).status !== 200 && Date.now() < deadline) await sleep(100);
      expect((await probe(r.port, "/readyz")).status).toBe(200);
      expect(r.lines.some((l) => l.reason === "NamespaceMissing" && /^resolved: /.test(String(l.msg)))).toBe(true);
    } finally {
      await kube.close();
    }
  });

  it("the CRDs are not installed: not ready, one line per missing CRD naming kubectl apply -f crds/", async () => {
    const { kube, kubeconfig } = await sandbox(false);
    try {
      const r = await run(kubeconfig, ["--no-leader-elect"]);
      const why = await notReadyBecause(
        r,
        /^(?=[\s\S]*does not serve privateecsnetworks)(?=[\s\S]*does not serve ecraccesses)(?=[\s\S]*does not serve awsaccounts)/,
      );
      expect(why).toContain("install the CRDs: kubectl apply -f crds/");
      expect((await probe(r.port, "/healthz")).status).toBe(200);
      const lines = expectOneLinePerCause(r, "CrdNotInstalled", 3);
      expect(lines.map((l) => l.informer).sort()).toEqual(["awsaccounts", "ecraccesses", "privateecsnetworks"]);
    } finally {
      await kube.close();
    }
  });

  it("RBAC forbids listing: not ready, quoting who was refused what, with the RBAC fix", async () => {
    const { kube, kubeconfig } = await sandbox(true);
    try {
      kube.admin.failNext({ verb: "list", resource: "privateecsnetworks", status: 403, count: 1_000_000 });
      const r = await run(kubeconfig, ["--no-leader-elect"]);
      const why = await notReadyBecause(r, /forbidden/);
      expect(why).toContain(
        'User "system:serviceaccount:ecsnet-system:ecsnet" cannot list resource "privateecsnetworks" in API group "ecsnet.dev" at the cluster scope',
      );
      expect(why).toContain("deploy/rbac.yaml");
      expect((await probe(r.port, "/healthz")).status).toBe(200);
      expectOneLinePerCause(r, "Forbidden");
    } finally {
      await kube.close();
    }
  });

  it("no API server answers: not ready naming the address and the refusal, still alive", async () => {
    const { kube, kubeconfig } = await sandbox(true);
    await kube.close();
    const r = await run(kubeconfig);
    const why = await notReadyBecause(r, /unreachable \(ECONNREFUSED\)/);
    expect(why).toContain(`at ${kube.url}`);
    expect((await probe(r.port, "/healthz")).status).toBe(200);
    // Two informers and the elector each explain it once.
    // One line per informer (networks, accesses, AwsAccounts, Namespaces) and one for the Lease.
    expectOneLinePerCause(r, "ApiServerUnreachable", 5);
  });
});
