/**
 * PrivateEcsNetwork (ecsnet.dev/v1alpha1, namespaced): one VPC's private ECS networking. This file is the
 * single source of the kind: the TypeBox schemas below give the TypeScript types (`Static<>`), the runtime
 * validation (api/validate.ts, defaults and CEL rules included) and the CRD (api/crd.ts → crds/*.yaml).
 *
 * Every field has a description because `kubectl explain privateecsnetwork.spec...` shows it.
 * Fields with a `default` are required in the TypeScript type (defaults are always applied before use)
 * and optional in the CRD (the API server applies the same defaults).
 */
import { Type, type Static } from "@sinclair/typebox";
import { ConditionSchema } from "./conditions.js";
import { API_VERSION, Kinds } from "./group.js";
import { AccountRef, AwsId, IPV4_CIDR_PATTERN, IdSet, REGION_PATTERN, TagMap, cel } from "./schema-helpers.js";

const ENDPOINT_SHORT_NAME = Type.String({
  description: "Short service name of an interface endpoint, e.g. secretsmanager, ssm, ssmmessages, kms, sts.",
  pattern: "^[a-z0-9]+([.-][a-z0-9]+)*$",
  maxLength: 64,
});

const PrivateSubnetsSchema = Type.Object(
  {
    ids: Type.Optional(
      IdSet("subnet", "The private subnets where ECS tasks or container instances run.", { minItems: 1 }),
    ),
    selector: Type.Optional(
      Type.Object(
        {
          tags: TagMap("Tags a subnet must carry, all of them, to be selected (key → exact value).", {
            minProperties: 1,
          }),
        },
        { description: "Select the private subnets of the VPC by tags instead of listing ids." },
      ),
    ),
    endpointSubnetIds: Type.Optional(
      IdSet(
        "subnet",
        "The subnets interface endpoints are placed in, at most one per Availability Zone. " +
          "Default: one private subnet per AZ, chosen deterministically (the lowest id).",
        { minItems: 1 },
      ),
    ),
  },
  {
    description:
      "The private subnets that run ECS. Every one gets the S3 route and is admitted by the endpoint security group. " +
      "Set exactly one of ids or selector.",
    ...cel({
      rule: "has(self.ids) != has(self.selector)",
      message: "set exactly one of privateSubnets.ids or privateSubnets.selector",
    }),
  },
);

const LaunchTypeSchema = Type.Union([Type.Literal("FARGATE"), Type.Literal("EC2")], {
  description: "An ECS launch type.",
});

const EndpointsSchema = Type.Object(
  {
    includeDefaults: Type.Boolean({
      description:
        "Create the endpoints ECS needs for the launch types: FARGATE needs ecr.api, ecr.dkr and logs; " +
        "EC2 adds ecs, ecs-agent and ecs-telemetry. Default true.",
      default: true,
    }),
    extra: Type.Array(ENDPOINT_SHORT_NAME, {
      description:
        "More interface endpoints by short name, e.g. secretsmanager and kms for secrets in task definitions, " +
        "ssm and ssmmessages for ECS Exec, sts for IAM roles. Default none.",
      default: [],
      maxItems: 64,
      "x-kubernetes-list-type": "set",
    }),
    privateDns: Type.Boolean({
      description:
        "Enable private DNS on the interface endpoints, so the services' public names resolve to the endpoints " +
        "inside the VPC. Without it, traffic keeps going out through a NAT gateway. Default true.",
      default: true,
    }),
    adoptExisting: Type.Boolean({
      description:
        "Take ownership of existing endpoints in the VPC for the same services (ecsnet tags them and manages " +
        "them from then on). When false, such an endpoint is reported as a conflict and left alone. Default false.",
      default: false,
    }),
    policies: Type.Record(
      Type.String({ maxLength: 64 }),
      Type.String({ maxLength: 20480, description: "IAM policy document (JSON)." }),
      {
        description:
          "Endpoint policies by short name (e.g. ecr.dkr) as IAM policy JSON. An endpoint without one gets the " +
          "AWS default policy (full access). Default none.",
        default: {},
        maxProperties: 64,
      },
    ),
  },
  { description: "The interface VPC endpoints ECS tasks reach AWS services through.", default: {} },
);

const S3GatewaySchema = Type.Object(
  {
    enabled: Type.Boolean({
      description: "Manage an S3 gateway endpoint (ECR keeps image layers in S3). Default true.",
      default: true,
    }),
    routeTableIds: Type.Optional(
      IdSet(
        "rtb",
        "The route tables the S3 gateway endpoint is associated with. Default: the effective route table of " +
          "every private subnet (the VPC's main table for subnets without an explicit association).",
        { minItems: 1 },
      ),
    ),
    policy: Type.Optional(
      Type.String({
        description: "IAM policy JSON for the S3 gateway endpoint. Default: the AWS default policy (full access).",
        maxLength: 20480,
      }),
    ),
  },
  { description: "The S3 gateway endpoint and the route tables it must be on.", default: {} },
);

