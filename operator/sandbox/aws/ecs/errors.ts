/**
 * The error every sandbox ECS operation throws for a request ECS would reject.
 * The HTTP layer (`http.ts`) turns it into a JSON 1.1 error: status 400, body
 * `{"__type": code, "message": message}` and header `x-amzn-errortype: code`, which the
 * SDK maps to the modelled exception class of the same name.
 */
export class EcsApiError extends Error {
  override readonly name = "EcsApiError";
  /** ECS error code, e.g. "ClusterNotFoundException", "InvalidParameterException", "ClientException". */
  readonly code: string;
  /** HTTP status; 400 for every client error ECS raises. */
  readonly status: number;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** Shorthand for the most common rejection: a bad or missing parameter. */
export const invalidParameter = (message: string): EcsApiError => new EcsApiError("InvalidParameterException", message);

/** Shorthand for ECS's generic client-side error (task definition validation uses it). */
export const clientError = (message: string): EcsApiError => new EcsApiError("ClientException", message);
