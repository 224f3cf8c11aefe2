/**
 * The sandbox's STS: AssumeRole and GetCallerIdentity over the Query protocol (form-encoded POST, XML answers
 * in the `https://sts.amazonaws.com/doc/2011-06-15/` namespace), as the unmodified SDK sends and parses them.
 *
 * Roles are declared by the test or the user (admin API): role ARN → account, the principals it trusts, and
 * an optional external id. AssumeRole issues temporary credentials (an `ASIA` access key id, a secret and a
 * session token, expiring); later requests signed with them act in the role's account (server.ts picks the
 * account's EC2/ECS state from the request's access key). Requests with any other key act as the sandbox's
 * base principal in the default account, as before there was an STS.
 *
 * Sources:
 * - AssumeRole: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (parameters, the
 *   900 s minimum and the role's MaxSessionDuration cap of DurationSeconds, RoleSessionName's pattern, the
 *   sample response this module renders).
 * - GetCallerIdentity: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html (the
 *   `assumed-role/ROLE/SESSION` ARN and `ROLEID:SESSION` UserId of a role session).
 * - Errors: https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html and the AssumeRole
 *   "Errors" section. A role that does not exist, does not trust the caller, or wants another external id all
 *   answer the same 403 AccessDenied "User: CALLER is not authorized to perform: sts:AssumeRole on resource:
 *   ROLE" (IAM does not tell a caller which of the three it was); ValidationError is a 400.
 */
import { createHash, randomBytes } from "node:crypto";
import { escapeXml } from "./xml.js";

export const STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";

/** A role the sandbox knows. */
export interface SandboxRole {
  /** `arn:aws:iam::ACCOUNT:role/NAME` (a path is allowed): the account is the one its sessions act in. */
  readonly arn: string;
  /**
   * Who may assume it: principal ARNs (an IAM user or role; a role also matches its sessions), account ids, or
   * `arn:aws:iam::ACCOUNT:root` (every principal of that account). Default: the sandbox's default account.
   */
  readonly trustedPrincipals?: readonly string[];
  /** When set, AssumeRole must pass exactly this ExternalId (the trust policy's sts:ExternalId condition). */
  readonly externalId?: string;
  /** The role's MaxSessionDuration in seconds (3600–43200); default 3600 as in IAM. */
  readonly maxSessionDurationSeconds?: number;
}

/** Temporary credentials the sandbox issued, and whose they are. */
export interface SandboxSession {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly accountId: string;
  readonly roleArn: string;
  readonly sessionName: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

/** What STS needs from the server. */
export interface StsDeps {
  readonly defaultAccountId: string;
  /** The ARN of the base (non-session) credentials' principal. */
  readonly baseCallerArn: string;
  readonly now: () => number;
  /**
   * Sandbox-only: credentials expire this long after they are issued, whatever DurationSeconds asked (tests of
   * refresh-before-expiry cannot wait AWS's 15-minute minimum). Default: DurationSeconds, as AWS.
   */
  readonly sessionLifetimeMs?: number;
}

/** An STS answer: HTTP status and XML body. */
export interface StsResponse {
  readonly status: number;
  readonly body: string;
}

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/** The account id of a role ARN, or undefined when it is not one. */
export function accountOfRoleArn(arn: string): string | undefined {
  return ROLE_ARN.exec(arn)?.[1];
}

/** The roles and sessions of one sandbox. */
export class Sts {
  private readonly roles = new Map<string, SandboxRole>();
  private readonly sessions = new Map<string, SandboxSession>();

  constructor(private readonly deps: StsDeps) {}

  /** Declare (or replace) a role. Throws on an ARN that is not a role ARN. */
  declareRole(role: SandboxRole): void {
    if (!ROLE_ARN.test(role.arn)) throw new Error(`not an IAM role ARN: ${role.arn}`);
    this.roles.set(role.arn, { ...role });
  }

  /** Every declared role. */
  listRoles(): SandboxRole[] {
    return [...this.roles.values()];
  }

  /** Forget every role and session. */
  reset(): void {
    this.roles.clear();
    this.sessions.clear();
  }

  /** The session an access key belongs to, expired or not; undefined for any other key. */
  session(accessKeyId: string): SandboxSession | undefined {
    return this.sessions.get(accessKeyId);
  }

  /** The caller's ARN for a request's access key. */
  callerArn(accessKeyId: string): string {
    const s = this.sessions.get(accessKeyId);
    return s ? assumedRoleArn(s) : this.deps.baseCallerArn;
  }

  /** Handle one STS Query request (`Action=...`) made with `accessKeyId`. */
  handle(params: ReadonlyMap<string, string>, accessKeyId: string, requestId: string): StsResponse {
    const action = params.get("Action") ?? "";
    if (action === "GetCallerIdentity") return this.getCallerIdentity(accessKeyId, requestId);
    if (action === "AssumeRole") return this.assumeRole(params, accessKeyId, requestId);
    return stsError("InvalidAction", `Could not find operation ${action} for version 2011-06-15`, 400, requestId);
  }

