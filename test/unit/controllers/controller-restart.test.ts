/**
 * The controller runtime across a stop whose grace period ran out and a start right after (a leader that lost
 * its Lease and took it back at the next attempt): a key must still never run on two workers at once.
 */
import { pino } from "pino";
import { Controller } from "../../../operator/runtime/controller.js";
import { done } from "../../../operator/runtime/result.js";

const tick = () => new Promise((r) => setImmediate(r));
async function settle(n = 10) {
  for (let i = 0; i < n; i++) await tick();
}

describe("a controller restarted while a reconcile of its last run is still in flight", () => {
  it("does not run that key again until the in-flight reconcile finished", async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let release!: () => void;
    const firstBlocks = new Promise<void>((r) => (release = r));
    const c = new Controller({
      name: "restart",
      concurrency: 2,
      logger: pino({ level: "silent" }),
      reconcile: async () => {
        runs++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        if (runs === 1) await firstBlocks;
        running--;
        return done;
      },
    });
    c.start();
    c.enqueue("ns/a");
    await settle();
    expect(running).toBe(1);
    // Lost the lead: the grace period runs out while the reconcile still runs (it is not cancelled).
    expect(await c.stop({ graceMs: 5 })).toBe(false);
    // Took the lead back: every cached key is enqueued again, the in-flight one included.
    c.start();
    c.enqueue("ns/a");
    await settle();
    expect(maxRunning).toBe(1);
    release();
    await settle();
    // The key did run again once the first reconcile finished: nothing was lost.
    expect(runs).toBe(2);
    expect(maxRunning).toBe(1);
    await c.stop({ graceMs: 100 });
  });
});
