/**
 * computeDesired: what the VPC must have for one PrivateEcsNetwork, from its spec, the resolved topology and
 * the contributions of the EcrAccess objects that reference it. Pure: same input, same output, no I/O.
 *
 * Problems are reported as {@link DesiredIssue}s instead of thrown: `blocking` ones make `plan` act on
 * nothing (the object is Stalled with that reason); non-blocking ones are notes for the status.
 */
import { defaultInterfaceEndpoints, isGatewayService, requiresPrivateDns, type LaunchType } from "./endpoints.js";
import type {
  Contribution,
  DesiredGatewayEndpoint,
  DesiredIngressRule,
  DesiredInterfaceEndpoint,
  DesiredElasticIp,
  DesiredIssue,
  DesiredNatGateway,
  DesiredNetwork,
  DesiredRoute,
  DesiredSecurityGroup,
  Key,
  OwnerRef,
  SubnetInfo,
  Tags,
  Topology,
} from "./model.js";
import { key } from "./model.js";
import { clientToken, ownerTags, securityGroupName } from "./ownership.js";
import { InvalidPolicyError, mergePolicy } from "./policy.js";

/**
 * The spec as core needs it: the contract's `PrivateEcsNetworkSpec` after defaults (structurally identical
 * to `Static<typeof PrivateEcsNetworkSpecSchema>` in api/, which is assignable to it).
 */
export interface NetworkSpec {
  readonly region?: string;
  readonly vpcId: string;
  readonly privateSubnets: {
    readonly ids?: readonly string[];
    readonly selector?: { readonly tags: Readonly<Record<string, string>> };
    readonly endpointSubnetIds?: readonly string[];
  };
  readonly launchTypes: readonly LaunchType[];
  readonly endpoints: {
    readonly includeDefaults: boolean;
    readonly extra: readonly string[];
    readonly privateDns: boolean;
    readonly adoptExisting: boolean;
    readonly policies: Readonly<Record<string, string>>;
  };
  readonly s3Gateway: {
    readonly enabled: boolean;
    readonly routeTableIds?: readonly string[];
    readonly policy?: string;
  };
  readonly securityGroup: {
    readonly groupIds?: readonly string[];
    readonly allowFromPrivateSubnets: boolean;
    readonly allowFromCidrs: readonly string[];
    readonly allowFromSecurityGroupIds: readonly string[];
  };
  readonly egress: {
    readonly mode: "None" | "NatGateway";
    readonly natGateway?: {
      readonly placement: "OnePerAz" | "Single";
      readonly publicSubnetIds: readonly string[];
      readonly elasticIpAllocationIds?: readonly string[];
      readonly replaceExistingDefaultRoute: boolean;
    };
  };
  readonly vpcDns: "Check" | "Enforce";
  readonly tags: Readonly<Record<string, string>>;
  readonly deletionPolicy: "Delete" | "Retain";
  readonly managementMode: "Managed" | "ObserveOnly";
}

/** Input of {@link computeDesired}. `region` is the resolved region (spec.region or the operator's). */
export interface DesiredInput {
  readonly owner: OwnerRef;
  readonly spec: NetworkSpec;
  readonly region: string;
  readonly topology: Topology;
  readonly contributions: readonly Contribution[];
}

/** Key of the endpoint security group. */
export const SG_KEY = key("sg:endpoints");
/** Key of the S3 gateway endpoint. */
export const S3_KEY = key("endpoint:s3");
/** Key of the interface endpoint for `short`, e.g. `endpoint:ecr.dkr`. */
export const endpointKey = (short: string): Key => key(`endpoint:${short}`);

/** Collects issues; `block`/`note` read as sentences at the call sites. */
export class Issues {
  readonly list: DesiredIssue[] = [];
  block(k: string, reason: string, message: string): void {
    this.list.push({ key: key(k), reason, message, blocking: true });
  }
  note(k: string, reason: string, message: string): void {
    this.list.push({ key: key(k), reason, message, blocking: false });
  }
}

/**
 * The desired network. Never throws for bad input: unknown subnets, public "private" subnets, unknown
 * services, invalid policies... become blocking issues; choices made for the user become notes.
 * Map iteration order is sorted by key, so plans built from it are deterministic.
 */
