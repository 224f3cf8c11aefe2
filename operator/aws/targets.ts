/**
 * Where an AWS call goes: a region and an account (an AwsAccount's role, or ecsnet's own credentials), and
 * the credentials for an account. The operator keeps one client set, one EC2 limiter (EC2's throttling
 * buckets are per account and region) and one observe snapshot per {@link targetKey}.
 *
 * An account's credentials come from `fromTemporaryCredentials`: sts:AssumeRole with ecsnet's own credential
 * chain (IRSA / Pod Identity / env / profile) as the master credentials. The SDK caches what it gets and
 * asks for new credentials before they expire (its identity cache treats credentials within 5 minutes of
 * expiry as expired: @smithy/core EXPIRATION_MS), so a call never goes out with expired credentials.
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { ROLE_ARN_PATTERN } from "../api/aws-account.js";
import type { AccountTarget } from "../core/account-access.js";

export type { AccountTarget } from "../core/account-access.js";

/** A region in an account; `account: null` is ecsnet's own credentials. */
export interface AwsTarget {
  readonly region: string;
  readonly account: AccountTarget | null;
}

/**
 * The metrics label and key part of ecsnet's own credentials. Not a valid AwsAccount name (those are
 * DNS-1123 subdomains), so it never collides with one.
 */
export const OWN_ACCOUNT = "_operator";

/** The account label of a target: the AwsAccount's name, or {@link OWN_ACCOUNT}. */
export const accountLabel = (t: Pick<AwsTarget, "account">): string => t.account?.name ?? OWN_ACCOUNT;

/** `ACCOUNT/REGION`: the key of a client set, limiter and snapshot. */
export const targetKey = (t: AwsTarget): string => `${accountLabel(t)}/${t.region}`;

/** The role parameters that, when changed, need new credentials (a changed AwsAccount spec). */
export const roleIdentity = (a: AccountTarget | null): string =>
  a === null ? "" : JSON.stringify([a.roleArn, a.externalId ?? "", a.sessionName, a.durationSeconds]);

/** Options of {@link assumeRoleCredentials}. */
export interface AssumeRoleOptions {
  readonly account: AccountTarget;
  /** Region of the STS client (regional STS endpoint): the target's; absent, the SDK's own (caller's) region. */
  readonly region?: string;
  /** Explicit endpoint (the demo's in-process sandbox); default: the SDK's (AWS_ENDPOINT_URL_STS, ...). */
  readonly endpoint?: string;
  /** ecsnet's own credentials; default: the SDK's default chain. */
  readonly masterCredentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Called once per AssumeRole the provider makes (metrics). */
  readonly onAssume?: (ok: boolean) => void;
}

/** A credentials provider that assumes `account`'s role on top of ecsnet's own credentials (see module doc). */
export function assumeRoleCredentials(o: AssumeRoleOptions): AwsCredentialIdentityProvider {
  const provider = fromTemporaryCredentials({
    params: {
      RoleArn: o.account.roleArn,
      RoleSessionName: o.account.sessionName,
      DurationSeconds: o.account.durationSeconds,
      ...(o.account.externalId !== undefined ? { ExternalId: o.account.externalId } : {}),
    },
    ...(o.masterCredentials !== undefined ? { masterCredentials: o.masterCredentials } : {}),
    clientConfig: {
      ...(o.region !== undefined ? { region: o.region } : {}),
      ...(o.endpoint !== undefined ? { endpoint: o.endpoint } : {}),
    },
  });
  if (o.onAssume === undefined) return provider;
  const report = o.onAssume;
  return async (props) => {
    try {
      const c = await provider(props);
      report(true);
      return c;
    } catch (err) {
      report(false);
      throw err;
    }
  };
}

/** The account id sts:GetCallerIdentity answers for `credentials` (an AwsAccount's check that its role works). */
export async function callerAccount(o: {
  region: string;
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}): Promise<string> {
  const sts = new STSClient({
    region: o.region,
    maxAttempts: 3,
    ...(o.endpoint !== undefined ? { endpoint: o.endpoint } : {}),
    ...(o.credentials !== undefined ? { credentials: o.credentials } : {}),
  });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Account ?? "";
  } finally {
    sts.destroy();
  }
}

/** Thrown for a `--role-arn` that is not an IAM role ARN. */
export class RoleArnError extends Error {
  override readonly name = "RoleArnError";
}

/**
 * The role the CLI's `--role-arn` / `--external-id` name (`plan`, `apply`, `destroy`, `diagnose`), assumed on
 * top of the SDK's own credentials (AWS_PROFILE and the rest of the chain); undefined without `--role-arn`.
 */
export function cliRole(roleArn: string | undefined, externalId: string | undefined): AccountTarget | undefined {
  if (roleArn === undefined) return undefined;
  if (!new RegExp(ROLE_ARN_PATTERN).test(roleArn))
    throw new RoleArnError(`--role-arn must be an IAM role ARN (arn:aws:iam::123456789012:role/NAME), got ${roleArn}`);
  return {
    name: "cli",
    roleArn,
    ...(externalId !== undefined ? { externalId } : {}),
    sessionName: "ecsnet-cli",
    durationSeconds: 3600,
  };
}
