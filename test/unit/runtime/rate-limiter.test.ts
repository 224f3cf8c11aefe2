import { ManualClock } from "../../../operator/runtime/clock.js";
import { defaultRateLimiter, exponentialBackoff, maxOf, tokenBucket } from "../../../operator/runtime/rate-limiter.js";

describe("exponentialBackoff", () => {
  it("doubles the delay per failure from 5 ms by default", () => {
    const l = exponentialBackoff();
    expect([1, 2, 3, 4, 5].map(() => l.when("a"))).toEqual([5, 10, 20, 40, 80]);
    expect(l.numRequeues("a")).toBe(5);
  });

  it("caps the delay at maxDelayMs", () => {
    const l = exponentialBackoff({ baseDelayMs: 100, maxDelayMs: 1000 });
    const delays = Array.from({ length: 8 }, () => l.when("a"));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 1000]);
  });

  it("never overflows past the cap after very many failures", () => {
    const l = exponentialBackoff();
    let last = 0;
    for (let i = 0; i < 2000; i++) last = l.when("a");
    expect(last).toBe(1_000_000);
  });

  it("starts a key over at the base delay after forget", () => {
    const l = exponentialBackoff();
    l.when("a");
    l.when("a");
    l.forget("a");
    expect(l.numRequeues("a")).toBe(0);
    expect(l.when("a")).toBe(5);
  });

  it("keeps the backoff of each key separate", () => {
    const l = exponentialBackoff();
    l.when("a");
    l.when("a");
    expect(l.when("b")).toBe(5);
    expect(l.when("a")).toBe(20);
  });
});

describe("tokenBucket", () => {
  it("lets the burst through at once and then spaces retries at the rate", () => {
    const clock = new ManualClock();
    const l = tokenBucket({ qps: 10, burst: 3, clock });
    expect([l.when("a"), l.when("b"), l.when("c")]).toEqual([0, 0, 0]);
    expect(l.when("d")).toBe(100);
    expect(l.when("e")).toBe(200);
  });

  it("refills over time", () => {
    const clock = new ManualClock();
    const l = tokenBucket({ qps: 10, burst: 1, clock });
    expect(l.when("a")).toBe(0);
    clock.advance(100);
    expect(l.when("a")).toBe(0);
  });
});

describe("maxOf and defaultRateLimiter", () => {
  it("waits the longest of its limiters and forgets in all of them", () => {
    const clock = new ManualClock();
    const l = maxOf(exponentialBackoff({ baseDelayMs: 1 }), tokenBucket({ qps: 1, burst: 1, clock }));
    expect(l.when("a")).toBe(1);
    expect(l.when("a")).toBe(1000);
    l.forget("a");
    expect(l.numRequeues("a")).toBe(0);
  });

  it("uses client-go's defaults: 5 ms base and a burst of 100", () => {
    const l = defaultRateLimiter({ clock: new ManualClock() });
    const delays = Array.from({ length: 100 }, (_, i) => l.when(`k${i}`));
    expect(new Set(delays)).toEqual(new Set([5]));
    expect(l.when("next")).toBe(100);
  });
});
