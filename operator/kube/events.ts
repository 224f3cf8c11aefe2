/**
 * Kubernetes Events (core/v1) on our objects, as `kubectl describe` shows them.
 *
 * Repeats are aggregated like client-go's event correlator: the same object + type + reason +
 * message within `windowMs` bumps `count` and `lastTimestamp` of the Event already written instead
 * of creating another one, so a reconcile loop that hits the same problem every 15 s leaves one
 * Event with a growing count, not hundreds.
 *
 * Events are best effort: `record` never throws. A failed write is logged and dropped, because a
 * reconcile must never fail (and retry) only because its Event could not be written.
 */
import { randomBytes } from "node:crypto";
import { CoreV1Api, PatchStrategy, setHeaderOptions, type CoreV1Event } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { systemClock, type Clock } from "../runtime/clock.js";
import { statusOf, type KubeConfig, type KubeObject } from "./client.js";

/** Event types Kubernetes knows. */
export const EventType = { Normal: "Normal", Warning: "Warning" } as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/**
 * The reasons ecsnet's Events use (design: Normal Created/Repaired/Deleted, Warning Conflict/Stalled/
 * Throttled). `record` accepts any PascalCase reason; these are the shared vocabulary.
 */
export const EventReason = {
  Created: "Created",
  Repaired: "Repaired",
  Deleted: "Deleted",
  Conflict: "Conflict",
  Stalled: "Stalled",
  Throttled: "Throttled",
} as const;
export type EventReason = (typeof EventReason)[keyof typeof EventReason];

/** Options of {@link EventRecorder}. */
export interface EventRecorderOptions {
  readonly kubeConfig: KubeConfig;
  /** `reportingComponent` and `source.component`. Default "ecsnet". */
  readonly component?: string;
  /** `reportingInstance` / `source.host`, e.g. the pod name. Default: none. */
  readonly instance?: string;
  /** Repeats within this window are aggregated into one Event. Default 10 minutes (client-go). */
  readonly windowMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/** What to record. `object` must carry apiVersion, kind and metadata name/namespace/uid. */
export interface EventInput {
  readonly object: KubeObject;
  readonly type: EventType;
  /** PascalCase fact, e.g. "Created", "Repaired", "Stalled". */
  readonly reason: string;
  /** Lower-case human sentence. */
  readonly message: string;
}

interface Seen {
  readonly name: string;
  readonly namespace: string;
  count: number;
  lastAt: number;
}

/** Writes and aggregates Events. One per process; keeps a small in-memory index of recent Events. */
export class EventRecorder {
  private readonly api: CoreV1Api;
  private readonly component: string;
  private readonly windowMs: number;
  private readonly clock: Clock;
  private readonly seen = new Map<string, Seen>();

  constructor(private readonly opts: EventRecorderOptions) {
    this.api = opts.kubeConfig.makeApiClient(CoreV1Api);
    this.component = opts.component ?? "ecsnet";
    this.windowMs = opts.windowMs ?? 600_000;
    this.clock = opts.clock ?? systemClock;
  }

  /** Record an Event (or bump the count of the same recent one). Never throws; resolves when written or dropped. */
  async record(e: EventInput): Promise<void> {
    const m = e.object.metadata;
    const namespace = m.namespace ?? "default";
    const id = [m.uid ?? `${namespace}/${m.name}`, e.type, e.reason, e.message].join("\u0000");
    const now = this.clock.now();
    this.prune(now);
    const prior = this.seen.get(id);
    try {
      if (prior && now - prior.lastAt <= this.windowMs) {
        const bumped = await this.bump(prior, now);
        if (bumped) return;
      }
      const created = await this.create(e, namespace, now);
      this.seen.set(id, { name: created, namespace, count: 1, lastAt: now });
    } catch (err) {
      this.opts.logger?.warn({ err, reason: e.reason }, "cannot write event");
    }
  }

  /** Patch count + lastTimestamp of an existing Event. False if it is gone (expired by TTL): create anew. */
  private async bump(prior: Seen, now: number): Promise<boolean> {
    // metav1.Time is RFC 3339 in whole seconds.
    const body = { count: prior.count + 1, lastTimestamp: new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z") };
    try {
      await this.api.patchNamespacedEvent(
        { name: prior.name, namespace: prior.namespace, body },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw err;
    }
    prior.count += 1;
    prior.lastAt = now;
    return true;
  }

  private async create(e: EventInput, namespace: string, now: number): Promise<string> {
    const m = e.object.metadata;
    const at = new Date(now);
    // client-go names events <object>.<unique hex>; the suffix only has to be unique.
    const name = `${m.name}.${randomBytes(8).toString("hex")}`;
    const body: CoreV1Event = {
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: e.object.apiVersion,
        kind: e.object.kind,
        name: m.name,
        namespace: m.namespace,
        uid: m.uid,
        resourceVersion: m.resourceVersion,
      },
      type: e.type,
      reason: e.reason,
      message: e.message,
      count: 1,
      firstTimestamp: at,
      lastTimestamp: at,
      source: { component: this.component, ...(this.opts.instance ? { host: this.opts.instance } : {}) },
      reportingComponent: this.component,
      reportingInstance: this.opts.instance ?? "",
    };
    await this.api.createNamespacedEvent({ namespace, body });
    return name;
  }

  /** Forget aggregation entries older than the window, so the index stays small. */
  private prune(now: number): void {
    for (const [id, s] of this.seen) if (now - s.lastAt > this.windowMs) this.seen.delete(id);
  }
}
