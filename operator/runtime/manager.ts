/**
 * The manager runs one operator instance: informers, controllers, leader election and the HTTP
 * endpoints (`/healthz`, `/readyz`, `/metrics`), and stops them in order.
 *
 * - Informers run on every instance, leader or not, so a standby has warm caches when it takes over.
 * - Controllers run only while this instance leads. On becoming leader every key in the informers'
 *   caches is enqueued (events seen while standby were dropped); on losing the Lease the controllers
 *   stop at once, so there are never two writers. Without an elector, this instance simply leads.
 * - `/readyz` is 200 once every informer has synced and, when electing, once the role is known
 *   (leader and standby are both ready: a standby is a healthy replica), and while no component reports
 *   a problem (runtime/health.ts: CRDs missing, RBAC, the API server unreachable, ...). The body names
 *   each problem and its fix.
 * - `/healthz` is 200 while every informer, the elector and every controller is making progress within its
 *   deadline, and 500 naming the wedged loop otherwise, so the kubelet restarts a pod that would never
 *   recover by itself (and only then: a failing-but-turning loop is a readiness matter).
 * - `stop()` drains: controllers (grace period), then the Lease is released, then informers, then HTTP.
 *
 * The runtime knows keys, not Kubernetes: informers and the elector are interfaces, implemented by
 * kube/informer.ts and kube/lease.ts.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Metrics } from "../observability/metrics.js";
import type { Controller } from "./controller.js";
import type { Liveness, Problem } from "./health.js";

/** A source of keys with a cache (kube/informer.ts). */
export interface KeySource {
  /** Name for logs, e.g. the resource plural. */
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
  /** True once the first list completed. */
  hasSynced(): boolean;
  /** Every key in the cache now (`namespace/name`). */
  keys(): string[];
  /** Subscribe to keys of added/updated/deleted objects; returns an unsubscribe function. */
  onKey(listener: (key: string) => void): () => void;
  /** Wedged or not (runtime/health.ts); absent → always alive. */
  liveness?(): Liveness;
  /** Why it cannot list/watch now; absent → never a problem. */
  problem?(): Problem | undefined;
}

/** A leader's lifecycle hooks. */
export interface ElectionCallbacks {
  onStartedLeading?(): void;
  onStoppedLeading?(): void;
  onNewLeader?(identity: string): void;
}

/** The election as the manager sees it. */
export type ElectorRole = "unknown" | "leader" | "standby";

/** A leader elector (kube/lease.ts). */
export interface Elector {
  start(callbacks: ElectionCallbacks): void;
  role(): ElectorRole;
  /** Stop electing; release the Lease if held. */
  stop(): Promise<void>;
  /** Wedged or not (runtime/health.ts); absent → always alive. */
  liveness?(): Liveness;
  /** Why it cannot elect now; absent → never a problem. */
  problem?(): Problem | undefined;
}

/** Feeds a controller from a key source; `map` turns a source key into the controller's keys (default: same key). */
export interface Watch {
  readonly source: KeySource;
  readonly controller: Controller;
  readonly map?: (key: string) => readonly string[];
}

/** Options of {@link Manager}. */
export interface ManagerOptions {
  readonly watches: readonly Watch[];
  /** Leader election; absent → this instance always leads. */
  readonly elector?: Elector;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** HTTP endpoint; absent → no server. Use port 0 for an ephemeral port. */
  readonly http?: { readonly host: "127.0.0.1" | "0.0.0.0"; readonly port: number };
  /**
   * Who may read `/metrics`: `local` (default) answers only connections from the pod itself (127.0.0.1,
   * ::1; a sidecar, `kubectl port-forward`) and 403 to anyone else, because the metrics are unauthenticated
   * and the port must be on the pod IP for the kubelet's probes; `any` serves every peer (the metrics
   * component turns it on, next to a NetworkPolicy admitting only the monitoring namespace).
   */
  readonly metricsAccess?: "local" | "any";
  /** Grace period for in-flight reconciles on `stop()`. Default 10 s. */
  readonly graceMs?: number;
  /**
   * Grace period when the Lease is lost. Default 2 s. Keep it below leaseDuration − renewDeadline
   * (5 s with client-go's defaults): a leader steps down that long before any standby may acquire,
   * so in-flight writes end before a new leader starts (never two writers).
   */
  readonly lostLeaseGraceMs?: number;
}

/** One operator instance. */
export class Manager {
  /** Distinct sources and controllers (one source may feed several controllers and vice versa). */
  private readonly sources: KeySource[];
  private readonly controllers: Controller[];
  /** Undo the source → controller subscriptions on stop. */
  private readonly unsubscribe: Array<() => void> = [];
  private server: Server | undefined;
  /** True while the controllers run; flips before they are started/stopped so callbacks never double up. */
  private leading = false;
  /** Set by `stop()`: from then on, winning the Lease (again) must not start the controllers. */
  private stopping = false;
  /** The latest step-down's drain of the controllers, so `stop()` also waits for one it did not start. */
  private draining: Promise<void> = Promise.resolve();
  /** What /healthz last reported as wedged ("" when alive), so it is logged once per change. */
  private lastWedged = "";

  constructor(private readonly opts: ManagerOptions) {
    this.sources = [...new Set(opts.watches.map((w) => w.source))];
    this.controllers = [...new Set(opts.watches.map((w) => w.controller))];
  }

