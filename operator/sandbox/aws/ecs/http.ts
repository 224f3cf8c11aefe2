/**
 * The HTTP face of the sandbox ECS API (AWS JSON 1.1), as a pure function so that any server
 * (the AWS sandbox server, a test's own node:http server) can call it.
 */
import { randomUUID } from "node:crypto";
import { EcsApiError } from "./errors.js";
import type { EcsSandbox } from "./service.js";
import { isObject } from "./state.js";

/** The X-Amz-Target prefix of every ECS operation. */
export const ECS_TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113.";

/** An HTTP response, ready to write. */
export interface EcsHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_11 = "application/x-amz-json-1.1";

/**
 * Maps one POST (its X-Amz-Target header and raw body) to the response ECS would send:
 * 200 with the operation's output; 400 `{"__type", "message"}` plus `x-amzn-errortype` for an
 * EcsApiError, a body that is not a JSON object (SerializationException) or a target that is not
 * an ECS operation (UnknownOperationException); 500 ServerException for anything else thrown.
 * Never throws. `requestId` defaults to a random UUID.
 */
export function handleEcsRequest(
  ecs: EcsSandbox,
  target: string | undefined,
  body: string,
  requestId: string = randomUUID(),
): EcsHttpResponse {
  const respond = (status: number, payload: unknown, errorType?: string): EcsHttpResponse => ({
    status,
    headers: {
      "content-type": JSON_11,
      "x-amzn-requestid": requestId,
      ...(errorType !== undefined ? { "x-amzn-errortype": errorType } : {}),
    },
    body: JSON.stringify(payload),
  });
  const fail = (status: number, code: string, message: string): EcsHttpResponse =>
    respond(status, { __type: code, message }, code);

  if (target === undefined || !target.startsWith(ECS_TARGET_PREFIX)) {
    return fail(400, "UnknownOperationException", `Unknown target ${target ?? "(none)"}`);
  }
  let input: unknown;
  try {
    input = body.trim() === "" ? {} : JSON.parse(body);
  } catch {
    return fail(400, "SerializationException", "Start of structure or map found where not expected.");
  }
  if (!isObject(input)) return fail(400, "SerializationException", "The request body must be a JSON object.");
  try {
    return respond(200, ecs.handle(target.slice(ECS_TARGET_PREFIX.length), input));
  } catch (err) {
    if (err instanceof EcsApiError) return fail(err.status, err.code, err.message);
    return fail(500, "ServerException", "sandbox ecs failed: " + (err instanceof Error ? err.message : String(err)));
  }
}
