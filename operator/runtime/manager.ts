/**
 * The manager runs one operator instance: informers, controllers, leader election and the HTTP
 * endpoints (`/healthz`, `/readyz`, `/metrics`), and stops them in order.
 *
 * - Informers run on every instance, leader or not, so a standby has warm caches when it takes over.
 * - Controllers run only while this instance leads. On becoming leader every key in the informers'
 *   caches is enqueued (events seen while standby were dropped); on losing the Lease the controllers
 *   stop at once, so there are never two writers. Without an elector, this instance simply leads.
 * - `/readyz` is 200 once every informer has synced and, when electing, once the role is known
 *   (leader and standby are both ready: a standby is a healthy replica).
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

  constructor(private readonly opts: ManagerOptions) {
    this.sources = [...new Set(opts.watches.map((w) => w.source))];
    this.controllers = [...new Set(opts.watches.map((w) => w.controller))];
  }

  /** The HTTP port actually bound (after `start`), or undefined without a server. */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  /** True when every informer synced and, when electing, the role is known. */
  isReady(): boolean {
    const synced = this.sources.every((s) => s.hasSynced());
    return synced && (this.opts.elector === undefined || this.opts.elector.role() !== "unknown");
  }

  /** True while this instance runs the controllers. */
  isLeading(): boolean {
    return this.leading;
  }

  /** Start HTTP, informers, then the election (or the controllers at once without one). */
  async start(): Promise<void> {
    if (this.opts.http) this.server = await listen(this, this.opts.http, this.opts.metrics.registry);
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

/** Serve /healthz (always 200 while the process runs), /readyz (see Manager) and /metrics (Prometheus text). */
async function listen(
  m: Manager,
  http: { host: string; port: number },
  registry: Metrics["registry"],
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") return void res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    if (path === "/readyz") {
      const ready = m.isReady();
      return void res.writeHead(ready ? 200 : 503, { "content-type": "text/plain" }).end(ready ? "ok" : "not ready");
    }
    if (path === "/metrics") {
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
