/**
 * Errors as plain data, classified once at the adapter edge (aws/errors.ts) so that controllers and
 * status derivation look only at the class, never at SDK error names or messages.
 */
import type { Key } from "./model.js";

/**
 * - `terminal`: retrying the same request cannot succeed (bad parameter, mismatched ClientToken, missing
 *   dependency outside our control): report and stop until the spec or the world changes.
 * - `retryable`: a transient server fault or network error: retry with backoff.
 * - `throttled`: AWS rate-limited us (`RequestLimitExceeded`): back off harder, no error noise.
 * - `notFound`: the resource is gone (often benign: already deleted, or eventual consistency).
 * - `conflict`: the world changed under us (duplicate, already exists, dependency violation): observe again.
 */
export type ErrorClass = "terminal" | "retryable" | "throttled" | "notFound" | "conflict";

/** An AWS error after classification. `code` is the AWS error code (e.g. `InvalidSubnetID.NotFound`). */
export interface ClassifiedError {
  readonly class: ErrorClass;
  readonly code: string;
  readonly message: string;
  readonly requestId?: string;
}

/** The outcome of one action of a plan. */
export type ActionResult =
  | { readonly key: Key; readonly outcome: "done"; readonly id?: string }
  | { readonly key: Key; readonly outcome: "failed"; readonly error: ClassifiedError }
  /** Not attempted because an action it depends on did not succeed. */
  | { readonly key: Key; readonly outcome: "skipped"; readonly because: Key };