  private getCallerIdentity(accessKeyId: string, requestId: string): StsResponse {
    const s = this.sessions.get(accessKeyId);
    const arn = this.callerArn(accessKeyId);
    const account = s?.accountId ?? this.deps.defaultAccountId;
    const userId = s ? `${roleIdOf(s.roleArn)}:${s.sessionName}` : accessKeyId;
    const result =
      `<Arn>${escapeXml(arn)}</Arn><UserId>${escapeXml(userId)}</UserId>` + `<Account>${escapeXml(account)}</Account>`;
    return ok("GetCallerIdentity", result, requestId);
  }

  private assumeRole(params: ReadonlyMap<string, string>, accessKeyId: string, requestId: string): StsResponse {
    const roleArn = params.get("RoleArn") ?? "";
    const sessionName = params.get("RoleSessionName") ?? "";
    const externalId = params.get("ExternalId");
    const durationText = params.get("DurationSeconds");
    if (roleArn.length < 20 || roleArn.length > 2048)
      return validation("roleArn", roleArn, "Member must have length greater than or equal to 20", requestId);
    if (!SESSION_NAME.test(sessionName))
      return validation(
        "roleSessionName",
        sessionName,
        "Member must satisfy regular expression pattern: [\\w+=,.@-]*",
        requestId,
      );
    if (externalId !== undefined && (externalId.length < 2 || externalId.length > 1224))
      return validation("externalId", externalId, "Member must have length greater than or equal to 2", requestId);
    const duration = durationText === undefined ? 3600 : Number(durationText);
    if (!Number.isInteger(duration) || duration < 900)
      return validation(
        "durationSeconds",
        String(durationText),
        "Member must have value greater than or equal to 900",
        requestId,
      );

    const caller = this.callerArn(accessKeyId);
    const role = this.roles.get(roleArn);
    const denied = () =>
      stsError(
        "AccessDenied",
        `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        403,
        requestId,
      );
    if (!role || !trusts(role, caller, this.deps.defaultAccountId)) return denied();
    if (role.externalId !== undefined && role.externalId !== externalId) return denied();
    const max = role.maxSessionDurationSeconds ?? 3600;
    if (duration > max)
      return stsError(
        "ValidationError",
        `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`,
        400,
        requestId,
      );

    const now = this.deps.now();
    const session: SandboxSession = {
      accessKeyId: `ASIA${randomBytes(8).toString("hex").toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString("base64"),
      sessionToken: `FwoGZXIvYXdzE${randomBytes(48).toString("base64")}`,
      accountId: accountOfRoleArn(roleArn)!,
      roleArn,
      sessionName,
      expiresAt: now + (this.deps.sessionLifetimeMs ?? duration * 1000),
    };
    this.sessions.set(session.accessKeyId, session);
    const result =
      `<AssumedRoleUser><Arn>${escapeXml(assumedRoleArn(session))}</Arn>` +
      `<AssumedRoleId>${escapeXml(`${roleIdOf(roleArn)}:${sessionName}`)}</AssumedRoleId></AssumedRoleUser>` +
      `<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId>` +
      `<SecretAccessKey>${escapeXml(session.secretAccessKey)}</SecretAccessKey>` +
      `<SessionToken>${escapeXml(session.sessionToken)}</SessionToken>` +
      // AWS writes whole seconds (e.g. 2019-11-09T13:34:41Z); the SDK parses the ISO date.
      `<Expiration>${new Date(session.expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z")}</Expiration></Credentials>` +
      `<PackedPolicySize>0</PackedPolicySize>`;
    return ok("AssumeRole", result, requestId);
  }
}

/** `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION` (GetCallerIdentity of a role session). */
function assumedRoleArn(s: SandboxSession): string {
  const name = ROLE_ARN.exec(s.roleArn)?.[2] ?? "role";
  return `arn:aws:sts::${s.accountId}:assumed-role/${name}/${s.sessionName}`;
}

/** A stable `AROA...` unique id for a role ARN. */
function roleIdOf(roleArn: string): string {
  return `AROA${createHash("sha1").update(roleArn).digest("hex").slice(0, 17).toUpperCase()}`;
}

/** The role ARN a caller ARN stands for (a role session's role), else the ARN itself. */
function principalOf(callerArn: string): string {
  const m = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(callerArn);
  return m ? `arn:aws:iam::${m[1]}:role/${m[2]}` : callerArn;
}

function trusts(role: SandboxRole, callerArn: string, defaultAccount: string): boolean {
  const principal = principalOf(callerArn);
  const account = /^arn:aws:(?:iam|sts)::(\d{12}):/.exec(callerArn)?.[1];
  return (role.trustedPrincipals ?? [defaultAccount]).some(
    (t) =>
      t === principal ||
      t === callerArn ||
      (account !== undefined && (t === account || t === `arn:aws:iam::${account}:root`)),
  );
}

function ok(action: string, result: string, requestId: string): StsResponse {
  return {
    status: 200,
    body:
      `<${action}Response xmlns="${STS_XMLNS}"><${action}Result>${result}</${action}Result>` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

/** An STS error document (`ErrorResponse`, as the Query protocol's awsQuery error shape). */
export function stsError(code: string, message: string, status: number, requestId: string): StsResponse {
  const type = status >= 500 ? "Receiver" : "Sender";
  return {
    status,
    body:
      `<ErrorResponse xmlns="${STS_XMLNS}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code>` +
      `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

function validation(field: string, value: string, rule: string, requestId: string): StsResponse {
  return stsError(
    "ValidationError",
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${rule}`,
    400,
    requestId,
  );
}
