/**
 * AwsAccount in the controllers: which account an object uses (its spec.accountRef, else its namespace's
 * `ecsnet.dev/aws-account` label), read from the informer caches as plain data for the tenant boundary
 * (core/account-access.ts), and the AwsAccount reconciler that verifies each account's role.
 */
import { Kinds } from "../api/group.js";
import { validateAwsAccountSpec, type AwsAccount, type AwsAccountStatus } from "../api/aws-account.js";
import { Reason, type Condition } from "../api/conditions.js";
import { accountTarget, chooseAccountName, type AccountTarget } from "../core/account-access.js";
import { classifyAwsError } from "../aws/errors.js";
import type { KubeClient } from "../kube/client.js";
import { done, requeueAfter, type ReconcileResult } from "../runtime/result.js";
import type { Reconcile } from "../runtime/controller.js";
import type { ObjectCache } from "./private-ecs-network.js";
import type { AccountChoice } from "./reconcile-network.js";

/** A Namespace as cached (only its labels matter). */
export interface NamespaceObject {
  readonly metadata: { readonly name?: string; readonly labels?: Readonly<Record<string, string>> };
}

/** Chooses an object's account from the caches. */
export interface AccountSource {
  /** The account choice of an object in `namespace` whose spec names `ref` (or none). */
  choose(namespace: string, ref: string | undefined): AccountChoice;
}

/** An {@link AccountSource} over the AwsAccount and Namespace informers. */
export function accountSource(
  accounts: ObjectCache<AwsAccount>,
  namespaces: ObjectCache<NamespaceObject>,
): AccountSource {
  return {
    choose(namespace, ref) {
      const ns = namespaces.get("", namespace);
      const facts = { name: namespace, labels: { ...(ns?.metadata.labels ?? {}) } };
      const name = chooseAccountName(ref, facts);
      const obj = name === undefined ? undefined : accounts.get("", name);
      // An AwsAccount being deleted is one no object may start using: as if it did not exist.
      const valid = obj && !obj.metadata.deletionTimestamp ? validateAwsAccountSpec(obj.spec) : undefined;
      return { named: { name, spec: valid?.ok ? valid.spec : undefined, namespace: facts } };
    },
  };
}

/** What verifying an account's role found: the account id GetCallerIdentity answered. */
export type VerifyRole = (account: AccountTarget, region: string) => Promise<{ accountId: string }>;

export interface AwsAccountControllerDeps {
  readonly cache: ObjectCache<AwsAccount>;
  readonly kube: KubeClient;
  /** AssumeRole with the account's parameters, then GetCallerIdentity with the credentials it gave. */
  readonly verify: VerifyRole;
  readonly now: () => Date;
  /** How often a Ready account's role is assumed again to re-verify it; default 10 minutes. */
  readonly verifyEveryMs?: number;
  /** Called when an AwsAccount is gone: release its clients and cached credentials. */
  readonly forget?: (name: string) => void;
}

const R = Kinds.AwsAccount;

/**
 * The AwsAccount reconciler: Ready when the role was assumed and GetCallerIdentity answered with the account
 * the role ARN names; Stalled (AssumeRoleFailed, AccountMismatch, InvalidSpec) otherwise. Verifies on every
 * spec change and then every `verifyEveryMs`, never on its own status writes (those arrive as watch events).
 */
export function awsAccountReconciler(deps: AwsAccountControllerDeps): Reconcile {
  const every = deps.verifyEveryMs ?? 600_000;
  return async (key, ctx): Promise<ReconcileResult> => {
    const obj = deps.cache.get("", key);
    if (!obj || obj.metadata.deletionTimestamp) {
      // Objects that named it are refused (AccountNotFound) before they ask for clients: release them.
      deps.forget?.(key);
      return done;
    }
    const generation = obj.metadata.generation ?? 1;
    const now = deps.now();
    const last = obj.status?.lastVerifiedTime ? Date.parse(obj.status.lastVerifiedTime) : NaN;
    const ready = obj.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    if (ready && obj.status?.observedGeneration === generation && now.getTime() - last < every)
      return requeueAfter(every - (now.getTime() - last));

    const v = validateAwsAccountSpec(obj.spec);
    let status: AwsAccountStatus;
    if (!v.ok) {
      const message = `the spec is invalid: ${v.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`;
      status = stalled(obj, generation, now, Reason.InvalidSpec, message);
    } else {
      const target = accountTarget(key, v.spec);
      const expected = /^arn:[^:]+:iam::(\d{12}):/.exec(v.spec.roleArn)?.[1];
      try {
        const { accountId } = await deps.verify(target, v.spec.regions[0]!);
        status =
          accountId === expected
            ? {
                observedGeneration: generation,
                accountId,
                lastVerifiedTime: now.toISOString(),
                conditions: conditions(obj, generation, now, [
                  [
                    "Ready",
                    "True",
                    Reason.RoleAssumed,
                    "the role was assumed and GetCallerIdentity matches its account",
                  ],
                  ["Stalled", "False", Reason.RoleAssumed, ""],
                ]),
              }
            : stalled(
                obj,
                generation,
                now,
                Reason.AccountMismatch,
                `GetCallerIdentity answered account ${accountId}, not the role ARN's ${expected ?? "?"}`,
              );
      } catch (err) {
        const e = classifyAwsError(err);
        ctx.logger.warn({ account: key, code: e.code }, "cannot assume the account's role");
        status = stalled(
          obj,
          generation,
          now,
          Reason.AssumeRoleFailed,
          `sts:AssumeRole failed: ${e.code}: ${e.message}`,
        );
      }
    }
    await deps.kube.patchStatus({ resource: R, name: key, status });
    const ok = status.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    // A role that cannot be assumed may be fixed in IAM (no event here): look again, slower than a Ready one.
    return requeueAfter(ok ? every : Math.min(every, 60_000));
  };
}

function stalled(obj: AwsAccount, generation: number, now: Date, reason: string, message: string): AwsAccountStatus {
  return {
    observedGeneration: generation,
    ...(obj.status?.accountId ? { accountId: obj.status.accountId } : {}),
    conditions: conditions(obj, generation, now, [
      ["Ready", "False", reason, message],
      ["Stalled", "True", reason, message],
    ]),
  };
}

/** Conditions with kstatus conventions: lastTransitionTime kept while a condition's status is unchanged. */
function conditions(
  obj: AwsAccount,
  generation: number,
  now: Date,
  next: readonly [string, "True" | "False", string, string][],
): Condition[] {
  return next.map(([type, status, reason, message]) => {
    const prev = obj.status?.conditions?.find((c) => c.type === type);
    const lastTransitionTime = prev?.status === status ? prev.lastTransitionTime : now.toISOString();
    return { type, status, reason, message, observedGeneration: generation, lastTransitionTime };
  });
}
