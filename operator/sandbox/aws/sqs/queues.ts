/**
 * The sandbox's SQS standard queues: what the events consumer and its tests need, with SQS's documented
 * semantics.
 *
 * - Visibility timeout (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html):
 *   a received message stays in the queue but is invisible for the queue's VisibilityTimeout (default 30 s,
 *   0 s to 12 h) or the receive's own; it becomes visible again unless deleted first. ChangeMessageVisibility
 *   sets a new timeout counted from now; 0 makes it visible at once. A message not in flight → MessageNotInflight.
 * - Every receive returns a new receipt handle; only the latest one deletes the message (an older one is
 *   accepted and deletes nothing: "If you receive a message more than once, each time you receive it, you get a
 *   different receipt handle. You must provide the most recently received receipt handle when you request to
 *   delete the message", API_DeleteMessage).
 * - Long polling (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html):
 *   WaitTimeSeconds 1–20 (else the queue's ReceiveMessageWaitTimeSeconds) returns as soon as a message is
 *   available, else empty at the deadline. MaxNumberOfMessages 1–10 (API_ReceiveMessage).
 * - Attributes: SentTimestamp, ApproximateReceiveCount, ApproximateFirstReceiveTimestamp (epoch ms, strings).
 *
 * Not modelled: FIFO queues, dead-letter queues, message attributes, retention expiry, DelaySeconds.
 */
import { createHash, randomUUID } from "node:crypto";

/** An SQS API error: code as SQS names it in `__type`, HTTP status. */
export class SqsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** The legacy Query error code (the `x-amzn-query-error` header). */
    readonly queryCode = code,
  ) {
    super(message);
  }
}

interface Message {
  readonly id: string;
  readonly body: string;
  readonly md5: string;
  readonly sentAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  /** Invisible until (epoch ms); 0 = visible. */
  invisibleUntil: number;
  /** The latest receipt handle (undefined before the first receive). */
  receipt?: string;
}

interface Queue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly createdAt: number;
  attributes: Record<string, string>;
  messages: Message[];
  waiters: Set<() => void>;
}

/** A received message as ReceiveMessage returns it. */
export interface ReceivedMessage {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes?: Record<string, string>;
}

const DEFAULTS: Record<string, string> = {
  VisibilityTimeout: "30",
  ReceiveMessageWaitTimeSeconds: "0",
  MessageRetentionPeriod: "345600",
  DelaySeconds: "0",
  MaximumMessageSize: "262144",
};
const SYSTEM_ATTRIBUTES = ["SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"];

const md5 = (s: string) => createHash("md5").update(s, "utf8").digest("hex");

