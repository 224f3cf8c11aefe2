/**
 * The sandbox's SQS endpoint and its EventBridge stand-in, and their admin routes under `/_sandbox/events`:
 *
 * - `POST /_sandbox/events/subscriptions` `{ queueUrl, eventNames? }`: deliver EC2 calls' CloudTrail events to
 *   that queue (only the named events, when given: the rule's `detail.eventName`); `GET` lists them.
 * - `POST /_sandbox/events/queue` `{ name?, eventNames? }`: create a queue (default `ecsnet-events`) and
 *   subscribe it; answers `{ queueUrl }`.
 * - `GET /_sandbox/events/deliveries`: what was delivered (time, queue, event name, user agent).
 * - `POST /_sandbox/events/delay` `{ ms }`: delay every delivery.
 *
 * `POST /_sandbox/reset` leaves queues and subscriptions as they are (they are not EC2 state); closing the
 * sandbox drops them.
 */
import type { SandboxEventBus } from "./eventbridge.js";
import type { SqsQueues } from "./queues.js";

export { SandboxEventBus, cloudTrailEvent, type Ec2Call, type Subscription } from "./eventbridge.js";
export { SQS_TARGET_PREFIX, handleSqsRequest } from "./http.js";
export { SqsError, SqsQueues } from "./queues.js";

/** Serves `/_sandbox/events/*` (see the module doc). */
export function handleSqsEventsAdmin(
  bus: SandboxEventBus,
  queues: SqsQueues,
  method: string,
  path: string,
  body: string,
): { status: number; json: unknown } {
  let input: Record<string, unknown>;
  try {
    input = body.trim() ? (JSON.parse(body) as Record<string, unknown>) : {};
  } catch {
    return { status: 400, json: { error: "body is not JSON" } };
  }
  const names = Array.isArray(input.eventNames) ? input.eventNames.map(String) : undefined;
  try {
    switch (`${method} ${path.replace(/\/+$/, "")}`) {
      case "POST /_sandbox/events/subscriptions":
        bus.subscribe({ queueUrl: String(input.queueUrl), ...(names ? { eventNames: names } : {}) });
        return { status: 200, json: bus.subscriptions() };
      case "GET /_sandbox/events/subscriptions":
        return { status: 200, json: bus.subscriptions() };
      case "POST /_sandbox/events/queue": {
        const queueUrl = queues.create(typeof input.name === "string" ? input.name : "ecsnet-events");
        bus.subscribe({ queueUrl, ...(names ? { eventNames: names } : {}) });
        return { status: 200, json: { queueUrl } };
      }
      case "GET /_sandbox/events/deliveries":
        return { status: 200, json: bus.deliveries() };
      case "POST /_sandbox/events/delay":
        bus.delayMs = Number(input.ms) || 0;
        return { status: 200, json: { ms: bus.delayMs } };
      default:
        return { status: 404, json: { error: `no admin route ${method} ${path}` } };
    }
  } catch (err) {
    return { status: 400, json: { error: err instanceof Error ? err.message : String(err) } };
  }
}
