/**
 * Progress of `ecsnet apply` / `destroy`: the state of every AWS resource a network owns, as it changes.
 * A real NAT gateway takes minutes and EC2 lets four endpoint calls through, then one per 3.3 s, so a user
 * must see what is being waited for:
 * - `tty`: a live block redrawn in place every second, one row per resource with its state and, while it is
 *   changing, terraform's "Still creating... [1m10s elapsed]";
 * - `lines` (no terminal: CI logs, pipes): one line per state change, never a repeated frame;
 * - `json`: one JSON event per line (`start`, `resource`, `round`, `end`) for automation.
 * States come from the EC2 calls as they are made and answered (tracked-port.ts): the writes, and what the
 * Describe calls of each round report.
 */
import type { NetworkOutcome } from "../controllers/reconcile-network.js";

export type ProgressMode = "tty" | "lines" | "json";

/** Where progress goes: a stream with `write`, and its width when it is a terminal. */
export interface ProgressOut {
  write(text: string): unknown;
  readonly columns?: number;
}

interface Row {
  id: string | undefined;
  state: string;
  /** When the state was entered (ms). */
  since: number;
}

const CHANGING: Readonly<Record<string, string>> = {
  creating: "creating",
  pending: "creating",
  allocating: "creating",
  pendingAcceptance: "creating",
  modifying: "modifying",
  deleting: "destroying",
  releasing: "destroying",
};
const GONE = new Set(["deleted", "released"]);

/** `1m10s`, `12s`: terraform's elapsed-time format. */
export function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