const SecurityGroupSchema = Type.Object(
  {
    groupIds: Type.Optional(
      IdSet(
        "sg",
        "Use these security groups for the endpoints instead of creating one. ecsnet never modifies them; it " +
          "reports when they do not admit what the allowFrom fields ask.",
        { minItems: 1, maxItems: 5 },
      ),
    ),
    allowFromPrivateSubnets: Type.Boolean({
      description: "Admit tcp/443 from the CIDR of every private subnet. Default true.",
      default: true,
    }),
    allowFromCidrs: Type.Array(
      Type.String({ description: "An IPv4 CIDR block, e.g. 10.0.0.0/16.", pattern: IPV4_CIDR_PATTERN, maxLength: 18 }),
      {
        description:
          "Also admit tcp/443 from these IPv4 CIDR blocks. 0.0.0.0/0 (any /0) is refused: name the ranges your " +
          "tasks use. Default none.",
        default: [],
        maxItems: 50,
        "x-kubernetes-list-type": "set",
        ...cel({
          rule: "self.all(c, !c.endsWith('/0'))",
          message:
            "allowFromCidrs must not contain 0.0.0.0/0 (or any /0): ecsnet never opens the endpoints wider than " +
            "the tasks need; list the narrower CIDR blocks your tasks use",
        }),
      },
    ),
    allowFromSecurityGroupIds: IdSet("sg", "Also admit tcp/443 from these security groups (your tasks' groups).", {
      default: [],
      maxItems: 50,
    }),
  },
  {
    description: "The security group of the interface endpoints: who may connect to them on tcp/443.",
    default: {},
    ...cel({
      rule:
        "has(self.groupIds) || self.allowFromPrivateSubnets || " +
        "(has(self.allowFromCidrs) && size(self.allowFromCidrs) > 0) || " +
        "(has(self.allowFromSecurityGroupIds) && size(self.allowFromSecurityGroupIds) > 0)",
      message:
        "the endpoint security group would admit nobody: keep allowFromPrivateSubnets true, or list " +
        "allowFromCidrs or allowFromSecurityGroupIds, or give groupIds",
    }),
  },
);

const NatGatewaySchema = Type.Object(
  {
    placement: Type.Union([Type.Literal("OnePerAz"), Type.Literal("Single")], {
      description:
        "OnePerAz: a NAT gateway in each Availability Zone of the private subnets, each zone routing through its " +
        "own (survives the loss of a zone). Single: one NAT gateway for all zones (cheaper). Default OnePerAz.",
      default: "OnePerAz",
    }),
    publicSubnetIds: IdSet(
      "subnet",
      "Public subnets (their route table sends 0.0.0.0/0 to an internet gateway) that host the NAT gateways, " +
        "at most one per Availability Zone.",
      { minItems: 1 },
    ),
    elasticIpAllocationIds: Type.Optional(
      IdSet(
        "eipalloc",
        "Elastic IPs to give the NAT gateways, one per NAT gateway; ecsnet never releases them. " +
          "Default: ecsnet allocates them, owns them, and releases them on deletion.",
        { minItems: 1 },
      ),
    ),
    replaceExistingDefaultRoute: Type.Boolean({
      description:
        "Let ecsnet replace a 0.0.0.0/0 route of a private route table that points somewhere else (another NAT, " +
        "a transit gateway, ...). When false, such a route is reported and left alone. Default false.",
      default: false,
    }),
  },
  {
    description: "The NAT gateways of egress mode NatGateway.",
    ...cel({
      rule:
        "!has(self.elasticIpAllocationIds) || " +
        "size(self.elasticIpAllocationIds) <= (self.placement == 'Single' ? 1 : size(self.publicSubnetIds))",
      message:
        "elasticIpAllocationIds lists more Elastic IPs than there are NAT gateways: give at most one per NAT " +
        "gateway (1 for placement Single, at most one per public subnet for OnePerAz)",
      fieldPath: ".elasticIpAllocationIds",
    }),
  },
);

const EgressSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal("None"), Type.Literal("NatGateway")], {
      description:
        "None: no internet egress, AWS services are reached through the endpoints only. NatGateway: NAT gateways " +
        "in public subnets and a 0.0.0.0/0 route to them in every private route table. Default None.",
      default: "None",
    }),
    natGateway: Type.Optional(NatGatewaySchema),
  },
  {
    description: "Internet egress of the private subnets.",
    default: {},
    ...cel(
      {
        rule: "self.mode != 'NatGateway' || (has(self.natGateway) && size(self.natGateway.publicSubnetIds) >= 1)",
        message:
          "egress.mode NatGateway needs natGateway.publicSubnetIds: the public subnets (with a route to an internet " +
          "gateway) that host the NAT gateways",
        fieldPath: ".natGateway",
        reason: "FieldValueRequired",
      },
      {
        rule: "self.mode == 'NatGateway' || !has(self.natGateway)",
        message: "natGateway is set but egress.mode is None: set mode NatGateway, or remove natGateway",
        fieldPath: ".natGateway",
      },
    ),
  },
);

/** The spec schema of PrivateEcsNetwork. */
export const PrivateEcsNetworkSpecSchema = Type.Object(
  {
    accountRef: Type.Optional(
      AccountRef(
        "The AwsAccount whose role ecsnet assumes for this object's AWS calls. Default: the one its namespace " +
          "names in the ecsnet.dev/aws-account label, else ecsnet's own credentials. The AwsAccount must allow " +
          "this namespace and region.",
      ),
    ),
    region: Type.Optional(
      Type.String({
        description:
          "The AWS region of the VPC, e.g. eu-west-1. Default: the operator's region (its configuration or the " +
          "AWS SDK's standard region settings). Cannot change once set.",
        pattern: REGION_PATTERN,
        maxLength: 32,
      }),
    ),
    vpcId: AwsId("vpc", "The VPC whose private ECS networking this object manages. Cannot change.", {
      ...cel({
        rule: "self == oldSelf",
        message:
          "vpcId is immutable: ecsnet would orphan what it made in the old VPC; create another PrivateEcsNetwork instead",
      }),
    }),
    privateSubnets: PrivateSubnetsSchema,
    launchTypes: Type.Array(LaunchTypeSchema, {
      description: "The ECS launch types used in these subnets; they select the default endpoints. Default [FARGATE].",
      default: ["FARGATE"],
      minItems: 1,
      maxItems: 2,
      "x-kubernetes-list-type": "set",
    }),
    endpoints: EndpointsSchema,
    s3Gateway: S3GatewaySchema,
    securityGroup: SecurityGroupSchema,
    egress: EgressSchema,
    vpcDns: Type.Union([Type.Literal("Check"), Type.Literal("Enforce")], {
      description:
        "The VPC attributes enableDnsSupport and enableDnsHostnames, both needed for endpoint private DNS. " +
        "Check: report when one is off. Enforce: turn them on. Default Check.",
      default: "Check",
    }),
    tags: TagMap("Tags added to every AWS resource ecsnet creates, next to its ownership tags. Default none.", {
      default: {},
    }),
    deletionPolicy: Type.Union([Type.Literal("Delete"), Type.Literal("Retain")], {
      description:
        "What happens in AWS when this object is deleted. Delete: ecsnet deletes what it created (routes, NAT " +
        "gateways, the Elastic IPs it allocated, endpoints, the security group). Retain: AWS is left as it is. " +
        "Default Delete.",
      default: "Delete",
    }),
    managementMode: Type.Union([Type.Literal("Managed"), Type.Literal("ObserveOnly")], {
      description:
        "Managed: ecsnet creates and repairs. ObserveOnly: ecsnet changes nothing and reports on status what it " +
        "would do. Default Managed.",
      default: "Managed",
    }),
  },
  {
    description: "What the private ECS networking of one VPC must be.",
    ...cel({
      rule: "!has(oldSelf.region) || (has(self.region) && self.region == oldSelf.region)",
      message: "region cannot change once set: create another PrivateEcsNetwork for another region",
      fieldPath: ".region",
    }),
  },
);

const EndpointStatusSchema = Type.Object({
  service: Type.String({ description: "Short service name, e.g. ecr.dkr." }),
  id: Type.String({ description: "The VPC endpoint id (vpce-...)." }),
  state: Type.String({ description: "The endpoint's state as AWS reports it (pending, available, failed, ...)." }),
  privateDns: Type.Boolean({ description: "Whether private DNS is enabled on the endpoint." }),
  subnetIds: Type.Array(Type.String(), { description: "The subnets the endpoint has a network interface in." }),
});

const NatGatewayStatusSchema = Type.Object({
  az: Type.String({ description: "The Availability Zone the NAT gateway serves." }),
  id: Type.String({ description: "The NAT gateway id (nat-...)." }),
  state: Type.String({ description: "The NAT gateway's state (pending, available, failed, deleting, ...)." }),
  subnetId: Type.String({ description: "The public subnet it is in." }),
  allocationId: Type.Optional(Type.String({ description: "Its Elastic IP allocation (eipalloc-...)." })),
  publicIp: Type.Optional(Type.String({ description: "Its public IP address." })),
});

