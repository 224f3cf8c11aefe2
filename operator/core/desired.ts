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
import { cmp } from "./order.js";

/**
 * The spec as core needs it: the contract's `PrivateEcsNetworkSpec` after defaults (structurally identical
 * to `Static<typeof PrivateEcsNetworkSpecSchema>` in api/, which is assignable to it).
 */
export interface NetworkSpec {
  /** Region of the VPC; absent → the operator's region (resolved by the caller into {@link DesiredInput.region}). */
  readonly region?: string;
  /** The VPC everything is planned in; every subnet, route table and endpoint must belong to it. */
  readonly vpcId: string;
  /** The workload subnets: explicit `ids`, else every subnet carrying all `selector` tags. */
  readonly privateSubnets: {
    readonly ids?: readonly string[];
    readonly selector?: { readonly tags: Readonly<Record<string, string>> };
    readonly endpointSubnetIds?: readonly string[];
  };
  /** Drives the endpoint catalogue: EC2 needs ecs/ecs-agent/ecs-telemetry, Fargate does not (aws-facts §3.1). */
  readonly launchTypes: readonly LaunchType[];
  /** Interface endpoints: catalogue defaults, extra services, private DNS, adoption, per-service policies. */
  readonly endpoints: {
    readonly includeDefaults: boolean;
    readonly extra: readonly string[];
    readonly privateDns: boolean;
    readonly adoptExisting: boolean;
    readonly policies: Readonly<Record<string, string>>;
  };
  /** The S3 gateway endpoint, needed for ECR image layers (aws-facts §3.1, §3.3). */
  readonly s3Gateway: {
    readonly enabled: boolean;
    readonly routeTableIds?: readonly string[];
    readonly policy?: string;
  };
  /** The endpoint security group: given `groupIds` (used as is), else one we create with these sources. */
  readonly securityGroup: {
    readonly groupIds?: readonly string[];
    readonly allowFromPrivateSubnets: boolean;
    readonly allowFromCidrs: readonly string[];
    readonly allowFromSecurityGroupIds: readonly string[];
  };
  /** Internet egress: "None" (endpoints only) or NAT gateways with 0.0.0.0/0 routes in the private tables. */
  readonly egress: {
    readonly mode: "None" | "NatGateway";
    readonly natGateway?: {
      readonly placement: "OnePerAz" | "Single";
      readonly publicSubnetIds: readonly string[];
      readonly elasticIpAllocationIds?: readonly string[];
      readonly replaceExistingDefaultRoute: boolean;
    };
  };
  /** "Check": report VPC DNS attributes that break private DNS; "Enforce": also turn them on (§3.4). */
  readonly vpcDns: "Check" | "Enforce";
  /** The user's extra tags, put on everything we create alongside our owner tags (which always win). */
  readonly tags: Readonly<Record<string, string>>;
  /** On deletion of the object: "Delete" what we own, or "Retain" it all (empty deletion plan). */
  readonly deletionPolicy: "Delete" | "Retain";
  /** "ObserveOnly" plans and reports but the controller never applies. */
  readonly managementMode: "Managed" | "ObserveOnly";
}

/** Input of {@link computeDesired}. `region` is the resolved region (spec.region or the operator's). */
export interface DesiredInput {
  /** The PrivateEcsNetwork object; its uid goes into every owner tag and ClientToken. */
  readonly owner: OwnerRef;
  /** The spec after defaults (api/ applies them; core never defaults a field itself). */
  readonly spec: NetworkSpec;
  /** Used to build service names (`com.amazonaws.<region>.<service>`). */
  readonly region: string;
  /** The VPC as resolved from AWS now (subnets, AZs, route tables, DNS attributes). */
  readonly topology: Topology;
  /** What EcrAccess objects ask of this network (extra services, policies); may be empty. */
  readonly contributions: readonly Contribution[];
}

/** Key of the endpoint security group: one per network, so the key is fixed (tags and ClientTokens use it). */
export const SG_KEY = key("sg:endpoints");

/**
 * Collects issues; `block`/`note` read as sentences at the call sites. Append-only, in call order; never
 * deduplicates (two problems with one subnet are two issues) and never throws.
 */
export class Issues {
  /** Every issue so far, in the order found. */
  readonly list: DesiredIssue[] = [];
  /** A problem the user must fix: `plan` acts on nothing while any blocking issue exists (Stalled). */
  block(k: string, reason: string, message: string): void {
    this.list.push({ key: key(k), reason, message, blocking: true });
  }
  /** A choice made for the user, or a harmless oddity: shown in status, never stops the plan. */
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

/**
 * The private subnets (by ids, or every VPC subnet carrying all selector tags), sorted by id.
 * Unknown ids and public subnets are blocking issues; duplicated ids count once. An empty selector (no tags)
 * selects every subnet of the VPC, which is then checked for public ones like any other choice.
 */
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
  // An empty selection would plan endpoints nowhere: say it rather than converge on nothing. Only when no
  // other issue explains it already (an unknown id is the real cause, not a second problem).
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
 *
 * Two given subnets in one AZ block rather than pick one: AWS would reject the endpoint with
 * `DuplicateSubnetsInSameZone` (aws-facts §3.6). Choosing the lowest id makes the choice stable, so a new
 * subnet with a higher id never moves an existing endpoint.
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

/**
 * tcp/443 from the private subnets' CIDRs and/or the given CIDRs and source groups; nothing else.
 * Endpoints need inbound 443 from the task subnets (aws-facts §3.1); no other port or protocol is ever
 * desired. Rules are keyed by source, so the same source given twice is one rule. With `groupIds` given the
 * mode is "given": the rules are still computed (checks compare them) but no group is created.
 */
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
