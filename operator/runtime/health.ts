/**
 * What `/healthz` and `/readyz` are made of: each long-running loop (informer, elector, controller)
 * reports its own liveness and, when it cannot do its job, one {@link Problem} naming the cause and the fix.
 *
 * - Liveness answers "is this loop still turning?". A loop that keeps failing fast (the API server answers
 *   403, or refuses connections) is alive: restarting the process cannot fix RBAC. A loop that made no
 *   progress past its deadline (a request that never returns, a reconcile that never ends, a timer chain
 *   that broke) is wedged, and only a restart helps; `/healthz` fails so the kubelet restarts the pod.
 * - A problem answers "why is this replica not doing its job?". It makes `/readyz` fail with the cause in
 *   the body, and is logged once when it appears or changes (never once per retry) and once when it clears.
 */
import type { Logger } from "pino";

/** A loop's answer to "are you still turning?". */
export type Liveness = { readonly ok: true } | { readonly ok: false; readonly message: string };

/** The liveness of a loop that is fine. */
export const ALIVE: Liveness = Object.freeze({ ok: true });

/** Why a component cannot do its job, for a person: what is wrong and what to do about it. */
export interface Problem {
  /** A PascalCase fact, stable across occurrences (e.g. `CrdNotInstalled`, `Forbidden`). */
  readonly reason: string;
  /** Lower-case, names the object or address concerned, e.g. `cannot list privateecsnetworks.ecsnet.dev: ...`. */
  readonly message: string;
  /** The action that fixes it, e.g. `install the CRDs: kubectl apply -f crds/`. */
  readonly fix: string;
}

/** Something the manager asks about health. Both methods are cheap and never throw. */
export interface HealthReporter {
  /** Wedged or not, judged against the component's own deadline. */
  liveness(): Liveness;
  /** The current problem, or undefined when the component works. */
  problem(): Problem | undefined;
}

/**
 * No progress for longer than `deadlineMs` → not alive. `lastProgressAt` and `now` come from the
 * component's own clock. `what` names the loop in the message.
 */
export function progressLiveness(what: string, lastProgressAt: number, now: number, deadlineMs: number): Liveness {
  const idleMs = now - lastProgressAt;
  if (idleMs <= deadlineMs) return ALIVE;
  return {
    ok: false,
    message: `${what}: no progress for ${Math.round(idleMs / 1000)}s (deadline ${deadlineMs / 1000}s)`,
  };
}

/**
 * One component's current problem. `set` logs at error level when the problem appears or its message
 * changes, and at info when it clears; repeats of the same problem are silent, so a retry loop every
 * 2 s writes one line, not one per attempt.
 */
export class ProblemSlot {
  private current: Problem | undefined;

  constructor(
    private readonly logger: Logger | undefined,
    /** Fields on every line, e.g. `{ informer: "privateecsnetworks" }`. */
    private readonly fields: Record<string, string> = {},
  ) {}

  get(): Problem | undefined {
    return this.current;
  }

  set(p: Problem | undefined): void {
    const was = this.current;
    this.current = p;
    if (p && (was?.reason !== p.reason || was.message !== p.message))
      this.logger?.error({ ...this.fields, reason: p.reason, fix: p.fix }, `${p.message}; fix: ${p.fix}`);
    else if (!p && was) this.logger?.info({ ...this.fields, reason: was.reason }, "resolved: " + was.message);
  }
}
