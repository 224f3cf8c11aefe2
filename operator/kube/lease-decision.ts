/**
 * Leader election decisions, pure: given the Lease as read, what this instance saw before, its
 * identity and the local time, what to do. No I/O and no clock: lease.ts does the reading, writing
 * and waiting, and unit tests drive this with plain numbers.
 *
 * The timing follows client-go's `leaderelection`:
 * - A Lease held by someone else is live until `leaseDuration` has passed since **we observed it
 *   change**, by our own clock. The holder's `renewTime` is never compared with our clock, so clock
 *   skew between nodes cannot make us steal a live Lease.
 * - A Lease that is absent, has no holder, is expired, or is held by us, is taken (or renewed) by
 *   writing a new record on the resourceVersion we read; a 409 means another instance won the race.
 * - A leader that cannot renew for `renewDeadline` steps down, which is before any standby may
 *   take over (`leaseDuration` > `renewDeadline`): never two writers.
 */

/** The fields of coordination.k8s.io/v1 LeaseSpec that election uses; times are epoch ms. */
export interface LeaseRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: number;
  readonly renewTime: number;
  readonly leaseTransitions: number;
}

/** What this instance last saw of the Lease, and when (local clock) it last saw it change. */
export interface Observation {
  readonly record: LeaseRecord;
  readonly observedAt: number;
}

/** The decision for one attempt. */
export type LeaseDecision =
  /** No Lease: create it with `record`. */
  | { readonly kind: "create"; readonly record: LeaseRecord }
  /** Write `record` over the version read: `acquire` if taking it over, `renew` if we hold it. */
  | { readonly kind: "acquire" | "renew"; readonly record: LeaseRecord }
  /** Someone else holds a live Lease: do nothing, try again after the retry period. */
  | { readonly kind: "wait"; readonly holder: string };

/** Inputs of {@link decide}. */
export interface DecideInput {
  /** The Lease as read; `undefined` if it does not exist. */
  readonly lease: LeaseRecord | undefined;
  /** What we observed before this read (undefined on the first attempt). */
  readonly observed: Observation | undefined;
  readonly identity: string;
  readonly now: number;
  readonly leaseDurationMs: number;
}

/**
 * Record the read: if the Lease differs from what we saw before, it changed now (restarting the
 * expiry clock); if it is identical, keep the earlier observation time.
 */
export function observe(prev: Observation | undefined, lease: LeaseRecord, now: number): Observation {
  return prev && sameRecord(prev.record, lease) ? prev : { record: lease, observedAt: now };
}

/** True when a Lease held by another has gone `leaseDuration` without changing, by our clock. */
export function isExpired(o: Observation, now: number): boolean {
  return o.observedAt + o.record.leaseDurationSeconds * 1000 <= now;
}

/** Decide one attempt. `input.observed` must already include this read (see {@link observe}). */
export function decide(input: DecideInput): LeaseDecision {
  const { lease, identity, now } = input;
  const seconds = Math.ceil(input.leaseDurationMs / 1000);
  if (lease === undefined) {
    return {
      kind: "create",
      record: {
        holderIdentity: identity,
        leaseDurationSeconds: seconds,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      },
    };
  }
  const observed = observe(input.observed, lease, now);
  if (lease.holderIdentity === identity) {
    // Ours: renew, keeping acquireTime and the transition count.
    return { kind: "renew", record: { ...lease, leaseDurationSeconds: seconds, renewTime: now } };
  }
  if (lease.holderIdentity !== "" && !isExpired(observed, now)) return { kind: "wait", holder: lease.holderIdentity };
  // Free (released) or expired: take it over; a new holder is one more transition.
  return {
    kind: "acquire",
    record: {
      holderIdentity: identity,
      leaseDurationSeconds: seconds,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: lease.leaseTransitions + 1,
    },
  };
}

/** A leader that last renewed at `lastRenewAt` must step down once `renewDeadlineMs` passed without a renewal. */
export function shouldStepDown(lastRenewAt: number, now: number, renewDeadlineMs: number): boolean {
  return now - lastRenewAt >= renewDeadlineMs;
}

/**
 * The record that releases a Lease we hold (client-go `ReleaseOnCancel`): no holder and a 1 s
 * duration, so a standby takes over on its next attempt instead of waiting out the full duration.
 * `undefined` if we do not hold it (releasing someone else's Lease would be stealing).
 */
export function releaseRecord(lease: LeaseRecord, identity: string, now: number): LeaseRecord | undefined {
  if (lease.holderIdentity !== identity) return undefined;
  return { ...lease, holderIdentity: "", leaseDurationSeconds: 1, renewTime: now };
}

function sameRecord(a: LeaseRecord, b: LeaseRecord): boolean {
  return (
    a.holderIdentity === b.holderIdentity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.acquireTime === b.acquireTime &&
    a.renewTime === b.renewTime &&
    a.leaseTransitions === b.leaseTransitions
  );
}
