/**
 * apply: run a plan's actions against EC2 in dependency waves (`core/waves.ts`), waves in order, the
 * actions of a wave in parallel. Refs resolve to ids created by earlier waves; an action whose dependency
 * (or Ref) did not succeed is `skipped`; an action on an existing resource is re-checked for ownership
 * first (`apply-guard.ts`). Errors are classified once, here. Never waits for a NAT gateway or endpoint to
 * become available: the next observe sees `pending` and the controller requeues.
 */
import pRetry from "p-retry";
import type { Action, Plan, Ref } from "../core/actions.js";
import { isRef } from "../core/actions.js";
import type { ActionResult, ClassifiedError } from "../core/errors.js";
import type { Key } from "../core/model.js";
import { waves } from "../core/waves.js";
import { executeAction } from "./apply-action.js";
import type { ApplyContext } from "./apply-guard.js";
import { guardAction } from "./apply-guard.js";
import type { Ec2Port } from "./ec2-port.js";
import { classifyAwsError } from "./errors.js";

export type { ApplyContext } from "./apply-guard.js";

/** Options of {@link apply} besides the context. */
export interface ApplyOptions {
  /**
   * Retries of an action that uses an id created earlier in this apply and is told it does not exist (EC2's
   * eventual consistency: a new group or address can be unknown to the next call for a moment). Default
   * 4 retries from 250 ms doubling (about 4 s at most). This is not waiting for a resource to be available.
   */
  readonly consistencyRetry?: { readonly retries: number; readonly minTimeoutMs: number };
  /**
   * Aborted when the reconcile must stop (leadership lost, shutting down): no action starts after that, so at
   * most the calls already in flight finish. Unstarted actions fail with the retryable code `Aborted`.
   */
  readonly signal?: AbortSignal;
}

const DEFAULT_CONSISTENCY_RETRY = { retries: 4, minTimeoutMs: 250 };

const ABORTED: ClassifiedError = {
  class: "retryable",
  code: "Aborted",
  message: "not started: the reconcile was stopped (leadership lost or shutting down)",
};

/** Every {@link Ref} an action holds (they name actions of the same plan whose result id they need). */
export function refsOf(a: Action): Ref[] {
  const vals: unknown[] = [];
  switch (a.kind) {
    case "AuthorizeIngress":
      vals.push(a.groupId);
      break;
    case "CreateInterfaceEndpoint":
      vals.push(...a.securityGroupIds);
      break;
    case "ModifyInterfaceEndpoint":
      vals.push(...a.addSecurityGroupIds);
      break;
    case "CreateNatGateway":
      vals.push(a.allocationId);
      break;
    case "CreateRoute":
    case "ReplaceRoute":
      vals.push(a.natGatewayId);
      break;
    default:
      break;
  }
  return vals.filter(isRef);
}

const unresolved = (ref: Key): ClassifiedError => ({
  class: "terminal",
  code: "UnresolvedRef",
  message: `cannot resolve ${ref}: no action of this plan produced it`,
});

/**
 * Apply `plan` and return one result per action, in `plan.actions` order:
 * - `done` (with the id created or worked on) when EC2 accepted it or the outcome was benign (already gone on
 *   delete, rule already present, route already to the wanted NAT gateway);
 * - `failed` with a {@link ClassifiedError}: an AWS error, `NotOwned` (refused by the ownership re-check),
 *   `RouteChanged` (the route is no longer what the plan saw), `UnresolvedRef` (a planner bug);
 * - `skipped` when an action it depends on (by `dependsOn` or by Ref) did not succeed.
 * Never throws for AWS errors; throws `PlanCycleError` for a cyclic plan (a planner bug).
 */
export async function apply(
  ec2: Ec2Port,
  plan: Plan,
  ctx: ApplyContext,
  opts: ApplyOptions = {},
): Promise<ActionResult[]> {
  const retry = opts.consistencyRetry ?? DEFAULT_CONSISTENCY_RETRY;
  const results = new Map<Key, ActionResult>();
  const present = new Set(plan.actions.map((a) => a.key));
  const idOf = (v: string | Ref): string => {
    if (!isRef(v)) return v;
    const r = results.get(v.ref);
    return r?.outcome === "done" && r.id !== undefined ? r.id : "";
  };

  const runOne = async (a: Action): Promise<ActionResult> => {
    // Another instance may lead by now: never start a mutation after the reconcile was told to stop.
    if (opts.signal?.aborted) return { key: a.key, outcome: "failed", error: ABORTED };
    const deps = (plan.dependsOn.get(a.key) ?? []).filter((d) => present.has(d));
    for (const d of [...deps, ...refsOf(a).map((r) => r.ref)]) {
      const r = results.get(d);
      if (r === undefined && !present.has(d)) return { key: a.key, outcome: "failed", error: unresolved(d) };
      if (r?.outcome !== "done") return { key: a.key, outcome: "skipped", because: d };
      if (r.id === undefined && refsOf(a).some((x) => x.ref === d)) {
        return { key: a.key, outcome: "failed", error: unresolved(d) };
      }
    }
    const refused = guardAction(a, ctx);
    if (refused !== null) return { key: a.key, outcome: "failed", error: refused };
    // Only an id this apply just created can be "not found" for a moment; anything else is really gone.
    const fresh = refsOf(a).length > 0;
    try {
      const done = await pRetry(() => executeAction(ec2, a, idOf, ctx.observed.vpcId), {
        retries: fresh ? retry.retries : 0,
        minTimeout: retry.minTimeoutMs,
        factor: 2,
        shouldRetry: ({ error }) => classifyAwsError(error).class === "notFound",
      });
      return done.id !== undefined && done.id !== ""
        ? { key: a.key, outcome: "done", id: done.id }
        : { key: a.key, outcome: "done" };
    } catch (err) {
      return { key: a.key, outcome: "failed", error: classifyAwsError(err) };
    }
  };

  // Refs are dependencies too, whether or not the planner also declared them in dependsOn.
  const dependsOn = new Map(plan.dependsOn);
  for (const a of plan.actions) {
    const refs = refsOf(a).map((r) => r.ref);
    if (refs.length > 0) dependsOn.set(a.key, [...(plan.dependsOn.get(a.key) ?? []), ...refs]);
  }
  for (const wave of waves({ ...plan, dependsOn })) {
    const settled = await Promise.all(wave.map(runOne));
    for (const r of settled) results.set(r.key, r);
  }
  return plan.actions.flatMap((a) => results.get(a.key) ?? []);
}
