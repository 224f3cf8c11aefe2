/**
 * The SQS queue EventBridge delivers EC2's CloudTrail events to, behind a small port (operator/events/
 * consumer.ts uses it). Built on @aws-sdk/client-sqs with the SDK's own configuration chain: region,
 * credentials, and `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_SQS` are resolved by the SDK (this module reads no
 * environment). Long polling as SQS documents it: `WaitTimeSeconds` 20 (the maximum) and 10 messages (the
 * maximum) per ReceiveMessage (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html).
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { ecsnetUserAgent } from "./clients.js";

/** One received message. */
export interface QueueMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** When SQS accepted it (SentTimestamp), epoch ms; undefined when not reported. */
  readonly sentAt?: number;
  /** How many times it was received, this time included (ApproximateReceiveCount). */
  readonly receiveCount: number;
}

/** The queue, as the events consumer uses it. */
export interface EventQueue {
  /** One long poll: resolves with 0–10 messages after at most `waitSeconds`; rejects when `signal` aborts. */
  receive(signal: AbortSignal): Promise<QueueMessage[]>;
  /** Delete handled messages (DeleteMessageBatch, up to 10 per call). Resolves with the ids that failed. */
  deleteBatch(messages: readonly QueueMessage[]): Promise<string[]>;
  /** Make a message visible again after `seconds` (ChangeMessageVisibility), for a retry with back-off. */
  retryAfter(message: QueueMessage, seconds: number): Promise<void>;
  /** The queue URL, for logs. */
  readonly url: string;
  destroy(): void;
}

/** Options of {@link createEventQueue}. */
export interface EventQueueOptions {
  readonly queueUrl: string;
  /** Region when the queue URL names none (`sqs.<region>.amazonaws.com` wins); default: the SDK chain. */
  readonly region?: string;
  /** Explicit endpoint (the demo's in-process sandbox); default: the SDK chain (AWS_ENDPOINT_URL_SQS, ...). */
  readonly endpoint?: string;
  readonly credentials?: AwsCredentialIdentity;
  /** ecsnet's version for the User-Agent. */
  readonly version?: string;
  /** Long-poll wait, seconds (0–20); default 20. */
  readonly waitSeconds?: number;
}

/** The region in an SQS queue URL (`https://sqs.eu-west-1.amazonaws.com/...`), or undefined. */
export function regionOfQueueUrl(url: string): string | undefined {
  try {
    return /^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(new URL(url).hostname)?.[1];
  } catch {
    return undefined;
  }
}

/** The SQS queue behind {@link EventQueue}. */
export function createEventQueue(o: EventQueueOptions): EventQueue {
  const region = regionOfQueueUrl(o.queueUrl) ?? o.region;
  const sqs = new SQSClient({
    ...(region ? { region } : {}),
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    customUserAgent: ecsnetUserAgent(o.version),
    retryMode: "standard",
    maxAttempts: 3,
    // The socket must outlive a 20 s long poll.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: ((o.waitSeconds ?? 20) + 10) * 1000 },
  });
  const waitSeconds = o.waitSeconds ?? 20;
  return {
    url: o.queueUrl,
    async receive(signal) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: o.queueUrl,
          WaitTimeSeconds: waitSeconds,
          MaxNumberOfMessages: 10,
          MessageSystemAttributeNames: ["SentTimestamp", "ApproximateReceiveCount"],
        }),
        { abortSignal: signal },
      );
      return (out.Messages ?? []).flatMap((m) =>
        m.MessageId && m.ReceiptHandle
          ? [
              {
                messageId: m.MessageId,
                receiptHandle: m.ReceiptHandle,
                body: m.Body ?? "",
                ...(m.Attributes?.SentTimestamp ? { sentAt: Number(m.Attributes.SentTimestamp) } : {}),
                receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? "1"),
              },
            ]
          : [],
      );
    },
    async deleteBatch(messages) {
      const failed: string[] = [];
      for (let i = 0; i < messages.length; i += 10) {
        const chunk = messages.slice(i, i + 10);
        const out = await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: o.queueUrl,
            Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.receiptHandle })),
          }),
        );
        for (const f of out.Failed ?? []) {
          const m = chunk[Number(f.Id)];
          if (m) failed.push(m.messageId);
        }
      }
      return failed;
    },
    async retryAfter(message, seconds) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: o.queueUrl,
          ReceiptHandle: message.receiptHandle,
          VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(seconds))),
        }),
      );
    },
    destroy() {
      sqs.destroy();
    },
  };
}
