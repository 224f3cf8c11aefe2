/**
 * Ec2Port: the EC2 calls ecsnet makes, in ecsnet's own types (core/model.ts where they fit). The reconciler
 * code (topology, observe, apply) depends on this interface only; `ec2-sdk.ts` implements it on
 * @aws-sdk/client-ec2. Every method rejects with the SDK's error unchanged; callers classify it once with
 * `classifyAwsError`. Describe methods follow pagination to the end and never return resources in state
 * `deleted`. No method waits for a resource to become available.
 */
import type {
  EndpointServiceInfo,
  ObservedAddress,
  ObservedEndpoint,
  ObservedNatGateway,
  ObservedSecurityGroup,
  ObservedSecurityGroupRule,
  RouteTableInfo,
  Tags,
} from "../core/model.js";

/** An observed resource before ownership is decided (that needs the owner: see to-model `withOwnership`). */
export type Unowned<T> = Omit<T, "owned" | "component">;

/** A record as a multi-VPC Describe reports it: with the VPC it is in, so a shared read can be sliced. */
export type InVpc<T> = T & { readonly vpcId: string };

/** A VPC as DescribeVpcs reports it. */
export interface VpcRecord {
  readonly vpcId: string;
  /** Associated IPv4 CIDR blocks, primary first. */
  readonly cidrs: readonly string[];
}

/** A subnet as DescribeSubnets reports it (its route table is derived from the route tables). */
export interface SubnetRecord {
  readonly id: string;
  readonly az: string;
  readonly cidr: string;
  readonly tags: Tags;
}

/** A security group without its rules (rules come from DescribeSecurityGroupRules in one batched call). */
export type SecurityGroupRecord = Unowned<Omit<ObservedSecurityGroup, "rules">>;

/** One ingress permission to authorize: exactly one of `cidr` / `sourceSecurityGroupId`. */
export interface IngressPermission {
  readonly protocol: string;
  readonly fromPort: number;
  readonly toPort: number;
  readonly cidr?: string;
  readonly sourceSecurityGroupId?: string;
  readonly description?: string;
}

/** Input of CreateVpcEndpoint, for an Interface or a Gateway endpoint. */
export interface CreateEndpointInput {
  readonly type: "Interface" | "Gateway";
  readonly vpcId: string;
  readonly serviceName: string;
  /** Interface only. */
  readonly subnetIds?: readonly string[];
  /** Interface only. */
  readonly securityGroupIds?: readonly string[];
  /** Interface only. */
  readonly privateDns?: boolean;
  /** Gateway only. */
  readonly routeTableIds?: readonly string[];
  /** IAM policy JSON; null/undefined: the AWS default (full access). */
  readonly policy?: string | null;
  readonly clientToken: string;
  readonly tags: Tags;
}

/** What a token-carrying create answered: the resource's id and its state now (lower-case, as EC2 sends it). */
export interface CreatedResource {
  readonly id: string;
  readonly state: string;
}

/** Input of ModifyVpcEndpoint; empty lists and undefined fields change nothing. */
export interface ModifyEndpointInput {
  readonly endpointId: string;
  readonly addSubnetIds?: readonly string[];
  readonly removeSubnetIds?: readonly string[];
  readonly addSecurityGroupIds?: readonly string[];
  readonly removeSecurityGroupIds?: readonly string[];
  readonly addRouteTableIds?: readonly string[];
  readonly removeRouteTableIds?: readonly string[];
  readonly privateDns?: boolean;
  /** A policy document to set; `null` resets it to the AWS default; undefined leaves it. */
  readonly policy?: string | null;
}

/** A route to a NAT gateway (the only route target ecsnet writes itself). */
export interface NatRouteInput {
  readonly routeTableId: string;
  readonly destination: string;
  readonly natGatewayId: string;
}

/**
 * Which VPCs a Describe covers: one (`vpcId`), or several at once (`vpcIds`, what the shared snapshot of an
 * account and region uses). The adapter sends the ids as one `vpc-id` filter, in chunks of at most
 * {@link MAX_FILTER_VALUES}, and follows every page. An empty `vpcIds` describes nothing (no call).
 */
export type VpcScope = { readonly vpcId: string } | { readonly vpcIds: readonly string[] };

/** The VPC ids of a {@link VpcScope}. */
export const vpcIdsOf = (s: VpcScope): readonly string[] => ("vpcIds" in s ? s.vpcIds : [s.vpcId]);

/**
 * EC2 accepts at most 200 values in one filter ("You can specify up to 200 values per filter", EC2 API
 * Reference, Filter / "List and filter your resources", Amazon EC2 User Guide): more are sent in chunks.
 */
export const MAX_FILTER_VALUES = 200;

/**
 * What {@link Ec2Port.describeAddresses} selects: an address of the given ones, or one carrying
 * `tagKey=tagValue` (any value of `tagKey` without `tagValue`). The SDK adapter and the snapshot's view both
 * answer with exactly this selection.
 */
export function selectsAddress(
  input: { readonly tagKey: string; readonly tagValue?: string | undefined },
  given: ReadonlySet<string>,
  a: { readonly tags: Readonly<Record<string, string>>; readonly allocationId: string },
): boolean {
  const tagged =
    input.tagValue === undefined ? a.tags[input.tagKey] !== undefined : a.tags[input.tagKey] === input.tagValue;
  return tagged || given.has(a.allocationId);
}