/** The queues of one sandbox. */
export class SqsQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly o: {
      /** `http://127.0.0.1:PORT`, the origin of queue URLs (set once the server listens). */
      origin: () => string;
      region: string;
      accountId: string;
      now: () => number;
    },
  ) {}

  /** CreateQueue: idempotent for the same name and attributes (QueueAlreadyExists when they differ). */
  create(name: string, attributes: Record<string, string> = {}): string {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name))
      throw new SqsError(
        "InvalidParameterValue",
        "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
      );
    const existing = this.queues.get(name);
    if (existing) {
      const differs = Object.entries(attributes).some(([k, v]) => (existing.attributes[k] ?? DEFAULTS[k]) !== v);
      if (differs)
        throw new SqsError(
          "QueueAlreadyExists",
          `A queue already exists with the same name and a different value for attribute(s)`,
          400,
          "QueueAlreadyExists",
        );
      return existing.url;
    }
    const q: Queue = {
      name,
      url: `${this.o.origin()}/${this.o.accountId}/${name}`,
      arn: `arn:aws:sqs:${this.o.region}:${this.o.accountId}:${name}`,
      createdAt: this.o.now(),
      attributes: { ...DEFAULTS, ...attributes },
      messages: [],
      waiters: new Set(),
    };
    this.queues.set(name, q);
    return q.url;
  }

  /** GetQueueUrl. */
  urlOf(name: string): string {
    return this.byName(name).url;
  }

  /** Every queue URL. */
  urls(): string[] {
    return [...this.queues.values()].map((q) => q.url);
  }

  /** GetQueueAttributes (names: "All" or specific ones). */
  attributes(url: string, names: readonly string[] = ["All"]): Record<string, string> {
    const q = this.byUrl(url);
    const now = this.o.now();
    const visible = q.messages.filter((m) => m.invisibleUntil <= now).length;
    const all: Record<string, string> = {
      ...q.attributes,
      QueueArn: q.arn,
      CreatedTimestamp: String(Math.floor(q.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(q.createdAt / 1000)),
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(q.messages.length - visible),
      ApproximateNumberOfMessagesDelayed: "0",
    };
    if (names.includes("All")) return all;
    return Object.fromEntries(names.filter((n) => n in all).map((n) => [n, all[n]!]));
  }

  /** SendMessage; returns the id and the body's MD5 (the SDK checks it). */
  send(url: string, body: string): { MessageId: string; MD5OfMessageBody: string } {
    const q = this.byUrl(url);
    if (body.length === 0)
      throw new SqsError("MissingParameter", "The request must contain the parameter MessageBody.");
    const m: Message = {
      id: randomUUID(),
      body,
      md5: md5(body),
      sentAt: this.o.now(),
      receiveCount: 0,
      invisibleUntil: 0,
    };
    q.messages.push(m);
    this.wake(q);
    return { MessageId: m.id, MD5OfMessageBody: m.md5 };
  }

  /**
   * ReceiveMessage: up to `max` visible messages, oldest first, made invisible for `visibilitySeconds`; with
   * `waitSeconds` > 0, waits until one is visible or the wait ends. `cancelled` ends the wait early (the client
   * went away), returning nothing so nothing is made invisible for a client that cannot see it.
   */
  async receive(
    url: string,
    opts: { max?: number; waitSeconds?: number; visibilitySeconds?: number; attributeNames?: readonly string[] },
    cancelled: () => boolean = () => false,
  ): Promise<ReceivedMessage[]> {
    const q = this.byUrl(url);
    const max = opts.max ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > 10)
      throw new SqsError(
        "InvalidParameterValue",
        `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
      );
    const wait = opts.waitSeconds ?? Number(q.attributes.ReceiveMessageWaitTimeSeconds);
    if (!Number.isInteger(wait) || wait < 0 || wait > 20)
      throw new SqsError(
        "InvalidParameterValue",
        `Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`,
      );
    const visibility = opts.visibilitySeconds ?? Number(q.attributes.VisibilityTimeout);
    const deadline = this.o.now() + wait * 1000;
    for (;;) {
      if (cancelled()) return [];
      const got = this.take(q, max, visibility, opts.attributeNames ?? []);
      if (got.length > 0 || this.o.now() >= deadline) return got;
      // Woken by a send, or every 50 ms to see visibility timeouts run out.
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(50, Math.max(1, deadline - this.o.now())));
        function done() {
          clearTimeout(t);
          q.waiters.delete(done);
          resolve();
        }
        q.waiters.add(done);
      });
    }
  }

  /** DeleteMessage: the latest receipt handle deletes; an older one of a known message is accepted and deletes nothing. */
  delete(url: string, receiptHandle: string): void {
    const q = this.byUrl(url);
    const i = q.messages.findIndex((m) => m.receipt === receiptHandle);
    if (i >= 0) {
      q.messages.splice(i, 1);
      return;
    }
    if (!this.isKnownHandle(receiptHandle))
      throw new SqsError(
        "ReceiptHandleIsInvalid",
        `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`,
      );
  }

  /** ChangeMessageVisibility: the message must be in flight; the new timeout counts from now. */
  changeVisibility(url: string, receiptHandle: string, seconds: number): void {
    const q = this.byUrl(url);
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 43_200)
      throw new SqsError(
        "InvalidParameterValue",
        `Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`,
      );
    const m = q.messages.find((x) => x.receipt === receiptHandle);
    if (!m) {
      if (!this.isKnownHandle(receiptHandle))
        throw new SqsError(
          "ReceiptHandleIsInvalid",
          `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`,
        );
      throw new SqsError(
        "MessageNotInflight",
        "The message referred to isn't in flight.",
        400,
        "AWS.SimpleQueueService.MessageNotInflight",
      );
    }
    const now = this.o.now();
    if (m.invisibleUntil <= now)
      throw new SqsError(
        "MessageNotInflight",
        "The message referred to isn't in flight.",
        400,
        "AWS.SimpleQueueService.MessageNotInflight",
      );
    m.invisibleUntil = seconds === 0 ? 0 : now + seconds * 1000;
    if (seconds === 0) this.wake(q);
  }

  /** PurgeQueue: deletes every message. */
  purge(url: string): void {
    const q = this.byUrl(url);
    q.messages = [];
  }

  /** Drop every queue (sandbox reset). */
  clear(): void {
    for (const q of this.queues.values()) for (const w of [...q.waiters]) w();
    this.queues.clear();
  }

  private take(q: Queue, max: number, visibilitySeconds: number, attributeNames: readonly string[]): ReceivedMessage[] {
    const now = this.o.now();
    const all = attributeNames.includes("All");
    const out: ReceivedMessage[] = [];
    for (const m of q.messages) {
      if (out.length >= max) break;
      if (m.invisibleUntil > now) continue;
      m.receiveCount++;
      m.firstReceiveAt ??= now;
      m.invisibleUntil = visibilitySeconds === 0 ? 0 : now + visibilitySeconds * 1000;
      m.receipt = `${m.id}#${randomUUID()}`;
      const attrs: Record<string, string> = {
        SentTimestamp: String(m.sentAt),
        ApproximateReceiveCount: String(m.receiveCount),
        ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt),
      };
      const wanted = SYSTEM_ATTRIBUTES.filter((a) => all || attributeNames.includes(a));
      out.push({
        MessageId: m.id,
        ReceiptHandle: m.receipt,
        MD5OfBody: m.md5,
        Body: m.body,
        ...(wanted.length > 0 ? { Attributes: Object.fromEntries(wanted.map((a) => [a, attrs[a]!])) } : {}),
      });
    }
    return out;
  }

  private wake(q: Queue): void {
    for (const w of [...q.waiters]) w();
  }

  private isKnownHandle(h: string): boolean {
    return /^[0-9a-f-]{36}#[0-9a-f-]{36}$/.test(h);
  }

  private byName(name: string): Queue {
    const q = this.queues.get(name);
    if (!q) throw nonExistent();
    return q;
  }

  private byUrl(url: string): Queue {
    const name = /\/([^/]+)\/?$/.exec(url ?? "")?.[1];
    const q = name ? this.queues.get(name) : undefined;
    if (!q) throw nonExistent();
    return q;
  }
}

const nonExistent = () =>
  new SqsError(
    "QueueDoesNotExist",
    "The specified queue does not exist.",
    400,
    "AWS.SimpleQueueService.NonExistentQueue",
  );
