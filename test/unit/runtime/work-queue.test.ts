import { ManualClock } from "../../../operator/runtime/clock.js";
import { exponentialBackoff } from "../../../operator/runtime/rate-limiter.js";
import { WorkQueue } from "../../../operator/runtime/work-queue.js";
import { createMetrics } from "../../../operator/observability/metrics.js";

function queue(clock = new ManualClock()) {
  return { clock, q: new WorkQueue({ clock, rateLimiter: exponentialBackoff({ baseDelayMs: 5 }) }) };
}

describe("WorkQueue", () => {
  it("hands out keys in the order they were added", async () => {
    const { q } = queue();
    q.add("a");
    q.add("b");
    expect(await q.get()).toBe("a");
    expect(await q.get()).toBe("b");
  });

  it("coalesces adds of a key that is already waiting", async () => {
    const { q } = queue();
    q.add("a");
    q.add("a");
    q.add("a");
    expect(q.len()).toBe(1);
  });

  it("turns 100 adds of a key being processed into exactly one more run", async () => {
    const { q } = queue();
    q.add("a");
    const key = await q.get();
    for (let i = 0; i < 100; i++) q.add("a");
    expect(q.len()).toBe(0);
    q.done(key!);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe("a");
    q.done("a");
    expect(q.len()).toBe(0);
  });

  it("never hands one key to two workers at once", async () => {
    const { q } = queue();
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const worker = async () => {
      for (;;) {
        const key = await q.get();
        if (key === undefined) return;
        running++;
        maxRunning = Math.max(maxRunning, running);
        runs++;
        await new Promise((r) => setImmediate(r));
        if (runs < 20) q.add("a");
        running--;
        q.done(key);
      }
    };
    q.add("a");
    const workers = [worker(), worker(), worker(), worker()];
    for (let i = 0; i < 50; i++) {
      q.add("a");
      await new Promise((r) => setImmediate(r));
    }
    await q.shutDownWithDrain();
    await Promise.all(workers);
    expect(maxRunning).toBe(1);
    expect(runs).toBeGreaterThan(1);
  });

  it("wakes a waiting get when a key is added", async () => {
    const { q } = queue();
    const got = q.get();
    q.add("x");
    expect(await got).toBe("x");
  });

  it("adds a delayed key only once its delay passed", async () => {
    const { q, clock } = queue();
    q.addAfter("a", 1000);
    clock.advance(999);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
  });

  it("keeps the earliest of several delayed adds of one key", () => {
    const { q, clock } = queue();
    q.addAfter("a", 5000);
    q.addAfter("a", 1000);
    q.addAfter("a", 3000);
    clock.advance(1000);
    expect(q.len()).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("backs off rate-limited adds exponentially and starts over after forget", async () => {
    const { q, clock } = queue();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      q.addRateLimited("a");
      let waited = 0;
      while (q.len() === 0 && waited < 10_000) {
        clock.advance(1);
        waited++;
      }
      delays.push(waited);
      q.done((await q.get())!);
    }
    expect(delays).toEqual([5, 10, 20, 40]);
    q.forget("a");
    expect(q.numRequeues("a")).toBe(0);
  });

  it("resolves waiting gets with undefined on shutdown and rejects later adds", async () => {
    const { q } = queue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add("a");
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
  });

  it("drops keys still waiting when it shuts down", async () => {
    const { q } = queue();
    q.add("a");
    q.add("b");
    q.shutDown();
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
  });

  it("cancels pending delayed adds on shutdown", () => {
    const { q, clock } = queue();
    q.addAfter("a", 100);
    q.shutDown();
    expect(clock.pendingTimers()).toBe(0);
  });

  it("drains: shutDownWithDrain resolves only after the key in progress is done", async () => {
    const { q } = queue();
    q.add("a");
    const key = await q.get();
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    q.done(key!);
    await drain;
    expect(drained).toBe(true);
  });

  it("records adds, depth and retries in its metrics", async () => {
    const metrics = createMetrics(undefined, { defaultMetrics: false });
    const q = new WorkQueue({ name: "net", clock: new ManualClock(), metrics });
    q.add("a");
    q.add("a");
    q.add("b");
    q.addRateLimited("c");
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/ecsnet_workqueue_adds_total\{name="net"\} 2/);
    expect(text).toMatch(/ecsnet_workqueue_depth\{name="net"\} 2/);
    expect(text).toMatch(/ecsnet_workqueue_retries_total\{name="net"\} 1/);
  });
});
