/**
 * The plain-data vocabulary of ecsnet's pure core. No I/O, no SDK types, every field readonly.
 *
 * Words, used with one meaning each across the code base:
 * - **desired**: implied by the spec (plus contributions) and the topology; computed by `computeDesired`.
 * - **observed**: read from AWS now, by `observe`; never "current", "actual" or "latest".
 * - **owned**: carries our owner tags (`ecsnet.dev/owner-uid` = the object's uid). Only owned things are changed.
 * - **adopted**: the user asked us to take ownership of an existing resource (we tag it, then it is owned).
 * - **pending**: exists but is not usable yet (NAT gateway `pending`, endpoint `pending`): wait, requeue soon.
 * - **blocked**: cannot act until something else is true (an unowned conflict, an invalid topology): Stalled.
 *
 * Every desired or observed item has a stable string {@link Key}, independent of AWS ids, e.g.
 * `sg:endpoints`, `endpoint:ecr.dkr`, `endpoint:s3`, `eip:us-east-1a`, `nat:us-east-1a`,
 * `route:rtb-0abc:0.0.0.0/0`. Plans, tags and ClientTokens are built from keys.
 */

/** A stable identifier of a desired/observed item (see module doc). */
export type Key = string & { readonly __brand: "Key" };

/** Brand a string as a {@link Key}. */
export const key = (s: string): Key => s as Key;

/** AWS resource tags as a plain record. */
export type Tags = Readonly<Record<string, string>>;

/** The Kubernetes object that owns a set of AWS resources. */
export interface OwnerRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

// ---------------------------------------------------------------------------------------------
// Topology: what the VPC is made of, resolved before computing the desired state.
// ---------------------------------------------------------------------------------------------

/** Where a route sends traffic, as DescribeRouteTables reports it. */
export interface RouteTarget {
  /** `local`, `igw` (internet gateway), `nat`, `vpce` (gateway endpoint), `eni`, `tgw`, `pcx`, `vgw`, `other`. */
  readonly kind: "local" | "igw" | "nat" | "vpce" | "eni" | "tgw" | "pcx" | "vgw" | "other";
  /** The target's id (`igw-…`, `nat-…`, `vpce-…`, `local`). */
  readonly id: string;
}

/** One route of a route table. */
export interface RouteInfo {
  /** IPv4 CIDR (`0.0.0.0/0`) or, for gateway-endpoint routes, the prefix list id (`pl-…`). */
  readonly destination: string;
  readonly target: RouteTarget;
  /** `blackhole` when the target no longer exists (e.g. its NAT gateway was deleted). */
  readonly state: "active" | "blackhole";
  /** `CreateRouteTable` (the local route), `CreateRoute` (explicit, including gateway-endpoint routes), `EnableVgwRoutePropagation`. */
  readonly origin: "CreateRouteTable" | "CreateRoute" | "EnableVgwRoutePropagation";
}

/** A route table of the VPC with its routes and explicit subnet associations. */
export interface RouteTableInfo {
  readonly id: string;
  /** True for the VPC's main table, used by every subnet without an explicit association. */
  readonly isMain: boolean;
  /** Subnets explicitly associated with this table. */
  readonly subnetIds: readonly string[];
  readonly routes: readonly RouteInfo[];
  readonly tags: Tags;
}

/** A subnet of the VPC, with its effective route table. */
export interface SubnetInfo {
  readonly id: string;
  readonly az: string;
  readonly cidr: string;
  /** The effective route table: the explicitly associated one, else the VPC's main table. */
  readonly routeTableId: string;
  /** True when the effective route table has an active 0.0.0.0/0 route to an internet gateway. */
  readonly isPublic: boolean;
  readonly tags: Tags;
}

/** An endpoint service offered in the region (DescribeVpcEndpointServices). */
export interface EndpointServiceInfo {
  /** Short name, e.g. `ecr.dkr`, `s3`, `logs`. */
  readonly shortName: string;
  /** Full name, e.g. `com.amazonaws.us-east-1.ecr.dkr`. */
  readonly serviceName: string;
  readonly type: "Interface" | "Gateway";
  /** AZs where the service can place an endpoint network interface. */
  readonly azs: readonly string[];
  readonly privateDnsName?: string;
}

