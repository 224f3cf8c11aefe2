import { LeaseElector, type LeaseStore, type StoredLease } from "../../../operator/kube/lease.js";
import type { LeaseRecord } from "../../../operator/kube/lease-decision.js";
import { ManualClock } from "../../../operator/runtime/clock.js";
import { ConflictError } from "../../../operator/runtime/result.js";

/** One Lease in memory with resourceVersion checks, like the API server; `down` makes every call fail. */
class MemoryLease {
  lease: StoredLease | undefined;
  private rv = 0;
  down = false;
  store(): LeaseStore {
    return {
      get: async () => this.check() ?? this.lease,
      create: async (record) => {
        this.check();
        if (this.lease) throw new ConflictError("exists");
        return this.write(record);
      },
      update: async (record, rv) => {
        this.check();
        if (this.lease?.resourceVersion !== rv) throw new ConflictError("stale");
        return this.write(record);
      },
    };
  }
  private check(): undefined {
    if (this.down) throw new Error("api down");
    return undefined;
  }
  private write(record: LeaseRecord): StoredLease {
    this.lease = { record, resourceVersion: String(++this.rv) };
    return this.lease;
  }
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

function elector(id: string, mem: MemoryLease, clock: ManualClock, log: string[]) {
  // The largest jitter every time: the slowest timing client-go allows, deterministically.
  const e = new LeaseElector({ store: mem.store(), identity: id, name: "test", clock, random: () => 0.999 });
  e.start({ onStartedLeading: () => log.push(`${id} leads`), onStoppedLeading: () => log.push(`${id} stops`) });
  return e;
}

/** Advance in retry-period steps, letting the async attempts settle in between. */
async function run(clock: ManualClock, ms: number) {
  for (let t = 0; t < ms; t += 500) {
    clock.advance(500);
    await flush();
  }
}

describe("LeaseElector", () => {
  it("lets exactly one of two instances lead", async () => {
    const clock = new ManualClock();
    const mem = new MemoryLease();
    const log: string[] = [];
    const a = elector("a", mem, clock, log);
    await flush();
    const b = elector("b", mem, clock, log);
    await run(clock, 20_000);
    expect([a.role(), b.role()].sort()).toEqual(["leader", "standby"]);
    expect(log).toEqual(["a leads"]);
    expect(mem.lease?.record.holderIdentity).toBe("a");
  });

  it("hands over to the standby within the lease duration when the leader vanishes", async () => {
    const clock = new ManualClock();
    const mem = new MemoryLease();
    const log: string[] = [];
    const a = elector("a", mem, clock, log);
    await flush();
    const b = elector("b", mem, clock, log);
    await run(clock, 4_000);
    // The leader's process dies: it stops renewing without releasing.
    (a as unknown as { stopped: boolean }).stopped = true;
    const diedAt = clock.now();
    while (b.role() !== "leader" && clock.now() - diedAt < 30_000) await run(clock, 500);
    expect(b.role()).toBe("leader");
    // client-go's bound: the standby may first see the last renewal up to one (jittered) retry period
    // after it happened, waits the lease duration from then, and acts on its next attempt.
    expect(clock.now() - diedAt).toBeLessThanOrEqual(15_000 + 2 * 2_000 * 1.2 + 500);
  });

  it("hands over at once when the leader releases the lease on stop", async () => {
    const clock = new ManualClock();
    const mem = new MemoryLease();
    const log: string[] = [];
    const a = elector("a", mem, clock, log);
    await flush();
    const b = elector("b", mem, clock, log);
    await run(clock, 4_000);
    await a.stop();
    expect(mem.lease?.record.holderIdentity).toBe("");
    await run(clock, 3_000);
    expect(b.role()).toBe("leader");
    expect(log).toEqual(["a leads", "a stops", "b leads"]);
  });

  it("steps down when it cannot renew within the renew deadline", async () => {
    const clock = new ManualClock();
    const mem = new MemoryLease();
    const log: string[] = [];
    const a = elector("a", mem, clock, log);
    await flush();
    expect(a.role()).toBe("leader");
    mem.down = true;
    await run(clock, 9_000);
    expect(a.role()).toBe("leader");
    await run(clock, 2_500);
    expect(a.role()).toBe("standby");
    expect(log).toEqual(["a leads", "a stops"]);
  });

  it("does not lead again on a renewal that was still hanging when it stepped down at the renew deadline", async () => {
    const clock = new ManualClock();
    const mem = new MemoryLease();
    const log: string[] = [];
    const store = mem.store();
    let hold: (() => void) | undefined;
    // Once leading, the next update hangs until released: the API server answering far too late.
    let leading = false;
    const slow: LeaseStore = {
      ...store,
      update: async (record, rv) => {
        if (leading) await new Promise<void>((r) => (hold = r));
        return store.update(record, rv);
      },
    };
    const e = new LeaseElector({ store: slow, identity: "a", name: "test", clock, random: () => 0.999 });
    e.start({ onStartedLeading: () => log.push("a leads"), onStoppedLeading: () => log.push("a stops") });
    await flush();
    expect(e.role()).toBe("leader");
    leading = true;
    await run(clock, 12_000); // past the 10 s renew deadline while the renewal hangs
    expect(e.role()).toBe("standby");
    hold?.();
    await flush();
    expect(e.role()).toBe("standby");
    expect(log).toEqual(["a leads", "a stops"]);
    await e.stop();
  });
});
