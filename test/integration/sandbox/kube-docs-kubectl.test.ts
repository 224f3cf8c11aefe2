/**
 * Every kubectl command the project prints runs here, with the real kubectl, against the sandbox
 * Kubernetes API: so a command the docs or the demo show cannot be one kubectl refuses.
 *
 * The commands are extracted, not listed, so a new line cannot escape:
 * - README.md and every docs/**\/*.md: lines of fenced code blocks that start with `kubectl` or
 *   `$ kubectl` (a trailing `# comment` is dropped), and inline code spans `` `kubectl <verb> <arg>...` ``
 *   (a span naming only a tool or a verb, as in "`kubectl apply`", is prose, not a command);
 * - operator/cli/demo*.ts: every string that prints `kubectl ...` (`${...}` holes are the kubeconfig).
 * Placeholders are filled from PLACEHOLDERS; an unknown one fails the test. A verb that needs running
 * Pods (logs, exec, port-forward: NEEDS_PODS says why) is only checked to be a kubectl verb.
 *
 * The commands run in three phases: apply first, then everything that reads (explain, get, get -w,
 * describe, wait), then delete. Each must exit 0 with nothing on stderr but kubectl's warnings. When a
 * doc shows the output under a `$ kubectl get ...` line, the column headers must be the ones kubectl
 * prints. A watch passes when it prints its table and keeps running (it is then stopped).
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCrdDir } from "../../../operator/sandbox/kube/crd-files.js";
import { startKubeSandbox, type KubeSandbox } from "../../../operator/sandbox/kube/server.js";
import { hasKubectl } from "../../helpers/tools.js";

/** Values for the placeholders docs use. */
const PLACEHOLDERS: Record<string, string> = { "<field>": "egress" };

/**
 * Verbs that need what no sandbox has (running Pods), with the reason. A command with one of them is
 * only checked to name a real kubectl verb; everything else must run.
 */
const NEEDS_PODS: Record<string, string> = {
  logs: "the sandbox runs no Pods, so there are no container logs",
  exec: "the sandbox runs no Pods",
  "port-forward": "the sandbox runs no Pods",
};

interface DocCommand {
  /** file:line it comes from */
  readonly source: string;
  readonly command: string;
  /** The output the doc shows under it (fenced blocks only), first line = the header. */
  readonly shownOutput: readonly string[];
}

async function markdownFiles(): Promise<string[]> {
  const out = ["README.md"];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(dir, e.name));
      else if (e.name.endsWith(".md")) out.push(join(dir, e.name));
    }
  };
  await walk("docs");
  return out;
}

/** The kubectl commands of one markdown text. */
export function commandsInMarkdown(file: string, text: string): DocCommand[] {
  const out: DocCommand[] = [];
  const lines = text.split("\n");
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      const m = /^\s*(\$ )?(kubectl .*)$/.exec(line);
      if (!m) continue;
      const shownOutput: string[] = [];
      if (m[1]) {
        for (let j = i + 1; j < lines.length && !/^\s*(\$ |```)/.test(lines[j] ?? ""); j++)
          shownOutput.push(lines[j] ?? "");
      }
      out.push({ source: `${file}:${i + 1}`, command: (m[2] ?? "").replace(/\s+#.*$/, "").trim(), shownOutput });
      continue;
    }
    for (const span of line.matchAll(/`(kubectl [^`]+)`/g)) {
      const cmd = span[1] ?? "";
      const words = cmd.split(/\s+/);
      // `kubectl apply`, `kubectl --validate=strict`: a tool or a verb named in prose, not a command
      if (words.length < 3 || (words[1] ?? "").startsWith("-")) continue;
      out.push({ source: `${file}:${i + 1}`, command: cmd, shownOutput: [] });
    }
  }
  return out;
}

/** The kubectl commands a TypeScript source prints (string and template literals). */
export function commandsInSource(file: string, text: string, kubeconfig: string): DocCommand[] {
  const out: DocCommand[] = [];
  text.split("\n").forEach((line, i) => {
    if (/^\s*(\*|\/\/)/.test(line)) return; // comments
    for (const m of line.matchAll(/[`"'](?:[^`"']*?\s)?(kubectl (?:--kubeconfig \$\{[^}]+\} )?[a-z][^`"'#]*)/g)) {
      const cmd = (m[1] ?? "").replace(/\$\{[^}]+\}/g, kubeconfig).trim();
      out.push({ source: `${file}:${i + 1}`, command: cmd, shownOutput: [] });
    }
  });
  return out;
}

/** Split a command line like a shell (single and double quotes, no expansion). */
function argv(command: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3] ?? "");
  return out;
}

const phase = (c: DocCommand): number => {
  const verb = argv(c.command).filter((w, i, all) => !w.startsWith("-") && all[i - 1] !== "--kubeconfig")[1];
  return verb === "apply" || verb === "create" ? 0 : verb === "delete" ? 2 : 1;
};

const kubectlInstalled = hasKubectl;
if (!kubectlInstalled) console.warn("skipping the kubectl commands of the docs: kubectl is not installed");

let sandbox: KubeSandbox;
let dir: string;
let kubeconfig: string;
const all: DocCommand[] = [];

/** Run one command line; a watch (`-w`) is stopped once it printed its table. */
function run(command: string): Promise<{ code: number | null; out: string; err: string; watched: boolean }> {
  const args = argv(command).slice(1);
  const watch = args.includes("-w") || args.includes("--watch");
  return new Promise((resolve) => {
    const p = spawn("kubectl", args, { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: dir } });
    let out = "";
    let err = "";
    let watched = false;
    const timer = setTimeout(() => p.kill("SIGTERM"), watch ? 15_000 : 30_000);
    p.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (watch && out.trim().split("\n").length >= 2 && !watched) {
        watched = true; // the table is there and the watch is still open: enough
        p.kill("SIGTERM");
      }
    });
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, watched });
    });
  });
}

