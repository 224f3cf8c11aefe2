/**
 * Crash at every boundary, as processes. The real CLI (`ecsnet apply -f` / `ecsnet destroy -f`) and,
 * separately, the real operator (`ecsnet run`) are SIGKILLed right after the N-th mutating EC2 call for a
 * network, for every N of a cold apply of a large network (EC2 launch type endpoints plus an extra, the S3
 * gateway, NAT gateways one per AZ) and of its teardown; a new process then finishes the job. Afterwards:
 * no duplicate endpoint, NAT gateway or security group, no leaked Elastic IP, no blackholed route. All of it
 * again with the sandbox's eventual consistency on (new resources missing from Describe for a few seconds).
 *
 * How the kill lands exactly on a boundary: the sandbox counts mutations per ecsnet object (its owner uid)
 * and, at that object's N (`parkAfterMutations`), applies the call but holds its answer, then parks every
 * later mutation for it unapplied. Each boundary N gets its own network (own VPC, own owner) stopped at N:
 * - the CLI handles one file's networks one after another, so each N runs in its own `ecsnet` process,
 *   killed once parked; one process then applies (or destroys) all of them;
 * - the operator reconciles networks concurrently, so ONE `ecsnet run` carries every N at once: it is killed
 *   once every network has parked at its own N, and a second process finishes them all.
 * M (the number of mutations of an uninterrupted run) is counted first with the same reconcile in process.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { FINALIZER } from "../../operator/api/group.js";
import { converge, localAws } from "../../operator/cli/local.js";
import { fileOwnerUid } from "../../operator/cli/manifest.js";
import type { KubeObject } from "../../operator/kube/client.js";
import type { SeedResult } from "../../operator/sandbox/aws/server.js";
import { PEN, conditionOf, eventually, spawnOperator, startE2eWorld, type E2eWorld } from "../helpers/operator.js";
import { ownedWorld, type OwnedWorld } from "../helpers/sandbox-world.js";
import { spawnEcsnet, type CliResult } from "../helpers/cli.js";

let world: E2eWorld;
const dir = mkdtempSync(join(tmpdir(), "ecsnet-crash-"));
/** Killed CLI processes at a time. */
const PARALLEL = 8;
const EC_MS = 2_000;
const FAST = ["--ec2-rate-scale", "50"];

beforeAll(async () => {
  // The in-process reconciles (counting M, preparing teardowns) use the SDK's standard chain like the CLI.
  process.env.AWS_ACCESS_KEY_ID ??= "test";
  process.env.AWS_SECRET_ACCESS_KEY ??= "test";
  world = await startE2eWorld({ aws: { delays: { natGatewayAvailableMs: 300, endpointAvailableMs: 200 } } });
});
afterAll(async () => {
  await world?.close();
});

const sandbox = () => world.awsSandbox!;
let runId = 0;

/** One network of a boundary list: its VPC, owner and name. */
interface Net {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly vpc: SeedResult;
}

function spec(vpc: SeedResult): Record<string, unknown> {
  return {
    vpcId: vpc.vpcId,
    region: world.region,
    privateSubnets: { ids: vpc.privateSubnetIds },
    launchTypes: ["EC2"],
    endpoints: { extra: ["secretsmanager"] },
    egress: { mode: "NatGateway", natGateway: { placement: "OnePerAz", publicSubnetIds: vpc.publicSubnetIds } },
    tags: { team: "platform" },
  };
}

/** Whole: one of everything, nothing leaked, nothing blackholed. */
function expectWhole(w: OwnedWorld, vpc: SeedResult, what: string): void {
  expect({ what, ...w }).toMatchObject({ what, duplicates: 0, securityGroups: 1, addresses: 2, idleAddresses: 0 });
  expect({ what, blackholes: w.blackholes, endpoints: Object.keys(w.endpoints).length }).toEqual({
    what,
    blackholes: 0,
    endpoints: 8,
  });
  expect({ what, nats: Object.keys(w.natGateways).sort() }).toEqual({ what, nats: [...vpc.publicSubnetIds].sort() });
  expect({ what, routes: Object.keys(w.natRoutes).sort() }).toEqual({
    what,
    routes: [...vpc.privateRouteTableIds].sort(),
  });
}

