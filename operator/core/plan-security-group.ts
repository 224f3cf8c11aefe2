/**
 * Planner for the endpoints' security group: create it if missing, add missing rules, revoke every ingress
 * rule that is not desired (someone added 0.0.0.0/0, or a subnet left the spec): never wider than asked.
 * Egress is left as AWS creates it (allow all outbound), because endpoints only answer.
 * Given groups (`securityGroup.groupIds`) are never modified: a missing rule there is blocked and said.
 */
import type { Ref } from "./actions.js";
import type { DesiredIngressRule, DesiredNetwork, Key, ObservedNetwork, ObservedSecurityGroupRule } from "./model.js";
import { key } from "./model.js";
import { isOurs } from "./ownership.js";
import { opKey, type Draft } from "./waves.js";
import { cidrCovers } from "./cidr.js";

/**
 * What the endpoint planner needs from the security group step. Plain data; produced by
 * {@link planSecurityGroup} even when the group is blocked, so the endpoint planner can always read it.
 */
export interface SecurityGroupOutcome {
  /** The group ids endpoints must carry: literal ids, or a Ref to the group created in this plan. */
  readonly groupIds: readonly (string | Ref)[];
  /** Action keys endpoint actions must run after (the group's creation). */
  readonly after: readonly Key[];
  /** False when the group cannot be used (blocked): endpoint creates and SG changes wait. */
  readonly usable: boolean;
}

/**
 * True when an observed rule is exactly the desired one (tcp/443 from the same single source).
 * Used for our own group, where anything but an exact match is drift: a rule that also carries an IPv6 range
 * or a prefix list is not exact (it admits more), so it is revoked and the exact one authorised.
 */
export function isExactRule(o: ObservedSecurityGroupRule, d: DesiredIngressRule): boolean {
  return (
    !o.isEgress &&
    o.protocol === d.protocol &&
    o.fromPort === d.fromPort &&
    o.toPort === d.toPort &&
    o.cidr === d.cidr &&
    o.sourceSecurityGroupId === d.sourceSecurityGroupId &&
    o.ipv6Cidr === undefined &&
    o.prefixListId === undefined
  );
}

/**
 * True when an observed rule admits at least what the desired rule admits (for given groups: read, never
 * written). An all-traffic rule (`-1`) or a wider port range covers; a CIDR covers when it contains the
 * desired one; a source group must be the same group. Egress rules never cover.
 */
export function coversRule(o: ObservedSecurityGroupRule, d: DesiredIngressRule): boolean {
  if (o.isEgress) return false;
  const portOk = o.protocol === "-1" || (o.protocol === d.protocol && o.fromPort <= d.fromPort && o.toPort >= d.toPort);
  if (!portOk) return false;
  if (d.sourceSecurityGroupId) return o.sourceSecurityGroupId === d.sourceSecurityGroupId;
  return o.cidr !== undefined && d.cidr !== undefined && cidrCovers(o.cidr, d.cidr);
}

/**
 * Plan the endpoint security group; see the module doc. Returns what the endpoint planner needs: the group
 * ids (a Ref when the group is created in this plan), the keys to run after, and whether the group is usable.
 *
 * - Never plans an action on a group that is not ours: a same-name group that is not ours blocks (NotOwned)
 *   because CreateSecurityGroup would fail on the name, and given groups are only read.
 * - CreateSecurityGroup has no ClientToken, so a crash after it is survived by the deterministic name plus
 *   the owner-tag lookup here (house rule 6): the next reconcile finds the group instead of making another.
 * - The rules of a new group are authorised after its creation (by Ref); egress rules are never touched.
 * - Never admits more than desired: extra ingress rules on our group are revoked (RuleNotDesired).
 */
