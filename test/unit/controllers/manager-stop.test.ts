/**
 * The manager's stop while the election is still live: a Lease lost and taken back during the drain must not
 * start the controllers again after the manager has stopped.
 */
import { pino } from "pino";
import { Controller } from "../../../operator/runtime/controller.js";
import { Manager, type ElectionCallbacks, type Elector, type KeySource } from "../../../operator/runtime/manager.js";
import { createMetrics } from "../../../operator/observability/metrics.js";
import { done } from "../../../operator/runtime/result.js";

const logger = pino({ level: "silent" });
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

const source: KeySource = {
  name: "one",
  start: () => undefined,
  stop: async () => undefined,
  hasSynced: () => true,
  keys: () => ["ns/a"],
  onKey: () => () => undefined,
};

describe("a manager stopping while its elector loses and regains the Lease", () => {
  it("leaves no controller running once stop() resolved", async () => {
    let cb: ElectionCallbacks = {};
    const elector: Elector = {
      start: (c) => void (cb = c),
      role: () => "leader",
      stop: async () => undefined,
    };
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const controller = new Controller({
      name: "c",
      concurrency: 1,
      logger,
      reconcile: async () => {
        await blocked;
        return done;
      },
    });
    const manager = new Manager({
      watches: [{ source, controller }],
      elector,
      logger,
      metrics: createMetrics(undefined, { defaultMetrics: false }),
      graceMs: 1_000,
    });
    await manager.start();
    cb.onStartedLeading?.();
    await settle();
    const stopped = manager.stop();
    await settle();
    // While the drain waits for the in-flight reconcile, the Lease is lost and taken back.
    cb.onStoppedLeading?.();
    cb.onStartedLeading?.();
    release();
    await stopped;
    expect(controller.running).toBe(false);
    expect(manager.isLeading()).toBe(false);
  });
});

describe("a manager stopped while it is still stepping down from a lost Lease", () => {
  it("resolves stop() only after the reconciles of the step-down finished", async () => {
    let cb: ElectionCallbacks = {};
    const elector: Elector = {
      start: (c) => void (cb = c),
      role: () => "standby",
      stop: async () => undefined,
    };
    let finished = false;
    const controller = new Controller({
      name: "c",
      concurrency: 1,
      logger,
      reconcile: async () => {
        await new Promise((r) => setTimeout(r, 50));
        finished = true;
        return done;
      },
    });
    const manager = new Manager({
      watches: [{ source, controller }],
      elector,
      logger,
      metrics: createMetrics(undefined, { defaultMetrics: false }),
      graceMs: 5_000,
      lostLeaseGraceMs: 5_000,
    });
    await manager.start();
    cb.onStartedLeading?.();
    await settle();
    cb.onStoppedLeading?.();
    // SIGTERM arrives during the step-down: the process must not go on to tear down under the reconcile.
    await manager.stop();
    expect(finished).toBe(true);
  });
});
