/**
 * Classify AWS SDK errors once, at the adapter edge (house rule 4). Controllers and status derivation look
 * only at {@link ClassifiedError.class}; nothing else in ecsnet reads SDK error names, and nothing here
 * reads error messages (codes only, like ACK's `terminalAWSError`).
 */
import type { ClassifiedError, ErrorClass } from "../core/errors.js";

/**
 * EC2 (and a few ECS) error codes → class. Codes absent from the table fall back on the HTTP fault:
 * server faults (5xx) are `retryable`, client faults (4xx) `terminal`.
 */
export const AwsErrorTable: Readonly<Record<string, ErrorClass>> = {
  // Rate limiting: back off, no error noise.
  RequestLimitExceeded: "throttled",
  Throttling: "throttled",
  ThrottlingException: "throttled",
  RequestThrottled: "throttled",
  RequestThrottledException: "throttled",
  TooManyRequestsException: "throttled",
  // Gone: benign on delete, eventual consistency right after create.
  "InvalidVpcEndpointId.NotFound": "notFound",
  "InvalidNatGatewayID.NotFound": "notFound",
  NatGatewayNotFound: "notFound",
  "InvalidAllocationID.NotFound": "notFound",
  "InvalidGroup.NotFound": "notFound",
  "InvalidGroupId.NotFound": "notFound",
  "InvalidRoute.NotFound": "notFound",
  "InvalidPermission.NotFound": "notFound",
  "InvalidSecurityGroupRuleId.NotFound": "notFound",
  "InvalidRouteTableID.NotFound": "notFound",
  ClusterNotFoundException: "notFound",
  ServiceNotFoundException: "notFound",
  // The world changed under us: observe again.
  "InvalidPermission.Duplicate": "conflict",
  RouteAlreadyExists: "conflict",
  "InvalidGroup.Duplicate": "conflict",
  "InvalidGroup.InUse": "conflict",
  DependencyViolation: "conflict",
  IncorrectState: "conflict",
  "InvalidIPAddress.InUse": "conflict",
  "Resource.AlreadyAssociated": "conflict",
  // Retrying the same request cannot succeed.
  IdempotentParameterMismatch: "terminal",
  InvalidParameterValue: "terminal",
  InvalidParameterCombination: "terminal",
  InvalidParameter: "terminal",
  MissingParameter: "terminal",
  "InvalidSubnetID.NotFound": "terminal",
  "InvalidVpcID.NotFound": "terminal",
  InvalidServiceName: "terminal",
  DuplicateSubnetsInSameZone: "terminal",
  UnauthorizedOperation: "terminal",
  AuthFailure: "terminal",
  AccessDeniedException: "terminal",
  AddressLimitExceeded: "terminal",
  NatGatewayLimitExceeded: "terminal",
  VpcEndpointLimitExceeded: "terminal",
  RulesPerSecurityGroupLimitExceeded: "terminal",
  SecurityGroupLimitExceeded: "terminal",
  RouteLimitExceeded: "terminal",
  ClientException: "terminal",
  // Transient server faults.
  InternalError: "retryable",
  InternalFailure: "retryable",
  ServiceUnavailable: "retryable",
  Unavailable: "retryable",
  ServerException: "retryable",
};

/** Node/socket error codes and SDK error names that mean "the request may not have reached AWS". */
const NetworkCodes: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "NetworkingError",
  "AbortError",
]);

interface SdkLike {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * Classify any thrown value. Never throws. The result keeps the AWS request id (`$metadata.requestId`)
 * when there is one. Order: the code table, then network error codes (`retryable`), then the HTTP fault
 * (5xx `retryable`, 4xx `terminal`); anything else (a bug, not an AWS answer) is `terminal` with its name.
 */
export function classifyAwsError(err: unknown): ClassifiedError {
  const e: SdkLike = typeof err === "object" && err !== null ? (err as SdkLike) : {};
  const code = str(e.Code) ?? str(e.name) ?? "UnknownError";
  const sysCode = str(e.code);
  const message = str(e.message) ?? (typeof err === "string" ? err : code);
  const requestId = str(e.$metadata?.requestId);
  const make = (cls: ErrorClass, c: string = code): ClassifiedError =>
    requestId === undefined ? { class: cls, code: c, message } : { class: cls, code: c, message, requestId };

  const fromTable = AwsErrorTable[code];
  if (fromTable !== undefined) return make(fromTable);
  if (sysCode !== undefined && NetworkCodes.has(sysCode)) return make("retryable", sysCode);
  if (NetworkCodes.has(code)) return make("retryable");
  const status = e.$metadata?.httpStatusCode;
  if (e.$fault === "server" || (typeof status === "number" && status >= 500)) return make("retryable");
  if (typeof status === "number" && status === 429) return make("throttled");
  return make("terminal");
}
