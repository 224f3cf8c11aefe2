/**
 * What every path check shares: the {@link World} lookups built once per run, the error tasks show when a
 * link is missing ({@link symptom}), CIDR and rule arithmetic, endpoint lookup by short name, a subnet's
 * internet egress, and the {@link pass}/{@link fail} constructors of a {@link Check}. Pure; no I/O.
 */
import type {
  ObservedEndpoint,
  ObservedSecurityGroup,
  ObservedSecurityGroupRule,
  RouteTableInfo,
  SubnetInfo,
} from "./model.js";
import type { Check, CheckInput } from "./checks.js";

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
/**
 * The error tasks show when endpoint `e` (a short name) cannot be reached; a generic timeout for others.
 * Returns text to splice into a check message after a colon. Never empty.
 */
export const symptom = (e: string): string => SYMPTOM[e] ?? `calls to ${e} from the tasks will time out`;

/**
 * Does the rule admit tcp/443? (`-1` = all protocols and ports.) Protocol "6" is tcp by number, as the
 * API may report it. Says nothing about the rule's direction or source; callers filter those.
 */
export const covers443 = (r: ObservedSecurityGroupRule): boolean =>
  r.protocol === "-1" || ((r.protocol === "tcp" || r.protocol === "6") && r.fromPort <= 443 && r.toPort >= 443);

/**
 * The endpoint service short name of a full service name (`com.amazonaws.us-east-1.ecr.dkr` → `ecr.dkr`).
 * A name without `.<region>.` (another region, a partner service) is returned unchanged, so it never matches a
 * short name by accident.
 */
export function shortNameOf(serviceName: string, region: string): string {
  const i = serviceName.indexOf(`.${region}.`);
  return i >= 0 ? serviceName.slice(i + region.length + 2) : serviceName;
}

/** The world's lookups, built once per run by {@link buildWorld}; every check reads only this. */
export interface World {
  /** The VPC's region, for service names (`com.amazonaws.<region>.<short>`). */
  readonly region: string;
  readonly vpcId: string;
  /** Every subnet of the VPC by id. */
  readonly subnets: ReadonlyMap<string, SubnetInfo>;
  /** Every route table by id (observed ones replace the topology's copies). */
  readonly tables: ReadonlyMap<string, RouteTableInfo>;
  /** Every security group whose rules were read, by id; a group absent here is "unknown", not "empty". */
  readonly sgs: ReadonlyMap<string, ObservedSecurityGroup>;
  /** The subnets tasks run in, sorted by id; unknown ids are dropped; may be empty. */
  readonly taskSubnets: readonly SubnetInfo[];
  /** The raw input, for what the lookups do not cover (needs, observed endpoints and NATs). */
  readonly input: CheckInput;
}

/**
 * The lookups for one run: subnets and route tables by id (observed route tables win over the topology's),
 * security groups by id, and the task subnets (`needs.taskSubnets`, else `fallbackTaskSubnets`) sorted.
 */
export function buildWorld(input: CheckInput): World {
  const { topology, observed } = input;
  const subnets = new Map(topology.subnets.map((s) => [s.id, s]));
  // Route tables read by observe() are fresher than the topology's.
  const tables = new Map([...topology.routeTables, ...observed.routeTables].map((t) => [t.id, t]));
  const sgs = new Map([...observed.securityGroups, ...(input.securityGroups ?? [])].map((g) => [g.id, g]));
  const ids = input.needs.taskSubnets.length ? input.needs.taskSubnets : (input.fallbackTaskSubnets ?? []);
  const taskSubnets = [...new Set(ids)].sort().flatMap((id) => subnets.get(id) ?? []);
  return { region: topology.region, vpcId: topology.vpcId, subnets, tables, sgs, taskSubnets, input };
}

/**
 * The best observed endpoint for a short name: available first, then any not being deleted.
 * Owned or not: tasks use whichever endpoint exists, so a check judges the world, not what ecsnet manages.
 * Never returns a `deleted` one; undefined when none is left.
 */
export function findEndpoint(w: World, short: string, type: "Interface" | "Gateway"): ObservedEndpoint | undefined {
  const all = w.input.observed.endpoints.filter(
    (e) => e.type === type && shortNameOf(e.serviceName, w.region) === short && e.state !== "deleted",
  );
  return all.find((e) => e.state === "available") ?? all.find((e) => e.state !== "deleting") ?? all[0];
}

/** Internet egress of a subnet: `via` the target when ok, else `problem` (plain words) and `reason`. */
export interface Egress {
  readonly ok: boolean;
  /** When ok: the route target traffic leaves through (`nat-…`, `igw-…`, a transit gateway…). */
  readonly via?: string;
  /** When not ok: what is wrong with the route, as a verb phrase ("has no 0.0.0.0/0 route"). */
  readonly problem?: string;
  /** When not ok: the check reason (NoDefaultRoute, RouteBlackholed, NatGatewayNotAvailable). */
  readonly reason?: string;
}

/**
 * Internet egress of a subnet through its effective route table's 0.0.0.0/0 route: missing, blackholed, or
 * a NAT gateway that is not available fail; any other target (internet gateway, ...) counts as egress.
 * Non-NAT targets are trusted, not followed: a transit gateway or appliance may well reach the internet, and
 * claiming otherwise would be a false failure. Whether a NAT itself has a way out is checked separately
 * (`nat-placement` in checks-routes.ts).
 */
export function egressOf(w: World, subnet: SubnetInfo): Egress {
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

/** The distinct values, in first-seen order. */
export const uniq = <T>(xs: Iterable<T>): T[] => [...new Set(xs)];
/** A passing check (`reason: "Verified"`, no fix). */
export const pass = (name: string, resource: string | undefined, message: string): Check => ({
  name,
  ok: true,
  ...(resource ? { resource } : {}),
  message,
  reason: "Verified",
});
/** A failing check: always with its reason and fix. */
export const fail = (
  name: string,
  resource: string | undefined,
  reason: string,
  message: string,
  fix: string,
): Check => ({
  name,
  ok: false,
  ...(resource ? { resource } : {}),
  message,
  fix,
  reason,
});

/**
 * Do all task subnets have internet egress? (Then a missing endpoint is not fatal.) False when there are no
 * known task subnets: without them nothing proves egress. `via` lists the distinct targets, first-seen order.
 */
export function allEgress(w: World): { ok: boolean; via: string[] } {
  const eg = w.taskSubnets.map((s) => egressOf(w, s));
  return { ok: eg.length > 0 && eg.every((e) => e.ok), via: uniq(eg.flatMap((e) => (e.via ? [e.via] : []))) };
}
