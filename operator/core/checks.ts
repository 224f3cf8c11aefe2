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
 */
import type {
  DesiredNetwork,
  ObservedEndpoint,
  ObservedNetwork,
  ObservedSecurityGroup,
  ObservedSecurityGroupRule,
  RouteTableInfo,
  SubnetInfo,
  Topology,
} from "./model.js";
import type { Condition } from "../api/conditions.js";
import type { EcrAccessStatus } from "../api/ecr-access.js";
import { setCondition } from "./conditions.js";
import { ECR_PULL_ACTIONS, isAllowedByPolicy, layerBucketArn, repositoryArn } from "./ecr-policy.js";
import type { WorkloadNeeds } from "./workload-needs.js";

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

/** The error users see when an endpoint is missing (aws-facts §3.5; design.md symptom table). */
const SYMPTOM: Record<string, string> = {
  "ecr.api":
    "tasks will fail with ResourceInitializationError: unable to pull secrets or registry auth: ... dial tcp ...:443: i/o timeout",
  "ecr.dkr":
    "tasks will fail with CannotPullContainerError: ... request canceled while waiting for connection (context canceled)",
  s3: "tasks will fail with CannotPullContainerError: ... request canceled while waiting for connection; image layers never arrive",
  logs: "tasks will fail with ResourceInitializationError: failed to validate logger args",
  secretsmanager:
    "tasks will fail with ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm ... context deadline exceeded",
  ssm: "tasks will fail with ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm ... context deadline exceeded",
  kms: "secrets or ECS Exec sessions encrypted with a customer managed KMS key will fail to decrypt",
  ssmmessages:
    "ECS Exec will fail with TargetNotConnectedException: The execute command failed due to an internal error",
  ecs: "EC2 container instances will never register with the cluster (agent disconnected)",
  "ecs-agent": "EC2 container instances will never register with the cluster (agent disconnected)",
  "ecs-telemetry": "EC2 container instances will not send metrics (agent telemetry times out)",
};
const symptom = (e: string): string => SYMPTOM[e] ?? `calls to ${e} from the tasks will time out`;

// ---------------------------------------------------------------------------------------------
// Small helpers over plain data.
// ---------------------------------------------------------------------------------------------

/** IPv4 CIDR → [network, prefix], or null when not IPv4. */
function parseCidr(cidr: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return null;
  const ip = m.slice(1, 5).reduce((acc, o) => acc * 256 + Number(o), 0);
  return [ip, Number(m[5])];
}

/** True when `outer` contains every address of `inner`. */
export function cidrCovers(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (!o || !i || i[1] < o[1]) return false;
  const size = 2 ** (32 - o[1]);
  return Math.floor(o[0] / size) === Math.floor(i[0] / size);
}

/** Does the rule admit tcp/443? (`-1` = all protocols and ports.) */
const covers443 = (r: ObservedSecurityGroupRule): boolean =>
  r.protocol === "-1" || ((r.protocol === "tcp" || r.protocol === "6") && r.fromPort <= 443 && r.toPort >= 443);

/** The endpoint service short name of a full service name (`com.amazonaws.us-east-1.ecr.dkr` → `ecr.dkr`). */
function shortNameOf(serviceName: string, region: string): string {
  const i = serviceName.indexOf(`.${region}.`);
  return i >= 0 ? serviceName.slice(i + region.length + 2) : serviceName;
}

/** The world's lookups, built once per run. */
interface World {
  readonly region: string;
  readonly vpcId: string;
  readonly subnets: ReadonlyMap<string, SubnetInfo>;
  readonly tables: ReadonlyMap<string, RouteTableInfo>;
  readonly sgs: ReadonlyMap<string, ObservedSecurityGroup>;
  readonly taskSubnets: readonly SubnetInfo[];
  readonly input: CheckInput;
}

function buildWorld(input: CheckInput): World {
  const { topology, observed } = input;
  const subnets = new Map(topology.subnets.map((s) => [s.id, s]));
  // Route tables read by observe() are fresher than the topology's.
  const tables = new Map([...topology.routeTables, ...observed.routeTables].map((t) => [t.id, t]));
  const sgs = new Map([...observed.securityGroups, ...(input.securityGroups ?? [])].map((g) => [g.id, g]));
  const ids = input.needs.taskSubnets.length ? input.needs.taskSubnets : (input.fallbackTaskSubnets ?? []);
  const taskSubnets = [...new Set(ids)].sort().flatMap((id) => subnets.get(id) ?? []);
  return { region: topology.region, vpcId: topology.vpcId, subnets, tables, sgs, taskSubnets, input };
}

