/**
 * The tenant boundary of AwsAccount, as a pure function of plain data: may an object of this namespace use
 * the account it names, in this region? Decided before any AWS call (no STS either), so an object that may
 * not use an account never makes a single call in it.
 *
 * Which account an object uses ({@link chooseAccountName}): its own `spec.accountRef.name`; else the
 * `ecsnet.dev/aws-account` label of its namespace; else none (ecsnet's own credentials, as without accounts).
 *
 * What a refusal may say: the object's namespace owner reads it on the object's status and Events, and may
 * not be allowed to know anything about the account. So a refusal names the AwsAccount (the name the object
 * itself gave), the rule that refused (the spec field) and the namespace or region asked for, and never the
 * role ARN, the account id, the external id, or which other namespaces are allowed.
 */
import type { AwsAccountSpec, NamespaceSelector } from "../api/aws-account.js";

/** The namespace label naming a default AwsAccount (mirrors api/aws-account.ts NAMESPACE_ACCOUNT_LABEL). */
const NAMESPACE_LABEL = "ecsnet.dev/aws-account";

/** A namespace as the boundary sees it. */
export interface NamespaceFacts {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Everything needed to assume an account's role: plain data, the key of the cached credentials. */
export interface AccountTarget {
  /** The AwsAccount's name (or `cli` for the CLI's --role-arn): metrics label and cache key. */
  readonly name: string;
  readonly roleArn: string;
  readonly externalId?: string;
  readonly sessionName: string;
  readonly durationSeconds: number;
}

/** The reasons a boundary refusal carries (condition reasons, docs/conditions.md). */
export const AccountReason = {
  AccountNotFound: "AccountNotFound",
  AccountNotAllowed: "AccountNotAllowed",
  RegionNotAllowed: "RegionNotAllowed",
} as const;
export type AccountReason = (typeof AccountReason)[keyof typeof AccountReason];

/** The outcome: the account to use (`null`: ecsnet's own credentials), or a refusal with its reason. */
export type AccountDecision =
  | { readonly ok: true; readonly account: AccountTarget | null }
  | { readonly ok: false; readonly reason: AccountReason; readonly message: string };

/**
 * The AwsAccount an object uses: `ref` (its spec.accountRef.name) when given, else its namespace's
 * `ecsnet.dev/aws-account` label, else undefined (ecsnet's own credentials).
 */
export function chooseAccountName(ref: string | undefined, namespace: NamespaceFacts | undefined): string | undefined {
  if (ref !== undefined && ref !== "") return ref;
  const label = namespace?.labels[NAMESPACE_LABEL];
  return label === undefined || label === "" ? undefined : label;
}

/** Input of {@link decideAccount}. */
export interface AccountQuestion {
  /** The AwsAccount the object uses (see {@link chooseAccountName}); undefined: none. */
  readonly name: string | undefined;
  /** That AwsAccount's spec; undefined when it does not exist (or is being deleted). */
  readonly spec: AwsAccountSpec | undefined;
  readonly namespace: NamespaceFacts;
  readonly region: string;
}

/**
 * Decide whether the object may use the account (see module doc). Order: no account → own credentials; the
 * account must exist; the namespace must be allowed (names or selector); the region must be allowed.
 */
export function decideAccount(q: AccountQuestion): AccountDecision {
  if (q.name === undefined) return { ok: true, account: null };
  const account = `AwsAccount "${q.name}"`;
  if (q.spec === undefined)
    return {
      ok: false,
      reason: AccountReason.AccountNotFound,
      message: `${account} does not exist; a cluster admin creates AwsAccounts (docs/accounts.md)`,
    };
  const rule = q.spec.namespaces;
  const byName = (rule.names ?? []).includes(q.namespace.name);
  const bySelector = rule.selector !== undefined && selectorMatches(rule.selector, q.namespace.labels);
  if (!byName && !bySelector) {
    const rules = [
      ...(rule.names !== undefined ? ["it is not listed in spec.namespaces.names"] : []),
      ...(rule.selector !== undefined ? ["its labels do not match spec.namespaces.selector"] : []),
    ];
    const why = rules.length > 0 ? rules.join(" and ") : "spec.namespaces allows no namespace";
    return {
      ok: false,
      reason: AccountReason.AccountNotAllowed,
      message: `${account} does not allow namespace "${q.namespace.name}": ${why}; ask a cluster admin`,
    };
  }
  if (!q.spec.regions.includes(q.region))
    return {
      ok: false,
      reason: AccountReason.RegionNotAllowed,
      message: `${account} does not allow region ${q.region} (spec.regions: ${q.spec.regions.join(", ")})`,
    };
  return { ok: true, account: accountTarget(q.name, q.spec) };
}

/** The role parameters of an AwsAccount (defaults: session `ecsnet-NAME` cut to 64, 3600 s). */
export function accountTarget(name: string, spec: AwsAccountSpec): AccountTarget {
  return {
    name,
    roleArn: spec.roleArn,
    ...(spec.externalId !== undefined ? { externalId: spec.externalId } : {}),
    sessionName: spec.sessionName ?? `ecsnet-${name}`.slice(0, 64),
    durationSeconds: spec.durationSeconds ?? 3600,
  };
}

/**
 * metav1.LabelSelector semantics (apimachinery `LabelSelectorAsSelector`): every matchLabels pair and every
 * requirement must hold; an empty selector matches everything. NotIn and DoesNotExist hold for a missing key.
 */
export function selectorMatches(selector: NamespaceSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const values = e.values ?? [];
    const holds =
      e.operator === "In"
        ? has && values.includes(value!)
        : e.operator === "NotIn"
          ? !has || !values.includes(value!)
          : e.operator === "Exists"
            ? has
            : !has;
    if (!holds) return false;
  }
  return true;
}
