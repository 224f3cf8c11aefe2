import {
  diffCalls,
  isMutating,
  median,
  medianCalls,
  percentile,
  ratio,
  summarize,
  totals,
} from "../../../bench/stats.js";

describe("benchmark statistics", () => {
  it.each([
    ["the middle value of an odd count", [5, 1, 3], 3],
    ["the mean of the two middle values of an even count", [4, 1, 3, 2], 2.5],
    ["the single value of a one-element list", [7], 7],
  ])("median is %s", (_name, xs, want) => {
    expect(median(xs)).toBe(want);
  });

  it("median of nothing is NaN, not zero", () => {
    expect(median([])).toBeNaN();
  });

  it("percentiles interpolate between ranks and clamp p to 0..100", () => {
    const xs = [10, 20, 30, 40, 50];
    expect(percentile(xs, 0)).toBe(10);
    expect(percentile(xs, 100)).toBe(50);
    expect(percentile(xs, 90)).toBeCloseTo(46);
    expect(percentile(xs, 150)).toBe(50);
  });

  it("percentile leaves its input unsorted", () => {
    const xs = [3, 1, 2];
    percentile(xs, 50);
    expect(xs).toEqual([3, 1, 2]);
  });

  it("a ratio to zero is NaN rather than Infinity", () => {
    expect(ratio(3, 0)).toBeNaN();
    expect(ratio(3, 2)).toBe(1.5);
  });

  it("summarize reports median, extremes and p90 of the repetitions", () => {
    const s = summarize([1, 2, 3, 4, 100]);
    expect({ n: s.n, median: s.median, min: s.min, max: s.max }).toEqual({ n: 5, median: 3, min: 1, max: 100 });
    expect(s.p90).toBeCloseTo(61.6);
    expect(summarize([]).n).toBe(0);
  });

  it.each([
    ["DescribeVpcEndpoints", false],
    ["GetManagedPrefixListEntries", false],
    ["CreateVpcEndpoint", true],
    ["AuthorizeSecurityGroupIngress", true],
    ["ModifyVpcEndpoint", true],
  ])("%s mutating is %s", (op, want) => {
    expect(isMutating(op)).toBe(want);
  });

  it("totals count every call and the mutating ones separately", () => {
    expect(totals({ DescribeVpcs: 3, CreateVpcEndpoint: 4, CreateRoute: 1 })).toEqual({ total: 8, mutating: 5 });
  });

  it("diffCalls keeps only the operations whose count changed", () => {
    expect(
      diffCalls({ DescribeVpcs: 5, CreateRoute: 1, DescribeSubnets: 2 }, { DescribeVpcs: 2, DescribeSubnets: 2 }),
    ).toEqual({
      DescribeVpcs: 3,
      CreateRoute: 1,
    });
  });

  it("medianCalls takes the median per operation, a missing operation counting as zero", () => {
    expect(medianCalls([{ A: 1, B: 2 }, { A: 3 }, { A: 2, B: 2 }])).toEqual({ A: 2, B: 2 });
  });
});
