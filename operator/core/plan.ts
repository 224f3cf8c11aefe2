/**
 * plan(desired, observed): the actions that make AWS match the desired network, as data. Pure.
 *
 * Orchestrates the per-part planners (security group → endpoints → NAT egress → tags of what exists) and
 * the VPC DNS attributes.
 * Safety rules every planner follows:
 * - never an action on a resource that is not ours (owner-uid tag), except `TagResource` (then modify)
 *   when the user asked to adopt it; anything unowned in the way is `blocked`, named, never forced;
 * - never wider than asked (security group rules are exactly the desired ones);
 * - never wait: something not usable yet is `pending`, and the controller requeues;
 * - a blocking desired issue (invalid topology or spec), or an id the spec names that is missing or another
 *   object's (core/references.ts), means no action at all.
 * `managementMode: ObserveOnly` is the controller's business (it skips apply); the plan is the same.
 */
import type { Plan } from "./actions.js";
import type { DesiredNetwork, Key, ObservedNetwork } from "./model.js";
import { key } from "./model.js";
import { Draft } from "./waves.js";
import { planSecurityGroup } from "./plan-security-group.js";
import { planInterfaceEndpoints } from "./plan-endpoints.js";
import { planGatewayEndpoint } from "./plan-gateway-endpoint.js";
import { planNat } from "./plan-nat.js";
import { missingReferences } from "./references.js";
import { planTags } from "./plan-tags.js";

/** What the DNS step tells the endpoint planner. */
export interface DnsOutcome {
  /** Keys of ModifyVpcAttribute actions that private-DNS endpoint changes must wait for. */
  readonly after: readonly Key[];
  /** True when private DNS cannot be turned on (attributes off and vpcDns is `check`). */
  readonly blocked: boolean;
}

/**
 * The plan for `desired` given `observed`. Deterministic: the same input gives the same plan, action order
 * and all. Converged (`isConverged`) exactly when AWS already matches and nothing is pending or blocked.
 */
export function plan(desired: DesiredNetwork, observed: ObservedNetwork): Plan {
  const draft = new Draft();
  const blocking = desired.issues.filter((i) => i.blocking);
  if (blocking.length > 0) {
    // An invalid topology or spec: acting on part of it could do harm (e.g. NAT in a private subnet).
    for (const i of blocking) draft.block(i.key, i.reason, i.message);
    return draft.build();
  }
  // A spec naming an id that does not exist (or is another object's) gets no action at all: zero mutations.
  const refs = missingReferences(desired, observed);
  if (refs.length > 0) {
    for (const b of refs) draft.block(b.key, b.reason, b.message, b.resourceId);
    return draft.build();
  }
  const dns = planDns(desired, observed, draft);
  const sg = planSecurityGroup(desired, observed, draft);
  planInterfaceEndpoints(desired, observed, draft, sg, dns);
  planGatewayEndpoint(desired, observed, draft);
  planNat(desired, observed, draft);
  planTags(desired, observed, draft);
  return draft.build();
}

/**
 * VPC DNS attributes, both needed for endpoint private DNS (aws-facts §3.4). `enforce`: turn them on
 * (support before hostnames: AWS refuses hostnames without support). `check`: nothing to do, but private-DNS
 * endpoints cannot be created or switched on (AWS would reject them), so that is blocked and said.
 */
function planDns(d: DesiredNetwork, o: ObservedNetwork, draft: Draft): DnsOutcome {
  const wantsPrivateDns = [...d.interfaceEndpoints.values()].some((e) => e.privateDns);
  if (o.dnsSupport && o.dnsHostnames) return { after: [], blocked: false };
  if (d.vpcDns === "check") {
    if (wantsPrivateDns) {
      const off = [!o.dnsSupport && "enableDnsSupport", !o.dnsHostnames && "enableDnsHostnames"].filter(Boolean);
      draft.block(
        "vpc:dns",
        "DnsAttributeOff",
        `${d.vpcId} has ${off.join(" and ")} off: endpoint private DNS needs both (set vpcDns: Enforce)`,
      );
    }
    return { after: [], blocked: wantsPrivateDns };
  }
  const after: Key[] = [];
  for (const attribute of ["enableDnsSupport", "enableDnsHostnames"] as const) {
    const on = attribute === "enableDnsSupport" ? o.dnsSupport : o.dnsHostnames;
    if (on) continue;
    const k = key(`vpc:${attribute}`);
    draft.add(
      {
        kind: "ModifyVpcAttribute",
        key: k,
        reason: "DnsAttributeOff",
        detail: `turn on ${attribute} of ${d.vpcId} for endpoint private DNS`,
        vpcId: d.vpcId,
        attribute,
        value: true,
      },
      after,
    );
    after.push(k);
  }
  return { after, blocked: false };
}
