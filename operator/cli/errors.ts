/**
 * Errors that end a command, said so that a person knows what to fix: a connection failure names the
 * endpoint and the settings that choose it, a credentials failure the settings that provide them.
 */

/** Node's network error codes that mean "the endpoint is not there (or not reachable)". */
const CONNECTION = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ECONNRESET"]);
const CREDENTIALS = new Set([
  "CredentialsProviderError",
  "AuthFailure",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "ExpiredTokenException",
]);

interface ErrLike {
  name?: string;
  code?: string;
  message?: string;
  address?: string;
  port?: number;
  hostname?: string;
  errors?: unknown[];
  cause?: unknown;
}

/** The first error in `err`'s chain (AggregateError members, `cause`) that carries a network error code. */
function networkCause(err: unknown, depth = 0): ErrLike | undefined {
  if (depth > 4 || typeof err !== "object" || err === null) return undefined;
  const e = err as ErrLike;
  if (e.code && CONNECTION.has(e.code)) return e;
  for (const inner of e.errors ?? []) {
    const found = networkCause(inner, depth + 1);
    if (found) return found;
  }
  return networkCause(e.cause, depth + 1);
}

const CHECK_ENDPOINT =
  "  check: AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_EC2 (unset: the region's real AWS endpoint), the region " +
  "(AWS_REGION, or --region), and that the endpoint is up (e.g. `ecsnet sandbox aws` for the sandbox)";
const CHECK_CREDENTIALS =
  "  check: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (any values for the sandbox), AWS_PROFILE, or the role " +
  "ecsnet runs with; and that AWS_REGION is the region of the VPC";
const CHECK_PERMISSIONS =
  "  check: the IAM policy of the identity ecsnet runs as (deploy/iam-policy.json lists what it needs)";

/** The settings to check for an AWS error code or message that names one of these causes, or "". */
export function settingsHint(text: string): string {
  if ([...CONNECTION].some((c) => text.includes(c))) return CHECK_ENDPOINT;
  if ([...CREDENTIALS].some((c) => text.includes(c))) return CHECK_CREDENTIALS;
  if (/UnauthorizedOperation|AccessDenied/.test(text)) return CHECK_PERMISSIONS;
  return "";
}

/** The message for an error that ended a command, with what to check. */
export function explainError(err: unknown): string {
  const e = (typeof err === "object" && err !== null ? err : { message: String(err) }) as ErrLike;
  const message = e.message || e.name || String(err);
  const net = networkCause(err);
  if (net) {
    const where = net.address
      ? `${net.address}${net.port ? `:${net.port}` : ""}`
      : (net.hostname ?? "the AWS endpoint");
    return `cannot reach the AWS API at ${where} (${net.code}): ${message}\n${CHECK_ENDPOINT}`;
  }
  if (CREDENTIALS.has(e.name ?? "") || CREDENTIALS.has(e.code ?? "")) {
    return `AWS did not accept the credentials (${e.name ?? e.code}): ${message}\n${CHECK_CREDENTIALS}`;
  }
  if (/region is missing/i.test(message)) {
    return `${message}\n  check: set AWS_REGION (or pass --region, or set spec.region)`;
  }
  return message;
}