async function api(method: string, path: string, body: unknown, contentType = "application/json"): Promise<void> {
  const r = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { "content-type": contentType },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
}

/** The objects the docs' examples name: networks prod and shop-prod in namespace platform, Ready. */
async function seedExamples(): Promise<void> {
  await api("POST", "/api/v1/namespaces", { metadata: { name: "platform" } });
  const base = "/apis/ecsnet.dev/v1alpha1/namespaces/platform";
  for (const name of ["prod", "shop-prod"]) {
    await api("POST", `${base}/privateecsnetworks`, {
      apiVersion: "ecsnet.dev/v1alpha1",
      kind: "PrivateEcsNetwork",
      metadata: { name },
      spec: { vpcId: "vpc-0123456789abcdef0", privateSubnets: { ids: ["subnet-0123456789abcdef0"] } },
    });
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    await api(
      "PATCH",
      `${base}/privateecsnetworks/${name}/status`,
      {
        status: {
          observedGeneration: 1,
          readyEndpoints: "4/4",
          conditions: [
            {
              type: "Ready",
              status: "True",
              reason: "Converged",
              message: "ok",
              lastTransitionTime: now,
              observedGeneration: 1,
            },
          ],
        },
      },
      "application/merge-patch+json",
    );
  }
  await api("POST", `${base}/ecraccesses`, {
    apiVersion: "ecsnet.dev/v1alpha1",
    kind: "EcrAccess",
    metadata: { name: "web" },
    spec: { networkRef: { name: "prod" }, repositories: ["team/web"] },
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ecsnet-docs-kubectl-"));
  kubeconfig = join(dir, "kubeconfig");
  for (const f of await markdownFiles()) all.push(...commandsInMarkdown(f, await readFile(f, "utf8")));
  for (const f of ["operator/cli/demo.ts", "operator/cli/demo-view.ts"])
    all.push(...commandsInSource(f, await readFile(f, "utf8"), kubeconfig));
  all.sort((a, b) => phase(a) - phase(b));
  sandbox = await startKubeSandbox({ crds: await loadCrdDir("crds") });
  await sandbox.writeKubeconfig(kubeconfig);
  await seedExamples();
});
afterAll(async () => {
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the kubectl commands of README.md, docs/ and the demo", () => {
  test("are found (the extraction itself works)", () => {
    const commands = all.map((c) => c.command);
    expect(commands).toEqual(
      expect.arrayContaining([
        "kubectl apply -k deploy/",
        "kubectl apply --server-side -k deploy/",
        `kubectl --kubeconfig ${kubeconfig} get privateecsnetworks -A -o wide -w`,
        "kubectl get pen -A",
      ]),
    );
    expect(commands.filter((c) => /,\S+ .*-w\b/.test(c))).toEqual([]); // a watch of several types
  });

  const itIfKubectl = kubectlInstalled ? test : test.skip;
  itIfKubectl(
    "each runs and succeeds against the sandbox",
    async () => {
      const failures: string[] = [];
      for (const c of all) {
        let command = c.command;
        for (const [k, v] of Object.entries(PLACEHOLDERS)) command = command.replaceAll(k, v);
        if (/<[a-z-]+>/.test(command)) {
          failures.push(`${c.source}: unknown placeholder in "${c.command}" (add it to PLACEHOLDERS)`);
          continue;
        }
        const verb = argv(command).filter((w, i, a) => !w.startsWith("-") && a[i - 1] !== "--kubeconfig")[1] ?? "";
        if (NEEDS_PODS[verb]) {
          const help = await run(`kubectl ${verb} --help`);
          if (help.code !== 0) failures.push(`${c.source}: ${command}\n  kubectl has no verb ${verb}`);
          continue;
        }
        const r = await run(command);
        const errors = r.err.split("\n").filter((l) => l.trim() && !/^Warning: /.test(l) && !/^\s*$/.test(l));
        const ok = (r.code === 0 || r.watched) && errors.length === 0;
        if (!ok) {
          failures.push(`${c.source}: ${command}\n  exit ${String(r.code)}: ${r.err.trim() || r.out.trim()}`);
          continue;
        }
        if (c.shownOutput.length > 0) {
          const shown = (c.shownOutput[0] ?? "").trim().split(/\s+/);
          const got = (r.out.split("\n")[0] ?? "").trim().split(/\s+/);
          if (shown.join(" ") !== got.join(" "))
            failures.push(
              `${c.source}: ${command}\n  the doc shows columns ${shown.join(" ")}, kubectl prints ${got.join(" ")}`,
            );
        }
      }
      expect(failures).toEqual([]);
    },
    240_000,
  );
});
