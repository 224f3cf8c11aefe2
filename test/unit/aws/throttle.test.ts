import { Ec2Limiter, bucketOf } from "../../../operator/aws/throttle.js";
import type { LimiterClock } from "../../../operator/aws/throttle.js";

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

/** A clock moved by hand: timers fire in due order when `advance` passes them. */
class FakeClock implements LimiterClock {
  t = 0;
  private timers: { at: number; fn: () => void }[] = [];
  now = (): number => this.t;
  setTimer(fn: () => void, ms: number): void {
    this.timers.push({ at: this.t + ms, fn });
  }
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await flush(); // grants made before advancing see the time they were made
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (next === undefined || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      await flush();
    }
    this.t = end;
  }
}

/** Start `n` acquisitions at the current time and record when each one is granted. */
function grantTimes(limiter: Ec2Limiter, clock: FakeClock, op: string, n: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < n; i++) void limiter.acquire(op).then(() => times.push(clock.now()));
  return times;
}

describe("Ec2Limiter", () => {
  it("charges each operation to EC2's bucket for it", () => {
    expect(bucketOf("CreateVpcEndpoint")).toBe("vpcEndpoints");
    expect(bucketOf("DeleteVpcEndpoints")).toBe("vpcEndpoints");
    expect(bucketOf("CreateNatGateway")).toBe("natGateways");
    expect(bucketOf("AuthorizeSecurityGroupIngress")).toBe("securityGroupRules");
    expect(bucketOf("CreateTags")).toBe("tags");
    expect(bucketOf("DescribeSubnets")).toBe("nonMutating");
    expect(bucketOf("CreateRoute")).toBe("mutating");
  });

  it("lets four CreateVpcEndpoint calls through at once, then one every 3.3 seconds", async () => {
    const clock = new FakeClock();
    const limiter = new Ec2Limiter({ clock, headroom: 0 });
    const times = grantTimes(limiter, clock, "CreateVpcEndpoint", 6);
    await clock.advance(10_000);
    expect(times).toEqual([0, 0, 0, 0, 3334, 6667]);
  });

  it("refills 5% slower than EC2 by default, so jitter on the way to AWS never overtakes its bucket", async () => {
    const clock = new FakeClock();
    const limiter = new Ec2Limiter({ clock });
    const times = grantTimes(limiter, clock, "CreateVpcEndpoint", 5);
    await clock.advance(10_000);
    expect(times).toEqual([0, 0, 0, 0, Math.ceil(1000 / (0.3 * 0.95))]);
  });

  it("re-arms a timer that fires before the token is due", async () => {
    let t = 0;
    const timers: { at: number; fn: () => void }[] = [];
    // Timers fire up to 100 ms early (time still moves forward), as cached loop time can make real timers do.
    const early = {
      now: () => t,
      setTimer: (fn: () => void, ms: number) => void timers.push({ at: t + Math.max(1, ms - 100), fn }),
    };
    const limiter = new Ec2Limiter({
      clock: early,
      headroom: 0,
      buckets: { tags: { capacity: 1, refillPerSecond: 1 } },
    });
    await limiter.acquire("CreateTags");
    let granted = -1;
    void limiter.acquire("CreateTags").then(() => (granted = t));
    for (let i = 0; granted < 0 && timers.length > 0 && i < 1000; i++) {
      const next = timers.shift()!;
      t = next.at;
      next.fn();
      await flush();
    }
    expect(granted).toBeGreaterThanOrEqual(1000);
  });

  it("serves waiting callers in arrival order", async () => {
    const clock = new FakeClock();
    const limiter = new Ec2Limiter({
      clock,
      headroom: 0,
      buckets: { natGateways: { capacity: 1, refillPerSecond: 1 } },
    });
    const order: number[] = [];
    for (let i = 0; i < 4; i++) void limiter.acquire("CreateNatGateway").then(() => order.push(i));
    await clock.advance(5_000);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it("refills an idle bucket up to its capacity and no further", async () => {
    const clock = new FakeClock();
    const limiter = new Ec2Limiter({ clock, headroom: 0 });
    grantTimes(limiter, clock, "CreateVpcEndpoint", 4);
    await clock.advance(60_000); // 0.3/s × 60 s would be 18 tokens; the bucket holds 4.
    const times = grantTimes(limiter, clock, "CreateVpcEndpoint", 5);
    await clock.advance(10_000);
    expect(times).toEqual([60_000, 60_000, 60_000, 60_000, 63_334]);
  });

  it("keeps buckets independent: an empty endpoint bucket does not slow Describe calls", async () => {
    const clock = new FakeClock();
    const limiter = new Ec2Limiter({ clock, headroom: 0 });
    grantTimes(limiter, clock, "CreateVpcEndpoint", 8);
    expect(limiter.delayFor("CreateVpcEndpoint")).toBeGreaterThan(10_000);
    expect(limiter.delayFor("DescribeVpcEndpoints")).toBe(0);
    expect(await limiter.acquire("DescribeVpcEndpoints")).toBe(0);
  });

  it("ends a wait when its signal aborts, keeps the token reserved, and serves the callers behind it on time", async () => {
    const clock = new FakeClock();
    const limiter = new Ec2Limiter({ clock, headroom: 0 });
    grantTimes(limiter, clock, "CreateVpcEndpoint", 4);
    const stop = new AbortController();
    const aborted = limiter.acquire("CreateVpcEndpoint", stop.signal).then(
      () => "granted",
      (e: Error) => e.name,
    );
    const behind = grantTimes(limiter, clock, "CreateVpcEndpoint", 1);
    stop.abort();
    expect(await aborted).toBe("LimiterWaitAbortedError");
    await clock.advance(10_000);
    // The abandoned reservation still counts: the next caller keeps its own slot, 2 × 3.33 s.
    expect(behind).toEqual([6667]);
    await expect(limiter.acquire("CreateVpcEndpoint", stop.signal)).rejects.toThrow(/not sent: the call was stopped/);
  });

  it("on close, ends every wait and cancels its timer, and refuses new calls", async () => {
    const cancelled: number[] = [];
    let n = 0;
    const clock: LimiterClock = {
      now: () => 0,
      setTimer: () => {
        const id = n++;
        return { cancel: () => cancelled.push(id) };
      },
    };
    const limiter = new Ec2Limiter({
      clock,
      headroom: 0,
      buckets: { natGateways: { capacity: 1, refillPerSecond: 1 } },
    });
    await limiter.acquire("CreateNatGateway");
    const waits = [limiter.acquire("CreateNatGateway"), limiter.acquire("CreateNatGateway")].map((p) =>
      p.then(
        () => "granted",
        (e: Error) => e.message,
      ),
    );
    limiter.close();
    expect(await Promise.all(waits)).toEqual([
      "CreateNatGateway not sent: the limiter was closed while it waited for EC2's request rate",
      "CreateNatGateway not sent: the limiter was closed while it waited for EC2's request rate",
    ]);
    expect(cancelled.sort()).toEqual([0, 1]);
    await expect(limiter.acquire("DescribeSubnets")).rejects.toThrow(/limiter was closed/);
  });

  it("ends twenty waits under one signal with one abort listener, so Node warns of no listener leak", async () => {
    const clock = new FakeClock();
    const limiter = new Ec2Limiter({ clock, headroom: 0 });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      const stop = new AbortController();
      const waits = Array.from({ length: 24 }, () =>
        limiter.acquire("CreateVpcEndpoint", stop.signal).then(
          () => "granted",
          () => "stopped",
        ),
      );
      stop.abort();
      const outcomes = await Promise.all(waits);
      expect(outcomes.filter((o) => o === "granted")).toHaveLength(4);
      expect(outcomes.filter((o) => o === "stopped")).toHaveLength(20);
      await new Promise((r) => setImmediate(r));
      expect(warnings).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
