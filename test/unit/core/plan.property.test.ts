import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { isConverged } from "../../../operator/core/actions.js";
import { computeDesired } from "../../../operator/core/desired.js";
import { plan } from "../../../operator/core/plan.js";
import { caseArb } from "../../fixtures/arbitraries.js";
import { OWNER } from "../../fixtures/network.js";
import { observedFrom } from "../../fixtures/observed-from.js";

describe("plan properties", () => {
  it("plans nothing for a world that already matches the desired network", () => {
    fc.assert(
      fc.property(caseArb, ({ topology, spec }) => {
        const d = computeDesired({ owner: OWNER, spec, region: topology.region, topology, contributions: [] });
        expect(d.issues.filter((i) => i.blocking)).toEqual([]);
        const p = plan(d, observedFrom(d, topology));
        expect(p).toEqual({ actions: [], dependsOn: new Map(), pending: [], blocked: [] });
        expect(isConverged(p)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