/** Gone: nothing of ours left, and no route left pointing at what was. */
function expectGone(w: OwnedWorld, what: string): void {
  expect({ what, ...w }).toEqual({
    what,
    endpoints: {},
    natGateways: {},
    securityGroups: 0,
    addresses: 0,
    idleAddresses: 0,
    blackholes: 0,
    natRoutes: {},
    duplicates: 0,
  });
}

const scope = (n: Net) => `uid:${n.uid}`;
const isParked = (n: Net) =>
  sandbox()
    .admin.parked()
    .some((p) => p.accessKeyId === scope(n) && p.applied);
/** Stop every network of `nets` at its own boundary: the i-th after mutation i+1 from now. */
function parkAt(nets: readonly Net[]): void {
  const done = sandbox().admin.mutations();
  const rules = Object.fromEntries(nets.map((n, i) => [scope(n), (done[scope(n)] ?? 0) + i + 1]));
  sandbox().admin.setFaults({ parkAfterMutations: { ...sandbox().admin.faults().parkAfterMutations, ...rules } });
}

/**
 * Every network was stopped at its boundary, or its run finished with fewer mutations than that boundary
 * (with eventual consistency on, a run's count varies by a few: then that boundary did not exist in it).
 */
function expectEveryBoundaryHit(nets: readonly Net[]): void {
  const limits = sandbox().admin.faults().parkAfterMutations;
  const counts = sandbox().admin.mutations();
  const missed = nets.filter((n) => !isParked(n) && (counts[scope(n)] ?? 0) >= (limits[scope(n)] ?? 0));
  expect(missed.map((n) => n.name)).toEqual([]);
  expect(nets.filter(isParked).length).toBeGreaterThanOrEqual(nets.length - 3);
}

/**
 * A restart takes a moment (a pod rescheduled, a person re-running the command): at least the eventual
 * consistency window, so the new process sees what the killed one made. Within its own run, creations stay
 * invisible for the window as usual.
 */
const restartDelay = () => new Promise((r) => setTimeout(r, sandbox().admin.faults().eventualConsistencyMs));

/** Lift the boundaries of `nets`: the next process must be free to finish their work. */
function unpark(nets: readonly Net[]): void {
  const keep = { ...sandbox().admin.faults().parkAfterMutations };
  for (const n of nets) delete keep[scope(n)];
  sandbox().admin.setFaults({ parkAfterMutations: keep });
}

/** Make `n` converge (or be torn down) in this process: the same reconcile the CLI and the operator run. */
async function reconcileInProcess(n: Net, deleting: boolean): Promise<void> {
  const aws = await localAws({ region: world.region, endpoint: world.awsEndpoint, ec2RateScale: 50 });
  try {
    const m = { owner: { namespace: n.namespace, name: n.name, uid: n.uid }, generation: 1, rawSpec: spec(n.vpc) };
    const r = await converge(aws.deps, m, { deleting, timeoutMs: 60_000, intervalMs: 200 });
    expect({
      end: r.end,
      why: r.end === (deleting ? "deleted" : "ready") ? "" : JSON.stringify(r.outcome.status.conditions?.[0]),
    }).toEqual({ end: deleting ? "deleted" : "ready", why: "" });
  } finally {
    aws.close();
  }
}

/** Mutations of an uninterrupted cold apply (and of its teardown), counted for a throwaway network. */
async function mutationsOf(verb: "apply" | "destroy"): Promise<number> {
  const n = cliNetwork();
  const count = () => sandbox().admin.mutations()[scope(n)] ?? 0;
  await reconcileInProcess(n, false);
  const applied = count();
  if (verb === "apply") return applied;
  await reconcileInProcess(n, true);
  return count() - applied;
}

