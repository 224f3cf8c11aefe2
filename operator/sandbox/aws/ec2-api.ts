/**
 * The EC2 Query endpoint as a pure function of (action, flat params): finds the SDK's operation schema,
 * parses the input, runs the handler and renders XML. Unknown action → InvalidAction; a real EC2 action the sandbox does not model → UnsupportedOperation; API errors → their
 * code and status; anything else thrown → 500 InternalError. Never throws.
 */
import { Ec2ApiError } from "./errors.js";
import type { HandlerTable } from "./handler.js";
import { endpointHandlers } from "./handlers/endpoints.js";
import { natHandlers } from "./handlers/nat.js";
import { routeTableHandlers } from "./handlers/route-tables.js";
import { securityGroupHandlers } from "./handlers/security-groups.js";
import { serviceHandlers } from "./handlers/services.js";
import { tagHandlers } from "./handlers/tags.js";
import { vpcHandlers } from "./handlers/vpc.js";
import { sweep } from "./lifecycle.js";
import type { FlatParams } from "./query.js";
import { parseStruct } from "./query.js";
import type { Ctx } from "./state.js";
import { operationSchemas } from "./wire-schema.js";
import { renderError, renderResponse } from "./xml.js";

/** Every EC2 action the sandbox answers. */
export const EC2_HANDLERS: HandlerTable = {
  ...vpcHandlers,
  ...routeTableHandlers,
  ...natHandlers,
  ...securityGroupHandlers,
  ...endpointHandlers,
  ...serviceHandlers,
  ...tagHandlers,
};

/** An HTTP response, ready to write. */
export interface Ec2HttpResponse {
  status: number;
  body: string;
}

/** The EC2 error response for an error code (used for injected faults too). */
export function ec2Error(code: string, message: string, status: number, requestId: string): Ec2HttpResponse {
  return { status, body: renderError(code, message, requestId) };
}

/** Runs one EC2 action against the world. */
export function handleEc2(
  ctx: Ctx,
  action: string | undefined,
  params: FlatParams,
  requestId: string,
): Ec2HttpResponse {
  if (!action) return ec2Error("MissingAction", "The request must contain the parameter Action", 400, requestId);
  const handler = Object.hasOwn(EC2_HANDLERS, action) ? EC2_HANDLERS[action] : undefined;
  const schemas = operationSchemas(action);
  if (!schemas) {
    return ec2Error("InvalidAction", `The action ${action} is not valid for this web service.`, 400, requestId);
  }
  if (!handler) {
    // A real EC2 action outside the slice the sandbox models: say so instead of pretending it does not exist.
    return ec2Error("UnsupportedOperation", `The sandbox does not implement ${action}.`, 400, requestId);
  }
  try {
    sweep(ctx);
    const input = parseStruct(schemas.input, params);
    if (input.DryRun === true) {
      return ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412, requestId);
    }
    const output = handler(ctx, input);
    return { status: 200, body: renderResponse(action, schemas.output, output, requestId) };
  } catch (err) {
    if (err instanceof Ec2ApiError) return ec2Error(err.code, err.message, err.status, requestId);
    const msg = err instanceof Error ? err.message : String(err);
    return ec2Error("InternalError", `An internal error has occurred (${msg})`, 500, requestId);
  }
}
