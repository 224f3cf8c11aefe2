/**
 * computeDesired: what the VPC must have for one PrivateEcsNetwork, from its spec, the resolved topology and
 * the contributions of the EcrAccess objects that reference it. Pure: same input, same output, no I/O.
 *
 * Problems are reported as {@link DesiredIssue}s instead of thrown: `blocking` ones make `plan` act on
 * nothing (the object is Stalled with that reason); non-blocking ones are notes for the status.
 */
import { desiredEgress } from "./desired-egress.js";
import { desiredInterfaceEndpoints, desiredS3Gateway } from "./desired-endpoints.js";
import type { LaunchType } from "./endpoints.js";
import type {
  Contribution,
  DesiredIngressRule,
  DesiredIssue,
  DesiredNetwork,
  DesiredSecurityGroup,
  Key,
  OwnerRef,
  SubnetInfo,
  Tags,
  Topology,
} from "./model.js";
import { key } from "./model.js";
import { ownerTags, securityGroupName } from "./ownership.js";

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

/** String comparison for sorting (code-unit order, locale-independent). */
export const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
