/**
 * The endpoint links of the path checks: VPC DNS (without it no private DNS name resolves), each interface
 * endpoint (exists or egress makes it optional, available, private DNS, an interface in every task AZ) and
 * the ECR endpoints' policies. Pure; `runChecks` (checks.ts) decides which of them run.
 */
import type { ObservedEndpoint } from "./model.js";
import type { Check } from "./checks.js";
import { allEgress, fail, findEndpoint, pass, symptom, uniq, type World } from "./checks-world.js";
import { ECR_PULL_ACTIONS, isAllowedByPolicy, repositoryArn } from "./ecr-policy.js";

/**
 * `vpc-dns-support` and `vpc-dns-hostnames`: both always emitted, each failing with the command that fixes it.
 * Returns exactly two checks, in that order. Endpoints support only the Amazon-provided resolver, and private
 * DNS needs both attributes on (aws-facts §3.1, §3.4); the message names the symptom a task would show so a
 * person can match it to a stopped task's reason (§3.5). Never suggests an action ecsnet would not take.
 */
export function checkVpcDns(w: World): Check[] {
  const { dnsSupport, dnsHostnames } = w.input.observed;
  const how = (attr: string): string =>
    `turn on ${attr} for ${w.vpcId} (aws ec2 modify-vpc-attribute --vpc-id ${w.vpcId} --${attr} '{"Value":true}'), or set the network's vpcDns: Enforce`;
  return [
    dnsSupport
      ? pass("vpc-dns-support", w.vpcId, "the VPC resolves DNS through the Amazon-provided resolver")
      : fail(
          "vpc-dns-support",
          w.vpcId,
          "VpcDnsSupportDisabled",
          `enableDnsSupport is off in ${w.vpcId}: tasks cannot resolve any AWS endpoint; ${symptom("ecr.api")}`,
          how("enable-dns-support"),
        ),
    dnsHostnames
      ? pass("vpc-dns-hostnames", w.vpcId, "the VPC has DNS hostnames on (private DNS of endpoints works)")
      : fail(
          "vpc-dns-hostnames",
          w.vpcId,
          "VpcDnsHostnamesDisabled",
          `enableDnsHostnames is off in ${w.vpcId}: endpoint private DNS names do not resolve, so traffic goes to the public service names (through a NAT gateway if there is one, else ${symptom("ecr.api")})`,
          how("enable-dns-hostnames"),
        ),
  ];
}

/**
 * `endpoint:<short>` and, when the endpoint is available, `endpoint-private-dns:<short>` and (with task
 * subnets) `endpoint-az:<short>`. A missing endpoint passes when every task subnet has internet egress.
 * `why` says which workload needs the service.
 *
 * Returns 1 to 3 checks, in the order of the path a task's request takes: the endpoint exists, then its DNS
 * name, then an interface in the task's AZ. Later links are not checked while an earlier one fails (their
 * fix would be moot). Only Interface endpoints are looked at; `s3` is checked by checkS3.
 */
