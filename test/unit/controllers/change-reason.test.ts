import { describe, expect, it } from "@jest/globals";
import { changeReason, ConvergenceMemory, readyGeneration } from "../../../operator/controllers/change-reason.js";
import type { PrivateEcsNetworkStatus } from "../../../operator/api/private-ecs-network.js";

const ready = (generation: number, status: "True" | "False"): PrivateEcsNetworkStatus =>
  ({
    observedGeneration: generation,
    conditions: [
      {
        type: "Ready",
        status,
        reason: "Converged",
        message: "",
        observedGeneration: generation,
        lastTransitionTime: "2026-01-01T00:00:00Z",
      },
    ],
  }) as PrivateEcsNetworkStatus;

describe("what a change is", () => {
  it.each([
    ["part of the first creation", { deleting: false, generation: 1, convergedGeneration: undefined }, "Created"],
    ["a spec change being applied", { deleting: false, generation: 2, convergedGeneration: 1 }, "Updated"],
    [
      "a repair of drift at the converged generation",
      { deleting: false, generation: 2, convergedGeneration: 2 },
      "Repaired",
    ],
    ["part of a teardown", { deleting: true, generation: 2, convergedGeneration: 2 }, "Deleted"],
  ] as const)("%s", (_name, input, want) => {
    expect(changeReason(input)).toBe(want);
  });

  it("remembers convergence after Ready turns False on observed drift, so the repair is still a repair", () => {
    const m = new ConvergenceMemory();
    m.see("ns/a", ready(1, "False"));
    expect(m.get("ns/a")).toBeUndefined();
    m.see("ns/a", ready(1, "True"));
    m.see("ns/a", ready(1, "False")); // drift seen: Ready False, before the repair
    expect(changeReason({ deleting: false, generation: 1, convergedGeneration: m.get("ns/a") })).toBe("Repaired");
    expect(readyGeneration(ready(3, "True"))).toBe(3);
    m.forget("ns/a");
    expect(m.get("ns/a")).toBeUndefined();
  });
});
