/**
 * The path checks of `ecsnet diagnose` and of the EcrAccess status: pure functions over the observed
 * world that say, link by link, whether ECS tasks in the task subnets can reach everything they need
 * (design.md, "the problem it solves"). No I/O, no clock.
 *
 * Each {@link Check} names one link, the resource involved, and, when it fails, the fix in plain words
 * and the exact error users see. A check whose precondition is missing is not emitted (e.g. no private
 * DNS check for an endpoint that does not exist), so a world wrong in one way fails exactly one check.
 * When the task subnets have working internet egress (NAT), a missing endpoint is not a failure: the
 * traffic goes through the NAT gateway. Endpoints that exist but are unusable (no private DNS, wrong
 * security group, ...) still fail, because then traffic and cost silently leave through the NAT.
 *
 * This module is the contract and the order ({@link runChecks}); the links live in checks-endpoints.ts,
 * checks-security-groups.ts and checks-routes.ts, their shared lookups in checks-world.ts, and the
 * EcrAccess status built from the results in ecr-access-status.ts.
 */
import type { DesiredNetwork, ObservedEndpoint, ObservedNetwork, ObservedSecurityGroup, Topology } from "./model.js";
import { checkEcrPolicy, checkInterfaceEndpoint, checkVpcDns } from "./checks-endpoints.js";
import { checkEgress, checkS3 } from "./checks-routes.js";
import { checkEndpointSecurityGroups, checkTaskEgress } from "./checks-security-groups.js";
import { buildWorld, findEndpoint, shortNameOf, uniq } from "./checks-world.js";
import type { WorkloadNeeds } from "./workload-needs.js";

export { cidrCovers } from "./cidr.js";

/** One link of the path. `ok: false` always comes with a `fix`. */
export interface Check {
  /** Stable identifier, e.g. `endpoint:ecr.dkr`, `s3-route:rtb-0abc`, `vpc-dns-hostnames`. */
  readonly name: string;
  readonly ok: boolean;
  /** The AWS resource the check is about (`vpc-…`, `vpce-…`, `rtb-…`, `sg-…`, `nat-…`, `subnet-…`). */
  readonly resource?: string;
  /** What was found, in plain words; failures quote the error tasks will show. */
  readonly message: string;
  /** What to change, in plain words (failures only). */
  readonly fix?: string;
  /** PascalCase fact for conditions, e.g. `EndpointMissing`, `RouteBlackholed`. */
  readonly reason: string;
}

/** Everything the checks read. */
export interface CheckInput {
  readonly topology: Topology;
  readonly observed: ObservedNetwork;
  /** What the workloads need; `taskSubnets` are the subnets checked (empty → nothing subnet-specific). */
  readonly needs: WorkloadNeeds;
  /** The network's desired state when ecsnet manages it: NAT egress wanted → egress routes are checked. */
  readonly network?: DesiredNetwork;
  /** `EC2` adds the `ecs`, `ecs-agent`, `ecs-telemetry` endpoints to the needs. */
  readonly launchType?: "FARGATE" | "EC2";
  /**
   * Task subnets to check when `needs.taskSubnets` is empty (an EcrAccess naming repositories, or services
   * not in awsvpc mode): typically the network's private subnets.
   */
  readonly fallbackTaskSubnets?: readonly string[];
  /** Security groups with their rules (endpoint SGs and task SGs) beyond `observed.securityGroups`. */
  readonly securityGroups?: readonly ObservedSecurityGroup[];
}

/**
 * Run every check that applies to the input, in a fixed order: VPC DNS, interface endpoints (existence,
 * private DNS, AZ coverage), endpoint security groups, task security group egress, ECR endpoint
 * policies, S3 gateway (existence, routes, policy), internet egress. Pure and deterministic.
 */
export function runChecks(input: CheckInput): Check[] {
  const w = buildWorld(input);
  const ec2 = input.launchType === "EC2" ? ["ecs", "ecs-agent", "ecs-telemetry"] : [];
  const needed = uniq([...input.needs.endpoints, ...ec2])
    .filter((e) => e !== "s3")
    .sort();
  const reason = (e: string): string => input.needs.reasons[e] ?? "EC2 container instances register with the cluster";
  const out: Check[] = [...checkVpcDns(w)];
  const present: ObservedEndpoint[] = [];
  for (const e of needed) {
    out.push(...checkInterfaceEndpoint(w, e, reason(e)));
    const ep = findEndpoint(w, e, "Interface");
    if (ep?.state === "available") present.push(ep);
  }
  out.push(...checkEndpointSecurityGroups(w, present));
  const s3Needed = input.needs.endpoints.includes("s3");
  const s3Gw = findEndpoint(w, "s3", "Gateway");
  out.push(...checkTaskEgress(w, present, s3Needed && s3Gw?.state === "available"));
  for (const ep of present) {
    const short = shortNameOf(ep.serviceName, w.region);
    if (short === "ecr.api" || short === "ecr.dkr") out.push(checkEcrPolicy(w, short, ep));
  }
  const ecrPresent = present.some((e) => /\.ecr\.(api|dkr)$/.test(e.serviceName));
  if (s3Needed) out.push(...checkS3(w, ecrPresent));
  out.push(...checkEgress(w));
  return out;
}

/** The first failing check, or undefined when all pass (for the Ready/PathVerified condition reason). */
export const firstFailure = (checks: readonly Check[]): Check | undefined => checks.find((c) => !c.ok);
