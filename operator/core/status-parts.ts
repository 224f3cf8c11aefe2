/**
 * Part conditions: desired compared with observed, one {@link Finding} per thing that is (not) right.
 * {@link evaluateParts} gathers every part; this module also holds the SecurityGroupReady and DnsReady
 * evaluations. EndpointsReady and S3GatewayReady come from status-endpoints.ts, EgressReady from
 * status-egress.ts. Pure: no I/O, no clock; the overlay of blocked items and failed results is done by
 * `deriveStatus` (status.ts).
 */
import { ConditionType, Reason } from "../api/conditions.js";
import type { ActionResult } from "./errors.js";
import type { DesiredNetwork, DesiredSecurityGroup, ObservedNetwork, ObservedSecurityGroupRule } from "./model.js";
import { egressFindings } from "./status-egress.js";
import { endpointFindings, s3Findings } from "./status-endpoints.js";
import { bad, byUrgency, ok, type Finding, type PartType } from "./status-findings.js";

/** How a wanted rule reads in messages (the endpoint port is always tcp/443). */
const ruleText = (r: { cidr?: string; sourceSecurityGroupId?: string }): string =>
  `tcp/443 from ${r.cidr ?? r.sourceSecurityGroupId ?? "?"}`;

/**
 * An observed ingress rule admits at least what `want` asks (protocol, port range, same source).
 * "At least": an all-traffic rule (`-1`) or a wider port range admits tcp/443 too, which is enough for a
 * given group we may not edit. Protocol "6" is tcp by number, as the API may report it. Egress rules never
 * admit. The source must match exactly: a wider CIDR is not recognised as covering a narrower one.
 */
function admits(
  r: ObservedSecurityGroupRule,
  want: { cidr?: string; sourceSecurityGroupId?: string; fromPort: number; toPort: number },
): boolean {
  const proto = r.protocol === "-1" || r.protocol === "tcp" || r.protocol === "6";
  const ports = r.protocol === "-1" || (r.fromPort <= want.fromPort && r.toPort >= want.toPort);
  const source = want.cidr ? r.cidr === want.cidr : r.sourceSecurityGroupId === want.sourceSecurityGroupId;
  return !r.isEgress && proto && ports && source;
}

/**
 * SecurityGroupReady. Every given group (spec.securityGroup.groupIds) must exist and each wanted rule must be
 * admitted by one of them; ecsnet never edits given groups, so those findings need a person. An owned
 * group must admit exactly the wanted rules: a missing rule and a rule the spec does not ask for are both
 * findings ecsnet fixes. `created` maps keys to ids created in this reconcile.
 */
function securityGroupFindings(
  d: DesiredSecurityGroup,
  o: ObservedNetwork,
  created: ReadonlyMap<string, string>,
): Finding[] {
  if (d.mode === "given") {
    const groups = o.securityGroups.filter((g) => d.givenGroupIds.includes(g.id));
    const missing = d.givenGroupIds.filter((id) => !groups.some((g) => g.id === id));
    const out = missing.map((id) =>
      bad(
        Reason.SecurityGroupMissing,
        `security group ${id} (spec.securityGroup.groupIds) does not exist in ${o.vpcId}`,
        false,
      ),
    );
    for (const want of d.ingress) {
      if (!groups.some((g) => g.rules.some((r) => admits(r, want)))) {
        out.push(
          bad(
            Reason.RuleMissing,
            `none of ${d.givenGroupIds.join(", ")} admits ${ruleText(want)}: add that rule (ecsnet does not modify given groups)`,
            false,
          ),
        );
      }
    }
    return out.length > 0 ? out : [ok(Reason.Converged, `${d.givenGroupIds.join(", ")} admit what the spec asks`)];
  }
  // Our group by its component tag; else any owned one (made before the component tag existed).
  const sg = o.securityGroups.find((g) => g.owned && g.component === d.key) ?? o.securityGroups.find((g) => g.owned);
  if (!sg) {
    const id = created.get(d.key);
    // Created in this reconcile but not observed yet (observe ran before apply): progressing, not missing.
    const what = id ? `${id} (${d.groupName}) was just created` : `security group ${d.groupName} does not exist yet`;
    return [bad(id ? Reason.Progressing : Reason.SecurityGroupMissing, what, true)];
  }
  // Our own group must match exactly: tcp with the same port range, not merely admit it (a wider rule on our
  // group is drift that plan-security-group revokes, so status must not call it converged).
  const out: Finding[] = [];
  for (const want of d.ingress) {
    if (
      !sg.rules.some(
        (r) =>
          !r.isEgress &&
          r.protocol === "tcp" &&
          r.fromPort === want.fromPort &&
          r.toPort === want.toPort &&
          admits(r, want),
      )
    ) {
      out.push(bad(Reason.RuleMissing, `${sg.id} does not admit ${ruleText(want)}`, true));
    }
  }
  // Rules nobody asked for: reported so the user sees what the planner is about to revoke (never wider than
  // asked, house style). Egress rules are not ours to judge.
  for (const r of sg.rules) {
    if (r.isEgress) continue;
    const wanted = d.ingress.some(
      (w) => r.protocol === "tcp" && r.fromPort === w.fromPort && r.toPort === w.toPort && admits(r, w),
    );
    if (!wanted) {
      const src = r.cidr ?? r.ipv6Cidr ?? r.sourceSecurityGroupId ?? r.prefixListId ?? "?";
      const ports =
        r.protocol === "-1"
          ? "all traffic"
          : `${r.protocol}/${r.fromPort === r.toPort ? r.fromPort : `${r.fromPort}-${r.toPort}`}`;
      out.push(
        bad(
          Reason.RuleNotDesired,
          `${sg.id} admits ${ports} from ${src}, which the spec does not ask for (${r.ruleId})`,
          true,
        ),
      );
    }
  }
  return out.length > 0
    ? out
    : [ok(Reason.Converged, `${sg.id} admits exactly ${d.ingress.map(ruleText).join(", ") || "nothing"}`)];
}

