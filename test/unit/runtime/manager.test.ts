import { pino } from "pino";
import { Controller } from "../../../operator/runtime/controller.js";
import {
  Manager,
  type ElectionCallbacks,
  type Elector,
  type ElectorRole,
  type KeySource,
} from "../../../operator/runtime/manager.js";
import { createMetrics } from "../../../operator/observability/metrics.js";

const logger = pino({ level: "silent" });
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

/** A key source whose cache and sync state the test sets by hand. */
class FakeSource implements KeySource {
  readonly name = "fake";
  synced = false;
  cache = new Set<string>();
  started = false;
  private listeners = new Set<(k: string) => void>();
  start() {
    this.started = true;
  }
  async stop() {
    this.started = false;
  }
  hasSynced() {
    return this.synced;
  }
  keys() {
    return [...this.cache];
  }
  onKey(l: (k: string) => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  change(key: string) {
    this.cache.add(key);
    this.listeners.forEach((l) => l(key));
  }
}

/** An elector the test promotes and demotes. */
class FakeElector implements Elector {
  current: ElectorRole = "unknown";
  released = false;
  private cb: ElectionCallbacks = {};
  start(cb: ElectionCallbacks) {
    this.cb = cb;
  }
  role() {
    return this.current;
  }
  async stop() {
    if (this.current === "leader") this.released = true;
    this.become("standby");
  }
  become(role: ElectorRole) {
    const was = this.current;
    this.current = role;
    if (role === "leader" && was !== "leader") this.cb.onStartedLeading?.();
    if (was === "leader" && role !== "leader") this.cb.onStoppedLeading?.();
  }
}

function setup(withElector = true) {
  const runs: string[] = [];
  const source = new FakeSource();
  const elector = new FakeElector();
  const controller = new Controller({ name: "c", concurrency: 1, logger, reconcile: async (k) => (runs.push(k), {}) });
  const manager = new Manager({
    watches: [{ source, controller }],
    ...(withElector ? { elector } : {}),
    logger,
    metrics: createMetrics(undefined, { defaultMetrics: false }),
    graceMs: 100,
  });
  return { runs, source, elector, controller, manager };
}

describe("Manager", () => {
  it("does not reconcile while standby, though its informers run", async () => {
    const { runs, source, elector, manager } = setup();
    await manager.start();
    elector.become("standby");
    source.change("ns/a");
    await settle();
    expect(source.started).toBe(true);
    expect(runs).toEqual([]);
    await manager.stop();
  });

  it("runs every cached key once on becoming leader, then follows events", async () => {
    const { runs, source, elector, manager } = setup();
    await manager.start();
    source.change("ns/a");
    source.change("ns/b");
    elector.become("leader");
    await settle();
    expect(runs.sort()).toEqual(["ns/a", "ns/b"]);
    source.change("ns/c");
    await settle();
    expect(runs).toContain("ns/c");
    await manager.stop();
  });

  it("stops reconciling as soon as it loses the lease", async () => {
    const { runs, source, elector, controller, manager } = setup();
    await manager.start();
    elector.become("leader");
    await settle();
    elector.become("standby");
    await settle();
    expect(controller.running).toBe(false);
    source.change("ns/late");
    await settle();
    expect(runs).not.toContain("ns/late");
    await manager.stop();
  });

  it("cuts a reconcile short after the lost-lease grace period, so it cannot outlive the lease", async () => {
    const source = new FakeSource();
    const elector = new FakeElector();
    let aborted = false;
    const controller = new Controller({
      name: "slow",
      concurrency: 1,
      logger,
      reconcile: (_k, ctx) =>
        new Promise((resolve) =>
          ctx.signal.addEventListener("abort", () => {
            aborted = true;
            resolve({});
          }),
        ),
    });
    const manager = new Manager({
      watches: [{ source, controller }],
      elector,
      logger,
      metrics: createMetrics(undefined, { defaultMetrics: false }),
      graceMs: 10_000,
      lostLeaseGraceMs: 30,
    });
    await manager.start();
    source.change("ns/slow");
    elector.become("leader");
    await settle();
    elector.become("standby");
    await new Promise((r) => setTimeout(r, 100));
    expect(aborted).toBe(true);
    await manager.stop();
  });

  it("is ready only once informers synced and the role is known, as leader or standby", async () => {
    const { source, elector, manager } = setup();
    await manager.start();
    expect(manager.isReady()).toBe(false);
    source.synced = true;
    expect(manager.isReady()).toBe(false);
    elector.become("standby");
    expect(manager.isReady()).toBe(true);
    elector.become("leader");
    expect(manager.isReady()).toBe(true);
    await manager.stop();
  });

  it("leads at once without an elector", async () => {
    const { runs, source, manager } = setup(false);
    await manager.start();
    source.change("ns/a");
    await settle();
    expect(manager.isLeading()).toBe(true);
    expect(runs).toEqual(["ns/a"]);
    await manager.stop();
  });

  it("on stop drains the controllers, releases the lease and stops the informers", async () => {
    const { source, elector, controller, manager } = setup();
    await manager.start();
    elector.become("leader");
    await manager.stop();
    expect(controller.running).toBe(false);
    expect(elector.released).toBe(true);
    expect(source.started).toBe(false);
  });
});
