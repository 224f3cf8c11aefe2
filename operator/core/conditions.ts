/**
 * Pure helpers for kstatus-style conditions (crossplane `Condition.Equal` / `SetConditions`).
 *
 * - {@link setCondition} keeps `lastTransitionTime` when a condition's status did not change, so a status
 *   written every reconcile does not look like a transition every reconcile.
 * - {@link conditionsEqual} ignores `lastTransitionTime`, so "did the status change?" is about meaning.
 * - {@link kstatusOf} computes what kstatus (Flux, kpt, cli-utils) will say about an object.
 *
 * No clock: callers pass `now` (ISO-8601).
 */
import type { Condition } from "../api/conditions.js";

/** A condition before it gets its `lastTransitionTime`. */
export type ConditionInput = Omit<Condition, "lastTransitionTime">;

/** The condition of `type` in `list`, or undefined. */
export const findCondition = (list: readonly Condition[] | undefined, type: string): Condition | undefined =>
  list?.find((c) => c.type === type);

/**
 * Returns a new list with `cond` set (replacing any condition of the same type, keeping the list's order;
 * a new type is appended). `lastTransitionTime` is the previous one when the status value is unchanged,
 * else `now`. Never mutates `list`.
 */
export function setCondition(list: readonly Condition[] | undefined, cond: ConditionInput, now: string): Condition[] {
  const prev = findCondition(list, cond.type);
  const lastTransitionTime = prev && prev.status === cond.status ? prev.lastTransitionTime : now;
  const next: Condition = { ...cond, lastTransitionTime };
  const out = (list ?? []).map((c) => (c.type === cond.type ? next : c));
  if (!prev) out.push(next);
  return out;
}

/** Two conditions mean the same thing: equal in everything except `lastTransitionTime`. */
export function conditionEqual(a: Condition, b: Condition): boolean {
  return (
    a.type === b.type &&
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.observedGeneration === b.observedGeneration
  );
}

/** Two condition lists hold the same conditions (by type, in any order), ignoring `lastTransitionTime`. */
export function conditionsEqual(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  return x.every((c) => {
    const other = findCondition(y, c.type);
    return other !== undefined && conditionEqual(c, other);
  });
}

/** kstatus' computed statuses (kubernetes-sigs/cli-utils pkg/kstatus). */
export const KStatus = {
  InProgress: "InProgress",
  Failed: "Failed",
  Current: "Current",
  Terminating: "Terminating",
} as const;
export type KStatus = (typeof KStatus)[keyof typeof KStatus];

/**
 * What kstatus computes for an object with these conditions: Terminating while deleting; InProgress when
 * the status describes an older generation or `Reconciling` is True; Failed when `Stalled` is True;
 * Current when `Ready` is True; InProgress otherwise (`Ready=False` published early means "not yet").
 */
export function kstatusOf(input: {
  readonly generation: number;
  readonly observedGeneration?: number;
  readonly conditions?: readonly Condition[];
  readonly deleting?: boolean;
}): KStatus {
  if (input.deleting) return KStatus.Terminating;
  if (input.observedGeneration === undefined || input.observedGeneration < input.generation) return KStatus.InProgress;
  if (findCondition(input.conditions, "Reconciling")?.status === "True") return KStatus.InProgress;
  if (findCondition(input.conditions, "Stalled")?.status === "True") return KStatus.Failed;
  if (findCondition(input.conditions, "Ready")?.status === "True") return KStatus.Current;
  return KStatus.InProgress;
}

/** True when the object's Ready condition is True for its current generation. */
export const isReady = (generation: number, conditions: readonly Condition[] | undefined): boolean => {
  const ready = findCondition(conditions, "Ready");
  return ready?.status === "True" && ready.observedGeneration === generation;
};
