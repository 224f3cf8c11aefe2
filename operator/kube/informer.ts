/**
 * A list+watch informer that owns its own recovery, emitting object keys (`namespace/name`) and
 * keeping a cache the reconcilers read from.
 *
 * Built on client-node's `Watch` transport rather than its `ListWatch`, whose loop is the problem:
 * it stops for good after any error other than 410, cannot see bookmarks, and a restart while a
 * list is in flight leaves two watches feeding one cache. Here each (re)start is a new session;
 * callbacks of an older session are ignored, so at most one watch ever feeds the cache.
 *
 * - 410 Gone (as a response or an ERROR event): relist at once; the relist diffs against the cache,
 *   so objects deleted meanwhile still emit their key. Nothing is missed.
 * - Any other error (list or watch): restart with capped exponential backoff, 1 s → 30 s, jittered.
 * - The server closing a watch normally: resume from the last resourceVersion at once.
 * - Watchdog: a watch silent for `watchdogMs` (default 5 min; bookmarks count as activity) is
 *   restarted, because watches are known to go quiet without an error (client-node #364, #596).
 * - Health: every list, watch connect, event or close, failed or not, counts as progress; `liveness()` fails
 *   when there was none for `livenessDeadlineMs` (the watchdog's restart did not help: a request that never
 *   returns). `problem()` says why the informer cannot list or watch (CRD missing, RBAC, API server down),
 *   logged once per distinct cause rather than once per retry.
 */
import { Watch } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { Metrics } from "../observability/metrics.js";
import { systemClock, type Clock, type TimerHandle } from "../runtime/clock.js";
import { progressLiveness, ProblemSlot, type Liveness, type Problem } from "../runtime/health.js";
import type { KeySource } from "../runtime/manager.js";
import { collectionPath, statusOf, type KubeClient, type KubeObject, type ResourceRef } from "./client.js";
import { briefError, explainKubeError } from "./explain.js";

/** Options of {@link Informer}. */
export interface InformerOptions {
  readonly client: KubeClient;
  readonly resource: ResourceRef;
  /** Watch one namespace; absent → all namespaces. */
  readonly namespace?: string;
  /** Only objects matching this label selector (sharding across instances). */
  readonly labelSelector?: string;
  /** Restart backoff; default 1 000 → 30 000 ms. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Restart a watch with no event (bookmarks included) for this long. Default 300 000 ms. */
  readonly watchdogMs?: number;
  /** `liveness()` fails after this long without progress. Default twice `watchdogMs`. */
  readonly livenessDeadlineMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Called on every restart (after the metric and the log line). */
  readonly onRestart?: (info: {
    readonly reason: RestartReason;
    readonly delayMs: number;
    readonly error?: unknown;
  }) => void;
  /** The watch transport; default client-node's `Watch` on `client.kubeConfig`. Tests pass a fake. */
  readonly watch?: WatchTransport;
  /** Jitter source in [0, 1); default Math.random. */
  readonly random?: () => number;
}

/** client-node's `Watch.watch` signature: resolves once connected, with a handle to abort. */
export interface WatchTransport {
  watch(
    path: string,
    query: Record<string, string>,
    onEvent: (type: string, obj: unknown) => void,
    onDone: (err: unknown) => void,
  ): Promise<AbortController>;
}

/** Why the informer restarted its list/watch. */
export type RestartReason = "error" | "gone" | "watchdog";

/** The key of an object: `namespace/name`, or `name` for cluster-scoped objects. */
export function keyOf(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : `${o.metadata.name}`;
}

/**
 * Drop `metadata.managedFields` from an object before it is cached: the server-side-apply bookkeeping is often
 * the largest part of an object's metadata, and nothing in the operator reads it (it patches status and
 * finalizers with JSON patches naming their own paths, and never writes a cached object back whole). As
 * controller-runtime's cache does with `TransformStripManagedFields` (pkg/cache/cache.go).
 */
export function stripManagedFields(o: KubeObject): void {
  const m = o.metadata as { managedFields?: unknown } | undefined;
  if (m?.managedFields === undefined) return;
  // A copy without it rather than `delete`, which would leave the object in V8's slower, larger dictionary form.
  const { managedFields: _, ...rest } = m;
  (o as { metadata: unknown }).metadata = rest;
}

