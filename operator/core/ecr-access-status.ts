/**
 * EcrAccess status: needs + checks → the status subresource (pure; the controller writes it).
 * Conditions follow kstatus like the PrivateEcsNetwork's: Ready, PathVerified, and Stalled (abnormal-true).
 */
import type { Condition } from "../api/conditions.js";
import type { EcrAccessStatus } from "../api/ecr-access.js";
import { firstFailure, type Check } from "./checks.js";
import { setCondition } from "./conditions.js";
import type { WorkloadNeeds } from "./workload-needs.js";

/** What {@link deriveEcrAccessStatus} summarises. */
export interface EcrAccessStatusInput {
  /** metadata.generation of the EcrAccess. */
  readonly generation: number;
  /** ISO-8601 now (for lastTransitionTime). */
  readonly now: string;
  /** What the workloads need; null/absent keeps the previous status's lists (e.g. discovery failed). */
  readonly needs?: WorkloadNeeds | null;
  /** The path checks; null/absent when they could not run (then PathVerified is Unknown). */
  readonly checks?: readonly Check[] | null;
  /** When discovery read the ECS services (ISO-8601); absent keeps the previous value. */
  readonly discoveredAt?: string;
  /**
   * Something that stopped the checks: invalid spec, the referenced network missing, the cluster missing
   * (`stalled: true`: a person must act), or an AWS error (`stalled: false`: retried).
   */
  readonly problem?: { readonly reason: string; readonly message: string; readonly stalled: boolean };
}

/**
 * The EcrAccess status: Ready / PathVerified / Stalled conditions (kstatus: Stalled abnormal-true, Ready
 * published False early) plus checks, requiredEndpoints, images, taskSubnets, taskSecurityGroups. When a check
 * fails, Ready and PathVerified are False with the first failing check's reason and `name: message`.
 * lastTransitionTime is kept for conditions whose status is unchanged. Pure; never mutates `prev`.
 */
export function deriveEcrAccessStatus(prev: EcrAccessStatus | undefined, input: EcrAccessStatusInput): EcrAccessStatus {
  const g = input.generation;
  const set = (list: Condition[], type: string, status: Condition["status"], reason: string, message: string) =>
    setCondition(
      list,
      { type, status, reason, message, observedGeneration: g } as Omit<Condition, "lastTransitionTime">,
      input.now,
    );
  let conditions: Condition[] = [...(prev?.conditions ?? [])];
  const checks = input.checks ?? null;
  const failure = checks ? firstFailure(checks) : undefined;
  if (input.problem) {
    const { reason, message, stalled } = input.problem;
    conditions = set(conditions, "Ready", "False", reason, message);
    conditions = set(conditions, "PathVerified", "Unknown", reason, `checks did not run: ${message}`);
    conditions = set(
      conditions,
      "Stalled",
      stalled ? "True" : "False",
      stalled ? reason : "Progressing",
      stalled ? message : "retrying",
    );
  } else if (!checks) {
    conditions = set(conditions, "Ready", "False", "Progressing", "checks have not run yet");
    conditions = set(conditions, "PathVerified", "Unknown", "Progressing", "checks have not run yet");
    conditions = set(conditions, "Stalled", "False", "Progressing", "");
  } else if (failure) {
    const message = `${failure.name}: ${failure.message}${failure.fix ? ` (fix: ${failure.fix})` : ""}`;
    conditions = set(conditions, "PathVerified", "False", failure.reason, message);
    conditions = set(conditions, "Ready", "False", failure.reason, message);
    conditions = set(conditions, "Stalled", "False", "Progressing", "");
  } else {
    const message = `all ${checks.length} checks pass`;
    conditions = set(conditions, "PathVerified", "True", "Verified", message);
    conditions = set(conditions, "Ready", "True", "Verified", message);
    conditions = set(conditions, "Stalled", "False", "Verified", "");
  }
  const needs = input.needs ?? null;
  return {
    ...prev,
    observedGeneration: g,
    conditions,
    ...(checks ? { checks: checks.map((c) => ({ ...c })) } : {}),
    ...(needs
      ? {
          requiredEndpoints: [...needs.endpoints],
          images: needs.images.map((i) => ({
            image: i.image,
            registry: i.registry,
            ...(i.repository ? { repository: i.repository } : {}),
            ...(i.account ? { account: i.account } : {}),
            ...(i.region ? { region: i.region } : {}),
          })),
          taskSubnets: [...needs.taskSubnets],
          taskSecurityGroups: [...needs.taskSecurityGroups],
        }
      : {}),
    ...(input.discoveredAt ? { lastDiscoveryTime: input.discoveredAt } : {}),
  };
}
