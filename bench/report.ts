/**
 * Human rendering of the benchmark's figures: one plain-text section per figure, medians first, ratios
 * spelled out. Pure: takes results, returns text.
 */
import type { ReconcileCalls } from "./calls.js";
import type { SharedSweepCalls } from "./sweep.js";
import type { DriftAtDefaults, DriftRepairs, EventRepairs } from "./drift.js";
import type { MemoryAtScale } from "./memory.js";
import { ratio, type CallCounts } from "./stats.js";
import type { Throttling } from "./throttling.js";
import type { TimeToReady } from "./time-to-ready.js";

/** Everything one run measured; a figure is absent when it was not selected. */
export interface BenchResults {
  readonly date: string;
  readonly machine: { readonly cpus: number; readonly node: string; readonly platform: string };
  readonly seconds: number;
  readonly reconcileCalls?: readonly ReconcileCalls[];
  readonly sweepCalls?: SharedSweepCalls;
  readonly timeToReady?: readonly TimeToReady[];
  readonly driftRepair?: DriftRepairs;
  readonly driftAtDefaults?: DriftAtDefaults;
  readonly eventRepair?: EventRepairs;
  readonly memory?: MemoryAtScale;
  readonly throttling?: Throttling;
}

/** A number for humans: NaN → "n/a", else fixed to `digits`. */
export function fmt(x: number, digits = 1): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "n/a";
}

/** Left-aligned first column, right-aligned others, two spaces apart. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "))
    .join("\n");
}

const ops = (c: CallCounts): string =>
  Object.entries(c)
    .map(([op, n]) => `${op} ${fmt(n, Number.isInteger(n) ? 0 : 1)}`)
    .join(", ");

function renderCalls(rs: readonly ReconcileCalls[]): string {
  const head = [
    "network",
    "1st reconcile",
    "cold→Ready (rounds)",
    "mutating",
    "steady",
    "steady mutating",
    "constant",
    "managed",
    "naive/steady",
  ];
  const rows = rs.map((r) => [
    r.egress,
    `${fmt(r.firstReconcile.total, 0)} (${fmt(r.firstReconcile.mutating, 0)} mut)`,
    `${fmt(r.coldToReady.total, 0)} (${fmt(r.coldToReady.rounds, 0)})`,
    fmt(r.coldToReady.mutating, 0),
    fmt(r.steady.total, 0),
    fmt(r.steady.mutating, 0),
    r.steady.constant ? "yes" : "NO",
    String(r.managedResources),
    `${fmt(ratio(r.managedResources, r.steady.total), 2)}x`,
  ]);
  const detail = rs
    .map(
      (r) =>
        `  ${r.egress} cold: ${ops(r.coldToReady.byOperation)}\n  ${r.egress} steady: ${ops(r.steady.byOperation)}`,
    )
    .join("\n");
  return [
    `1. AWS API calls per reconcile (median of ${rs[0]?.reps ?? 0} cold runs; polling every ${rs[0]?.pollMs ?? 0} ms)`,
    table([head, ...rows]),
    "  per operation (median):",
    detail,
  ].join("\n");
}

function renderSweep(s: SharedSweepCalls): string {
  const rows = s.rows.map((r) => [
    String(r.accountRegions),
    String(r.networks),
    fmt(r.shared.callsPerSweep, 0),
    fmt(r.sharedFirstSweep, 0),
    `${fmt(r.perVpc.callsPerSweep, 0)}${r.perVpc.measured ? "" : " (computed)"}`,
    `${fmt(r.ratio, 1)}x`,
  ]);
  const ops = s.rows.map((r) => `  ${r.accountRegions}x${r.networks}: ${callList(r.shared.byOperation)}`);
  return [
    `2. Calls per drift sweep (${s.egress} networks, one VPC each; median of the sweeps)`,
    table([
      ["account-regions", "networks", "shared sweep", "first shared sweep", "per-VPC sweep", "per-VPC/shared"],
      ...rows,
    ]),
    `  per-VPC sweep: one live observe per network, measured (${fmt(s.perNetworkObserve, 1)} calls each) or computed as N x that`,
    "  shared sweep per operation (median):",
    ...ops,
  ].join("\n");
}

/** `Op n, Op n` sorted by name. */
function callList(c: CallCounts): string {
  return Object.entries(c)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, n]) => `${op} ${n}`)
    .join(", ");
}