/** The best observed endpoint for a short name: available first, then any not being deleted. */
function findEndpoint(w: World, short: string, type: "Interface" | "Gateway"): ObservedEndpoint | undefined {
  const all = w.input.observed.endpoints.filter(
    (e) => e.type === type && shortNameOf(e.serviceName, w.region) === short && e.state !== "deleted",
  );
  return all.find((e) => e.state === "available") ?? all.find((e) => e.state !== "deleting") ?? all[0];
}

/** Internet egress of a subnet through its effective route table's 0.0.0.0/0 route. */
interface Egress {
  readonly ok: boolean;
  readonly via?: string;
  readonly problem?: string;
  readonly reason?: string;
}

function egressOf(w: World, subnet: SubnetInfo): Egress {
  const table = w.tables.get(subnet.routeTableId);
  const route = table?.routes.find((r) => r.destination === "0.0.0.0/0");
  if (!route) return { ok: false, problem: "has no 0.0.0.0/0 route", reason: "NoDefaultRoute" };
  if (route.state === "blackhole")
    return {
      ok: false,
      problem: `has a blackholed 0.0.0.0/0 route (its target ${route.target.id} no longer exists)`,
      reason: "RouteBlackholed",
    };
  if (route.target.kind !== "nat") return { ok: true, via: route.target.id };
  const nat = w.input.observed.natGateways.find((n) => n.id === route.target.id);
  if (!nat || nat.state !== "available")
    return {
      ok: false,
      problem: `sends 0.0.0.0/0 to NAT gateway ${route.target.id}, which is ${nat?.state ?? "gone"}`,
      reason: "NatGatewayNotAvailable",
    };
  return { ok: true, via: nat.id };
}

const uniq = <T>(xs: Iterable<T>): T[] => [...new Set(xs)];
const pass = (name: string, resource: string | undefined, message: string): Check => ({
  name,
  ok: true,
  ...(resource ? { resource } : {}),
  message,
  reason: "Verified",
});
const fail = (name: string, resource: string | undefined, reason: string, message: string, fix: string): Check => ({
  name,
  ok: false,
  ...(resource ? { resource } : {}),
  message,
  fix,
  reason,
});

// ---------------------------------------------------------------------------------------------
// The checks, one function per link.
// ---------------------------------------------------------------------------------------------

