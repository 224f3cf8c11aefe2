/**
 * metav1.Status errors, shaped as the real API server sends them. Handlers throw `ApiError`; the router
 * turns it into a JSON Status body with the same HTTP code. Nothing here does I/O.
 */

/** One entry of `details.causes[]` (metav1.StatusCause). */
export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field?: string;
}

/** Optional `details` of a Status (metav1.StatusDetails). */
export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
}

/** The JSON body of a metav1.Status. */
export interface StatusBody {
  readonly kind: "Status";
  readonly apiVersion: "v1";
  readonly metadata: Record<string, never>;
  readonly status: "Failure" | "Success";
  readonly message?: string;
  readonly reason?: string;
  readonly details?: StatusDetails;
  readonly code: number;
}

/** An error that the router answers with `code` and `status` as the body; never a crash. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  /** The metav1.Status body for this error. */
  get status(): StatusBody {
    return failureStatus(this.code, this.reason, this.message, this.details);
  }
}

/** Build a Failure Status body. */
export function failureStatus(code: number, reason: string, message: string, details?: StatusDetails): StatusBody {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** `group.resource` as the API server prints it ("privateecsnetworks.ecsnet.dev", or "leases.coordination.k8s.io", "namespaces"). */
export function qualifiedResource(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}

/** 404: `privateecsnetworks.ecsnet.dev "x" not found`. */
export function notFound(group: string, plural: string, name: string): ApiError {
  return new ApiError(404, "NotFound", `${qualifiedResource(group, plural)} "${name}" not found`, {
    name,
    group,
    kind: plural,
  });
}

/** 409 on create: `... "x" already exists`. */
export function alreadyExists(group: string, plural: string, name: string): ApiError {
  return new ApiError(409, "AlreadyExists", `${qualifiedResource(group, plural)} "${name}" already exists`, {
    name,
    group,
    kind: plural,
  });
}

/** 409 on a stale resourceVersion, with the real server's wording. */
export function conflict(group: string, plural: string, name: string): ApiError {
  const msg =
    `Operation cannot be fulfilled on ${qualifiedResource(group, plural)} "${name}": ` +
    "the object has been modified; please apply your changes to the latest version and try again";
  return new ApiError(409, "Conflict", msg, { name, group, kind: plural });
}

/**
 * 422 Invalid: `Kind.group "name" is invalid: <cause>` (one cause) or `[c1, c2]` (several), each cause
 * carrying its field path as the real server does.
 */
export function invalid(kind: string, group: string, name: string, causes: readonly StatusCause[]): ApiError {
  const rendered = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const agg = rendered.length === 1 ? rendered[0] : `[${rendered.join(", ")}]`;
  const qk = group ? `${kind}.${group}` : kind;
  return new ApiError(422, "Invalid", `${qk} "${name}" is invalid: ${agg}`, { name, group, kind, causes });
}

/**
 * 403 as the real server's authorizer answers it (apimachinery `errors.NewForbidden` around apiserver
 * `responsewriters.forbiddenMessage`): `leases.coordination.k8s.io "x" is forbidden: User "u" cannot get
 * resource "leases" in API group "coordination.k8s.io" in the namespace "ns"` (or `at the cluster scope`).
 */
export function forbidden(f: {
  group: string;
  plural: string;
  verb: string;
  user: string;
  name?: string;
  namespace?: string;
  subresource?: string;
}): ApiError {
  const resource = f.subresource ? `${f.plural}/${f.subresource}` : f.plural;
  const scope = f.namespace ? `in the namespace "${f.namespace}"` : "at the cluster scope";
  const why = `User "${f.user}" cannot ${f.verb} resource "${resource}" in API group "${f.group}" ${scope}`;
  const what = qualifiedResource(f.group, f.plural) + (f.name ? ` "${f.name}"` : "");
  return new ApiError(403, "Forbidden", `${what} is forbidden: ${why}`, {
    ...(f.name ? { name: f.name } : {}),
    group: f.group,
    kind: f.plural,
  });
}

/** 400 BadRequest with a free message. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, "BadRequest", message);
}

/** 410 Gone for a watch from a resourceVersion older than the kept history (reason Expired, as the real server). */
export function expired(requested: number, oldest: number): ApiError {
  return new ApiError(410, "Expired", `too old resource version: ${requested} (${oldest})`);
}

/** 415 for a patch type a resource does not accept. */
export function unsupportedMediaType(contentType: string, accepted: readonly string[]): ApiError {
  return new ApiError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
    { causes: [{ reason: "UnexpectedServerResponse", message: contentType }] },
  );
}

/** 405 for a verb a resource does not serve. */
export function methodNotAllowed(method: string): ApiError {
  return new ApiError(
    405,
    "MethodNotAllowed",
    `the server does not allow this method on the requested resource (${method})`,
  );
}

/** The reason the real server uses for a bare HTTP code (for injected failures). */
export function reasonForCode(code: number): string {
  const table: Record<number, string> = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
  };
  return table[code] ?? "Unknown";
}
