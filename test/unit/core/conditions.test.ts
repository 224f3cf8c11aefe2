import type { Condition } from "../../../operator/api/conditions.js";
import { conditionsEqual, findCondition, isReady, kstatusOf, setCondition } from "../../../operator/core/conditions.js";

const T0 = "2026-01-01T00:00:00.000Z";
const T1 = "2026-01-01T00:01:00.000Z";
const ready = (status: "True" | "False", reason = "Converged", observedGeneration = 1) => ({
  type: "Ready",
  status,
  reason,
  message: "m",
  observedGeneration,
});
const c = (type: string, status: "True" | "False" | "Unknown", observedGeneration = 1): Condition => ({
  type,
  status,
  reason: "R",
  message: "m",
  observedGeneration,
  lastTransitionTime: T0,
});

describe("setCondition", () => {
  it("appends a new condition with lastTransitionTime now", () => {
    expect(setCondition(undefined, ready("False"), T0)).toEqual([{ ...ready("False"), lastTransitionTime: T0 }]);
  });

  it("keeps lastTransitionTime when the status is unchanged, even if reason and message change", () => {
    const list = setCondition(undefined, ready("False", "Progressing"), T0);
    const next = setCondition(list, { ...ready("False", "EndpointPending"), message: "other" }, T1);
    expect(next).toEqual([{ ...ready("False", "EndpointPending"), message: "other", lastTransitionTime: T0 }]);
  });

  it("moves lastTransitionTime when the status changes", () => {
    const list = setCondition(undefined, ready("False"), T0);
    expect(findCondition(setCondition(list, ready("True"), T1), "Ready")?.lastTransitionTime).toBe(T1);
  });

  it("keeps other conditions and their order, and never mutates the list it is given", () => {
    const list = [c("Stalled", "False"), c("Ready", "False"), c("Reconciling", "True")];
    const copy = JSON.parse(JSON.stringify(list));
    const next = setCondition(list, ready("True"), T1);
    expect(next.map((x) => x.type)).toEqual(["Stalled", "Ready", "Reconciling"]);
    expect(list).toEqual(copy);
  });
});

describe("conditionsEqual", () => {
  it("ignores lastTransitionTime and order", () => {
    const a = [c("Ready", "True"), c("Stalled", "False")];
    const b = [
      { ...c("Stalled", "False"), lastTransitionTime: T1 },
      { ...c("Ready", "True"), lastTransitionTime: T1 },
    ];
    expect(conditionsEqual(a, b)).toBe(true);
  });

  it("sees a different status, reason, message, generation or a missing condition", () => {
    const a = [c("Ready", "True")];
    expect(conditionsEqual(a, [c("Ready", "False")])).toBe(false);
    expect(conditionsEqual(a, [{ ...c("Ready", "True"), reason: "Other" }])).toBe(false);
    expect(conditionsEqual(a, [{ ...c("Ready", "True"), message: "other" }])).toBe(false);
    expect(conditionsEqual(a, [c("Ready", "True", 2)])).toBe(false);
    expect(conditionsEqual(a, [])).toBe(false);
    expect(conditionsEqual(undefined, [])).toBe(true);
  });
});

describe("kstatusOf", () => {
  it.each([
    ["InProgress while the status describes an older generation", 2, 1, [c("Ready", "True")], "InProgress"],
    ["InProgress while Reconciling is True", 1, 1, [c("Reconciling", "True"), c("Ready", "False")], "InProgress"],
    ["Failed when Stalled is True", 1, 1, [c("Stalled", "True"), c("Ready", "False")], "Failed"],
    [
      "Current when Ready is True and nothing is abnormal",
      1,
      1,
      [c("Ready", "True"), c("Stalled", "False")],
      "Current",
    ],
    ["InProgress when Ready=False is published early", 1, 1, [c("Ready", "False")], "InProgress"],
  ])("computes %s", (_name, generation, observedGeneration, conditions, expected) => {
    expect(kstatusOf({ generation, observedGeneration, conditions })).toBe(expected);
  });

  it("computes Terminating while deleting", () => {
    expect(kstatusOf({ generation: 1, observedGeneration: 1, conditions: [c("Ready", "True")], deleting: true })).toBe(
      "Terminating",
    );
  });
});

describe("isReady", () => {
  it("is true only for Ready=True of the current generation", () => {
    expect(isReady(1, [c("Ready", "True", 1)])).toBe(true);
    expect(isReady(2, [c("Ready", "True", 1)])).toBe(false);
    expect(isReady(1, [c("Ready", "False", 1)])).toBe(false);
  });
});