/** Informer over one resource type. Implements the manager's {@link KeySource}. */
export class Informer<T extends KubeObject = KubeObject> implements KeySource {
  readonly name: string;
  private readonly cache = new Map<string, T>();
  private readonly listeners = new Set<(key: string) => void>();
  private readonly clock: Clock;
  private readonly watch: WatchTransport;
  private session = 0;
  private running = false;
  private resourceVersion = "";
  private failures = 0;
  private lastActivity = 0;
  /** Last time a request settled or the server said anything (see module doc: Health). */
  private lastProgressAt = 0;
  private readonly problemSlot: ProblemSlot;
  private request: AbortController | undefined;
  private timer: TimerHandle | undefined;
  private watchdog: TimerHandle | undefined;
  private backingOff = false;
  /** When the current watch connected, and how many events it delivered: detects a flapping server. */
  private watchStartedAt = 0;
  private watchEvents = 0;
  /** A non-410 ERROR event seen on the current watch: its close then counts as an error (backoff). */
  private streamError: unknown;
  private syncedFlag = false;
  private resolveSynced!: () => void;
  private readonly syncedPromise = new Promise<void>((r) => (this.resolveSynced = r));

  constructor(private readonly o: InformerOptions) {
    this.name = o.resource.plural;
    this.clock = o.clock ?? systemClock;
    this.watch = o.watch ?? new Watch(o.client.kubeConfig);
    o.metrics?.initInformer(this.name);
    this.problemSlot = new ProblemSlot(o.logger, { informer: this.name });
  }

  /** Begin listing and watching. No-op if running. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastProgressAt = this.clock.now();
    this.armWatchdog();
    void this.run(++this.session);
  }

  /** Stop watching; the cache keeps its content. */
  async stop(): Promise<void> {
    this.running = false;
    this.session++;
    this.timer?.cancel();
    this.watchdog?.cancel();
    this.request?.abort();
    this.request = undefined;
  }

  /** Resolves once the first list has filled the cache. */
  synced(): Promise<void> {
    return this.syncedPromise;
  }

  hasSynced(): boolean {
    return this.syncedFlag;
  }

  /** Not alive when no request settled and no event came for the liveness deadline while running. */
  liveness(): Liveness {
    if (!this.running) return { ok: true };
    const deadline = this.o.livenessDeadlineMs ?? 2 * (this.o.watchdogMs ?? 300_000);
    return progressLiveness(`informer ${this.name}`, this.lastProgressAt, this.clock.now(), deadline);
  }

  /** Why the informer cannot list or watch now, or undefined. */
  problem(): Problem | undefined {
    return this.problemSlot.get();
  }

  /** The cached object, or undefined. Use `namespace` "" (or omit) for cluster-scoped objects. */
  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Every cached object. */
  list(): T[] {
    return [...this.cache.values()];
  }

  keys(): string[] {
    return [...this.cache.keys()];
  }

