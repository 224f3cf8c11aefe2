/**
 * The endpoint part of computeDesired: the interface endpoints every needed service gets (spec defaults,
 * `endpoints.extra` and the EcrAccess contributions) and the S3 gateway endpoint with its route tables, each
 * with its merged endpoint policy and its ClientToken. Pure, like desired.ts; problems become issues.
 */
import type { DesiredInput, Issues } from "./desired.js";
import { defaultInterfaceEndpoints, isGatewayService, requiresPrivateDns } from "./endpoints.js";
import type { Contribution, DesiredGatewayEndpoint, DesiredInterfaceEndpoint, Key, SubnetInfo, Tags } from "./model.js";
import { key } from "./model.js";
import { clientToken } from "./ownership.js";
import { InvalidPolicyError, mergePolicy } from "./policy.js";

/** Key of the S3 gateway endpoint: there is at most one per network, so the key is fixed. */
export const S3_KEY = key("endpoint:s3");
/**
 * Key of the interface endpoint for `short`, e.g. `endpoint:ecr.dkr`. Independent of region and AWS ids, so
 * the key (and the component tag built from it) survives a re-create and a move between regions.
 */
export const endpointKey = (short: string): Key => key(`endpoint:${short}`);

/**
 * One interface endpoint per needed service, in the endpoint subnets of the AZs the service is offered in.
 *
 * Returns a map sorted by key. The needed services are the catalogue defaults for the launch types (when
 * `includeDefaults`), `endpoints.extra` and every EcrAccess contribution; `s3` is never an interface
 * endpoint here (interface endpoints for S3 cannot serve ECR, aws-facts §3.1). Unknown services, services
 * offered in none of the endpoint AZs and invalid policies are blocking issues and get no entry; an AZ the
 * service skips is a note. Private DNS follows the spec; for services that need it (ecr.dkr, §3.1) a spec
 * that turns it off gets a note, not a silent override.
 */
export function desiredInterfaceEndpoints(
  input: DesiredInput,
  endpointSubnets: ReadonlyMap<string, string>,
  issues: Issues,
  tagsFor: (k: Key) => Tags,
): Map<Key, DesiredInterfaceEndpoint> {
  const { spec, topology, owner, contributions } = input;
  const names = new Set<string>(spec.endpoints.includeDefaults ? defaultInterfaceEndpoints(spec.launchTypes) : []);
  // Contributions (EcrAccess) add the endpoints their workloads need; s3 is the gateway, handled below.
  for (const n of [...spec.endpoints.extra, ...contributions.flatMap((c) => c.endpoints)]) names.add(n);
  const out = new Map<Key, DesiredInterfaceEndpoint>();
  for (const short of [...names].filter((n) => !isGatewayService(n)).sort()) {
    const k = endpointKey(short);
    const svc = topology.services.find((s) => s.shortName === short && s.type === "Interface");
    if (!svc) {
      issues.block(k, "ServiceNotFound", `no interface endpoint service ${short} in ${input.region}`);
      continue;
    }
    // A service may not be offered in every AZ: leave that AZ's subnet out rather than fail the create.
    const subnetIds: string[] = [];
    for (const [az, id] of endpointSubnets) {
      if (svc.azs.includes(az)) subnetIds.push(id);
      else issues.note(k, "ServiceNotInAz", `${short} is not offered in ${az}: its endpoint leaves out ${id}`);
    }
    if (subnetIds.length === 0) {
      issues.block(k, "ServiceNotInAnyAz", `${short} is not offered in any AZ of the endpoint subnets`);
      continue;
    }
    if (!spec.endpoints.privateDns && requiresPrivateDns(short)) {
      issues.note(k, "PrivateDnsRequired", `${short} works only with private DNS, which the spec turns off`);
    }
    const policy = policyOr(k, spec.endpoints.policies[short], statementsFor(contributions, short), issues);
    if (policy === undefined) continue;
    // The ClientToken hashes exactly what is sent, so a changed input never reuses a token.
    const create = {
      vpcId: spec.vpcId,
      serviceName: svc.serviceName,
      subnetIds: subnetIds.sort(),
      privateDns: spec.endpoints.privateDns,
      policy,
    };
    out.set(k, {
      key: k,
      shortName: short,
      ...create,
      adopt: spec.endpoints.adoptExisting,
      tags: tagsFor(k),
      clientToken: clientToken(owner.uid, k, create),
    });
  }
  return out;
}