/** Everything about the VPC that desired-state computation needs; resolved by `resolveTopology`. */
export interface Topology {
  readonly region: string;
  readonly vpcId: string;
  readonly vpcCidrs: readonly string[];
  readonly dnsSupport: boolean;
  readonly dnsHostnames: boolean;
  /** Every subnet of the VPC (the spec's private/public subnets are looked up here). */
  readonly subnets: readonly SubnetInfo[];
  /** Every route table of the VPC. */
  readonly routeTables: readonly RouteTableInfo[];
  /** Endpoint services of the region, both Interface and Gateway. */
  readonly services: readonly EndpointServiceInfo[];
  /** Internet gateways attached to the VPC. */
  readonly internetGatewayIds: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Desired state: computed by computeDesired(spec, topology, contributions). Pure data.
// ---------------------------------------------------------------------------------------------

/** One ingress rule of the endpoint security group: exactly one of `cidr` or `sourceSecurityGroupId`. */
export interface DesiredIngressRule {
  /** e.g. `sg-rule:tcp:443:10.0.10.0/24` or `sg-rule:tcp:443:sg-0abc`. */
  readonly key: Key;
  readonly protocol: "tcp";
  readonly fromPort: number;
  readonly toPort: number;
  readonly cidr?: string;
  readonly sourceSecurityGroupId?: string;
  readonly description: string;
}

/** The endpoints' security group: created and owned by ecsnet, or given by the user (never modified then). */
export interface DesiredSecurityGroup {
  readonly key: Key;
  /** `create`: ecsnet owns one group; `given`: use the user's groups as they are (rules are checked, not changed). */
  readonly mode: "create" | "given";
  /** For `given`: the group ids. */
  readonly givenGroupIds: readonly string[];
  /** For `create`: `ecsnet-<ns>-<name>-<uid8>` (deterministic, so a crash-retry finds the same name). */
  readonly groupName: string;
  readonly description: string;
  /** Exactly the rules it must have: tcp/443 from the private subnets' CIDRs and/or the given source SGs. Never wider. */
  readonly ingress: readonly DesiredIngressRule[];
  readonly tags: Tags;
}

/** An interface VPC endpoint for one service. */
export interface DesiredInterfaceEndpoint {
  readonly key: Key;
  readonly shortName: string;
  readonly serviceName: string;
  /** At most one subnet per AZ, chosen deterministically (or as the spec names). Sorted. */
  readonly subnetIds: readonly string[];
  readonly privateDns: boolean;
  /** IAM policy JSON (normalised, stable key order), or null for the AWS default full-access policy. */
  readonly policy: string | null;
  /** The user asked to adopt an existing unowned endpoint for this service. */
  readonly adopt: boolean;
  readonly tags: Tags;
  readonly clientToken: string;
}

/** The S3 gateway endpoint and the route tables it must be associated with. */
export interface DesiredGatewayEndpoint {
  readonly key: Key;
  readonly shortName: string;
  readonly serviceName: string;
  /** Sorted route table ids. */
  readonly routeTableIds: readonly string[];
  readonly policy: string | null;
  readonly adopt: boolean;
  readonly tags: Tags;
  readonly clientToken: string;
}

/** An Elastic IP for a NAT gateway: allocated (and owned) by ecsnet, or given by the user. */
export interface DesiredElasticIp {
  readonly key: Key;
  /** Set when the user gave the allocation; then ecsnet never allocates or releases it. */
  readonly givenAllocationId?: string;
  readonly tags: Tags;
}

/** A public NAT gateway in a public subnet. */
export interface DesiredNatGateway {
  readonly key: Key;
  readonly az: string;
  readonly subnetId: string;
  /** The key of its {@link DesiredElasticIp}. */
  readonly eipKey: Key;
  readonly tags: Tags;
  readonly clientToken: string;
}

/** A default route of a private route table through a NAT gateway. */
export interface DesiredRoute {
  readonly key: Key;
  readonly routeTableId: string;
  readonly destination: string;
  /** The key of the {@link DesiredNatGateway} it must point at. */
  readonly natKey: Key;
  /** The user allowed replacing an existing route to something else (else: blocked, reported). */
  readonly replaceExisting: boolean;
}

/** A problem found while computing the desired state: reported on status; `blocking` ones stop apply. */
export interface DesiredIssue {
  readonly key: Key;
  /** PascalCase reason, e.g. `SubnetNotFound`, `SubnetNotPrivate`, `PublicSubnetHasNoInternetRoute`, `ServiceNotInAz`. */
  readonly reason: string;
  readonly message: string;
  readonly blocking: boolean;
}

/** Everything the VPC must have for this object. */
export interface DesiredNetwork {
  readonly owner: OwnerRef;
  readonly region: string;
  readonly vpcId: string;
  readonly securityGroup: DesiredSecurityGroup;
  readonly interfaceEndpoints: ReadonlyMap<Key, DesiredInterfaceEndpoint>;
  readonly s3Gateway: DesiredGatewayEndpoint | null;
  readonly elasticIps: ReadonlyMap<Key, DesiredElasticIp>;
  readonly natGateways: ReadonlyMap<Key, DesiredNatGateway>;
  readonly routes: ReadonlyMap<Key, DesiredRoute>;
  /** `check`: report DNS attributes that are off; `enforce`: turn them on (ModifyVpcAttribute). */
  readonly vpcDns: "check" | "enforce";
  readonly mode: "Managed" | "ObserveOnly";
  readonly deletionPolicy: "Delete" | "Retain";
  readonly issues: readonly DesiredIssue[];
}

// ---------------------------------------------------------------------------------------------
// Observed state: read from AWS by observe(). `owned` is computed from tags, never assumed.
// ---------------------------------------------------------------------------------------------

/** Fields every observed resource has. */
export interface ObservedMeta {
  readonly id: string;
  /** Carries `ecsnet.dev/owner-uid` equal to the owner's uid. */
  readonly owned: boolean;
  /** Our `ecsnet.dev/component` tag (the desired item's key) when owned, else null. */
  readonly component: Key | null;
  readonly tags: Tags;
}

/** A security group rule as DescribeSecurityGroupRules reports it. */
export interface ObservedSecurityGroupRule {
  readonly ruleId: string;
  readonly isEgress: boolean;
  /** `-1` for all protocols. */
  readonly protocol: string;
  readonly fromPort: number;
  readonly toPort: number;
  readonly cidr?: string;
  readonly ipv6Cidr?: string;
  readonly sourceSecurityGroupId?: string;
  readonly prefixListId?: string;
}

export interface ObservedSecurityGroup extends ObservedMeta {
  readonly groupName: string;
  readonly vpcId: string;
  readonly rules: readonly ObservedSecurityGroupRule[];
}

export interface ObservedEndpoint extends ObservedMeta {
  readonly type: "Interface" | "Gateway";
  readonly serviceName: string;
  /** `pendingAcceptance` | `pending` | `available` | `deleting` | `deleted` | `rejected` | `failed`. */
  readonly state: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly routeTableIds: readonly string[];
  readonly privateDns: boolean;
  /** The policy document as AWS returns it (normalise before comparing). */
  readonly policy: string | null;
  /** ISO-8601 `CreationTimestamp`, when known: of two owned duplicates, the newer one is deleted. */
  readonly createdAt?: string;
}

export interface ObservedAddress extends ObservedMeta {
  readonly allocationId: string;
  readonly publicIp: string;
  readonly associationId?: string;
  readonly networkInterfaceId?: string;
}

export interface ObservedNatGateway extends ObservedMeta {
  readonly subnetId: string;
  /** `pending` | `available` | `deleting` | `deleted` | `failed`. */
  readonly state: string;
  readonly allocationIds: readonly string[];
  readonly failureCode?: string;
  readonly failureMessage?: string;
  /** ISO-8601 `CreateTime`, when known: of two owned duplicates, the newer one is deleted. */
  readonly createdAt?: string;
}

/** What AWS has now in the VPC, for one owner. Batched: one Describe call per resource type per VPC. */
export interface ObservedNetwork {
  readonly vpcId: string;
  readonly dnsSupport: boolean;
  readonly dnsHostnames: boolean;
  /** Our owned endpoint SG (found by owner tag, then by group name), and any given groups. */
  readonly securityGroups: readonly ObservedSecurityGroup[];
  /**
   * The ids of every security group of the VPC (not only ours), read in the same call: the spec's
   * references to groups (allowFromSecurityGroupIds, groupIds) are checked against it before any mutation.
   * Optional: absent, only the given groups are checked.
   */
  readonly securityGroupIds?: readonly string[];
  /**
   * Every VPC endpoint in the VPC not in state `deleted` (owned or not: unowned ones are conflicts or adoptable),
   * plus our own `deleted` ones while AWS still reports them: their intent tags give a re-create's next
   * creation intent (ADR 0004).
   */
  readonly endpoints: readonly ObservedEndpoint[];
  /** Owned Elastic IPs and the given ones. */
  readonly addresses: readonly ObservedAddress[];
  /** Every NAT gateway in the VPC not in state `deleted`. */
  readonly natGateways: readonly ObservedNatGateway[];
  /**
   * NAT gateways in state `deleted` that AWS still reports (it keeps them visible for about an hour).
   * Optional: when given, a blackholed 0.0.0.0/0 route can be traced to a NAT we owned (and replaced without
   * `replaceExistingDefaultRoute`), and their intent tags give a re-created NAT's next creation intent.
   */
  readonly deletedNatGateways?: readonly ObservedNatGateway[];
  /** Every route table of the VPC, read in this observation. */
  readonly routeTables: readonly RouteTableInfo[];
}

// ---------------------------------------------------------------------------------------------
// Contributions: what EcrAccess objects referencing a network add to it.
// ---------------------------------------------------------------------------------------------

/** What one EcrAccess object adds to the PrivateEcsNetwork it references. */
export interface Contribution {
  /** `namespace/name` of the EcrAccess. */
  readonly source: string;
  /** Short endpoint names it needs (e.g. `logs`, `secretsmanager`; `s3` means the S3 gateway). */
  readonly endpoints: readonly string[];
  /**
   * Short name (`ecr.api` | `ecr.dkr` | `s3` | ...) → IAM statements to allow. When any contribution gives
   * statements for an endpoint, that endpoint's policy becomes `{Version: "2012-10-17", Statement: [...union...]}`
   * (plus the statements of spec.endpoints.policies / s3Gateway.policy for it).
   */
  readonly policyStatements: Readonly<Record<string, readonly Readonly<Record<string, unknown>>[]>>;
}
