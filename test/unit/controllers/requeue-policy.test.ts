import type { Plan } from "../../../operator/core/actions.js";
import type { ActionResult } from "../../../operator/core/errors.js";
import { key } from "../../../operator/core/model.js";
import { requeueAfterMs } from "../../../operator/controllers/requeue-policy.js";

const cfg = { resyncMs: 300_000, pendingRequeueMs: 15_000 };
const plan = (over: Partial<Plan> = {}): Plan => ({
  actions: [],
  dependsOn: new Map(),
  pending: [],
  blocked: [],
  ...over,
});
const done: ActionResult = { key: key("endpoint:ecr.dkr"), outcome: "done", id: "vpce-1" };
const failed = (cls: "throttled" | "terminal" | "retryable"): ActionResult => ({
  key: key("nat:a"),
  outcome: "failed",
  error: { class: cls, code: "X", message: "x" },
});

describe("requeueAfterMs", () => {
  it("sweeps a converged network at the resync interval, never earlier and at most 20% later", () => {
    expect(requeueAfterMs({ plan: plan(), results: [], rand: 0 }, cfg)).toBe(300_000);
    expect(requeueAfterMs({ plan: plan(), results: [], rand: 0.999 }, cfg)).toBeLessThanOrEqual(360_000);
  });
  it("looks again within 2 s after a change was made, to take the next wave", () => {
    expect(requeueAfterMs({ plan: plan(), results: [done], rand: 0.5 }, cfg)).toBe(2_000);
  });
  it("looks again at the pending interval while something is pending", () => {
    const p = plan({ pending: [{ key: key("nat:a"), reason: "NatGatewayPending", message: "pending" }] });
    expect(requeueAfterMs({ plan: p, results: [], rand: 0 }, cfg)).toBe(15_000);
  });
  it("backs off well beyond the pending interval when AWS throttled us", () => {
    expect(requeueAfterMs({ plan: plan(), results: [failed("throttled")], rand: 0 }, cfg)).toBe(60_000);
  });
  it("retries a retryable failure soon but leaves a terminal one to the sweep", () => {
    expect(requeueAfterMs({ plan: plan(), results: [failed("retryable")], rand: 0 }, cfg)).toBe(2_000);
    expect(requeueAfterMs({ plan: plan(), results: [failed("terminal")], rand: 0 }, cfg)).toBe(300_000);
  });
  it("doubles the wait after each round in a row that AWS refused, up to the sweep interval", () => {
    const after = (failureStreak: number) =>
      requeueAfterMs({ plan: plan(), results: [failed("retryable")], rand: 0, failureStreak }, cfg);
    expect([1, 2, 3, 4].map(after)).toEqual([2_000, 4_000, 8_000, 16_000]);
    expect(after(30)).toBe(300_000);
  });
  it("waits for the sweep when blocked on something a person must fix", () => {
    const p = plan({ blocked: [{ key: key("endpoint:ecr.dkr"), reason: "PrivateDnsConflict", message: "x" }] });
    expect(requeueAfterMs({ plan: p, results: [], rand: 0 }, cfg)).toBe(300_000);
  });
});
