import { LeaseElector, kubeLeaseStore, LEASE } from "../../../operator/kube/lease.js";
import { eventually, startWorld, type World } from "./world.js";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.sandbox.close());

/** Fast timings so handovers take about a second: 1.5 s lease, 1 s renew deadline, 100 ms retry. */
const timing = { leaseDurationMs: 1_500, renewDeadlineMs: 1_000, retryPeriodMs: 100 };

function elector(lease: string, identity: string, log: string[]) {
  const e = new LeaseElector({
    store: kubeLeaseStore(world.client, { namespace: "default", name: lease }),
    identity,
    name: lease,
    ...timing,
  });
  e.start({
    onStartedLeading: () => log.push(`${identity} leads`),
    onStoppedLeading: () => log.push(`${identity} stops`),
  });
  return e;
}

const holder = async (name: string) =>
  ((await world.client.get({ resource: LEASE, namespace: "default", name }))?.spec as { holderIdentity?: string })
    ?.holderIdentity;

describe("LeaseElector on the Kubernetes API", () => {
  it("lets exactly one of two instances lead, and records it on the Lease", async () => {
    const log: string[] = [];
    const a = elector("one-leader", "a", log);
    const b = elector("one-leader", "b", log);
    try {
      await eventually(() => a.role() !== "unknown" && b.role() !== "unknown", "both know their role");
      await new Promise((r) => setTimeout(r, 500));
      const roles = [a.role(), b.role()];
      expect(roles.sort()).toEqual(["leader", "standby"]);
      const leader = a.role() === "leader" ? "a" : "b";
      expect(await holder("one-leader")).toBe(leader);
      expect(log).toEqual([`${leader} leads`]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it("the standby takes over within the lease duration when the leader stops renewing", async () => {
    const log: string[] = [];
    const a = elector("takeover", "a", log);
    await eventually(() => a.role() === "leader", "a leads");
    const b = elector("takeover", "b", log);
    try {
      await eventually(() => b.role() === "standby", "b is standby");
      // a dies: its loop stops without releasing the Lease.
      (a as unknown as { stopped: boolean }).stopped = true;
      const died = Date.now();
      await eventually(() => b.role() === "leader", "b takes over", 5_000);
      // Within the lease duration of the last renewal, plus one retry period and some slack for a loaded machine.
      expect(Date.now() - died).toBeLessThan(timing.leaseDurationMs + 1_000);
      expect(await holder("takeover")).toBe("b");
    } finally {
      await b.stop();
    }
  });

  it("releasing the Lease on stop lets the standby take over at once", async () => {
    const log: string[] = [];
    const a = elector("release", "a", log);
    await eventually(() => a.role() === "leader", "a leads");
    const b = elector("release", "b", log);
    try {
      await eventually(() => b.role() === "standby", "b is standby");
      const stopped = Date.now();
      await a.stop();
      await eventually(() => b.role() === "leader", "b takes over");
      expect(Date.now() - stopped).toBeLessThan(timing.leaseDurationMs);
      expect(log).toEqual(["a leads", "a stops", "b leads"]);
    } finally {
      await b.stop();
    }
  });

  it("a leader that cannot renew steps down before anyone else may lead", async () => {
    const log: string[] = [];
    const a = elector("deadline", "a", log);
    try {
      await eventually(() => a.role() === "leader", "a leads");
      // ~15 failed reads at 100 ms cover the 1 s renew deadline; afterwards the API recovers.
      world.sandbox.admin.failNext({ verb: "get", resource: "leases", status: 500, count: 15 });
      await eventually(() => a.role() === "standby", "a steps down", 3_000);
      expect(log).toEqual(["a leads", "a stops"]);
    } finally {
      await a.stop();
    }
  });
});