async function pool(tasks: (() => Promise<void>)[], size: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: size }, worker));
}
const range = (m: number) => Array.from({ length: m }, (_, i) => i);

// ---- the CLI --------------------------------------------------------------------------------------------

function cliNetwork(): Net & { file: string } {
  const vpc = sandbox().admin.seed("two-az-vpc");
  const name = `crash-${++runId}`;
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(document(name, "crash", vpc)));
  return { name, namespace: "crash", uid: fileOwnerUid("crash", name), vpc, file };
}

const document = (name: string, namespace: string, vpc: SeedResult) => ({
  apiVersion: "ecsnet.dev/v1alpha1",
  kind: "PrivateEcsNetwork",
  metadata: { name, namespace },
  spec: spec(vpc),
});

function cli(args: string[]): { child: ChildProcess; done: Promise<CliResult> } {
  return spawnEcsnet(
    [...args, ...FAST],
    { endpoint: world.awsEndpoint, region: world.region },
    { AWS_CONFIG_FILE: "/nonexistent", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent", NODE_NO_WARNINGS: "1" },
  );
}

/** Kill `ecsnet <verb> -f` once the sandbox parked `n` at its boundary (or it finished first). */
async function cliKilledAtBoundary(verb: "apply" | "destroy", n: Net & { file: string }): Promise<void> {
  const run = cli([verb, "-f", n.file, "--timeout", "60s"]);
  let exited = false;
  void run.done.then(() => (exited = true));
  while (!isParked(n) && !exited) await new Promise((r) => setTimeout(r, 25));
  if (!exited) run.child.kill("SIGKILL");
  await run.done;
}

async function cliEveryBoundary(verb: "apply" | "destroy"): Promise<number> {
  const m = await mutationsOf(verb);
  const nets = range(m).map(() => cliNetwork());
  if (verb === "destroy") await Promise.all(nets.map((n) => reconcileInProcess(n, false)));
  parkAt(nets);
  await pool(
    nets.map((n) => () => cliKilledAtBoundary(verb, n)),
    PARALLEL,
  );
  expectEveryBoundaryHit(nets);
  unpark(nets);
  await restartDelay();
  // One run of the same command over every network finishes what the killed ones started.
  const all = join(dir, `all-${++runId}.yaml`);
  writeFileSync(all, nets.map((n) => stringify(document(n.name, n.namespace, n.vpc))).join("---\n"));
  const again = await cli([verb, "-f", all, "--timeout", "120s"]).done;
  expect({ code: again.code, out: again.code === 0 ? "" : again.out }).toEqual({ code: 0, out: "" });
  for (const [i, n] of nets.entries()) {
    const w = await ownedWorld(world.ec2, n.vpc.vpcId, n.uid);
    const what = `ecsnet ${verb} -f killed after mutation ${i + 1} of ${m}`;
    if (verb === "apply") expectWhole(w, n.vpc, what);
    else expectGone(w, what);
  }
  return m;
}

// ---- the operator -----------------------------------------------------------------------------------------

async function operatorNetworks(m: number, batch: string, teardown: boolean): Promise<Net[]> {
  const nets: Net[] = [];
  for (let i = 0; i < m; i++) {
    const vpc = sandbox().admin.seed("two-az-vpc");
    const name = `crash-${++runId}`;
    const created = await world.kube.create<KubeObject>({
      resource: PEN,
      body: {
        ...document(name, world.namespace, vpc),
        metadata: {
          name,
          namespace: world.namespace,
          labels: { "crash-batch": batch },
          // A teardown starts from a network made in process: the finalizer is what the operator would have set.
          ...(teardown ? { finalizers: [FINALIZER] } : {}),
        },
      } as KubeObject,
    });
    nets.push({ name, namespace: world.namespace, uid: created.metadata.uid!, vpc });
  }
  if (teardown) {
    await Promise.all(nets.map((n) => reconcileInProcess(n, false)));
    for (const n of nets) await world.kube.delete({ resource: PEN, namespace: world.namespace, name: n.name });
  }
  return nets;
}

const operatorFor = (batch: string, m: number) =>
  spawnOperator(world, {
    args: ["--selector", `crash-batch=${batch}`],
    env: { ECSNET_LOG_LEVEL: "info", ECSNET_CONCURRENCY: String(m) },
  });

async function isDone(n: Net, teardown: boolean): Promise<boolean> {
  const o = await world.kube.get<KubeObject>({ resource: PEN, namespace: world.namespace, name: n.name });
  return teardown ? o === undefined : conditionOf(o as never, "Ready")?.status === "True";
}

async function operatorEveryBoundary(verb: "apply" | "destroy"): Promise<number> {
  const teardown = verb === "destroy";
  const m = await mutationsOf(verb);
  const batch = `b${++runId}`;
  const nets = await operatorNetworks(m, batch, teardown);
  parkAt(nets);
  const first = await operatorFor(batch, m);
  await eventually(
    async () => {
      const waiting = [];
      for (const n of nets) if (!isParked(n) && !(await isDone(n, teardown))) waiting.push(n.name);
      if (waiting.length > 0) throw new Error(`not at their boundary yet: ${waiting.join(", ")}`);
    },
    { what: "every network is at its boundary", timeoutMs: 90_000, intervalMs: 50 },
  );
  first.child.kill("SIGKILL");
  await first.exited;
  expectEveryBoundaryHit(nets);
  unpark(nets);
  await restartDelay();
  const second = await operatorFor(batch, m);
  try {
    await eventually(
      async () => {
        const waiting = [];
        for (const n of nets) if (!(await isDone(n, teardown))) waiting.push(n.name);
        if (waiting.length > 0) throw new Error(`not finished: ${waiting.join(", ")}`);
      },
      { what: `every network ${teardown ? "is torn down" : "is Ready"} under the new process`, timeoutMs: 120_000 },
    );
    // The operator keeps reconciling: what it made while Describe could not see everything is cleaned up
    // (a spare Elastic IP released, a duplicate deleted) within a few sweeps.
    for (const [i, n] of nets.entries()) {
      const what = `ecsnet run (${verb}) killed after mutation ${i + 1} of ${m}`;
      await eventually(
        async () => {
          const w = await ownedWorld(world.ec2, n.vpc.vpcId, n.uid);
          if (teardown) expectGone(w, what);
          else expectWhole(w, n.vpc, what);
        },
        { what, timeoutMs: 30_000 },
      );
    }
  } finally {
    await second.stop();
  }
  return m;
}

// ---- every boundary, without and with eventual consistency ---------------------------------------------

describe.each([
  ["off", 0],
  ["on", EC_MS],
])("with eventual consistency %s", (_label, ecMs) => {
  beforeAll(() => sandbox().admin.setFaults({ eventualConsistencyMs: ecMs }));
  afterAll(() => sandbox().admin.setFaults({ eventualConsistencyMs: 0 }));

  it("ecsnet apply -f killed after each mutation of a cold apply converges when run again", async () => {
    expect(await cliEveryBoundary("apply")).toBeGreaterThanOrEqual(16);
  }, 300_000);

  it("ecsnet destroy -f killed after each mutation of a teardown leaves nothing when run again", async () => {
    expect(await cliEveryBoundary("destroy")).toBeGreaterThanOrEqual(13);
  }, 300_000);

  it("ecsnet run killed after each mutation of a cold apply converges under a new process", async () => {
    expect(await operatorEveryBoundary("apply")).toBeGreaterThanOrEqual(16);
  }, 300_000);

  it("ecsnet run killed after each mutation of a teardown finishes it under a new process", async () => {
    expect(await operatorEveryBoundary("destroy")).toBeGreaterThanOrEqual(13);
  }, 300_000);
});
