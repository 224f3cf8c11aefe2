/**
 * Time as a dependency. Runtime code (queue delays, backoff, lease timing) asks a {@link Clock}
 * for the time and for timers, never `Date.now()` / `setTimeout` directly, so tests can drive time
 * by hand with {@link ManualClock} and stay free of real waiting.
 */

/** A cancellable timer handle; opaque to callers. */
export interface TimerHandle {
  cancel(): void;
}

/** The time source and timer factory used by the runtime. */
export interface Clock {
  /** Milliseconds since the epoch (or any fixed origin; only differences matter to the runtime). */
  now(): number;
  /** Run `fn` once after `ms` milliseconds (0 or less: on the next tick). */
  setTimer(fn: () => void, ms: number): TimerHandle;
}

/** The real clock: `Date.now()` and unref'd Node timers (a pending timer never keeps the process up). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

/**
 * A clock that moves only when told. `advance(ms)` fires due timers in time order, each seeing
 * `now()` equal to its due time. For unit tests; never used by the running operator.
 */
export class ManualClock implements Clock {
  /** The time `now()` reports. */
  private current: number;
  /** Timer ids, increasing: among timers due at the same instant, the first set fires first. */
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  /** Start at `start` ms since the epoch (default a fixed instant in November 2023, for stable tests). */
  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.current + Math.max(0, ms), fn });
    return { cancel: () => this.timers.delete(id) };
  }

  /** Timers not yet fired. */
  pendingTimers(): number {
    return this.timers.size;
  }

  /** Move time forward by `ms`, firing every timer that falls due on the way, earliest first. */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.current = Math.max(this.current, next[1].at);
      next[1].fn();
    }
    this.current = end;
  }
}
