/**
 * The security-group links of the path checks: each endpoint security group must admit tcp/443 from every
 * task subnet (or the task security group), and the task security groups must allow tcp/443 out to every
 * endpoint (and S3). A check is emitted only when the rules were read: otherwise nothing is provable.
 * Pure; `runChecks` (checks.ts) calls them.
 */
import type { ObservedEndpoint, ObservedSecurityGroupRule } from "./model.js";
import type { Check } from "./checks.js";
import { cidrCovers } from "./cidr.js";
import { covers443, fail, pass, shortNameOf, symptom, uniq, type World } from "./checks-world.js";

/**
 * `endpoint-sg:<sg>` per security group on the available `endpoints`: an endpoint with several groups admits
 * what any of them admits; it fails naming the task subnets it does not admit.
 *
 * Endpoints need inbound tcp/443 from the task subnets (aws-facts §3.1). A task subnet counts as admitted
 * when a rule's CIDR covers the whole subnet, or a rule names a task security group as its source. Emits
 * nothing for a group whose rules were not read, or when the task subnets are unknown: a check that cannot be
 * proven is left out rather than reported as passing or failing. Sorted by group id.
 */
export function checkEndpointSecurityGroups(w: World, endpoints: readonly ObservedEndpoint[]): Check[] {
  const taskSgs = new Set(w.input.needs.taskSecurityGroups);
  const out: Check[] = [];
  for (const sgId of uniq(endpoints.flatMap((e) => e.securityGroupIds)).sort()) {
    const sg = w.sgs.get(sgId);
    if (!sg || w.taskSubnets.length === 0) continue; // rules not read: nothing provable
    // The endpoints this group is on: the message names them, and the verdict covers each of them.
    const users = endpoints.filter((e) => e.securityGroupIds.includes(sgId));
    // An endpoint with several SGs admits what any of them admits.
    const rulesOf = (e: ObservedEndpoint): ObservedSecurityGroupRule[] =>
      e.securityGroupIds.flatMap((id) => w.sgs.get(id)?.rules ?? []).filter((r) => !r.isEgress && covers443(r));
    const blocked = w.taskSubnets.filter((s) =>
      users.some(
        (e) =>
          !rulesOf(e).some(
            (r) =>
              (r.cidr !== undefined && cidrCovers(r.cidr, s.cidr)) ||
              (r.sourceSecurityGroupId !== undefined && taskSgs.has(r.sourceSecurityGroupId)),
          ),
      ),
    );
    const names = users.map((e) => shortNameOf(e.serviceName, w.region)).join(", ");
    out.push(
      blocked.length === 0
        ? pass(`endpoint-sg:${sgId}`, sgId, `${sgId} admits tcp/443 from every task subnet (${names})`)
        : fail(
            `endpoint-sg:${sgId}`,
            sgId,
            "EndpointSecurityGroupBlocks",
            `${sgId} (on the ${names} endpoints) does not admit tcp/443 from ${blocked.map((s) => `${s.id} ${s.cidr}`).join(", ")}: DNS resolves but the connection hangs; ${symptom("ecr.api")}`,
            `allow inbound tcp/443 on ${sgId} from ${blocked.map((s) => s.cidr).join(", ")}${taskSgs.size ? ` or from the task security group ${[...taskSgs][0]}` : ""}`,
          ),
    );
  }
  return out;
}
/**
 * `task-sg-egress`: at most one check, when every task security group was read. `s3Needed` adds S3, reached
 * through a prefix list or 0.0.0.0/0.
 *
 * The task ENI's security group must allow traffic to the endpoints (aws-facts §3.1, platform-linux-fargate).
 * An endpoint counts as reachable when an egress rule targets one of its security groups, or a CIDR covering
 * every subnet it sits in. Returns [] when any task group was not read (a missing rule could be on it).
 * S3 is reached through the gateway's prefix-list route, so a prefix-list rule or 0.0.0.0/0 is accepted
 * without checking which prefix list it names (an approximation that never reports a false failure).
 */
export function checkTaskEgress(w: World, endpoints: readonly ObservedEndpoint[], s3Needed: boolean): Check[] {
  const taskSgIds = w.input.needs.taskSecurityGroups;
  const taskSgs = taskSgIds.flatMap((id) => w.sgs.get(id) ?? []);
  if (taskSgIds.length === 0 || taskSgs.length !== taskSgIds.length) return []; // unknown: nothing provable
  const egress = taskSgs.flatMap((g) => g.rules).filter((r) => r.isEgress && covers443(r));
  const blocked: string[] = [];
  for (const e of endpoints) {
    const cidrs = e.subnetIds.flatMap((id) => w.subnets.get(id)?.cidr ?? []);
    const ok = egress.some(
      (r) =>
        (r.sourceSecurityGroupId !== undefined && e.securityGroupIds.includes(r.sourceSecurityGroupId)) ||
        (r.cidr !== undefined && cidrs.length > 0 && cidrs.every((c) => cidrCovers(r.cidr as string, c))),
    );
    if (!ok) blocked.push(shortNameOf(e.serviceName, w.region));
  }
  if (s3Needed && !egress.some((r) => r.prefixListId !== undefined || r.cidr === "0.0.0.0/0")) blocked.push("s3");
  const res = taskSgIds.join(",");
  return [
    blocked.length === 0
      ? pass("task-sg-egress", res, `the task security groups allow tcp/443 out to every endpoint`)
      : fail(
          "task-sg-egress",
          res,
          "TaskSecurityGroupBlocksEgress",
          `the task security group ${res} does not allow tcp/443 out to ${blocked.join(", ")}: ${symptom(blocked[0] ?? "ecr.api")}`,
          `add an outbound rule on ${taskSgIds[0] ?? res} allowing tcp/443 to ${blocked.includes("s3") ? "0.0.0.0/0 or the S3 prefix list" : `the endpoint security group ${endpoints[0]?.securityGroupIds[0] ?? ""}`}`,
        ),
  ];
}