/** The progress of one command run: one network at a time (a file's networks are applied in order). */
export class Progress {
  private readonly rows = new Map<string, Row>();
  private network = "";
  private verb = "";
  private started = 0;
  private height = 0;
  /** `key code` of the calls that failed in the last round. */
  private failing = new Set<string>();
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly mode: ProgressMode,
    private readonly out: ProgressOut,
    private readonly now: () => number = Date.now,
  ) {}

  /** The owner uid of the network in progress: resources carrying it are this network's. */
  owner = "";

  /** A network's apply (or destroy) begins; `ownerUid` tells its resources apart in what AWS reports. */
  start(network: string, deleting: boolean, ownerUid: string): void {
    this.rows.clear();
    this.network = network;
    this.owner = ownerUid;
    this.verb = deleting ? "Destroying" : "Applying";
    this.started = this.now();
    this.height = 0;
    this.failing.clear();
    this.emit({ type: "start", action: deleting ? "destroy" : "apply" });
    if (this.mode === "lines") this.out.write(`${this.verb} ${network}...\n`);
    if (this.mode === "tty") {
      this.draw();
      this.ticker = setInterval(() => this.draw(), 1000);
      this.ticker.unref();
    }
  }

  /** The ids of the NAT gateways this network owns (for telling its routes apart). */
  natIds(): Set<string> {
    return new Set([...this.rows].filter(([k, r]) => k.startsWith("nat:") && r.id).map(([, r]) => r.id!));
  }

  /** The key of the resource with AWS id `id`, if one is known. */
  keyOf(id: string): string | undefined {
    for (const [k, r] of this.rows) if (r.id === id) return k;
    return undefined;
  }

  /** The current state of `key`, if known. */
  stateOf(key: string): string | undefined {
    return this.rows.get(key)?.state;
  }

  /** `key` is now in `state` (with `id`, when known). Reports only changes. */
  set(key: string, state: string, id?: string): void {
    const row = this.rows.get(key);
    const t = this.now();
    if (row && row.state === state) {
      if (id !== undefined) row.id = id;
      return;
    }
    const previous = row?.state;
    const tookMs = row ? t - row.since : undefined;
    this.rows.set(key, { id: id ?? row?.id, state, since: t });
    const shownId = id ?? row?.id;
    this.emit({
      type: "resource",
      key,
      ...(shownId ? { id: shownId } : {}),
      state,
      ...(previous ? { previous, previousMs: tookMs } : {}),
    });
    if (this.mode === "lines") {
      const took = previous && tookMs !== undefined && CHANGING[previous] ? ` after ${elapsed(tookMs)}` : "";
      const change = previous ? `${previous} → ${state}${took}` : state;
      this.out.write(`${this.stamp()} ${key}${shownId ? ` ${shownId}` : ""}: ${change}\n`);
    }
    if (this.mode === "tty") this.draw();
  }

  /**
   * What a Describe call returned: `found` (key, id, state) of the resources of one kind (keys starting with
   * `keyPrefix`) this network owns. A row of that kind being deleted that AWS no longer reports is gone.
   */
  described(keyPrefix: string, found: readonly { key: string; id: string; state: string }[]): void {
    for (const f of found) this.set(f.key, f.state, f.id);
    const keys = new Set(found.map((f) => f.key));
    for (const [k, row] of this.rows)
      if (k.startsWith(keyPrefix) && !keys.has(k) && (row.state === "deleting" || row.state === "releasing"))
        this.set(k, row.state === "releasing" ? "released" : "deleted");
  }

  /** What a finished round did: a `round` event, a line per failed call, and everything gone once deleted. */
  observe(o: NetworkOutcome, round: number): void {
    if (o.deletionComplete)
      for (const [k, row] of this.rows)
        if (!GONE.has(row.state))
          this.set(k, row.state === "releasing" || k.startsWith("eip:") ? "released" : "deleted");
    const failed = o.results.flatMap((r) => (r.outcome === "failed" ? [{ key: r.key, code: r.error.code }] : []));
    this.emit({
      type: "round",
      round,
      changes: o.results.filter((r) => r.outcome === "done").length,
      pending: o.plan?.pending.map((p) => p.key) ?? [],
      blocked: o.plan?.blocked.map((b) => ({ key: b.key, reason: b.reason, message: b.message })) ?? [],
      failed,
    });
    // A refusal repeated round after round is said once, until it changes.
    const now = new Set(failed.map((f) => `${f.key} ${f.code}`));
    if (this.mode === "lines")
      for (const f of o.results)
        if (f.outcome === "failed" && !this.failing.has(`${f.key} ${f.error.code}`))
          this.out.write(`${this.stamp()} ${f.key}: failed: ${f.error.code}: ${f.error.message} (will retry)\n`);
    this.failing = now;
  }

  /** The network's apply ended with `result` (ready, deleted, timeout, ...) and `exitCode`. */
  end(result: string, exitCode: number): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.emit({ type: "end", result, exitCode });
    if (this.mode === "tty") {
      this.draw(true);
      this.height = 0;
    }
  }

  /** Stop redrawing (an error ended the command). */
  close(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private stamp(): string {
    return `[${elapsed(this.now() - this.started).padStart(6)}]`;
  }

  private emit(e: Record<string, unknown>): void {
    this.eventFor(this.network, e, this.now() - this.started);
  }

  /** In json mode, write one event about `network` (also one that never started, e.g. an invalid file). */
  event(network: string, e: Record<string, unknown>): void {
    this.eventFor(network, e, 0);
  }

  private eventFor(network: string, e: Record<string, unknown>, elapsedMs: number): void {
    if (this.mode !== "json") return;
    const t = this.now();
    const line = { time: new Date(t).toISOString(), elapsedMs, network, ...e };
    this.out.write(`${JSON.stringify(line)}\n`);
  }

  /** The live block: a header and one row per resource, redrawn over the previous one. */
  private draw(final = false): void {
    const t = this.now();
    const width = Math.max(40, (this.out.columns ?? 120) - 1);
    const header = final
      ? `${this.verb} ${this.network}: finished after ${elapsed(t - this.started)}`
      : `${this.verb} ${this.network}...  [${elapsed(t - this.started)} elapsed]`;
    const lines = [header];
    const keys = [...this.rows.keys()].sort();
    const kw = Math.max(12, ...keys.map((k) => k.length));
    for (const k of keys) {
      const r = this.rows.get(k)!;
      const still = CHANGING[r.state];
      const note = still && !final ? `Still ${still}... [${elapsed(t - r.since)} elapsed]` : "";
      lines.push(`  ${k.padEnd(kw)}  ${(r.id ?? "-").padEnd(26)}  ${r.state.padEnd(10)}  ${note}`.trimEnd());
    }
    const text = lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l)).join("\n");
    const up = this.height > 0 ? `\x1b[${this.height}F\x1b[J` : "";
    this.height = lines.length;
    this.out.write(`${up}${text}\n`);
  }
}

/** `json` when asked, else `tty` on a terminal and `lines` otherwise. */
export function progressMode(output: "text" | "json", isTTY: boolean | undefined): ProgressMode {
  return output === "json" ? "json" : isTTY ? "tty" : "lines";
}