export function checkInterfaceEndpoint(w: World, short: string, why: string): Check[] {
  const name = `endpoint:${short}`;
  const ep = findEndpoint(w, short, "Interface");
  const svc = `com.amazonaws.${w.region}.${short}`;
  // No endpoint is fine when every task subnet reaches the internet: the public service name works through
  // NAT (at NAT cost). It fails only when neither path exists, with the symptom from aws-facts §3.5.
  if (!ep) {
    const eg = allEgress(w);
    if (eg.ok)
      return [pass(name, undefined, `no ${short} endpoint; ${why}: traffic goes out through ${eg.via.join(", ")}`)];
    return [
      fail(
        name,
        w.vpcId,
        "EndpointMissing",
        `no ${short} interface endpoint in ${w.vpcId} and no internet egress (${why}): ${symptom(short)}`,
        `create an interface endpoint for ${svc} in the task subnets' AZs with private DNS on (or add "${short}" to the PrivateEcsNetwork's endpoints.extra)`,
      ),
    ];
  }
  // Pending fixes itself (wait); any other non-available state (failed, rejected, deleting) does not.
  if (ep.state !== "available") {
    const pending = ep.state === "pending" || ep.state === "pendingAcceptance";
    return [
      fail(
        name,
        ep.id,
        pending ? "EndpointPending" : "EndpointNotAvailable",
        `the ${short} endpoint ${ep.id} is ${ep.state}: ${symptom(short)}`,
        pending
          ? `wait until ${ep.id} is available (a few minutes)`
          : `delete ${ep.id} and create a new ${svc} endpoint`,
      ),
    ];
  }
  const out: Check[] = [pass(name, ep.id, `${ep.id} is available (${why})`)];
  // Private DNS off: the endpoint exists but tasks resolve the public name, so the endpoint is bypassed.
  // With egress that is only cost; without it the task fails as if the endpoint were missing (§3.4).
  if (!ep.privateDns) {
    const eg = allEgress(w);
    out.push(
      fail(
        `endpoint-private-dns:${short}`,
        ep.id,
        "EndpointPrivateDnsDisabled",
        eg.ok
          ? `private DNS is off on ${ep.id}: tasks still resolve the public ${short} name, so traffic (and cost) goes out through ${eg.via.join(", ")}`
          : `private DNS is off on ${ep.id}: tasks resolve the public ${short} name and ${symptom(short)}`,
        `enable private DNS on ${ep.id} (aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${ep.id} --private-dns-enabled)`,
      ),
    );
  } else {
    out.push(pass(`endpoint-private-dns:${short}`, ep.id, `private DNS is on for ${ep.id}`));
  }
  // AZ coverage: an interface endpoint is reachable from every AZ, but a task whose AZ has none depends on
  // another AZ being up, so this is reported as a resilience failure, not as unreachable.
  const epAzs = new Set(ep.subnetIds.flatMap((id) => w.subnets.get(id)?.az ?? []));
  // An AZ where the service is not offered cannot get an endpoint subnet: cross-AZ there is unavoidable.
  const offered = w.input.topology.services.find((s) => s.shortName === short && s.type === "Interface")?.azs;
  const uncovered = w.taskSubnets.filter((s) => !epAzs.has(s.az) && (!offered || offered.includes(s.az)));
  if (w.taskSubnets.length > 0) {
    out.push(
      uncovered.length === 0
        ? pass(`endpoint-az:${short}`, ep.id, `${ep.id} has a network interface in every task subnet's AZ`)
        : fail(
            `endpoint-az:${short}`,
            ep.id,
            "EndpointNotInAz",
            `${ep.id} has no subnet in ${uniq(uncovered.map((s) => s.az)).join(", ")} (task subnets ${uncovered.map((s) => s.id).join(", ")}): tasks there cross AZs and fail when the endpoint's AZ is down`,
            `add a subnet in ${uniq(uncovered.map((s) => s.az)).join(", ")} to ${ep.id} (aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${ep.id} --add-subnet-ids ${uncovered[0]?.id ?? ""})`,
          ),
    );
  }
  return out;
}

/**
 * `endpoint-policy:<short>` for an available ECR endpoint: its policy must allow ecr:GetAuthorizationToken
 * and pulling every repository used (repositories of unknown account are skipped: nothing provable).
 *
 * Returns one check. A null policy (AWS's full-access default) passes. GetAuthorizationToken is checked on
 * "*" because it names no repository. Only reports a denial it can prove from the document: it never claims
 * a pull works, since IAM on the task role still applies after the endpoint policy (aws-facts §3.3).
 */
export function checkEcrPolicy(w: World, short: "ecr.api" | "ecr.dkr", ep: ObservedEndpoint): Check {
  const name = `endpoint-policy:${short}`;
  const denied: string[] = [];
  if (!isAllowedByPolicy(ep.policy, "ecr:GetAuthorizationToken", "*")) denied.push("ecr:GetAuthorizationToken on *");
  for (const repo of w.input.needs.repositories) {
    if (repo.account === "*") continue; // unknown account: cannot prove a denial
    const arn = repositoryArn(repo);
    for (const a of ECR_PULL_ACTIONS) if (!isAllowedByPolicy(ep.policy, a, arn)) denied.push(`${a} on ${arn}`);
  }
  return denied.length === 0
    ? pass(name, ep.id, `the policy of ${ep.id} allows pulling every image used`)
    : fail(
        name,
        ep.id,
        "EndpointPolicyDenies",
        `the policy of ${ep.id} does not allow ${denied.join(", ")}: tasks will fail with CannotPullContainerError: API error (403) ... not authorized`,
        `allow ${denied.join(", ")} in the policy of ${ep.id} (or set restrictEndpointPolicies on an EcrAccess naming these repositories)`,
      );
}
