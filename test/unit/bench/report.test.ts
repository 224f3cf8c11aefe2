import { fmt, render, table } from "../../../bench/report.js";

describe("benchmark report", () => {
  it("prints a missing ratio as n/a instead of NaN", () => {
    expect(fmt(Number.NaN)).toBe("n/a");
    expect(fmt(1.234, 2)).toBe("1.23");
  });

  it("aligns the first column left and the others right", () => {
    expect(
      table([
        ["a", "bb"],
        ["ccc", "d"],
      ]),
    ).toBe("a    bb\nccc   d");
  });

  it("renders only the figures that were measured", () => {
    const text = render({
      date: "2026-01-01T00:00:00.000Z",
      machine: { cpus: 2, node: "20", platform: "linux/x64" },
      seconds: 12,
      throttling: {
        networks: 10,
        endpointCreatesPerNetwork: 2,
        seconds: 56.8,
        requests: 700,
        throttledResponses: 2,
        throttledByOperation: { DescribeNatGateways: 2 },
        throttledSurfaced: 0,
        reconcileErrors: 0,
        endpointBucketBoundSeconds: 53.3,
      },
    });
    expect(text).toContain("6. Throttling: 10 networks");
    expect(text).toContain("RequestLimitExceeded sent by the sandbox: 2 (DescribeNatGateways 2)");
    expect(text).not.toContain("1. AWS API calls");
  });

  it("renders figure 4c with p50 and p95 of each leg of the events path", () => {
    const leg = (median: number, p95: number) => ({ n: 3, median, min: 1, max: p95, p90: p95, p95 });
    const text = render({
      date: "2026-01-01T00:00:00.000Z",
      machine: { cpus: 2, node: "24", platform: "linux/x64" },
      seconds: 12,
      eventRepair: {
        resyncMs: 600_000,
        reps: 3,
        queueToHandledMs: leg(5, 12),
        queueToRepairStartMs: leg(1407, 2461),
        injectToRepairedMs: leg(1693, 2680),
      },
    });
    expect(text).toContain("4c. Drift repair from EC2 change events (--events-queue, resync 600 s, 3 ecr.dkr");
    expect(text).toMatch(/event on the queue → network enqueued\s+5 ms\s+12 ms/);
    expect(text).toMatch(/event on the queue → replacement created\s+1407 ms\s+2461 ms/);
  });
});
