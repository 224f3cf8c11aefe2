/**
 * SQS's JSON protocol (AWS JSON 1.0): `POST /` with `x-amz-target: AmazonSQS.<Operation>`,
 * `Content-Type: application/x-amz-json-1.0`, a JSON body of the operation's input; errors as
 * `{ "__type": "com.amazonaws.sqs#<Code>", "message": ... }` plus the legacy code in `x-amzn-query-error`
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-faqs.html).
 */
import { SqsError, type SqsQueues } from "./queues.js";

export const SQS_TARGET_PREFIX = "AmazonSQS.";

/** An HTTP answer, ready to write. */
export interface SqsHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

type Input = Record<string, unknown>;

const ok = (json: unknown, requestId: string): SqsHttpResponse => ({
  status: 200,
  headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": requestId },
  body: JSON.stringify(json),
});

function error(e: SqsError, requestId: string): SqsHttpResponse {
  return {
    status: e.status,
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amzn-requestid": requestId,
      "x-amzn-query-error": `${e.queryCode};Sender`,
    },
    body: JSON.stringify({ __type: `com.amazonaws.sqs#${e.code}`, message: e.message }),
  };
}

const s = (v: unknown): string => (typeof v === "string" ? v : "");
const n = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** One SQS request. `cancelled` tells a long poll the client went away. */
export async function handleSqsRequest(
  queues: SqsQueues,
  target: string,
  body: string,
  requestId: string,
  cancelled: () => boolean,
): Promise<SqsHttpResponse> {
  const op = target.slice(SQS_TARGET_PREFIX.length);
  let input: Input;
  try {
    input = body.trim() ? (JSON.parse(body) as Input) : {};
  } catch {
    return error(new SqsError("InvalidParameterValue", "The request body is not valid JSON."), requestId);
  }
  try {
    switch (op) {
      case "CreateQueue":
        return ok(
          { QueueUrl: queues.create(s(input.QueueName), (input.Attributes ?? {}) as Record<string, string>) },
          requestId,
        );
      case "GetQueueUrl":
        return ok({ QueueUrl: queues.urlOf(s(input.QueueName)) }, requestId);
      case "ListQueues":
        return ok({ QueueUrls: queues.urls() }, requestId);
      case "GetQueueAttributes": {
        const names = strings(input.AttributeNames);
        return ok({ Attributes: queues.attributes(s(input.QueueUrl), names.length ? names : ["All"]) }, requestId);
      }
      case "SendMessage":
        return ok(queues.send(s(input.QueueUrl), s(input.MessageBody)), requestId);
      case "ReceiveMessage": {
        const messages = await queues.receive(
          s(input.QueueUrl),
          {
            ...(n(input.MaxNumberOfMessages) !== undefined ? { max: n(input.MaxNumberOfMessages)! } : {}),
            ...(n(input.WaitTimeSeconds) !== undefined ? { waitSeconds: n(input.WaitTimeSeconds)! } : {}),
            ...(n(input.VisibilityTimeout) !== undefined ? { visibilitySeconds: n(input.VisibilityTimeout)! } : {}),
            attributeNames: [...strings(input.MessageSystemAttributeNames), ...strings(input.AttributeNames)],
          },
          cancelled,
        );
        return ok(messages.length > 0 ? { Messages: messages } : {}, requestId);
      }
      case "DeleteMessage":
        queues.delete(s(input.QueueUrl), s(input.ReceiptHandle));
        return ok({}, requestId);
      case "DeleteMessageBatch":
        return ok(
          batch(input, (e) => queues.delete(s(input.QueueUrl), s(e.ReceiptHandle))),
          requestId,
        );
      case "ChangeMessageVisibility":
        queues.changeVisibility(s(input.QueueUrl), s(input.ReceiptHandle), n(input.VisibilityTimeout) ?? -1);
        return ok({}, requestId);
      case "ChangeMessageVisibilityBatch":
        return ok(
          batch(input, (e) =>
            queues.changeVisibility(s(input.QueueUrl), s(e.ReceiptHandle), n(e.VisibilityTimeout) ?? -1),
          ),
          requestId,
        );
      case "PurgeQueue":
        queues.purge(s(input.QueueUrl));
        return ok({}, requestId);
      default:
        return error(
          new SqsError(
            "UnsupportedOperation",
            `The sandbox does not implement SQS ${op}.`,
            400,
            "AWS.SimpleQueueService.UnsupportedOperation",
          ),
          requestId,
        );
    }
  } catch (e) {
    if (e instanceof SqsError) return error(e, requestId);
    throw e;
  }
}

/** A batch call: 1–10 entries with distinct ids; each entry succeeds or fails on its own (API_DeleteMessageBatch). */
function batch(input: Input, each: (entry: Input) => void): { Successful: { Id: string }[]; Failed: unknown[] } {
  const entries = (Array.isArray(input.Entries) ? input.Entries : []) as Input[];
  if (entries.length === 0)
    throw new SqsError(
      "EmptyBatchRequest",
      "There should be at least one entry in the request.",
      400,
      "AWS.SimpleQueueService.EmptyBatchRequest",
    );
  if (entries.length > 10)
    throw new SqsError(
      "TooManyEntriesInBatchRequest",
      "Maximum number of entries per request are 10.",
      400,
      "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
    );
  if (new Set(entries.map((e) => e.Id)).size !== entries.length)
    throw new SqsError(
      "BatchEntryIdsNotDistinct",
      "Two or more batch entries in the request have the same Id.",
      400,
      "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
    );
  const Successful: { Id: string }[] = [];
  const Failed: unknown[] = [];
  for (const e of entries) {
    try {
      each(e);
      Successful.push({ Id: s(e.Id) });
    } catch (err) {
      if (!(err instanceof SqsError)) throw err;
      Failed.push({ Id: s(e.Id), SenderFault: true, Code: err.queryCode, Message: err.message });
    }
  }
  return { Successful, Failed };
}