export function computeDesired(input: DesiredInput): DesiredNetwork {
  const { owner, spec, topology } = input;
  const issues = new Issues();
  // Order matters only for readability: every step is a pure function of the input and the issues so far.
  const privateSubnets = selectPrivateSubnets(spec, topology, issues);
  const endpointSubnets = chooseEndpointSubnets(spec, topology, privateSubnets, issues);
  const tagsFor = (k: Key): Tags => ownerTags(owner, k, spec.tags);
  const egress = desiredEgress(spec, topology, owner, privateSubnets, issues, tagsFor);
  return {
    owner,
    region: input.region,
    vpcId: spec.vpcId,
    securityGroup: desiredSecurityGroup(spec, owner, privateSubnets, issues, tagsFor),
    interfaceEndpoints: desiredInterfaceEndpoints(input, endpointSubnets, issues, tagsFor),
    s3Gateway: desiredS3Gateway(input, privateSubnets, issues, tagsFor),
    elasticIps: egress.elasticIps,
    natGateways: egress.natGateways,
    routes: egress.routes,
    vpcDns: spec.vpcDns === "Enforce" ? "enforce" : "check",
    mode: spec.managementMode,
    deletionPolicy: spec.deletionPolicy,
    issues: issues.list,
  };
}

/** The private subnets (by ids, or every VPC subnet carrying all selector tags), sorted by id. */
function selectPrivateSubnets(spec: NetworkSpec, topo: Topology, issues: Issues): SubnetInfo[] {
  const byId = new Map(topo.subnets.map((s) => [s.id, s]));
  let chosen: SubnetInfo[];
  if (spec.privateSubnets.ids) {
    chosen = [];
    for (const id of new Set(spec.privateSubnets.ids)) {
      const s = byId.get(id);
      if (s) chosen.push(s);
      else issues.block(`subnet:${id}`, "SubnetNotFound", `subnet ${id} is not in ${topo.vpcId}`);
    }
  } else {
    const want = Object.entries(spec.privateSubnets.selector?.tags ?? {});
    chosen = topo.subnets.filter((s) => want.every(([k, v]) => s.tags[k] === v));
  }
  // An empty selection would plan endpoints nowhere: say it rather than converge on nothing.
  if (chosen.length === 0 && issues.list.length === 0) {
    issues.block("subnets:private", "NoPrivateSubnets", `no subnet of ${topo.vpcId} matches privateSubnets`);
  }
  for (const s of chosen) {
    // Endpoints in a public subnet would work, but the user believes it is private: the spec is wrong.
    if (s.isPublic) {
      issues.block(
        `subnet:${s.id}`,
        "SubnetNotPrivate",
        `subnet ${s.id} is public: its route table ${s.routeTableId} sends 0.0.0.0/0 to an internet gateway`,
      );
    }
  }
  return chosen.sort((a, b) => cmp(a.id, b.id));
}

/**
 * One subnet per AZ for interface endpoints (an endpoint takes at most one per AZ): the spec's
 * endpointSubnetIds, else the lowest subnet id of each AZ, with a note when an AZ has several.
 * Returns AZ → subnet id, in AZ order.
 */
