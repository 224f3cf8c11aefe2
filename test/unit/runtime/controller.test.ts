import { ManualClock } from "../../../operator/runtime/clock.js";
import { Controller, type Reconcile } from "../../../operator/runtime/controller.js";
import { exponentialBackoff } from "../../../operator/runtime/rate-limiter.js";
import { ConflictError, TerminalError, requeueAfter } from "../../../operator/runtime/result.js";
import { WorkQueue } from "../../../operator/runtime/work-queue.js";
import { createMetrics } from "../../../operator/observability/metrics.js";
import { pino } from "pino";

const tick = () => new Promise((r) => setImmediate(r));
async function settle(n = 5) {
  for (let i = 0; i < n; i++) await tick();
}

function setup(reconcile: Reconcile, concurrency = 2) {
  const clock = new ManualClock();
  const metrics = createMetrics(undefined, { defaultMetrics: false });
  // Log lines are captured in memory (pino writes JSON lines to any object with write()).
  const logs: { level: string; msg: string }[] = [];
  const names: Record<number, string> = { 20: "debug", 30: "info", 40: "warn", 50: "error" };
  const logger = pino(
    { level: "debug" },
    {
      write(line: string) {
        const o = JSON.parse(line) as { level: number; msg: string };
        logs.push({ level: names[o.level] ?? String(o.level), msg: o.msg });
      },
    },
  );
  const queue = new WorkQueue({ name: "t", clock, rateLimiter: exponentialBackoff({ baseDelayMs: 100 }) });
  const c = new Controller({ name: "t", concurrency, reconcile, queue, logger, metrics });
  return { c, clock, metrics, logs, queue };
}

async function metricValue(metrics: ReturnType<typeof createMetrics>, name: string, labels: string) {
  const text = await metrics.registry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(" ").pop());
}

describe("Controller", () => {
  it("runs a key once and forgets it when the reconcile succeeds", async () => {
    const runs: string[] = [];
    const { c, queue, metrics } = setup(async (key) => (runs.push(key), {}));
    c.start();
    c.enqueue("ns/a");
    await settle();
    expect(runs).toEqual(["ns/a"]);
    expect(queue.numRequeues("ns/a")).toBe(0);
    expect(await metricValue(metrics, "ecsnet_reconcile_total", 'controller="t",result="success"')).toBe(1);
    await c.stop({ graceMs: 100 });
  });

  it("runs the key again after requeueAfterMs, not before", async () => {
    let runs = 0;
    const { c, clock } = setup(async () => (runs++, requeueAfter(15_000)));
    c.start();
    c.enqueue("ns/a");
    await settle();
    clock.advance(14_999);
    await settle();
    expect(runs).toBe(1);
    clock.advance(1);
    await settle();
    expect(runs).toBe(2);
    await c.stop({ graceMs: 100 });
  });

  it("retries a failing key with growing backoff and logs each error", async () => {
    let runs = 0;
    const { c, clock, logs, metrics } = setup(async () => {
      runs++;
      throw new Error("boom");
    });
    c.start();
    c.enqueue("ns/a");
    await settle();
    clock.advance(100);
    await settle();
    expect(runs).toBe(2);
    clock.advance(100);
    await settle();
    expect(runs).toBe(2);
    clock.advance(100);
    await settle();
    expect(runs).toBe(3);
    expect(logs.filter((l) => l.level === "error")).toHaveLength(3);
    expect(await metricValue(metrics, "ecsnet_reconcile_errors_total", 'controller="t"')).toBe(3);
    await c.stop({ graceMs: 100 });
  });

  it("stops retrying after a terminal error", async () => {
    let runs = 0;
    const { c, clock, queue, metrics } = setup(async () => {
      runs++;
      throw new TerminalError("invalid spec");
    });
    c.start();
    c.enqueue("ns/a");
    await settle();
    clock.advance(10_000_000);
    await settle();
    expect(runs).toBe(1);
    expect(queue.numRequeues("ns/a")).toBe(0);
    expect(await metricValue(metrics, "ecsnet_reconcile_total", 'controller="t",result="terminal_error"')).toBe(1);
    await c.stop({ graceMs: 100 });
  });

  it("requeues a conflict quietly: retried, with no error log and no error metric", async () => {
    let runs = 0;
    const { c, clock, logs, metrics } = setup(async () => {
      runs++;
      if (runs === 1) throw new Error("status write failed", { cause: new ConflictError("409") });
      return {};
    });
    c.start();
    c.enqueue("ns/a");
    await settle();
    clock.advance(100);
    await settle();
    expect(runs).toBe(2);
    expect(logs.filter((l) => l.level === "error")).toHaveLength(0);
    expect(await metricValue(metrics, "ecsnet_reconcile_errors_total", 'controller="t"')).toBe(0);
    expect(await metricValue(metrics, "ecsnet_reconcile_total", 'controller="t",result="requeue"')).toBe(1);
    await c.stop({ graceMs: 100 });
  });

  it("resets the backoff after a success so the next failure starts at the base delay", async () => {
    let runs = 0;
    const { c, clock, queue } = setup(async () => {
      runs++;
      if (runs === 3) return {};
      throw new Error("boom");
    });
    c.start();
    c.enqueue("ns/a");
    await settle();
    clock.advance(100);
    await settle();
    clock.advance(200);
    await settle();
    expect(runs).toBe(3);
    expect(queue.numRequeues("ns/a")).toBe(0);
    await c.stop({ graceMs: 100 });
  });

  it("never runs one key on two workers, and a burst during a run becomes one more run", async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { c } = setup(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs++;
      if (runs === 1) await gate;
      active--;
      return {};
    }, 4);
    c.start();
    c.enqueue("ns/a");
    await settle();
    for (let i = 0; i < 100; i++) c.enqueue("ns/a");
    await settle();
    release();
    await settle(10);
    expect(maxActive).toBe(1);
    expect(runs).toBe(2);
    await c.stop({ graceMs: 100 });
  });

  it("finishes the reconcile in flight when stopped within the grace period", async () => {
    let finished = false;
    const { c } = setup(async () => {
      await new Promise((r) => setTimeout(r, 30));
      finished = true;
      return {};
    });
    c.start();
    c.enqueue("ns/a");
    await settle();
    expect(await c.stop({ graceMs: 2000 })).toBe(true);
    expect(finished).toBe(true);
  });

  it("aborts the reconcile's signal once the grace period runs out", async () => {
    let aborted = false;
    const { c } = setup(async (_key, ctx) => {
      await new Promise<void>((r) => ctx.signal.addEventListener("abort", () => r()));
      aborted = ctx.signal.aborted;
      return {};
    });
    c.start();
    c.enqueue("ns/a");
    await settle();
    expect(await c.stop({ graceMs: 20 })).toBe(false);
    await settle();
    expect(aborted).toBe(true);
  });

  it("takes no new keys after stop and runs again after a restart", async () => {
    const runs: string[] = [];
    const { c } = setup(async (key) => (runs.push(key), {}));
    c.start();
    await c.stop({ graceMs: 100 });
    c.enqueue("ns/ignored");
    c.start();
    c.enqueue("ns/b");
    await settle();
    expect(runs).toEqual(["ns/b"]);
    await c.stop({ graceMs: 100 });
  });
});
