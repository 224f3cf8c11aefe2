/**
 * A sweep's result as `ecsnet_drift_sweeps_total` counts it, and the coordinator's report of a sweep whose
 * shared observes fail (an alert on `result="failed"` is how a person learns drift is no longer being found).
 */
import { describe, expect, it } from "@jest/globals";
import { SweepCoordinator, sweepMetrics, sweepResult, type SweepTarget } from "../../../operator/controllers/sweep.js";
import type { ObserveSnapshot } from "../../../operator/aws/snapshot.js";
import { createMetrics } from "../../../operator/observability/metrics.js";

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined };

/** A snapshot whose refresh fails as an AWS outage would; the coordinator calls nothing else on it then. */
function failingSnapshot(): ObserveSnapshot {
  return {
    refresh: () => Promise.reject(new Error("RequestLimitExceeded")),
  } as unknown as ObserveSnapshot;
}

function target(key: string, snapshot: ObserveSnapshot): SweepTarget {
  return { key, region: "us-east-1", vpcId: `vpc-${key}`, snapshot } as unknown as SweepTarget;
}

describe("sweepResult", () => {
  it("is ok with no failure, failed when every snapshot failed, partial otherwise", () => {
    expect(sweepResult({ snapshots: 2, networks: 5, enqueued: [], failed: 0 })).toBe("ok");
    expect(sweepResult({ snapshots: 0, networks: 0, enqueued: [], failed: 0 })).toBe("ok");
    expect(sweepResult({ snapshots: 2, networks: 5, enqueued: [], failed: 1 })).toBe("partial");
    expect(sweepResult({ snapshots: 2, networks: 5, enqueued: [], failed: 2 })).toBe("failed");
  });

  it("a sweep whose observes all fail is counted failed; one that does not lead is not counted", async () => {
    const metrics = createMetrics(undefined, { defaultMetrics: false });
    let leading = true;
    const snapshot = failingSnapshot();
    const sweep = new SweepCoordinator({
      intervalMs: 60_000,
      targets: () => [target("a", snapshot), target("b", snapshot)],
      enqueue: () => undefined,
      active: () => leading,
      logger: quiet,
      onSweep: sweepMetrics(metrics),
    });
    expect(await sweep.sweep()).toMatchObject({ snapshots: 1, networks: 2, failed: 1 });
    leading = false;
    await sweep.sweep();
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^ecsnet_drift_sweeps_total\{result="failed"\} 1$/m);
    expect(text).toMatch(/^ecsnet_drift_sweeps_total\{result="ok"\} 0$/m);
    expect(text).toMatch(/^ecsnet_drift_sweep_duration_seconds_count 1$/m);
  });
});