function renderTtr(ts: readonly TimeToReady[]): string {
  const rows = ts.map((t) => [
    `${t.profile.name} x${t.profile.timeScale}, ${t.via === "operator" ? `operator, requeue ${t.pollMs} ms` : `pipeline, poll ${t.pollMs} ms`}`,
    `${fmt(t.timeMs.median / 1000, 2)} s`,
    `${fmt(t.timeMs.min / 1000, 2)}–${fmt(t.timeMs.max / 1000, 2)} s`,
    `${fmt(t.lowerBoundMs.median / 1000, 2)} s`,
    `${fmt(t.overLowerBound, 2)}x`,
    fmt(t.rounds, 0),
  ]);
  return [
    `3. Time to Ready, cold, NAT OnePerAz (median of ${ts[0]?.timeMs.n ?? 0} runs)`,
    table([["sandbox latency, driver", "median", "range", "lower bound", "median/bound", "rounds"], ...rows]),
    "  lower bound = the slowest NAT/endpoint pending→available delay the sandbox imposed in that run",
  ].join("\n");
}

function renderDrift(d: DriftRepairs): string {
  const rows = d.kinds.map((k) => [
    k.drift,
    `${k.repaired}/${k.attempted}`,
    k.repaired ? `${fmt(k.repairMs.median / 1000, 2)} s` : `> ${fmt(d.timeoutMs / 1000, 0)} s`,
    k.repaired ? `${fmt(k.repairMs.min / 1000, 2)}–${fmt(k.repairMs.max / 1000, 2)} s` : "-",
    k.repaired ? `${fmt(k.overResync, 2)}x` : "not repaired",
  ]);
  const failures = d.kinds.filter((k) => k.failure).map((k) => `  ! ${k.drift}: ${k.failure}`);
  return [
    `4. Drift-repair latency (operator running, resync ${d.resyncMs} ms, pending requeue ${d.pendingRequeueMs} ms)`,
    table([["drift", "repaired", "median", "range", "median/resync"], ...rows]),
    ...failures,
  ].join("\n");
}

function renderDriftAtDefaults(d: DriftAtDefaults): string {
  return [
    `4b. Out-of-band change to repair start at default settings (sweep ${d.resyncMs / 1000} s, polling only, ` +
      `${d.networks} networks, ${d.samples.length} changes)`,
    table([
      ["p50", "p95", "max", "p95/sweep"],
      [
        `${fmt(d.p50Ms / 1000, 2)} s`,
        `${fmt(d.p95Ms / 1000, 2)} s`,
        `${fmt(d.maxMs / 1000, 2)} s`,
        `${fmt(d.p95Ms / d.resyncMs, 2)}x`,
      ],
    ]),
  ].join("\n");
}

function renderEvents(e: EventRepairs): string {
  const row = (name: string, x: EventRepairs["queueToRepairStartMs"]) => [
    name,
    `${fmt(x.median, 0)} ms`,
    `${fmt(x.p95, 0)} ms`,
    `${fmt(x.min, 0)}–${fmt(x.max, 0)} ms`,
  ];
  return [
    `4c. Drift repair from EC2 change events (--events-queue, resync ${e.resyncMs / 1000} s, ${e.reps} ecr.dkr endpoints deleted out of band)`,
    table([
      ["from", "p50", "p95", "range"],
      row("event on the queue → network enqueued", e.queueToHandledMs),
      row("event on the queue → replacement created", e.queueToRepairStartMs),
      row("deleted → replacement available", e.injectToRepairedMs),
    ]),
  ].join("\n");
}