function checkVpcDns(w: World): Check[] {
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

/** Do all task subnets have internet egress? (Then a missing endpoint is not fatal.) */
function allEgress(w: World): { ok: boolean; via: string[] } {
  const eg = w.taskSubnets.map((s) => egressOf(w, s));
  return { ok: eg.length > 0 && eg.every((e) => e.ok), via: uniq(eg.flatMap((e) => (e.via ? [e.via] : []))) };
}

function checkInterfaceEndpoint(w: World, short: string, why: string): Check[] {
  const name = `endpoint:${short}`;
  const ep = findEndpoint(w, short, "Interface");
  const svc = `com.amazonaws.${w.region}.${short}`;
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

function checkEndpointSecurityGroups(w: World, endpoints: readonly ObservedEndpoint[]): Check[] {
  const taskSgs = new Set(w.input.needs.taskSecurityGroups);
  const out: Check[] = [];
  for (const sgId of uniq(endpoints.flatMap((e) => e.securityGroupIds)).sort()) {
    const sg = w.sgs.get(sgId);
    if (!sg || w.taskSubnets.length === 0) continue; // rules not read: nothing provable
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

function checkTaskEgress(w: World, endpoints: readonly ObservedEndpoint[], s3Needed: boolean): Check[] {
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

function checkEcrPolicy(w: World, short: "ecr.api" | "ecr.dkr", ep: ObservedEndpoint): Check {
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

function checkS3(w: World, ecrEndpointsExist: boolean): Check[] {
  const gw = findEndpoint(w, "s3", "Gateway");
  const svc = `com.amazonaws.${w.region}.s3`;
  const tables = uniq(w.taskSubnets.map((s) => s.routeTableId)).sort();
  if (!gw || gw.state !== "available") {
    const eg = allEgress(w);
    if (!gw && eg.ok && !ecrEndpointsExist)
      return [pass("s3-gateway", undefined, `no S3 gateway endpoint; image layers come through ${eg.via.join(", ")}`)];
    return [
      fail(
        "s3-gateway",
        gw?.id ?? w.vpcId,
        gw ? "EndpointNotAvailable" : "S3GatewayMissing",
        gw
          ? `the S3 gateway endpoint ${gw.id} is ${gw.state}: ${symptom("s3")}`
          : `no S3 gateway endpoint in ${w.vpcId} (ECR keeps image layers in S3)${eg.ok ? `: layers go out through ${eg.via.join(", ")} (NAT cost)` : `: ${symptom("s3")}`}`,
        gw
          ? `wait until ${gw.id} is available`
          : `create a Gateway endpoint for ${svc} on route tables ${tables.join(", ") || "of the task subnets"} (interface endpoints for S3 do not work with ECR)`,
      ),
    ];
  }
  const out: Check[] = [pass("s3-gateway", gw.id, `${gw.id} is available`)];
  for (const rtb of tables) {
    const table = w.tables.get(rtb);
    const onTable = gw.routeTableIds.includes(rtb) || (table?.routes.some((r) => r.target.id === gw.id) ?? false);
    const subs = w.taskSubnets.filter((s) => s.routeTableId === rtb).map((s) => s.id);
    out.push(
      onTable
        ? pass(`s3-route:${rtb}`, rtb, `${rtb} routes S3 through ${gw.id}`)
        : fail(
            `s3-route:${rtb}`,
            rtb,
            "S3RouteMissing",
            `route table ${rtb} (task subnets ${subs.join(", ")}) has no route to the S3 gateway endpoint ${gw.id}: ${allEgress(w).ok ? "image layers go out through the NAT gateway (NAT cost)" : symptom("s3")}`,
            `associate ${rtb} with ${gw.id} (aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${gw.id} --add-route-table-ids ${rtb})`,
          ),
    );
  }
  if (w.input.needs.endpoints.includes("ecr.dkr") || w.input.needs.repositories.length > 0) {
    const probe = layerBucketArn(w.region).replace("/*", "/layer");
    out.push(
      isAllowedByPolicy(gw.policy, "s3:GetObject", probe)
        ? pass("s3-policy", gw.id, `the policy of ${gw.id} allows the ECR layer bucket`)
        : fail(
            "s3-policy",
            gw.id,
            "EndpointPolicyDenies",
            `the policy of ${gw.id} does not allow s3:GetObject on ${layerBucketArn(w.region)}: tasks will fail with CannotPullContainerError: ... AccessDenied`,
            `allow s3:GetObject on ${layerBucketArn(w.region)} (Principal "*") in the policy of ${gw.id}`,
          ),
    );
  }
  return out;
}

function checkEgress(w: World): Check[] {
  const natWanted = (w.input.network?.natGateways.size ?? 0) > 0;
  const internet = w.input.needs.needsInternet;
  const out: Check[] = [];
  const checkedNats = new Set<string>();
  for (const rtb of uniq(w.taskSubnets.map((s) => s.routeTableId)).sort()) {
    const subs = w.taskSubnets.filter((s) => s.routeTableId === rtb);
    const first = subs[0] as SubnetInfo;
    const def = w.tables.get(rtb)?.routes.find((r) => r.destination === "0.0.0.0/0");
    if (!natWanted && internet.length === 0 && !def) continue; // endpoints-only by design
    const eg = egressOf(w, first);
    const images = internet.length ? `; images ${internet.map((i) => i.image).join(", ")} need internet egress` : "";
    if (!eg.ok) {
      out.push(
        fail(
          `egress-route:${rtb}`,
          rtb,
          eg.reason ?? "NoEgress",
          `route table ${rtb} (task subnets ${subs.map((s) => s.id).join(", ")}) ${eg.problem}${images}${internet.length ? ": tasks will fail with CannotPullContainerError: ... request canceled while waiting for connection" : ""}`,
          `point 0.0.0.0/0 in ${rtb} at an available NAT gateway in a public subnet (or set the network's egress.mode: NatGateway)`,
        ),
      );
      continue;
    }
    out.push(pass(`egress-route:${rtb}`, rtb, `${rtb} reaches the internet through ${eg.via}`));
    if (eg.via?.startsWith("nat-") && !checkedNats.has(eg.via)) {
      checkedNats.add(eg.via);
      const nat = w.input.observed.natGateways.find((n) => n.id === eg.via);
      const natSubnet = nat ? w.subnets.get(nat.subnetId) : undefined;
      if (nat && natSubnet)
        out.push(
          natSubnet.isPublic
            ? pass(`nat-placement:${nat.id}`, nat.id, `${nat.id} is in public subnet ${natSubnet.id}`)
            : fail(
                `nat-placement:${nat.id}`,
                nat.id,
                "SubnetNotPublic",
                `NAT gateway ${nat.id} is in ${natSubnet.id}, whose route table ${natSubnet.routeTableId} has no route to an internet gateway: the NAT has no way out${images}`,
                `create the NAT gateway in a public subnet (route table with 0.0.0.0/0 to an internet gateway) and point ${rtb} at it`,
              ),
        );
    }
  }
  return out;
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

// ---------------------------------------------------------------------------------------------
// EcrAccess status: needs + checks → the status subresource (pure; the controller writes it).
// ---------------------------------------------------------------------------------------------

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
