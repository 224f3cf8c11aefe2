import { describe, expect, it } from "@jest/globals";
import type { Action, Plan } from "../../../operator/core/actions.js";
import { waves, PlanCycleError } from "../../../operator/core/waves.js";
import { key, type Key } from "../../../operator/core/model.js";

const act = (k: string): Action => ({
  kind: "DeleteEndpoint",
  key: key(k),
  reason: "NotDesired",
  detail: `delete ${k}`,
  endpointId: `vpce-${k}`,
});
const planOf = (keys: string[], deps: Record<string, string[]>): Plan => ({
  actions: keys.map(act),
  dependsOn: new Map(Object.entries(deps).map(([k, v]) => [key(k), v.map(key)] as [Key, Key[]])),
  pending: [],
  blocked: [],
});
const keysOf = (w: Action[][]): string[][] => w.map((x) => x.map((a) => a.key));

describe("waves", () => {
  it("returns no waves for an empty plan", () => {
    expect(waves(planOf([], {}))).toEqual([]);
  });
  it("puts independent actions in one wave in plan order", () => {
    expect(keysOf(waves(planOf(["c", "a", "b"], {})))).toEqual([["c", "a", "b"]]);
  });
  it("layers a chain eip → nat → route into three waves", () => {
    const p = planOf(["route", "nat", "eip"], { route: ["nat"], nat: ["eip"] });
    expect(keysOf(waves(p))).toEqual([["eip"], ["nat"], ["route"]]);
  });
  it("ignores dependencies on keys that have no action in the plan", () => {
    const p = planOf(["nat"], { nat: ["eip-already-there"] });
    expect(keysOf(waves(p))).toEqual([["nat"]]);
  });
  it("places a diamond's join after both branches", () => {
    const p = planOf(["d", "b", "c", "a"], { b: ["a"], c: ["a"], d: ["b", "c"] });
    expect(keysOf(waves(p))).toEqual([["a"], ["b", "c"], ["d"]]);
  });
  it("throws a PlanCycleError naming the actions of a cycle", () => {
    const p = planOf(["a", "b", "c"], { a: ["b"], b: ["a"] });
    expect(() => waves(p)).toThrow(PlanCycleError);
    try {
      waves(p);
    } catch (e) {
      expect((e as PlanCycleError).keys).toEqual(["a", "b"]);
    }
  });
  it("treats an action depending on itself as a cycle", () => {
    expect(() => waves(planOf(["a"], { a: ["a"] }))).toThrow(PlanCycleError);
  });
});
