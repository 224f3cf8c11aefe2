/**
 * Conditions of ecsnet objects: the metav1.Condition-compatible schema, the condition types, and the
 * vocabulary of reasons. Reasons are PascalCase facts a person can act on (docs/conditions.md explains
 * each one and what to do about it).
 *
 * kstatus polarity: `Reconciling` and `Stalled` are abnormal-true (absent or False when all is well);
 * `Ready` is normal-true and is published as False early, so tools never mistake "not yet" for "done".
 */
import { Type, type Static } from "@sinclair/typebox";

/** Condition types of PrivateEcsNetwork (EcrAccess adds its own per-check types; the schema allows any). */
export const ConditionType = {
  /** True when everything the spec asks for exists in AWS and works. */
  Ready: "Ready",
  /** True while ecsnet is changing AWS or waiting for something it created (abnormal-true). */
  Reconciling: "Reconciling",
  /** True when ecsnet cannot make progress until a person changes the spec or the VPC (abnormal-true). */
  Stalled: "Stalled",
  /** The endpoints' security group exists and admits exactly what the spec asks. */
  SecurityGroupReady: "SecurityGroupReady",
  /** Every interface endpoint exists, is available, in the right subnets, with private DNS as asked. */
  EndpointsReady: "EndpointsReady",
  /** The S3 gateway endpoint exists and is associated with every route table it must be on. */
  S3GatewayReady: "S3GatewayReady",
  /** NAT gateways are available and every private route table's 0.0.0.0/0 route points at one (or egress is None). */
  EgressReady: "EgressReady",
  /** The VPC's enableDnsSupport and enableDnsHostnames are on, so endpoint private DNS names resolve. */
  DnsReady: "DnsReady",
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Status values of a condition (metav1.ConditionStatus). */
export const ConditionStatus = { True: "True", False: "False", Unknown: "Unknown" } as const;
export type ConditionStatus = (typeof ConditionStatus)[keyof typeof ConditionStatus];

/** Every reason ecsnet writes on a condition. Each is explained in docs/conditions.md. */
export const Reason = {
  // outcomes
  Converged: "Converged",
  Progressing: "Progressing",
  Deleting: "Deleting",
  NotRequired: "NotRequired",
  // the spec
  InvalidSpec: "InvalidSpec",
  InvalidPolicy: "InvalidPolicy",
  // the topology
  VpcNotFound: "VpcNotFound",
  NoPrivateSubnets: "NoPrivateSubnets",
  SubnetNotFound: "SubnetNotFound",
  SubnetNotPrivate: "SubnetNotPrivate",
  PublicSubnetHasNoInternetRoute: "PublicSubnetHasNoInternetRoute",
  NoPublicSubnetInAz: "NoPublicSubnetInAz",
  DuplicateAz: "DuplicateAz",
  EndpointSubnetsShareAz: "EndpointSubnetsShareAz",
  SeveralPrivateSubnetsInAz: "SeveralPrivateSubnetsInAz",
  NoEndpointSubnetInAz: "NoEndpointSubnetInAz",
  RouteTableNotFound: "RouteTableNotFound",
  RouteTableSharedAcrossAzs: "RouteTableSharedAcrossAzs",
  ServiceNotFound: "ServiceNotFound",
  ServiceNotInAz: "ServiceNotInAz",
  ServiceNotInAnyAz: "ServiceNotInAnyAz",
  PrivateDnsRequired: "PrivateDnsRequired",
  // ownership and conflicts
  NotOwned: "NotOwned",
  PrivateDnsConflict: "PrivateDnsConflict",
  RouteTargetsOther: "RouteTargetsOther",
  // routes and NAT gateways
  RouteMissing: "RouteMissing",
  RouteBlackholed: "RouteBlackholed",
  RouteTableNotAssociated: "RouteTableNotAssociated",
  NatGatewayPending: "NatGatewayPending",
  NatGatewayFailed: "NatGatewayFailed",
  NatGatewayDeleting: "NatGatewayDeleting",
  NatGatewayReplacementPending: "NatGatewayReplacementPending",
  // Elastic IPs
  NotEnoughElasticIps: "NotEnoughElasticIps",
  ElasticIpNotFound: "ElasticIpNotFound",
  ElasticIpInUse: "ElasticIpInUse",
  ElasticIpAssociated: "ElasticIpAssociated",
  ElasticIpBusy: "ElasticIpBusy",
  ElasticIpHeldByNat: "ElasticIpHeldByNat",
  ElasticIpHeldByDeletingNat: "ElasticIpHeldByDeletingNat",
  // endpoints
  EndpointMissing: "EndpointMissing",
  EndpointPending: "EndpointPending",
  EndpointDeleting: "EndpointDeleting",
  EndpointFailed: "EndpointFailed",
  EndpointPrivateDnsDisabled: "EndpointPrivateDnsDisabled",
  EndpointSubnetsDrifted: "EndpointSubnetsDrifted",
  // security group
  SecurityGroupMissing: "SecurityGroupMissing",
  SecurityGroupNotFound: "SecurityGroupNotFound",
  SecurityGroupInUse: "SecurityGroupInUse",
  SecurityGroupAdmitsNothing: "SecurityGroupAdmitsNothing",
  GivenSecurityGroupMissingRule: "GivenSecurityGroupMissingRule",
  RuleMissing: "RuleMissing",
  RuleNotDesired: "RuleNotDesired",
  // VPC DNS
  DnsSupportDisabled: "DnsSupportDisabled",
  DnsHostnamesDisabled: "DnsHostnamesDisabled",
  DnsAttributeOff: "DnsAttributeOff",
  // AWS errors
  AwsError: "AwsError",
  Throttled: "Throttled",
  // management mode
  ObserveOnlyDrift: "ObserveOnlyDrift",
  // accounts (AwsAccount and the tenant boundary, core/account-access.ts)
  AccountNotFound: "AccountNotFound",
  AccountNotAllowed: "AccountNotAllowed",
  RegionNotAllowed: "RegionNotAllowed",
  RoleAssumed: "RoleAssumed",
  AssumeRoleFailed: "AssumeRoleFailed",
  AccountMismatch: "AccountMismatch",
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** The metav1.Condition schema (same constraints as Kubernetes, so the API server and we agree). */
export const ConditionSchema = Type.Object(
  {
    type: Type.String({
      description: "Type of the condition: Ready, Reconciling, Stalled, or a part condition such as EndpointsReady.",
      maxLength: 316,
      pattern:
        "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
    }),
    status: Type.Union([Type.Literal("True"), Type.Literal("False"), Type.Literal("Unknown")], {
      description: "Status of the condition: True, False or Unknown.",
    }),
    reason: Type.String({
      description: "One PascalCase word stating the fact behind the status (see docs/conditions.md).",
      minLength: 1,
      maxLength: 1024,
      pattern: "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
    }),
    message: Type.String({
      description: "What is wrong or happening, in plain words, naming the AWS resource and what to do.",
      maxLength: 32768,
    }),
    observedGeneration: Type.Integer({
      description: "The metadata.generation this condition was computed from.",
      minimum: 0,
      format: "int64",
    }),
    lastTransitionTime: Type.String({
      description: "When the status last changed (RFC 3339).",
      format: "date-time",
    }),
  },
  { description: "A kstatus-compatible condition (metav1.Condition)." },
);

/** One condition as stored on status. `type` and `reason` are strings so other kinds can add their own. */
export type Condition = Static<typeof ConditionSchema>;
