/**
 * Read-your-writes over an eventually consistent Describe (controller-runtime's "expectations", as the
 * ReplicaSet controller keeps them): a resource this process created a moment ago may be missing from the
 * next Describe for a few seconds (EC2's eventual consistency). Planning its creation again would make a
 * second one for the resources that have no ClientToken (a security group fails on its name, an Elastic IP
 * is simply allocated twice, and a NAT gateway made with the new one is a duplicate). So a create whose
 * resource was made recently and is not observed yet is withheld, with everything that depends on it, and
 * recorded as pending: the next observe will list it.
 */
import type { Action, Plan } from "./actions.js";
import { isRef } from "./actions.js";
import type { Key } from "./model.js";

/** The action kinds that create a resource (the only ones withheld). */
export const CREATE_KINDS: ReadonlySet<Action["kind"]> = new Set([
  "CreateSecurityGroup",
  "CreateInterfaceEndpoint",
  "CreateGatewayEndpoint",
  "AllocateAddress",
  "CreateNatGateway",
]);

/** The keys an action names through Refs (results of other actions of the same plan it needs). */
function refKeys(a: Action): Key[] {
  const out: Key[] = [];
  const walk = (v: unknown): void => {
    if (isRef(v)) out.push(v.ref);
    else if (Array.isArray(v)) v.forEach(walk);
  };
  for (const v of Object.values(a)) walk(v);
  return out;
}

/**
 * `plan` without the creates of `unseen` (key → id of the resource this process created for it, not yet
 * listed by Describe) and without every action that depends on one of them, by `dependsOn` or by Ref,
 * transitively. Each withheld create becomes a pending item, so the object requeues soon instead of
 * reporting Ready. Returns `plan` itself when nothing is withheld. Pure.
 */
export function withholdUnseen(plan: Plan, unseen: ReadonlyMap<Key, string>): Plan {
  const dropped = new Set<Key>(
    plan.actions.filter((a) => CREATE_KINDS.has(a.kind) && unseen.has(a.key)).map((a) => a.key),
  );
  if (dropped.size === 0) return plan;
  for (let grew = true; grew;) {
    grew = false;
    for (const a of plan.actions) {
      if (dropped.has(a.key)) continue;
      const needs = [...(plan.dependsOn.get(a.key) ?? []), ...refKeys(a)];
      if (needs.some((k) => dropped.has(k))) {
        dropped.add(a.key);
        grew = true;
      }
    }
  }
  const pending = [...unseen]
    .filter(([k]) => dropped.has(k))
    .map(([k, id]) => ({
      key: k,
      reason: "CreatedNotYetVisible",
      message: `${id} was just created for ${k} and is not listed by Describe yet (eventual consistency)`,
    }));
  return {
    actions: plan.actions.filter((a) => !dropped.has(a.key)),
    dependsOn: new Map([...plan.dependsOn].filter(([k]) => !dropped.has(k))),
    pending: [...plan.pending, ...pending],
    blocked: plan.blocked,
  };
}