export function planSecurityGroup(d: DesiredNetwork, o: ObservedNetwork, draft: Draft): SecurityGroupOutcome {
  const want = d.securityGroup;
  // Ours: by owner tag and component, or by our deterministic name (a group we created always has both).
  const owned = o.securityGroups
    .filter((g) => isOurs(g, d.owner) && (g.component === want.key || g.groupName === want.groupName))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  if (want.mode === "given")
    return planGiven(
      d,
      o,
      draft,
      owned.map((g) => g.id),
    );
  // Lowest id first: if a crash ever left two, the same one is used every time.
  const sg = owned[0];
  if (!sg) {
    // Group names are unique per VPC: a same-name group that is not ours makes CreateSecurityGroup fail.
    const squatter = o.securityGroups.find((g) => g.groupName === want.groupName && !isOurs(g, d.owner));
    if (squatter) {
      draft.block(
        want.key,
        "NotOwned",
        `security group ${squatter.id} is named ${want.groupName} but is not ours: delete or rename it`,
        squatter.id,
      );
      return { groupIds: [], after: [], usable: false };
    }
    const k = draft.add({
      kind: "CreateSecurityGroup",
      key: want.key,
      reason: "Missing",
      detail: `create security group ${want.groupName} for the VPC endpoints`,
      vpcId: d.vpcId,
      groupName: want.groupName,
      description: want.description,
      tags: want.tags,
    });
    if (want.ingress.length > 0) {
      draft.add(
        {
          kind: "AuthorizeIngress",
          key: opKey(want.key, "authorize"),
          reason: "RuleMissing",
          detail: `allow tcp/443 from ${sources(want.ingress)}`,
          groupId: { ref: k },
          rules: want.ingress,
        },
        [k],
      );
    }
    return { groupIds: [{ ref: k }], after: [k], usable: true };
  }
  const ingress = sg.rules.filter((r) => !r.isEgress);
  // Exact matching: a wider rule someone added is revoked, not accepted as covering ours.
  const missing = want.ingress.filter((w) => !ingress.some((r) => isExactRule(r, w)));
  const extra = ingress.filter((r) => !want.ingress.some((w) => isExactRule(r, w)));
  // Revoke first in reading order; both are independent calls on different rules, so no dependency.
  if (extra.length > 0) {
    draft.add({
      kind: "RevokeRules",
      key: opKey(want.key, "revoke"),
      reason: "RuleNotDesired",
      detail: `revoke ${extra.length} ingress rule(s) of ${sg.id} not in the spec (${extra.map(describeRule).join(", ")})`,
      groupId: sg.id,
      ingressRuleIds: extra.map((r) => r.ruleId).sort(),
      egressRuleIds: [],
    });
  }
  if (missing.length > 0) {
    draft.add({
      kind: "AuthorizeIngress",
      key: opKey(want.key, "authorize"),
      reason: "RuleMissing",
      detail: `allow tcp/443 on ${sg.id} from ${sources(missing)}`,
      groupId: sg.id,
      rules: missing,
    });
  }
  return { groupIds: [sg.id], after: [], usable: true };
}

/**
 * Given groups: check, never change. A leftover group of ours (from before the switch) is deleted when free.
 * A given group that is missing makes the outcome unusable (endpoint creates wait); one that lacks a rule is
 * blocked with the rules to add but stays usable (the group exists, so endpoints may carry it). Our leftover
 * group is deleted only once no live endpoint carries it (EC2 refuses to delete a group in use); until the
 * endpoint planner moves the endpoints to the given groups it waits as pending.
 */
function planGiven(
  d: DesiredNetwork,
  o: ObservedNetwork,
  draft: Draft,
  ownedIds: readonly string[],
): SecurityGroupOutcome {
  const want = d.securityGroup;
  const groups = want.givenGroupIds.map((id) => o.securityGroups.find((g) => g.id === id));
  const missingGroups = want.givenGroupIds.filter((_, i) => !groups[i]);
  if (missingGroups.length > 0) {
    draft.block(
      want.key,
      "SecurityGroupNotFound",
      `security group(s) ${missingGroups.join(", ")} not found in ${d.vpcId}`,
    );
  } else {
    const rules = groups.flatMap((g) => g?.rules ?? []);
    // Given groups may be wider (e.g. the whole VPC CIDR): coverage, not equality, is what matters there.
    const uncovered = want.ingress.filter((w) => !rules.some((r) => coversRule(r, w)));
    if (uncovered.length > 0) {
      draft.block(
        want.key,
        "GivenSecurityGroupMissingRule",
        `the given security groups do not allow tcp/443 from ${sources(uncovered)}; ecsnet never changes them: add the rules`,
      );
    }
  }
  for (const id of ownedIds) {
    const users = o.endpoints.filter((e) => e.state !== "deleted" && e.securityGroupIds.includes(id));
    if (users.length > 0)
      draft.wait(
        opKey(want.key, "delete", id),
        "SecurityGroupInUse",
        `${id} is still used by ${users.map((e) => e.id).join(", ")}`,
      );
    else
      draft.add({
        kind: "DeleteSecurityGroup",
        key: opKey(want.key, "delete", id),
        reason: "NotDesired",
        detail: `delete ${id}: the spec now gives its own security groups`,
        groupId: id,
      });
  }
  return { groupIds: want.givenGroupIds, after: [], usable: missingGroups.length === 0 };
}

// The sources of rules, for messages: "10.0.1.0/24, sg-…".
const sources = (rules: readonly DesiredIngressRule[]): string =>
  rules.map((r) => r.cidr ?? r.sourceSecurityGroupId).join(", ");

// An observed rule in words, for the RevokeRules detail ("all from 0.0.0.0/0", "tcp/22-22 from sg-…").
const describeRule = (r: ObservedSecurityGroupRule): string =>
  `${r.protocol === "-1" ? "all" : `${r.protocol}/${r.fromPort}-${r.toPort}`} from ${r.cidr ?? r.ipv6Cidr ?? r.sourceSecurityGroupId ?? r.prefixListId ?? "?"}`;

/** Key of a desired rule's source, used in tests and status: `sg-rule:tcp:443:<source>`. */
export const ruleKey = (source: string): Key => key(`sg-rule:tcp:443:${source}`);
