/**
 * The reconcile contract: what a reconcile function returns and what each outcome means to the
 * controller that runs it (controller-runtime's `Result` / `TerminalError`, without `Requeue`).
 *
 * | reconcile ends with            | the controller                                              |
 * |--------------------------------|-------------------------------------------------------------|
 * | `{}`                           | forgets the key's backoff; runs it again on the next event  |
 * | `{ requeueAfterMs: n }`        | forgets the backoff; runs the key again in n ms             |
 * | throws {@link TerminalError}   | forgets the key; logs and counts it; retries only on events |
 * | throws a conflict (see below)  | requeues with backoff, quietly: no error log, no error metric |
 * | throws anything else           | requeues with per-key exponential backoff; logs and counts  |
 *
 * Requeue is a return value, never an error: "not done yet, look again later" is success.
 */

/** What a successful reconcile returns. `{}` means converged: wait for the next event or sweep. */
export type ReconcileResult = {
  /** Run this key again after this many milliseconds (e.g. while a NAT gateway is pending). 0 or less: same as `{}`. */
  readonly requeueAfterMs?: number;
};

/** The result that asks for nothing more until the next event. */
export const done: ReconcileResult = Object.freeze({});

/** Shorthand for `{ requeueAfterMs: ms }`. */
export function requeueAfter(ms: number): ReconcileResult {
  return { requeueAfterMs: ms };
}

/**
 * An error that retrying cannot fix (invalid spec, a resource we must not touch). The controller
 * stops retrying the key; only a new event (spec change) runs it again. The reconciler is expected
 * to have reported it on the object's status (`Stalled`) before throwing.
 */
export class TerminalError extends Error {
  override readonly name = "TerminalError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The object changed under us: an optimistic-concurrency write (resourceVersion precondition, JSON
 * patch `test` op, Lease update) lost a race, normally a 409. Not a failure: the next run reads the
 * fresh object from the cache, so the controller requeues quietly.
 */
export class ConflictError extends Error {
  override readonly name = "ConflictError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** True for a {@link ConflictError}, also when it is the `cause` of a wrapping error (one level or more). */
export function isConflict(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof ConflictError) return true;
  }
  return false;
}

/** True for a {@link TerminalError}, also when it is the `cause` of a wrapping error. */
export function isTerminal(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof TerminalError) return true;
  }
  return false;
}