/** The EC2 calls ecsnet makes. See the module doc for the contract shared by every method. */
export interface Ec2Port {
  /** The region the client talks to. */
  region(): Promise<string>;

  // ---- reads (topology) ----
  /** The VPC, or null when it does not exist (`InvalidVpcID.NotFound` is turned into null). */
  describeVpc(vpcId: string): Promise<VpcRecord | null>;
  describeVpcAttribute(input: {
    vpcId: string;
    attribute: "enableDnsSupport" | "enableDnsHostnames";
  }): Promise<boolean>;
  /** The VPCs of `vpcIds` that exist (one DescribeVpcs per chunk, by `vpc-id` filter: a missing one is just absent). */
  describeVpcs(input: { vpcIds: readonly string[] }): Promise<VpcRecord[]>;
  /** Every subnet of the VPC(s). */
  describeSubnets(input: VpcScope): Promise<InVpc<SubnetRecord>[]>;
  /** Every route table of the VPC(s), or only the given ones. */
  describeRouteTables(input: VpcScope & { routeTableIds?: readonly string[] }): Promise<InVpc<RouteTableInfo>[]>;
  /** Ids of internet gateways attached to the VPC. */
  describeInternetGateways(input: { vpcId: string }): Promise<string[]>;
  /** Internet gateways attached to any of the VPCs, as VPC id → gateway ids (sorted); every VPC has an entry. */
  describeInternetGatewaysByVpc(input: { vpcIds: readonly string[] }): Promise<Map<string, string[]>>;
  /** Endpoint services of the region (Interface and Gateway; AWS-owned and others). */
  describeEndpointServices(input: { region: string }): Promise<EndpointServiceInfo[]>;

  // ---- reads (observe) ----
  /** Security groups of the VPC(s) (one call per chunk; selection by tag / id / name is the caller's). */
  describeSecurityGroups(input: VpcScope): Promise<SecurityGroupRecord[]>;
  /** Rules of the given groups, in one call per chunk of ids, grouped by group id. */
  describeSecurityGroupRules(input: { groupIds: readonly string[] }): Promise<Map<string, ObservedSecurityGroupRule[]>>;
  /** Every endpoint of the VPC(s), including `deleted` ones AWS still reports. */
  describeVpcEndpoints(input: VpcScope): Promise<InVpc<Unowned<ObservedEndpoint>>[]>;
  /** Every NAT gateway of the VPC(s), including `deleted` ones AWS still reports (about an hour after deletion). */
  describeNatGateways(input: VpcScope): Promise<InVpc<Unowned<ObservedNatGateway>>[]>;
  /**
   * Elastic IPs carrying `tag:<tagKey>=<tagValue>` (or, without `tagValue`, any value of `tagKey`: every
   * owner's at once), or (when `allocationIds` is non-empty) those plus the given ones.
   */
  describeAddresses(input: {
    tagKey: string;
    tagValue?: string;
    allocationIds?: readonly string[];
  }): Promise<Unowned<ObservedAddress>[]>;

  // ---- writes ----
  createSecurityGroup(input: { vpcId: string; groupName: string; description: string; tags: Tags }): Promise<string>;
  deleteSecurityGroup(groupId: string): Promise<void>;
  authorizeIngress(input: { groupId: string; permissions: readonly IngressPermission[] }): Promise<void>;
  revokeRules(input: {
    groupId: string;
    ingressRuleIds: readonly string[];
    egressRuleIds: readonly string[];
  }): Promise<void>;
  /**
   * Returns the endpoint id and its state. Same `clientToken` + same input returns the endpoint that token
   * made, in its state now (`deleted` included, EC2 API idempotency); other input → IdempotentParameterMismatch.
   */
  createVpcEndpoint(input: CreateEndpointInput): Promise<CreatedResource>;
  modifyVpcEndpoint(input: ModifyEndpointInput): Promise<void>;
  /** Rejects with the first per-endpoint error AWS reports (DeleteVpcEndpoints answers 200 with `Unsuccessful`). */
  deleteVpcEndpoint(endpointId: string): Promise<void>;
  /** Returns the allocation id. No idempotency token exists: tag it and look it up by tag in observe. */
  allocateAddress(input: { tags: Tags }): Promise<string>;
  releaseAddress(allocationId: string): Promise<void>;
  /** As createVpcEndpoint: the NAT gateway the token made (new or earlier, in its state now). */
  createNatGateway(input: {
    subnetId: string;
    allocationId: string;
    clientToken: string;
    tags: Tags;
  }): Promise<CreatedResource>;
  deleteNatGateway(natGatewayId: string): Promise<void>;
  createRoute(input: NatRouteInput): Promise<void>;
  replaceRoute(input: NatRouteInput): Promise<void>;
  deleteRoute(input: { routeTableId: string; destination: string }): Promise<void>;
  modifyVpcAttribute(input: {
    vpcId: string;
    attribute: "enableDnsSupport" | "enableDnsHostnames";
    value: boolean;
  }): Promise<void>;
  /** Adds or overwrites `tags` on every resource of `resourceIds` (one call; EC2 takes many ids). */
  createTags(input: { resourceIds: readonly string[]; tags: Tags }): Promise<void>;
  /** Removes the tags `keys` from every resource of `resourceIds` (one call). */
  deleteTags(input: { resourceIds: readonly string[]; keys: readonly string[] }): Promise<void>;
}
