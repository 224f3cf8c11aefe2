/**
 * Liveness means progress: each loop is wedged on purpose (a request that never returns, a reconcile that
 * never ends) and `/healthz` of a real Manager fails naming it, while a loop that keeps failing fast stays
 * alive and reports its cause as a problem (a readiness matter) instead.
 */
import { pino } from "pino";
import type { KubeClient } from "../../../operator/kube/client.js";
import { Informer, type WatchTransport } from "../../../operator/kube/informer.js";
import { LeaseElector, type LeaseStore } from "../../../operator/kube/lease.js";
import { createMetrics } from "../../../operator/observability/metrics.js";
import { ManualClock } from "../../../operator/runtime/clock.js";
import { Controller } from "../../../operator/runtime/controller.js";
import { Manager, type Elector, type KeySource } from "../../../operator/runtime/manager.js";

const RESOURCE = { group: "ecsnet.dev", version: "v1alpha1", plural: "widgets", kind: "Widget", namespaced: true };
const logger = pino({ level: "silent" });
const never = <T>() => new Promise<T>(() => {});
const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};
/** Advance `ms` in 1 s steps so timers and the promises they start interleave as in real time. */
async function advance(clock: ManualClock, ms: number) {
  for (let t = 0; t < ms; t += 1_000) {
    clock.advance(1_000);
    await flush();
  }
}

const idleWatch: WatchTransport = { watch: async () => new AbortController() };
function informer(clock: ManualClock, list: () => Promise<unknown>, watchdogMs = 10_000) {
  const client = { list, kubeConfig: undefined } as unknown as KubeClient;
  return new Informer({ client, resource: RESOURCE, clock, watch: idleWatch, watchdogMs, random: () => 0 });
}
const forbidden = () => Promise.reject(Object.assign(new Error("forbidden"), { code: 403 }));

describe("informer liveness", () => {
  it("fails once a list that never returns outlasts the watchdog's restart (twice the watchdog period)", async () => {
    const clock = new ManualClock();
    const inf = informer(clock, () => never());
    inf.start();
    await advance(clock, 19_000);
    expect(inf.liveness().ok).toBe(true);
    await advance(clock, 3_000);
    expect(inf.liveness()).toEqual({ ok: false, message: expect.stringMatching(/^informer widgets: no progress/) });
    await inf.stop();
  });

  it("stays alive while lists keep failing fast, reporting the cause as a problem", async () => {
    const clock = new ManualClock();
    const inf = informer(clock, forbidden);
    inf.start();
    await advance(clock, 120_000);
    expect(inf.liveness().ok).toBe(true);
    expect(inf.problem()?.reason).toBe("Forbidden");
    await inf.stop();
  });

  it("stays alive on a quiet but healthy watch (the watchdog's reconnects count as progress)", async () => {
    const clock = new ManualClock();
    const inf = informer(clock, async () => ({ items: [], resourceVersion: "1" }));
    inf.start();
    await advance(clock, 120_000);
    expect(inf.liveness().ok).toBe(true);
    expect(inf.problem()).toBeUndefined();
    await inf.stop();
  });
});

describe("leader election liveness", () => {
  const hanging: LeaseStore = { get: () => never(), create: () => never(), update: () => never() };
  const refusing: LeaseStore = { get: forbidden, create: forbidden, update: forbidden };
  const elector = (clock: ManualClock, store: LeaseStore) =>
    new LeaseElector({ store, identity: "a", name: "test", clock, random: () => 0, livenessDeadlineMs: 30_000 });

  it("fails when an attempt hangs past the deadline", async () => {
    const clock = new ManualClock();
    const e = elector(clock, hanging);
    e.start();
    await advance(clock, 29_000);
    expect(e.liveness().ok).toBe(true);
    await advance(clock, 2_000);
    expect(e.liveness()).toEqual({ ok: false, message: expect.stringMatching(/^leader election test: no progress/) });
  });

  it("stays alive while attempts fail fast, with the cause as its problem", async () => {
    const clock = new ManualClock();
    const e = elector(clock, refusing);
    e.start();
    await advance(clock, 120_000);
    expect(e.liveness().ok).toBe(true);
    expect(e.problem()?.reason).toBe("Forbidden");
    await e.stop();
  });
});

describe("controller liveness", () => {
  it("fails when a reconcile runs past stuckAfterMs, and recovers when it ends", async () => {
    let now = 0;
    let release!: () => void;
    const c = new Controller({
      name: "widgets",
      concurrency: 2,
      logger,
      now: () => now,
      stuckAfterMs: 60_000,
      reconcile: (key) => (key === "ns/stuck" ? new Promise((r) => (release = () => r({}))) : Promise.resolve({})),
    });
    c.start();
    c.enqueue("ns/ok");
    c.enqueue("ns/stuck");
    await flush();
    now = 59_000;
    expect(c.liveness().ok).toBe(true);
    now = 61_000;
    expect(c.liveness()).toEqual({
      ok: false,
      message: expect.stringMatching(/^controller widgets: reconcile of ns\/stuck running for 61s/),
    });
    release();
    await flush();
    expect(c.liveness().ok).toBe(true);
    await c.stop({ graceMs: 100 });
  });
});

describe("Manager /healthz and /readyz", () => {
  /** A key source whose health the test sets. */
  function source(): KeySource & { alive: boolean } {
    const s = {
      name: "widgets",
      alive: true,
      start() {},
      stop: async () => {},
      hasSynced: () => true,
      keys: () => [],
      onKey: () => () => {},
      liveness: () => (s.alive ? { ok: true as const } : { ok: false as const, message: "informer widgets: wedged" }),
      problem: () => undefined,
    };
    return s;
  }

  it("answers 500 naming each wedged loop, 200 when all progress, and 503 naming a problem with its fix", async () => {
    const src = source();
    let problem: { reason: string; message: string; fix: string } | undefined;
    const elector: Elector = {
      start: () => {},
      role: () => "standby",
      stop: async () => {},
      liveness: () => ({ ok: false, message: "leader election x: no progress for 40s (deadline 35s)" }),
      problem: () => problem,
    };
    const controller = new Controller({ name: "widgets", concurrency: 1, logger, reconcile: async () => ({}) });
    const m = new Manager({
      watches: [{ source: src, controller }],
      elector,
      logger,
      metrics: createMetrics(undefined, { defaultMetrics: false }),
      http: { host: "127.0.0.1", port: 0 },
    });
    await m.start();
    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${m.port}${path}`);
      return { status: res.status, text: await res.text() };
    };
    try {
      src.alive = false;
      const sick = await get("/healthz");
      expect(sick.status).toBe(500);
      expect(sick.text).toContain("informer widgets: wedged");
      expect(sick.text).toContain("leader election x: no progress");
      expect((await get("/readyz")).status).toBe(200);

      elector.liveness = () => ({ ok: true });
      src.alive = true;
      expect(await get("/healthz")).toEqual({ status: 200, text: "ok\n" });

      problem = { reason: "NamespaceMissing", message: "namespace ecsnet-system does not exist", fix: "create it" };
      const notReady = await get("/readyz");
      expect(notReady.status).toBe(503);
      expect(notReady.text).toContain("namespace ecsnet-system does not exist; fix: create it");
      expect((await get("/healthz")).status).toBe(200);
    } finally {
      await m.stop();
    }
  });
});
