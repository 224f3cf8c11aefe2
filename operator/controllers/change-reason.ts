/**
 * What a change made by a reconcile was, for Events and the drift metric:
 * - `Created`: part of the first creation (the object has never been converged);
 * - `Updated`: part of applying a spec change (converged before, but not yet at the current generation);
 * - `Repaired`: AWS changed since the last converged observe at this generation (drift: someone deleted,
 *   modified or re-tagged something); only these count in `ecsnet_drift_repairs_total`;
 * - `Deleted`: part of the teardown of an object being deleted.
 */
import { ConditionType } from "../api/conditions.js";
import type { PrivateEcsNetworkStatus } from "../api/private-ecs-network.js";

export const ChangeReason = {
  Created: "Created",
  Updated: "Updated",
  Repaired: "Repaired",
  Deleted: "Deleted",
} as const;
export type ChangeReason = (typeof ChangeReason)[keyof typeof ChangeReason];

/** The reason for every change of one reconcile, from whether it deletes and the last converged generation. */
export function changeReason(i: {
  readonly deleting: boolean;
  readonly generation: number;
  /** The highest generation the object was ever seen converged (Ready) at; undefined: never. */
  readonly convergedGeneration: number | undefined;
}): ChangeReason {
  if (i.deleting) return ChangeReason.Deleted;
  if (i.convergedGeneration === undefined) return ChangeReason.Created;
  return i.convergedGeneration >= i.generation ? ChangeReason.Repaired : ChangeReason.Updated;
}

/** The generation a status says the object is Ready at, or undefined when it is not Ready. */
export function readyGeneration(status: PrivateEcsNetworkStatus | undefined): number | undefined {
  const ready = status?.conditions?.find((c) => c.type === ConditionType.Ready && c.status === "True");
  return ready ? (ready.observedGeneration ?? status?.observedGeneration) : undefined;
}

/**
 * The highest generation each object was seen converged at, by this process (from the statuses it read and
 * wrote). Kept in memory because Ready turns False as soon as drift is observed, before the repair: the
 * repair must still be called one. After a restart it starts again from the object's last status.
 */
export class ConvergenceMemory {
  private readonly byKey = new Map<string, number>();

  /** Remember that `key` was Ready at the generation `status` says (nothing when it is not Ready). */
  see(key: string, status: PrivateEcsNetworkStatus | undefined): void {
    const g = readyGeneration(status);
    if (g !== undefined) this.byKey.set(key, Math.max(g, this.byKey.get(key) ?? 0));
  }

  /** The highest generation `key` was seen converged at, or undefined. */
  get(key: string): number | undefined {
    return this.byKey.get(key);
  }

  /** Forget `key` (the object is gone). */
  forget(key: string): void {
    this.byKey.delete(key);
  }
}