function chooseEndpointSubnets(
  spec: NetworkSpec,
  topo: Topology,
  privateSubnets: readonly SubnetInfo[],
  issues: Issues,
): Map<string, string> {
  const out = new Map<string, string>();
  const given = spec.privateSubnets.endpointSubnetIds;
  if (given && given.length > 0) {
    const byId = new Map(topo.subnets.map((s) => [s.id, s]));
    for (const id of given) {
      const s = byId.get(id);
      if (!s) issues.block(`subnet:${id}`, "SubnetNotFound", `endpoint subnet ${id} is not in ${topo.vpcId}`);
      else if (out.has(s.az)) {
        issues.block(
          `subnet:${id}`,
          "EndpointSubnetsShareAz",
          `endpointSubnetIds has ${out.get(s.az)} and ${id} in ${s.az}`,
        );
      } else out.set(s.az, id);
    }
    // An AZ the spec leaves without an endpoint subnet still resolves the names, across AZs: note it.
    for (const az of new Set(privateSubnets.map((s) => s.az))) {
      if (!out.has(az)) issues.note(`az:${az}`, "NoEndpointSubnetInAz", `endpoints have no subnet in ${az}`);
    }
    return new Map([...out].sort((a, b) => cmp(a[0], b[0])));
  }
  for (const s of privateSubnets) {
    const seen = out.get(s.az);
    // privateSubnets is sorted by id, so the first one seen in an AZ is its lowest id.
    if (seen === undefined) out.set(s.az, s.id);
  }
  for (const [az, id] of out) {
    const all = privateSubnets.filter((s) => s.az === az);
    if (all.length > 1) {
      issues.note(
        `az:${az}`,
        "SeveralPrivateSubnetsInAz",
        `${all.length} private subnets in ${az}: endpoints use ${id}`,
      );
    }
  }
  return new Map([...out].sort((a, b) => cmp(a[0], b[0])));
}

/** tcp/443 from the private subnets' CIDRs and/or the given CIDRs and source groups; nothing else. */
function desiredSecurityGroup(
  spec: NetworkSpec,
  owner: OwnerRef,
  privateSubnets: readonly SubnetInfo[],
  issues: Issues,
  tagsFor: (k: Key) => Tags,
): DesiredSecurityGroup {
  const sg = spec.securityGroup;
  const rules = new Map<Key, DesiredIngressRule>();
  const https = { protocol: "tcp", fromPort: 443, toPort: 443 } as const;
  // Never wider than asked: 443 only, from the named sources only (0.0.0.0/0 is rejected by the API).
  const cidrs = [...(sg.allowFromPrivateSubnets ? privateSubnets.map((s) => s.cidr) : []), ...sg.allowFromCidrs];
  for (const cidr of cidrs) {
    const k = key(`sg-rule:tcp:443:${cidr}`);
    rules.set(k, { key: k, ...https, cidr, description: `ecsnet: HTTPS to VPC endpoints from ${cidr}` });
  }
  for (const src of sg.allowFromSecurityGroupIds) {
    const k = key(`sg-rule:tcp:443:${src}`);
    rules.set(k, {
      key: k,
      ...https,
      sourceSecurityGroupId: src,
      description: `ecsnet: HTTPS to VPC endpoints from ${src}`,
    });
  }
  if (rules.size === 0)
    issues.note(SG_KEY, "SecurityGroupAdmitsNothing", "the endpoint security group admits no source");
  const given = sg.groupIds ?? [];
  return {
    key: SG_KEY,
    mode: given.length > 0 ? "given" : "create",
    givenGroupIds: [...given].sort(),
    groupName: securityGroupName(owner),
    description: `ecsnet: VPC endpoints of ${owner.namespace}/${owner.name}`,
    ingress: [...rules.values()].sort((a, b) => cmp(a.key, b.key)),
    tags: tagsFor(SG_KEY),
  };
}