/**
 * The S3 gateway endpoint on the given route tables, or on every private subnet's effective table.
 *
 * Returns null when `s3Gateway.enabled` is false, when the region has no s3 gateway service, or when the
 * policy is invalid (the last two with a blocking issue). ECR image layers are fetched from S3, so
 * without this endpoint (or NAT) pulls fail even with both ECR endpoints in place (aws-facts §3.1, §3.3).
 * An unknown given route table is a blocking issue (which already stops the plan) and is not filtered out
 * here. Adoption follows `endpoints.adoptExisting`, like the interface endpoints.
 */
export function desiredS3Gateway(
  input: DesiredInput,
  privateSubnets: readonly SubnetInfo[],
  issues: Issues,
  tagsFor: (k: Key) => Tags,
): DesiredGatewayEndpoint | null {
  const { spec, topology, owner } = input;
  if (!spec.s3Gateway.enabled) return null;
  const svc = topology.services.find((s) => s.shortName === "s3" && s.type === "Gateway");
  if (!svc) {
    issues.block(S3_KEY, "ServiceNotFound", `no gateway endpoint service s3 in ${input.region}`);
    return null;
  }
  const known = new Set(topology.routeTables.map((t) => t.id));
  const given = spec.s3Gateway.routeTableIds;
  for (const id of given ?? []) {
    if (!known.has(id))
      issues.block(`rtb:${id}`, "RouteTableNotFound", `route table ${id} is not in ${topology.vpcId}`);
  }
  // Every private subnet's effective table (the main one when it has no association), not only endpoint subnets.
  const routeTableIds = [...new Set(given ?? privateSubnets.map((s) => s.routeTableId))].sort();
  const policy = policyOr(S3_KEY, spec.s3Gateway.policy, statementsFor(input.contributions, "s3"), issues);
  if (policy === undefined) return null;
  const create = { vpcId: spec.vpcId, serviceName: svc.serviceName, routeTableIds, policy };
  return {
    key: S3_KEY,
    shortName: "s3",
    ...create,
    adopt: spec.endpoints.adoptExisting,
    tags: tagsFor(S3_KEY),
    clientToken: clientToken(owner.uid, S3_KEY, create),
  };
}

/**
 * Every contribution's statements for `short`, in contribution order, or none at all when some contribution
 * needs the endpoint without restricting it: scoping the policy to the others' repositories would deny that
 * contributor's pulls, so an endpoint is restricted only when every contributor that uses it asks for it.
 */
function statementsFor(cs: readonly Contribution[], short: string): Readonly<Record<string, unknown>>[] {
  const restricts = (c: Contribution) => (c.policyStatements[short]?.length ?? 0) > 0;
  const users = cs.filter((c) => c.endpoints.includes(short) || restricts(c));
  if (users.some((c) => !restricts(c))) return [];
  return users.flatMap((c) => c.policyStatements[short] ?? []);
}

/**
 * The merged policy, or undefined (after a blocking issue) when the user's document is invalid.
 * null means "AWS's full-access default" (no base and nothing contributed). Rethrows anything that is not an
 * {@link InvalidPolicyError}: that would be a bug in mergePolicy, not bad user input.
 */
function policyOr(
  k: Key,
  base: string | undefined,
  contributed: readonly Readonly<Record<string, unknown>>[],
  issues: Issues,
): string | null | undefined {
  try {
    return mergePolicy(base, contributed);
  } catch (e) {
    if (!(e instanceof InvalidPolicyError)) throw e;
    issues.block(k, "InvalidPolicy", `the policy for ${k} is invalid: ${e.message}`);
    return undefined;
  }
}
