/**
 * Pure number helpers of the benchmark: medians and percentiles over repetitions (these machines are
 * noisy, so every timing is a median), ratios that never divide by zero, and the per-operation call
 * tables the sandbox reports. No I/O, no clock.
 */

/** The median of `xs` (mean of the two middle values for an even count); NaN for an empty list. */
export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/**
 * The `p`-th percentile (0–100) of `xs` by linear interpolation between closest ranks (the method of
 * numpy's default and of most spreadsheets); NaN for an empty list. Never mutates `xs`.
 */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** `a / b`, or NaN when `b` is 0 (a ratio to nothing is no ratio; the report prints it as "n/a"). */
export function ratio(a: number, b: number): number {
  return b === 0 ? Number.NaN : a / b;
}

/** A summary of repeated measurements: the median (the figure reported) plus the spread around it. */
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly p90: number;
}

/** Summarise repetitions; every field NaN (and `n` 0) for an empty list. */
export function summarize(xs: readonly number[]): Summary {
  return {
    n: xs.length,
    median: median(xs),
    min: xs.length ? Math.min(...xs) : Number.NaN,
    max: xs.length ? Math.max(...xs) : Number.NaN,
    p90: percentile(xs, 90),
  };
}

/** Per-operation AWS call counts, e.g. `{ DescribeVpcEndpoints: 2, CreateVpcEndpoint: 4 }`. */
export type CallCounts = Readonly<Record<string, number>>;

/**
 * Whether an EC2/ECS operation changes state. Read-only verbs are EC2's own non-mutating category
 * (Describe*, List*, Search*, Get*, aws-facts 3.7); everything else mutates.
 */
export function isMutating(operation: string): boolean {
  return !/^(Describe|List|Search|Get)/.test(operation);
}

/** Total and mutating call counts of a table. */
export function totals(calls: CallCounts): { readonly total: number; readonly mutating: number } {
  let total = 0;
  let mutating = 0;
  for (const [op, n] of Object.entries(calls)) {
    total += n;
    if (isMutating(op)) mutating += n;
  }
  return { total, mutating };
}

/** `after - before` per operation, dropping operations whose count did not change. */
export function diffCalls(after: CallCounts, before: CallCounts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, n] of Object.entries(after)) {
    const d = n - (before[op] ?? 0);
    if (d !== 0) out[op] = d;
  }
  return out;
}

/** The per-operation median over several call tables (operations missing from a table count as 0). */
export function medianCalls(tables: readonly CallCounts[]): Record<string, number> {
  const ops = new Set(tables.flatMap((t) => Object.keys(t)));
  const out: Record<string, number> = {};
  for (const op of [...ops].sort()) out[op] = median(tables.map((t) => t[op] ?? 0));
  return out;
}
