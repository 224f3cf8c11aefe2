import { TtlCache } from "../../../operator/aws/topology.js";

describe("TtlCache", () => {
  let now = 0;
  const cache = () => new TtlCache<number>({ ttlMs: 1_000, now: () => now });

  it("reuses a value younger than the TTL and fetches again once it is older", async () => {
    const c = cache();
    let fetches = 0;
    const fetch = async () => ++fetches;
    now = 0;
    expect(await c.get("vpc-1", fetch)).toBe(1);
    now = 999;
    expect(await c.get("vpc-1", fetch)).toBe(1);
    now = 1_000;
    expect(await c.get("vpc-1", fetch)).toBe(2);
  });
  it("fetches at once when asked for a fresh value, and keeps that one", async () => {
    const c = cache();
    let fetches = 0;
    const fetch = async () => ++fetches;
    now = 0;
    await c.get("vpc-1", fetch);
    expect(await c.get("vpc-1", fetch, true)).toBe(2);
    expect(await c.get("vpc-1", fetch)).toBe(2);
  });
  it("does not keep a failed fetch, and forgets an invalidated key", async () => {
    const c = cache();
    now = 0;
    await expect(c.get("vpc-1", () => Promise.reject(new Error("throttled")))).rejects.toThrow("throttled");
    await Promise.resolve();
    expect(await c.get("vpc-1", async () => 7)).toBe(7);
    c.invalidate("vpc-1");
    expect(await c.get("vpc-1", async () => 8)).toBe(8);
  });
  it("keeps keys apart", async () => {
    const c = cache();
    expect(await c.get("a", async () => 1)).toBe(1);
    expect(await c.get("b", async () => 2)).toBe(2);
  });
});