/**
 * DnsReady: when an endpoint uses private DNS, the VPC needs enableDnsSupport and enableDnsHostnames on.
 * The findings are progressing only with `vpcDns: Enforce` (ecsnet turns them on); otherwise the message
 * says how a person turns them on.
 * Private DNS needs both attributes on (aws-facts §3.4); without them the endpoint exists but tasks still
 * resolve the public names, which is why this is its own part instead of hiding inside EndpointsReady.
 * NotRequired (true) when no desired endpoint uses private DNS.
 */
function dnsFindings(d: DesiredNetwork, o: ObservedNetwork): Finding[] {
  const needed = [...d.interfaceEndpoints.values()].some((e) => e.privateDns);
  if (!needed) return [ok(Reason.NotRequired, "no endpoint uses private DNS")];
  const enforce = d.vpcDns === "enforce";
  const fix = (flag: string): string =>
    enforce
      ? "ecsnet is turning it on (vpcDns: Enforce)"
      : `set spec.vpcDns: Enforce, or run aws ec2 modify-vpc-attribute --vpc-id ${o.vpcId} --${flag}`;
  const out: Finding[] = [];
  if (!o.dnsSupport) {
    out.push(
      bad(
        Reason.DnsSupportDisabled,
        `${o.vpcId} has enableDnsSupport off: endpoint private DNS names do not resolve; ${fix("enable-dns-support")}`,
        enforce,
      ),
    );
  }
  if (!o.dnsHostnames) {
    out.push(
      bad(
        Reason.DnsHostnamesDisabled,
        `${o.vpcId} has enableDnsHostnames off: endpoint private DNS does not work; ${fix("enable-dns-hostnames")}`,
        enforce,
      ),
    );
  }
  return out.length > 0 ? out : [ok(Reason.Converged, `${o.vpcId} has enableDnsSupport and enableDnsHostnames on`)];
}

/**
 * Every part's findings, most urgent first, from desired vs observed (and ids created in this reconcile).
 * Returns one entry for each of the five part conditions, always in the same order, and never an empty
 * list for a part (a converged part has one ok finding). Never reads blocked items or failed results
 * beyond the ids of successful creates: deriveStatus overlays those.
 */
export function evaluateParts(
  d: DesiredNetwork,
  o: ObservedNetwork,
  results: readonly ActionResult[],
): Map<PartType, Finding[]> {
  // Action key → id for what this reconcile created: the observation predates apply, so without this a
  // fresh create would read as missing until the next reconcile.
  const created = new Map(
    results.flatMap((r) => (r.outcome === "done" && r.id ? [[r.key as string, r.id] as const] : [])),
  );
  return new Map<PartType, Finding[]>([
    [ConditionType.SecurityGroupReady, byUrgency(securityGroupFindings(d.securityGroup, o, created))],
    [ConditionType.EndpointsReady, byUrgency(endpointFindings(d, o, created))],
    [ConditionType.S3GatewayReady, byUrgency(s3Findings(d, o, created))],
    [ConditionType.EgressReady, byUrgency(egressFindings(d, o, created))],
    [ConditionType.DnsReady, byUrgency(dnsFindings(d, o))],
  ]);
}
