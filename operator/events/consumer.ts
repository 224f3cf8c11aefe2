/**
 * The events consumer: while this instance leads, long-polls the events queue (aws/event-queue.ts), maps each
 * EC2 CloudTrail event to the PrivateEcsNetwork objects it touches (cloudtrail.ts, match.ts: pure) and
 * enqueues them at once; then deletes the batch. The drift sweep stays the safety net: an event lost, late or
 * unmatched costs at most one sweep interval, never correctness.
 *
 * - Only the leader consumes (a standby would take messages whose networks it cannot reconcile). Leadership
 *   is checked before every poll and every 500 ms during one; on losing it, the poll in flight is aborted
 *   (messages SQS already handed out reappear after the queue's visibility timeout).
 * - A message that cannot be read (not JSON, not a CloudTrail event of EC2), an unwatched call, a failed call,
 *   ecsnet's own call: deleted and counted, never an error.
 * - A message whose handling throws is not deleted: its visibility is extended with exponential back-off
 *   (5 s × 2^(receives−1), at most 15 min); after 5 receives it is deleted and counted as `invalid`.
 * - A failing ReceiveMessage (credentials, network, the queue gone) backs off 1 s → 30 s and is logged once
 *   per change of error; `problem()` reports it.
 * - `stop()` aborts the poll in flight and resolves when the loop has ended.
 */
import type { Logger } from "pino";
import type { PrivateEcsNetwork } from "../api/private-ecs-network.js";
import type { EventQueue, QueueMessage } from "../aws/event-queue.js";
import type { Metrics } from "../observability/metrics.js";
import { EventOutcome, parseEventMessage, triage } from "./cloudtrail.js";
import { networkIds, networksTouched } from "./match.js";

/** What one message led to, for tests and the benchmark. */
export interface HandledEvent {
  readonly messageId: string;
  readonly outcome: EventOutcome;
  readonly eventName?: string;
  /** Network keys enqueued. */
  readonly keys: readonly string[];
  /** SentTimestamp → handled, ms (undefined without SentTimestamp). */
  readonly queuedMs?: number;
}

/** Options of {@link EventConsumer}. */
export interface EventConsumerOptions {
  readonly queue: EventQueue;
  /** True while this instance may act (leads, and its network cache has synced). */
  readonly active: () => boolean;
  /** The cached PrivateEcsNetwork objects. */
  readonly networks: () => readonly PrivateEcsNetwork[];
  /** Region for specs that name none. */
  readonly defaultRegion: string;
  /** Enqueue a network key at once. */
  readonly enqueue: (key: string) => void;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly now?: () => number;
  readonly onHandled?: (e: HandledEvent) => void;
}

const MAX_RECEIVES = 5;
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/** See the module doc. */
export class EventConsumer {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private lastError = "";

  constructor(private readonly o: EventConsumerOptions) {}

  /** Start the loop; no-op if started. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stop: abort the poll in flight, wait for the loop to end, close the queue client. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    this.o.queue.destroy();
  }

  /** The current receive error, if any (for logs and readiness). */
  problem(): string | undefined {
    return this.lastError || undefined;
  }

  private async run(): Promise<void> {
    const stop = this.stopping.signal;
    let backoffMs = 1_000;
    while (!stop.aborted) {
      if (!this.o.active()) {
        await sleep(500, stop);
        continue;
      }
      let messages: QueueMessage[];
      const poll = new AbortController();
      const onStop = () => poll.abort();
      stop.addEventListener("abort", onStop, { once: true });
      const watch = setInterval(() => {
        if (!this.o.active()) poll.abort();
      }, 500);
      try {
        messages = await this.o.queue.receive(poll.signal);
        if (this.lastError) this.o.logger.info({ queue: this.o.queue.url }, "events queue readable again");
        this.lastError = "";
        backoffMs = 1_000;
      } catch (err) {
        if (poll.signal.aborted) continue;
        const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        if (msg !== this.lastError)
          this.o.logger.warn(
            { queue: this.o.queue.url, err: msg, retryInMs: backoffMs },
            "cannot read the events queue",
          );
        this.lastError = msg;
        await sleep(backoffMs, stop);
        backoffMs = Math.min(30_000, backoffMs * 2);
        continue;
      } finally {
        clearInterval(watch);
        stop.removeEventListener("abort", onStop);
      }
      if (messages.length === 0) continue;
      try {
        await this.handleBatch(messages);
      } catch (err) {
        // Not deleted: they come back after the visibility timeout. The loop itself never dies.
        this.o.logger.error({ err }, "handling a batch of events failed");
      }
    }
  }

  private async handleBatch(messages: readonly QueueMessage[]): Promise<void> {
    const now = this.o.now ?? Date.now;
    const done: QueueMessage[] = [];
    const refs = this.o.networks().map((n) => networkIds(n, this.o.defaultRegion));
    for (const m of messages) {
      this.o.metrics?.eventsReceivedTotal.inc();
      let handled: HandledEvent;
      try {
        handled = this.handle(m, refs, now());
      } catch (err) {
        if (m.receiveCount < MAX_RECEIVES) {
          const seconds = Math.min(900, 5 * 2 ** (m.receiveCount - 1));
          this.o.logger.warn({ messageId: m.messageId, err, retryInS: seconds }, "event handling failed; retrying");
          await this.o.queue.retryAfter(m, seconds).catch(() => undefined);
          continue;
        }
        handled = { messageId: m.messageId, outcome: EventOutcome.Invalid, keys: [] };
      }
      this.o.metrics?.eventsTotal.inc({ outcome: handled.outcome });
      this.o.onHandled?.(handled);
      done.push(m);
    }
    if (done.length === 0) return;
    try {
      const failed = await this.o.queue.deleteBatch(done);
      if (failed.length > 0) this.o.logger.warn({ failed }, "some events could not be deleted; they will come again");
    } catch (err) {
      // They come back after the visibility timeout and are handled again: enqueueing twice is harmless.
      this.o.logger.warn({ err }, "deleting handled events failed; they will come again");
    }
  }

  private handle(m: QueueMessage, refs: ReturnType<typeof networkIds>[], at: number): HandledEvent {
    const queuedMs = m.sentAt !== undefined ? Math.max(0, at - m.sentAt) : undefined;
    const base = { messageId: m.messageId, ...(queuedMs !== undefined ? { queuedMs } : {}) };
    const parsed = parseEventMessage(m.body);
    if (!parsed.ok) {
      this.o.logger.debug({ messageId: m.messageId, reason: parsed.reason }, "event ignored: unreadable");
      return { ...base, outcome: EventOutcome.Invalid, keys: [] };
    }
    const call = parsed.call;
    const early = triage(call);
    if (early !== undefined) return { ...base, outcome: early, eventName: call.eventName, keys: [] };
    const keys = networksTouched(call, refs);
    for (const k of keys) this.o.enqueue(k);
    if (keys.length > 0)
      this.o.logger.info(
        { event: call.eventName, eventId: call.id, userAgent: call.userAgent, networks: keys },
        "AWS change event: reconciling the networks it touches",
      );
    return {
      ...base,
      outcome: keys.length > 0 ? EventOutcome.Matched : EventOutcome.Unmatched,
      eventName: call.eventName,
      keys,
    };
  }
}