/** One interface endpoint per needed service, in the endpoint subnets of the AZs the service is offered in. */
function desiredInterfaceEndpoints(
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

/** The S3 gateway endpoint on the given route tables, or on every private subnet's effective table. */
function desiredS3Gateway(
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

/** The merged policy, or undefined (after a blocking issue) when the user's document is invalid. */
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

/** NAT gateways, their Elastic IPs and the private route tables' default routes through them. */
interface DesiredEgress {
  readonly elasticIps: Map<Key, DesiredElasticIp>;
  readonly natGateways: Map<Key, DesiredNatGateway>;
  readonly routes: Map<Key, DesiredRoute>;
}

/**
 * Egress through NAT gateways. OnePerAz: one NAT per AZ of the private subnets, in that AZ's public subnet
 * (the first one the spec lists there); Single: one NAT in the first public subnet. Each private route
 * table gets 0.0.0.0/0 → the NAT of its subnets' AZ (a table shared across AZs uses its lowest AZ's NAT,
 * with a note). Public subnets must be public: "NAT in a private subnet" is the classic silent failure.
 */
function desiredEgress(
  spec: NetworkSpec,
  topo: Topology,
  owner: OwnerRef,
  privateSubnets: readonly SubnetInfo[],
  issues: Issues,
  tagsFor: (k: Key) => Tags,
): DesiredEgress {
  const out: DesiredEgress = { elasticIps: new Map(), natGateways: new Map(), routes: new Map() };
  const ng = spec.egress.natGateway;
  if (spec.egress.mode !== "NatGateway") return out;
  if (!ng) {
    issues.block("egress", "InvalidSpec", "egress.mode NatGateway needs egress.natGateway");
    return out;
  }
  const byId = new Map(topo.subnets.map((s) => [s.id, s]));
  const publics: SubnetInfo[] = [];
  for (const id of ng.publicSubnetIds) {
    const s = byId.get(id);
    if (!s) issues.block(`subnet:${id}`, "SubnetNotFound", `public subnet ${id} is not in ${topo.vpcId}`);
    else if (!s.isPublic) {
      issues.block(
        `subnet:${id}`,
        "PublicSubnetHasNoInternetRoute",
        `subnet ${id} has no 0.0.0.0/0 route to an internet gateway: a NAT gateway there cannot reach the internet`,
      );
    } else publics.push(s);
  }
  // AZ → public subnet the NAT goes in.
  const placement = new Map<string, SubnetInfo>();
  if (ng.placement === "Single") {
    if (publics[0]) placement.set(publics[0].az, publics[0]);
  } else {
    for (const az of [...new Set(privateSubnets.map((s) => s.az))].sort()) {
      const pub = publics.find((p) => p.az === az);
      if (pub) placement.set(az, pub);
      else issues.block(`az:${az}`, "NoPublicSubnetInAz", `no usable public subnet in ${az} for its NAT gateway`);
    }
  }
  if (placement.size === 0) return out;
  // Given EIPs are assigned to NATs in AZ order; fewer than NATs is an error, not a silent allocation.
  const given = ng.elasticIpAllocationIds;
  if (given && given.length < placement.size) {
    issues.block(
      "egress",
      "NotEnoughElasticIps",
      `${placement.size} NAT gateways need ${placement.size} Elastic IPs; ${given.length} given`,
    );
    return out;
  }
  [...placement.keys()].sort().forEach((az, i) => {
    const subnet = placement.get(az) as SubnetInfo;
    const eipKey = key(`eip:${az}`);
    const natKey = key(`nat:${az}`);
    const givenId = given?.[i];
    out.elasticIps.set(eipKey, {
      key: eipKey,
      ...(givenId ? { givenAllocationId: givenId } : {}),
      tags: tagsFor(eipKey),
    });
    const token = clientToken(owner.uid, natKey, { subnetId: subnet.id, eip: givenId ?? eipKey });
    out.natGateways.set(natKey, {
      key: natKey,
      az,
      subnetId: subnet.id,
      eipKey,
      tags: tagsFor(natKey),
      clientToken: token,
    });
  });
  const natAzs = [...placement.keys()].sort();
  // One default route per private route table, whichever of its subnets it serves.
  const tables = [...new Set(privateSubnets.map((s) => s.routeTableId))].sort();
  for (const rtb of tables) {
    const azs = [...new Set(privateSubnets.filter((s) => s.routeTableId === rtb).map((s) => s.az))].sort();
    const az = ng.placement === "Single" ? natAzs[0] : azs.find((a) => placement.has(a));
    if (az === undefined) continue; // its AZ has no NAT: already a blocking issue.
    if (ng.placement === "OnePerAz" && azs.length > 1) {
      issues.note(
        `rtb:${rtb}`,
        "RouteTableSharedAcrossAzs",
        `route table ${rtb} serves ${azs.join(", ")}: its egress uses the NAT in ${az}`,
      );
    }
    const k = key(`route:${rtb}:0.0.0.0/0`);
    out.routes.set(k, {
      key: k,
      routeTableId: rtb,
      destination: "0.0.0.0/0",
      natKey: key(`nat:${az}`),
      replaceExisting: ng.replaceExistingDefaultRoute,
    });
  }
  return out;
}

/** String comparison for sorting (code-unit order, locale-independent). */
export const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