const RouteStatusSchema = Type.Object({
  routeTableId: Type.String({ description: "The route table (rtb-...)." }),
  destination: Type.String({ description: "The destination CIDR, 0.0.0.0/0." }),
  target: Type.String({ description: "Where the route points now (nat-..., or empty when missing)." }),
  state: Type.String({ description: "active, blackhole, or missing." }),
});

/** The status schema of PrivateEcsNetwork (written only by ecsnet, through the status subresource). */
export const PrivateEcsNetworkStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(
      Type.Integer({ description: "The metadata.generation the status describes.", minimum: 0, format: "int64" }),
    ),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, {
        description:
          "Ready, Reconciling and Stalled (kstatus), and the part conditions SecurityGroupReady, EndpointsReady, " +
          "S3GatewayReady, EgressReady and DnsReady.",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
      }),
    ),
    vpcId: Type.Optional(Type.String({ description: "The VPC." })),
    egressMode: Type.Optional(Type.String({ description: "The egress mode in effect: None or NatGateway." })),
    securityGroupId: Type.Optional(Type.String({ description: "The endpoints' security group (sg-...)." })),
    endpoints: Type.Optional(Type.Array(EndpointStatusSchema, { description: "The interface endpoints." })),
    s3GatewayEndpointId: Type.Optional(Type.String({ description: "The S3 gateway endpoint (vpce-...)." })),
    s3RouteTableIds: Type.Optional(
      Type.Array(Type.String(), { description: "The route tables the S3 gateway endpoint is associated with." }),
    ),
    natGateways: Type.Optional(Type.Array(NatGatewayStatusSchema, { description: "The NAT gateways." })),
    routes: Type.Optional(
      Type.Array(RouteStatusSchema, { description: "The 0.0.0.0/0 routes through the NAT gateways." }),
    ),
    readyEndpoints: Type.Optional(
      Type.String({ description: "Ready endpoints over desired endpoints (interface and S3 gateway), e.g. 4/4." }),
    ),
    contributors: Type.Optional(
      Type.Array(Type.String(), {
        description: "EcrAccess objects (namespace/name) contributing endpoints or policy.",
      }),
    ),
    notes: Type.Optional(
      Type.Array(Type.String(), { description: "Information that is not an error, e.g. which subnet each AZ uses." }),
    ),
    lastSyncTime: Type.Optional(
      Type.String({ description: "When ecsnet last compared this object with AWS (RFC 3339).", format: "date-time" }),
    ),
  },
  { description: "What ecsnet observed and did, written by ecsnet." },
);

/** The object metadata ecsnet reads (the API server owns the full ObjectMeta). */
export const ObjectMetaSchema = Type.Object({
  name: Type.String(),
  namespace: Type.Optional(Type.String()),
  uid: Type.Optional(Type.String()),
  generation: Type.Optional(Type.Integer()),
  resourceVersion: Type.Optional(Type.String()),
  deletionTimestamp: Type.Optional(Type.String()),
  finalizers: Type.Optional(Type.Array(Type.String())),
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
});

/** The whole PrivateEcsNetwork object. */
export const PrivateEcsNetworkSchema = Type.Object({
  apiVersion: Type.Literal(API_VERSION),
  kind: Type.Literal(Kinds.PrivateEcsNetwork.kind),
  metadata: ObjectMetaSchema,
  spec: PrivateEcsNetworkSpecSchema,
  status: Type.Optional(PrivateEcsNetworkStatusSchema),
});

/** The spec after defaults are applied (api/validate.ts returns this). */
export type PrivateEcsNetworkSpec = Static<typeof PrivateEcsNetworkSpecSchema>;
/** The status ecsnet writes. */
export type PrivateEcsNetworkStatus = Static<typeof PrivateEcsNetworkStatusSchema>;
/** A whole PrivateEcsNetwork object as read from the API server (spec defaulted). */
export type PrivateEcsNetwork = Static<typeof PrivateEcsNetworkSchema>;
/** The object metadata fields ecsnet reads. */
export type ObjectMeta = Static<typeof ObjectMetaSchema>;

/** `kubectl get` columns of PrivateEcsNetwork. */
export const privateEcsNetworkPrinterColumns = [
  {
    name: "Ready",
    type: "string",
    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    description: "Whether the network is Ready.",
  },
  {
    name: "Reason",
    type: "string",
    jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
    description: "Why it is (not) Ready.",
    priority: 1,
  },
  { name: "VPC", type: "string", jsonPath: ".spec.vpcId", description: "The VPC." },
  { name: "Egress", type: "string", jsonPath: ".spec.egress.mode", description: "Egress mode." },
  { name: "Endpoints", type: "string", jsonPath: ".status.readyEndpoints", description: "Ready/desired endpoints." },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
] as const;