  onKey(listener: (key: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async run(session: number): Promise<void> {
    const stale = () => session !== this.session;
    this.backingOff = false;
    // Session start counts as activity, so a list or connect that hangs is caught by the watchdog too.
    this.lastActivity = this.clock.now();
    try {
      if (this.resourceVersion === "") {
        const sel = this.o.labelSelector === undefined ? {} : { labelSelector: this.o.labelSelector };
        const ns = this.o.namespace === undefined ? {} : { namespace: this.o.namespace };
        const list = await this.o.client.list<T>({ resource: this.o.resource, ...ns, ...sel }).catch((err: unknown) => {
          throw Object.assign(new InformerCallError(err), { verb: "list" });
        });
        if (stale()) return;
        this.lastProgressAt = this.clock.now();
        this.replaceAll(list.items);
        this.resourceVersion = list.resourceVersion;
        this.failures = 0;
        if (!this.syncedFlag) {
          this.syncedFlag = true;
          this.resolveSynced();
        }
      }
      const query: Record<string, string> = { resourceVersion: this.resourceVersion, allowWatchBookmarks: "true" };
      if (this.o.labelSelector !== undefined) query.labelSelector = this.o.labelSelector;
      const path = collectionPath(this.o.resource, this.o.namespace);
      this.watchStartedAt = this.clock.now();
      this.watchEvents = 0;
      this.streamError = undefined;
      const req = await this.watch
        .watch(
          path,
          query,
          (type: string, obj: unknown) => !stale() && this.onEvent(type, obj as T & { code?: number }),
          (err: unknown) => !stale() && this.onDone(err),
        )
        .catch((err: unknown) => {
          throw new InformerCallError(err);
        });
      // The watch may have been superseded while connecting: close it, it must not feed the cache.
      if (stale()) req.abort();
      else {
        this.request = req;
        this.lastProgressAt = this.clock.now();
        this.problemSlot.set(undefined);
      }
    } catch (e) {
      if (stale()) return;
      this.lastProgressAt = this.clock.now();
      const err = e instanceof InformerCallError ? e.cause : e;
      const status = statusOf(err);
      if (status !== 410) this.noteFailure(err, e instanceof InformerCallError ? e.verb : "watch");
      this.restart(status === 410 ? "gone" : "error", err);
    }
  }

  private onEvent(type: string, obj: T & { code?: number }): void {
    this.lastActivity = this.clock.now();
    this.lastProgressAt = this.lastActivity;
    if (type === "ERROR") {
      // 410: our resourceVersion is too old. Relist when the server ends this watch (onDone).
      if (obj.code === 410) this.resourceVersion = "";
      else this.streamError = obj;
      return;
    }
    this.watchEvents++;
    this.failures = 0;
    if (type === "ADDED" || type === "MODIFIED") this.upsert(obj);
    if (type === "DELETED" && this.cache.delete(keyOf(obj))) this.emit(keyOf(obj));
    const rv = obj.metadata?.resourceVersion;
    if (rv && this.resourceVersion !== "") this.resourceVersion = rv;
  }

  private onDone(err: unknown): void {
    this.request = undefined;
    this.lastProgressAt = this.clock.now();
    if (!this.running) return;
    if (err) return this.restart(statusOf(err) === 410 ? "gone" : "error", err);
    if (this.resourceVersion === "") return this.restart("gone");
    if (this.streamError !== undefined) return this.restart("error", this.streamError);
    // A server that ends every watch at once would make us reconnect in a hot loop (client-node
    // #1933): treat an immediate, empty close as an error, with backoff.
    if (this.watchEvents === 0 && this.clock.now() - this.watchStartedAt < 1_000)
      return this.restart("error", new Error("watch closed as soon as it opened"));
    // A normal close (server timeout, connection dropped): resume from where we were, at once.
    void this.run(++this.session);
  }

  /** Start a new session: at once for 410 (relist), after backoff for errors, at once for the watchdog. */
  private restart(reason: RestartReason, error?: unknown): void {
    const session = ++this.session;
    this.request?.abort();
    this.request = undefined;
    this.timer?.cancel();
    if (reason === "gone") this.resourceVersion = "";
    let delayMs = 0;
    if (reason === "error") {
      const initial = this.o.backoff?.initialMs ?? 1_000;
      const max = this.o.backoff?.maxMs ?? 30_000;
      // Jitter (up to +20%) keeps several informers from retrying against the API server in lockstep.
      delayMs = Math.min(max, initial * 2 ** this.failures) * (1 + (this.o.random ?? Math.random)() * 0.2);
      this.failures++;
    }
    this.o.metrics?.informerRestartsTotal.inc({ resource: this.name });
    // A failure already explained by problem() was logged once there; each retry is only debug detail.
    const level = reason === "error" && this.problemSlot.get() ? "debug" : "warn";
    this.o.logger?.[level](
      { resource: this.name, reason, delayMs: Math.round(delayMs), ...(error ? { err: briefError(error) } : {}) },
      "informer restarting",
    );
    this.o.onRestart?.({ reason, delayMs, error });
    this.backingOff = delayMs > 0;
    // Waiting out a backoff is not being stuck: progress is due when the retry fires.
    if (delayMs > 0) this.lastProgressAt = Math.max(this.lastProgressAt, this.clock.now() + delayMs);
    this.timer = this.clock.setTimer(() => {
      if (this.running && session === this.session) void this.run(session);
    }, delayMs);
  }

  /** Record why a list or watch failed (logged once per distinct cause). */
  private noteFailure(err: unknown, verb: "list" | "watch"): void {
    this.problemSlot.set(
      explainKubeError(err, {
        verb,
        resource: this.o.resource,
        ...(this.o.namespace !== undefined ? { namespace: this.o.namespace } : {}),
        ...(this.server() ? { server: this.server() } : {}),
      }),
    );
  }

  private server(): string | undefined {
    try {
      return this.o.client.kubeConfig?.getCurrentCluster()?.server;
    } catch {
      return undefined;
    }
  }

  private armWatchdog(): void {
    const limit = this.o.watchdogMs ?? 300_000;
    this.watchdog = this.clock.setTimer(
      () => {
        if (!this.running) return;
        // A session waiting out its backoff is not silent, it is waiting; anything else must show life.
        if (!this.backingOff && this.clock.now() - this.lastActivity >= limit) this.restart("watchdog");
        this.armWatchdog();
      },
      Math.max(10, Math.min(limit, 30_000)),
    );
  }

  private replaceAll(items: T[]): void {
    const fresh = new Set(items.map(keyOf));
    for (const key of [...this.cache.keys()]) {
      if (fresh.has(key)) continue;
      this.cache.delete(key);
      this.emit(key);
    }
    for (const item of items) this.upsert(item);
  }

  private upsert(obj: T): void {
    stripManagedFields(obj);
    const key = keyOf(obj);
    const prev = this.cache.get(key);
    this.cache.set(key, obj);
    if (!prev || prev.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit(key);
  }

  private emit(key: string): void {
    for (const l of this.listeners) l(key);
  }
}

/** Carries which call of a session failed, so the problem names the verb. */
class InformerCallError extends Error {
  override readonly name = "InformerCallError";
  verb: "list" | "watch" = "watch";
  constructor(override readonly cause: unknown) {
    super("informer call failed", { cause });
  }
}
