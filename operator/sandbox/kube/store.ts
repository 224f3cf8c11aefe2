/**
 * The object store: objects by store key ("group/plural") and "namespace/name", one global
 * resourceVersion counter (as etcd's revision), and a bounded history of change events that watches
 * replay from. Stored objects are never mutated in place: every write stores a fresh object, so
 * history entries and objects handed to subscribers stay as they were.
 */
import { expired } from "./status.js";

/** A Kubernetes object as plain JSON. */
export type KubeObject = Record<string, unknown> & { metadata: Record<string, unknown> };

/** One change, as a watch sends it. `previous` lets selector-filtered watches turn moves into ADDED/DELETED. */
export interface StoreEvent {
  readonly rv: number;
  readonly storeKey: string;
  readonly type: "ADDED" | "MODIFIED" | "DELETED";
  readonly object: KubeObject;
  readonly previous?: KubeObject;
}

/** A live listener for new events (a watch). */
export type Subscriber = (e: StoreEvent) => void;

/** Objects + resourceVersion + watch history. */
export class Store {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private history: StoreEvent[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private rv = 0;
  /** Watches from a resourceVersion below this get 410 (their events are forgotten). */
  private oldestValid = 0;

  constructor(private readonly historyLimit: number) {}

  /** The latest resourceVersion (what a list reports). */
  get resourceVersion(): number {
    return this.rv;
  }

  /** The next resourceVersion; the caller stores an object with it. */
  nextResourceVersion(): number {
    return ++this.rv;
  }

  /** One object, or undefined. */
  get(storeKey: string, namespace: string, name: string): KubeObject | undefined {
    return this.objects.get(storeKey)?.get(`${namespace}/${name}`);
  }

  /** Objects of a store key, in one namespace or (namespace undefined) all, sorted by namespace/name. */
  list(storeKey: string, namespace?: string): KubeObject[] {
    const all = [...(this.objects.get(storeKey) ?? new Map<string, KubeObject>()).entries()];
    return all
      .filter(([k]) => namespace === undefined || k.startsWith(`${namespace}/`))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => o);
  }

  /** Store `object` (its metadata.resourceVersion must be fresh) and emit ADDED or MODIFIED. */
  put(storeKey: string, object: KubeObject): void {
    const key = keyOf(object);
    const byKey = this.objects.get(storeKey) ?? new Map<string, KubeObject>();
    this.objects.set(storeKey, byKey);
    const previous = byKey.get(key);
    byKey.set(key, object);
    this.emit({
      rv: rvOf(object),
      storeKey,
      type: previous ? "MODIFIED" : "ADDED",
      object,
      ...(previous ? { previous } : {}),
    });
  }

  /** Remove the object and emit DELETED with `finalState` (which carries a fresh resourceVersion). */
  remove(storeKey: string, finalState: KubeObject): void {
    this.objects.get(storeKey)?.delete(keyOf(finalState));
    this.emit({ rv: rvOf(finalState), storeKey, type: "DELETED", object: finalState });
  }

  /** Remove every object of a store key (a deleted CRD), emitting DELETED for each. */
  drop(storeKey: string, stamp: (o: KubeObject) => KubeObject): void {
    for (const o of this.list(storeKey)) this.remove(storeKey, stamp(o));
    this.objects.delete(storeKey);
  }

  /**
   * Events after `since` for a watch, or a 410 ApiError when `since` is older than the kept history.
   * Subscribe first, then replay, so no event falls between the two.
   */
  replay(since: number): StoreEvent[] {
    if (since < this.oldestValid) throw expired(since, this.oldestValid);
    return this.history.filter((e) => e.rv > since);
  }

  /** Listen for new events; returns the unsubscribe function. */
  subscribe(fn: Subscriber): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /** Forget all watch history: any watch from a resourceVersion older than now gets 410. */
  compact(): void {
    this.history = [];
    this.oldestValid = this.rv;
  }

  private emit(e: StoreEvent): void {
    this.history.push(e);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.oldestValid = dropped[dropped.length - 1]?.rv ?? this.oldestValid;
    }
    for (const s of [...this.subscribers]) {
      try {
        s(e);
      } catch {
        // a broken watch connection must not break a write
      }
    }
  }
}

/** "namespace/name" of an object ("" namespace for cluster-scoped). */
export function keyOf(o: KubeObject): string {
  return `${String(o.metadata.namespace ?? "")}/${String(o.metadata.name ?? "")}`;
}

/** metadata.resourceVersion as a number (0 when absent). */
export function rvOf(o: KubeObject): number {
  return Number(o.metadata.resourceVersion ?? 0) || 0;
}