function renderMemory(m: MemoryAtScale): string {
  const parts = [
    `5. Memory of the operator process (\`ecsnet run\` alone; ${m.vpcs}; default ${fmt(m.sweepIntervalSeconds)} s drift sweep; held ${fmt(m.holdSeconds)} s at each size once all Ready; --ec2-rate-scale ${m.ec2RateScale} to build the world fast)`,
  ];
  for (const v of m.variants) {
    const rows = v.points.map((p) => [
      String(p.networks),
      `${fmt(p.rssMiB)} MiB`,
      `${fmt(p.rssPeakMiB)} MiB`,
      p.networks ? `${fmt(p.rssRampPeakMiB)} MiB` : "-",
      `${fmt(p.rssAnonMiB)} / ${fmt(p.rssFileMiB)} MiB`,
      `${fmt(p.heapUsedMiB)} / ${fmt(p.heapUsedPeakMiB)} MiB`,
      `${fmt(p.heapTotalMiB)} MiB`,
      `${fmt(p.externalMiB)} MiB`,
      `${fmt(p.sweeps, 0)} (${fmt(p.sweepSeconds)} s)`,
      p.networks ? `${fmt(p.readySeconds)} s` : "-",
    ]);
    parts.push(
      `  ${v.name} (node ${[...v.nodeArgs, v.script].join(" ")}; ${Object.entries({
        NODE_OPTIONS: v.nodeOptions,
        ...v.env,
      })
        .map(([k, x]) => `${k}=${JSON.stringify(x)}`)
        .join(" ")}; medians of ${v.runs} run(s))`,
      table([
        [
          "networks",
          "RSS held",
          "RSS peak held",
          "RSS peak creating",
          "anon / file",
          "heap used / peak",
          "heap total",
          "external",
          "sweeps held (each)",
          "apply→all Ready",
        ],
        ...rows,
      ]),
      `  per network from the empty operator: RSS ${fmt(v.rssPerNetworkKiB)} KiB, heap ${fmt(v.heapPerNetworkKiB)} KiB`,
    );
  }
  return parts.join("\n");
}

function renderThrottling(t: Throttling): string {
  const by = Object.keys(t.throttledByOperation).length ? ` (${ops(t.throttledByOperation)})` : "";
  return [
    `6. Throttling: ${t.networks} networks applied at once, sandbox enforcing EC2's buckets`,
    `  all Ready after ${fmt(t.seconds)} s (CreateVpcEndpoint bucket alone needs >= ${fmt(t.endpointBucketBoundSeconds)} s for ${t.networks * t.endpointCreatesPerNetwork} creates)`,
    `  requests ${t.requests}, RequestLimitExceeded sent by the sandbox: ${t.throttledResponses}${by}`,
    `  throttled calls surfaced to reconciles: ${t.throttledSurfaced}, reconcile errors: ${t.reconcileErrors}`,
  ].join("\n");
}

/** The whole report. */
export function render(r: BenchResults): string {
  const parts = [
    `ecsnet benchmark, ${r.date} (${r.machine.cpus} CPUs, Node ${r.machine.node}, ${r.machine.platform}); ${fmt(r.seconds, 0)} s`,
    r.reconcileCalls && renderCalls(r.reconcileCalls),
    r.sweepCalls && renderSweep(r.sweepCalls),
    r.timeToReady && renderTtr(r.timeToReady),
    r.driftRepair && renderDrift(r.driftRepair),
    r.driftAtDefaults && renderDriftAtDefaults(r.driftAtDefaults),
    r.eventRepair && renderEvents(r.eventRepair),
    r.memory && renderMemory(r.memory),
    r.throttling && renderThrottling(r.throttling),
  ];
  return parts.filter((p): p is string => Boolean(p)).join("\n\n") + "\n";
}
