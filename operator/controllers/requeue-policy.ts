/**
 * When to look at an object again, as a pure function of what the last reconcile saw and did.
 *
 * - Something changed in AWS this round, or something is pending (a NAT gateway or endpoint still
 *   `pending`, a NAT `deleting`): look again soon, because the next observation decides the next step.
 * - AWS throttled us: look again later than usual (with jitter), so a fleet of objects spreads out.
 * - Converged, or Stalled on something only a person can fix: the drift sweep interval (jittered), or the
 *   longer full-observe interval when the shared sweep enqueues changed objects; spec changes arrive as
 *   watch events anyway.
 */
import type { Plan } from "../core/actions.js";
import type { ActionResult } from "../core/errors.js";

export interface RequeueConfig {
  /** Drift-sweep interval for converged objects, ms. */
  readonly resyncMs: number;
  /** Interval while something is pending, ms. */
  readonly pendingRequeueMs: number;
  /**
   * Interval for converged objects when a shared drift sweep (controllers/sweep.ts) watches them between
   * reconciles: their own requeue is then only the long full observe. Default `resyncMs`.
   */
  readonly convergedMs?: number;
}

/** What the policy looks at. `rand` is a number in [0, 1) supplied by the caller (the core stays deterministic). */
export interface RequeueInput {
  readonly plan: Plan | null;
  readonly results: readonly ActionResult[];
  readonly rand: number;
  /**
   * Reconciles in a row, this one included, that changed nothing and had a retryable failure (AWS refusing
   * the same change again, e.g. DependencyViolation while another group references ours). Default 1.
   */
  readonly failureStreak?: number;
}

/** Fraction of the interval added as jitter, so objects created together do not sweep together. */
const JITTER = 0.2;

/** The delay before the next reconcile of this object, in ms (always > 0: every object is swept). */
export function requeueAfterMs(input: RequeueInput, cfg: RequeueConfig): number {
  const { plan, results, rand } = input;
  const jitter = (ms: number) => Math.round(ms * (1 + JITTER * rand));
  const throttled = results.some((r) => r.outcome === "failed" && r.error.class === "throttled");
  if (throttled) return jitter(Math.max(cfg.pendingRequeueMs * 4, 30_000));
  const acted = results.some((r) => r.outcome === "done");
  const retryable = results.some((r) => r.outcome === "failed" && r.error.class !== "terminal");
  const soon = Math.min(cfg.pendingRequeueMs, 2_000);
  // After a mutation the world is in motion: observe again quickly to take the next wave (e.g. the NAT
  // gateway created this round becomes `pending`, then `available`, then its route can be written).
  if (acted) return soon;
  // A refusal that repeats round after round is not transient: back off exponentially up to the sweep,
  // or a persistent one would repeat the same failing call every 2 s for as long as it lasts.
  if (retryable) return Math.min(cfg.resyncMs, soon * 2 ** Math.max(0, (input.failureStreak ?? 1) - 1));
  if (plan && plan.pending.length > 0) return jitter(cfg.pendingRequeueMs);
  return jitter(cfg.convergedMs ?? cfg.resyncMs);
}
