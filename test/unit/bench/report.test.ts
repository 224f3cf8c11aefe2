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
});