  /** The HTTP port actually bound (after `start`), or undefined without a server. */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  /** True when every informer synced, when electing the role is known, and no component reports a problem. */
  isReady(): boolean {
    return this.notReady().length === 0;
  }

  /** Why this instance is not ready (empty when ready): problems first, then what it is still waiting for. */
  notReady(): string[] {
    const out = this.problems().map((p) => `${p.message}; fix: ${p.fix}`);
    for (const s of this.sources) if (!s.hasSynced()) out.push(`informer ${s.name} has not synced yet`);
    if (this.opts.elector && this.opts.elector.role() === "unknown") out.push("leader election has not decided yet");
    return out;
  }

  /** Every component's current problem. */
  problems(): Problem[] {
    const all = [...this.sources.map((s) => s.problem?.()), this.opts.elector?.problem?.()];
    return all.filter((p): p is Problem => p !== undefined);
  }

  /** Log, once per change, why /healthz fails: the line that explains the restart that follows. */
  noteWedged(why: readonly string[]): void {
    const text = why.join("; ");
    if (text && text !== this.lastWedged) this.opts.logger.error({ wedged: why }, "liveness failing: " + text);
    this.lastWedged = text;
  }

  /** The messages of every wedged loop (empty when all are alive). */
  wedged(): string[] {
    const all: Array<Liveness | undefined> = [
      ...this.sources.map((s) => s.liveness?.()),
      this.opts.elector?.liveness?.(),
      ...this.controllers.map((c) => c.liveness()),
    ];
    return all.flatMap((l) => (l && !l.ok ? [l.message] : []));
  }

  /** True while this instance runs the controllers. */
  isLeading(): boolean {
    return this.leading;
  }

  /** Start HTTP, informers, then the election (or the controllers at once without one). */
  async start(): Promise<void> {
    if (this.opts.http)
      this.server = await listen(this, this.opts.http, this.opts.metrics.registry, this.opts.metricsAccess ?? "local");
    for (const w of this.opts.watches) {
      const map = w.map ?? ((k: string) => [k]);
      this.unsubscribe.push(w.source.onKey((key) => map(key).forEach((k) => w.controller.enqueue(k))));
    }
    for (const s of this.sources) s.start();
    const elector = this.opts.elector;
    if (!elector) return this.startLeading();
    elector.start({
      onStartedLeading: () => this.startLeading(),
      // Lost the Lease: stop writing now, with the short lost-lease grace period (see the option).
      onStoppedLeading: () => void this.stopLeading(this.opts.lostLeaseGraceMs ?? 2_000),
      onNewLeader: (id) => this.opts.logger.info({ leader: id }, "new leader"),
    });
  }

  /** Drain and stop everything; safe to call once. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.stopLeading();
    await this.opts.elector?.stop();
    this.unsubscribe.splice(0).forEach((u) => u());
    await Promise.all(this.sources.map((s) => s.stop()));
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }

  /** Became leader (or no election): run the controllers and catch up on every cached key. */
  private startLeading(): void {
    if (this.leading || this.stopping) return;
    this.leading = true;
    this.opts.logger.info("leading: starting controllers");
    for (const c of this.controllers) c.start();
    // Events that arrived while standby were dropped: run every cached object once now.
    for (const w of this.opts.watches) {
      const map = w.map ?? ((k: string) => [k]);
      for (const key of w.source.keys()) map(key).forEach((k) => w.controller.enqueue(k));
    }
  }

  /** Lost the lead or stopping: stop the controllers, letting in-flight reconciles finish within the grace period. */
  private async stopLeading(graceMs = this.opts.graceMs ?? 10_000): Promise<void> {
    // Already stepping down (a lost Lease): wait for that drain rather than returning at once.
    if (!this.leading) return this.draining;
    this.leading = false;
    this.opts.logger.info({ graceMs }, "not leading: stopping controllers");
    this.draining = Promise.all(this.controllers.map((c) => c.stop({ graceMs }))).then(() => undefined);
    return this.draining;
  }
}

/** Serve /healthz and /readyz (see Manager; the body says why) and /metrics (Prometheus text). */
async function listen(
  m: Manager,
  http: { host: string; port: number },
  registry: Metrics["registry"],
  metricsAccess: "local" | "any",
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz" || path === "/readyz") {
      const why = path === "/healthz" ? m.wedged() : m.notReady();
      if (path === "/healthz") m.noteWedged(why);
      const code = why.length === 0 ? 200 : path === "/healthz" ? 500 : 503;
      const body =
        why.length === 0 ? "ok\n" : `${path === "/healthz" ? "unhealthy" : "not ready"}:\n- ${why.join("\n- ")}\n`;
      return void res.writeHead(code, { "content-type": "text/plain" }).end(body);
    }
    if (path === "/metrics") {
      if (metricsAccess === "local" && !isLoopback(req.socket.remoteAddress))
        return void res
          .writeHead(403, { "content-type": "text/plain" })
          .end("metrics are served to the pod itself only; run with --metrics-access any to expose them\n");
      registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(http.port, http.host, () => resolve());
  });
  return server;
}

/** A peer on this host's loopback (IPv4, IPv6, or IPv4-mapped IPv6). */
export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && /^(127\.|::1$|::ffff:127\.)/.test(address);
}
