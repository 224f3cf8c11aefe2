/**
 * Plan assembly ({@link Draft}) and waves: the order in which `apply` runs a plan's actions. A plan stores only `dependsOn` (action key →
 * keys that must succeed first); waves are derived here so the order has one source of truth.
 *
 * Wave n holds every action whose dependencies all sit in waves < n. Inside a wave actions are independent
 * and `apply` may run them in parallel. The order inside a wave is the order of `plan.actions`, so the same
 * plan always yields the same waves (deterministic logs, stable `ecsnet plan` output).
 */
import type { Action, Blocked, Pending, Plan } from "./actions.js";
import type { Key } from "./model.js";
import { key } from "./model.js";

/** Thrown by {@link waves} when `dependsOn` has a cycle among the plan's actions: a planner bug, never user input. */
export class PlanCycleError extends Error {
  override readonly name = "PlanCycleError";
  /** Keys of the actions that could not be placed in any wave (the cycle and everything after it). */
  readonly keys: readonly Key[];
  constructor(keys: readonly Key[]) {
    super(`cannot order plan: dependency cycle among ${keys.join(", ")}`);
    this.keys = keys;
  }
}

/**
 * Topological layers of `plan.actions` by `plan.dependsOn`.
 *
 * - Only dependency keys that name an action of this plan count; a key of something that needs no action
 *   (already converged) is ignored, so planners may declare dependencies unconditionally.
 * - A self-dependency counts as a cycle.
 * - Stable: inside each wave, actions keep their relative order from `plan.actions`.
 * - Throws {@link PlanCycleError} on a cycle. Returns `[]` for an empty plan; never returns an empty wave.
 */
export function waves(plan: Plan): Action[][] {
  const present = new Set<Key>(plan.actions.map((a) => a.key));
  // Dependencies restricted to actions present in this plan (deduplicated).
  const deps = new Map<Key, Set<Key>>();
  for (const a of plan.actions) {
    const own = (plan.dependsOn.get(a.key) ?? []).filter((k) => present.has(k));
    deps.set(a.key, new Set(own));
  }
  const done = new Set<Key>();
  const out: Action[][] = [];
  let remaining = [...plan.actions];
  while (remaining.length > 0) {
    // An action is ready when every dependency finished in an earlier wave (not this one).
    const wave = remaining.filter((a) => [...(deps.get(a.key) ?? [])].every((d) => done.has(d)));
    if (wave.length === 0) throw new PlanCycleError(remaining.map((a) => a.key));
    for (const a of wave) done.add(a.key);
    const placed = new Set(wave);
    remaining = remaining.filter((a) => !placed.has(a));
    out.push(wave);
  }
  return out;
}

/**
 * A plan under construction, shared by the per-part planners. Actions keep insertion order (which is
 * deterministic: planners walk sorted keys), and action keys are unique (a second add with the same key
 * is a planner bug and throws).
 */
export class Draft {
  readonly actions: Action[] = [];
  readonly dependsOn = new Map<Key, Key[]>();
  readonly pending: Pending[] = [];
  readonly blocked: Blocked[] = [];
  private readonly keys = new Set<Key>();

  /** Add `action`, to run after the actions named in `after` (keys without an action are ignored by waves). */
  add(action: Action, after: readonly Key[] = []): Key {
    if (this.keys.has(action.key)) throw new Error(`planner bug: two actions with key ${action.key}`);
    this.keys.add(action.key);
    this.actions.push(action);
    const deps = [...new Set(after)].filter((k) => k !== action.key);
    if (deps.length > 0) this.dependsOn.set(action.key, deps);
    return action.key;
  }
  /** True when an action with key `k` is in the plan. */
  has(k: Key): boolean {
    return this.keys.has(k);
  }
  /** Record that `k` exists but is not usable yet: requeue soon, do not act. */
  wait(k: Key | string, reason: string, message: string): void {
    this.pending.push({ key: key(k), reason, message });
  }
  /** Record that `k` cannot be acted on until a person changes something (Stalled). */
  block(k: Key | string, reason: string, message: string, resourceId?: string): void {
    this.blocked.push({ key: key(k), reason, message, ...(resourceId ? { resourceId } : {}) });
  }
  /** The finished plan. */
  build(): Plan {
    return { actions: this.actions, dependsOn: this.dependsOn, pending: this.pending, blocked: this.blocked };
  }
}

/** An action key for a second operation on an item: `endpoint:logs#delete:vpce-1`. */
export const opKey = (base: string, op: string, id?: string): Key => key(id ? `${base}#${op}:${id}` : `${base}#${op}`);
