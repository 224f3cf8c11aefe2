import {
  decide,
  isExpired,
  observe,
  releaseRecord,
  shouldStepDown,
  type LeaseRecord,
  type Observation,
} from "../../../operator/kube/lease-decision.js";

const T0 = 1_700_000_000_000;
const DURATION = 15_000;

function held(by: string, renewTime = T0, extra: Partial<LeaseRecord> = {}): LeaseRecord {
  return {
    holderIdentity: by,
    leaseDurationSeconds: 15,
    acquireTime: T0 - 60_000,
    renewTime,
    leaseTransitions: 3,
    ...extra,
  };
}

/** Read the lease at `now` after having observed `observed`, and decide. */
function attempt(identity: string, lease: LeaseRecord | undefined, now: number, observed?: Observation) {
  const obs = lease ? observe(observed, lease, now) : observed;
  return { decision: decide({ lease, observed: obs, identity, now, leaseDurationMs: DURATION }), observed: obs };
}

describe("lease decisions", () => {
  it("creates the lease when there is none", () => {
    const { decision } = attempt("a", undefined, T0);
    expect(decision).toEqual({
      kind: "create",
      record: { holderIdentity: "a", leaseDurationSeconds: 15, acquireTime: T0, renewTime: T0, leaseTransitions: 0 },
    });
  });

  it("does not steal a live lease held by another instance", () => {
    const first = attempt("b", held("a"), T0);
    expect(first.decision).toEqual({ kind: "wait", holder: "a" });
    const later = attempt("b", held("a"), T0 + DURATION - 1, first.observed);
    expect(later.decision.kind).toBe("wait");
  });

  it("judges expiry by the local time it saw the lease change, not by the holder's renewTime", () => {
    // The holder's clock is an hour behind: its renewTime looks ancient, but we just saw it change.
    const skewed = held("a", T0 - 3_600_000);
    expect(attempt("b", skewed, T0).decision.kind).toBe("wait");
  });

  it("takes over a lease that has not changed for the lease duration", () => {
    const first = attempt("b", held("a"), T0);
    const { decision } = attempt("b", held("a"), T0 + DURATION, first.observed);
    expect(decision).toMatchObject({
      kind: "acquire",
      record: { holderIdentity: "b", acquireTime: T0 + DURATION, renewTime: T0 + DURATION, leaseTransitions: 4 },
    });
  });

  it("restarts the expiry clock whenever the holder renews", () => {
    const first = attempt("b", held("a", T0), T0);
    const renewed = attempt("b", held("a", T0 + 10_000), T0 + 10_000, first.observed);
    const { decision } = attempt("b", held("a", T0 + 10_000), T0 + DURATION + 1, renewed.observed);
    expect(decision.kind).toBe("wait");
    expect(isExpired(renewed.observed!, T0 + 10_000 + DURATION)).toBe(true);
  });

  it("renews its own lease keeping acquireTime and the transition count", () => {
    const mine = held("a");
    const { decision } = attempt("a", mine, T0 + 2_000);
    expect(decision).toEqual({ kind: "renew", record: { ...mine, renewTime: T0 + 2_000 } });
  });

  it("takes a released lease (no holder) at once", () => {
    const released = releaseRecord(held("a"), "a", T0)!;
    expect(released).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1 });
    expect(attempt("b", released, T0).decision.kind).toBe("acquire");
  });

  it("refuses to release a lease held by someone else", () => {
    expect(releaseRecord(held("a"), "b", T0)).toBeUndefined();
  });

  it("steps down once the renew deadline passed without a renewal, not before", () => {
    expect(shouldStepDown(T0, T0 + 9_999, 10_000)).toBe(false);
    expect(shouldStepDown(T0, T0 + 10_000, 10_000)).toBe(true);
  });

  it("a leader stepping down at the renew deadline leaves before any standby may take over", () => {
    const standby = attempt("b", held("a", T0), T0);
    const stepDownAt = T0 + 10_000;
    expect(attempt("b", held("a", T0), stepDownAt, standby.observed).decision.kind).toBe("wait");
  });
});
