/**
 * Two real `ecsnet run --leader-elect` processes on one Lease: exactly one leads and reconciles; when it
 * is killed (SIGKILL: no release, the Lease must expire) the standby takes over and finishes the work.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  PEN,
  conditionOf,
  eventually,
  metricValue,
  readLease,
  spawnOperator,
  startE2eWorld,
  type E2eWorld,
  type OperatorProcess,
} from "../helpers/operator.js";
import { getNetwork, networkManifest, owned, viewVpc } from "./aws-world.js";

let world: E2eWorld;
let ops: OperatorProcess[];

/** Short timings so a takeover takes seconds (the defaults are 15 / 10 / 2 s). */
const LEASE_FLAGS = ["--lease-duration", "3", "--renew-deadline", "2", "--retry-period", "0.3"];

beforeAll(async () => {
  world = await startE2eWorld();
  ops = await Promise.all(
    ["op-a", "op-b"].map((identity) => spawnOperator(world, { identity, leaderElect: true, args: LEASE_FLAGS })),
  );
});

afterAll(async () => {
  await world?.close();
});

/** `ecsnet_leader` of one process (1 leading, 0 standing by). */
const leaderGauge = async (op: OperatorProcess): Promise<number | undefined> =>
  metricValue((await op.http("/metrics")).body, "ecsnet_leader", { name: "ecsnet-leader" });

/** Wait until exactly one of `candidates` leads, by the Lease and by its own gauge; returns it. */
async function theLeader(candidates: OperatorProcess[]): Promise<OperatorProcess> {
  return eventually(
    async () => {
      const holder = (await readLease(world))?.spec?.holderIdentity;
      const leader = candidates.find((o) => o.identity === holder);
      if (!leader) throw new Error(`Lease held by ${holder ?? "nobody"}`);
      const gauges = await Promise.all(candidates.map(leaderGauge));
      if (gauges.filter((g) => g === 1).length !== 1 || (await leaderGauge(leader)) !== 1)
        throw new Error(`leader gauges ${JSON.stringify(gauges)}, Lease holder ${holder}`);
      return leader;
    },
    { what: "exactly one instance leads" },
  );
}

/** Wait until network `name` is Ready at generation 1. */
const ready = (name: string) =>
  eventually(
    async () => {
      const n = await getNetwork(world, name);
      if (conditionOf(n, "Ready")?.status !== "True" || n?.status?.observedGeneration !== 1)
        throw new Error(`${name} not Ready: ${JSON.stringify(n?.status?.conditions ?? null)}`);
      return n!;
    },
    { what: `${name} is Ready` },
  );

describe("two instances with leader election", () => {
  it("elect exactly one leader, and both answer ready", async () => {
    const leader = await theLeader(ops);
    const standby = ops.find((o) => o !== leader)!;
    expect(await leaderGauge(standby)).toBe(0);
    for (const o of ops) expect((await o.http("/readyz")).status).toBe(200);
  });

  it("let only the leader reconcile, and the standby take over and finish the work once the leader is killed", async () => {
    const leader = await theLeader(ops);
    const standby = ops.find((o) => o !== leader)!;
    const vpcA = await world.newVpc();
    await world.kube.create({ resource: PEN, body: networkManifest(world, "before-kill", vpcA) });
    await ready("before-kill");
    const reconciles = async (o: OperatorProcess) =>
      metricValue((await o.http("/metrics")).body, "ecsnet_reconcile_total", { controller: "privateecsnetwork" }) ?? 0;
    expect(await reconciles(leader)).toBeGreaterThan(0);
    expect(await reconciles(standby)).toBe(0);

    leader.child.kill("SIGKILL");
    await leader.exited;
    // Applied after the leader died: only the new leader can make it Ready.
    const vpcB = await world.newVpc();
    await world.kube.create({ resource: PEN, body: networkManifest(world, "after-kill", vpcB) });
    const b = await ready("after-kill");
    expect(await theLeader([standby])).toBe(standby);
    expect((await readLease(world))?.spec?.holderIdentity).toBe(standby.identity);
    const mine = owned(await viewVpc(world, vpcB.vpcId), b.metadata.uid!);
    expect(mine.endpoints).toHaveLength(4);
    expect(mine.securityGroups).toHaveLength(1);
    // The object the old leader made is the new leader's now: it is swept and stays Ready.
    expect(conditionOf(await getNetwork(world, "before-kill"), "Ready")?.status).toBe("True");
  });

  it("hand over at once when the leader is stopped with SIGTERM: it releases the Lease and exits 0", async () => {
    const standby = await spawnOperator(world, { identity: "op-c", leaderElect: true, args: LEASE_FLAGS });
    const leader = await theLeader(ops.filter((o) => o.child.exitCode === null && o.child.signalCode === null));
    const stoppedAt = Date.now();
    expect(await leader.stop("SIGTERM")).toBe(0);
    expect(await theLeader([standby])).toBe(standby);
    // Released, not expired: the standby did not have to wait out the 3 s lease.
    expect(Date.now() - stoppedAt).toBeLessThan(3_000);
    const vpc = await world.newVpc();
    await world.kube.create({ resource: PEN, body: networkManifest(world, "after-handover", vpc) });
    await ready("after-handover");
  });
});
