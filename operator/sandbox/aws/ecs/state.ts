/**
 * The state of the sandbox ECS API and the small input readers every operation shares.
 * Records are stored as plain JSON-ready objects (timestamps as epoch milliseconds) so that
 * `dump()` is a deep copy and responses are built by mapping, never by sharing references.
 */
import { EcsApiError } from "./errors.js";

/** One cluster as the sandbox holds it; `status` is ACTIVE or INACTIVE (after DeleteCluster). */
export interface ClusterRecord {
  name: string;
  arn: string;
  status: "ACTIVE" | "INACTIVE";
  settings: Record<string, unknown>[];
  /** ClusterConfiguration (ECS Exec logging and KMS key, managed storage); returned with include CONFIGURATIONS. */
  configuration?: Record<string, unknown>;
  capacityProviders: string[];
  defaultCapacityProviderStrategy: Record<string, unknown>[];
  tags: Record<string, unknown>[];
}

/** One registered task definition revision; `body` is the TaskDefinition shape without timestamps. */
export interface TaskDefinitionRecord {
  family: string;
  revision: number;
  arn: string;
  status: "ACTIVE" | "INACTIVE";
  registeredAtMs: number;
  deregisteredAtMs?: number;
  body: Record<string, unknown>;
  tags: Record<string, unknown>[];
}

/** One service; `body` is the Service shape minus timestamps, which are kept in milliseconds. */
export interface ServiceRecord {
  arn: string;
  name: string;
  clusterName: string;
  status: "ACTIVE" | "DRAINING" | "INACTIVE";
  clientToken?: string;
  createdAtMs: number;
  body: Record<string, unknown>;
  deployments: Record<string, unknown>[];
  tags: Record<string, unknown>[];
}

/** One container instance registered with a cluster. */
export interface ContainerInstanceRecord {
  id: string;
  arn: string;
  clusterName: string;
  registeredAtMs: number;
  body: Record<string, unknown>;
}

/** Everything the sandbox ECS API holds; maps keep insertion order, which is the listing order. */
export interface EcsState {
  clusters: Map<string, ClusterRecord>;
  /** family → revisions in order (index = revision - 1). */
  taskDefinitions: Map<string, TaskDefinitionRecord[]>;
  /** service ARN → record. */
  services: Map<string, ServiceRecord>;
  /** container instance ARN → record. */
  containerInstances: Map<string, ContainerInstanceRecord>;
  /** Monotonic counter behind deterministic ids (deployments, container instances). */
  sequence: number;
}

/** What every operation handler receives: identity of the fake account, the clock, the state. */
export interface EcsContext {
  readonly region: string;
  readonly accountId: string;
  /** Wall clock in epoch milliseconds. */
  readonly now: () => number;
  readonly state: EcsState;
}

/** An operation: reads a JSON 1.1 request object, returns the response object or throws EcsApiError. */
export type EcsOperation = (ctx: EcsContext, input: Record<string, unknown>) => Record<string, unknown>;

/** A fresh, empty state. */
export function emptyState(): EcsState {
  return {
    clusters: new Map(),
    taskDefinitions: new Map(),
    services: new Map(),
    containerInstances: new Map(),
    sequence: 0,
  };
}

/** Epoch milliseconds → the epoch-seconds number JSON 1.1 uses for timestamps. */
export const toEpochSeconds = (ms: number): number => ms / 1000;

/** A deep copy of JSON-ready data (records never share objects with responses or inputs). */
export const copy = <T>(value: T): T => structuredClone(value);

// A wrong JSON type is what the service's deserializer rejects, before any validation runs.
const wrongType = (key: string, want: string): EcsApiError =>
  new EcsApiError("SerializationException", `${key}: expected ${want}`);

/** Optional string member; throws SerializationException when present with another type. */
export function optString(input: Record<string, unknown>, key: string): string | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw wrongType(key, "a string");
  return v;
}

/** Optional integer member. */
export function optInt(input: Record<string, unknown>, key: string): number | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v)) throw wrongType(key, "an integer");
  return v;
}

/** Optional boolean member. */
export function optBool(input: Record<string, unknown>, key: string): boolean | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw wrongType(key, "a boolean");
  return v;
}

/** Optional list of strings. */
export function optStrings(input: Record<string, unknown>, key: string): string[] | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) throw wrongType(key, "a list of strings");
  return v as string[];
}

/** Optional list of structures. */
export function optObjects(input: Record<string, unknown>, key: string): Record<string, unknown>[] | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((o) => !isObject(o))) throw wrongType(key, "a list of structures");
  return v as Record<string, unknown>[];
}

/** Optional structure. */
export function optObject(input: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw wrongType(key, "a structure");
  return v;
}

/** True for a non-null, non-array object. */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Next value of the state's sequence, for deterministic ids. */
export function nextSequence(ctx: EcsContext): number {
  ctx.state.sequence += 1;
  return ctx.state.sequence;
}
