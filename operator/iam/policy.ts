/**
 * The least-privilege IAM policy of ecsnet for a scope (account, regions, VPCs) and the features in use.
 * Pure data: `ecsnet iam-policy` prints it, deploy/iam-policy.json is its default output, and the
 * simulator tests (test/unit/iam) evaluate it request by request.
 *
 * What IAM can scope by ownership tag is scoped by tag: creation needs the ownership tags in the request
 * (`aws:RequestTag`), changes need them on the resource (`aws:ResourceTag`). What carries no ownership tag
 * (route table entries, VPC attributes, the subnets and route tables an endpoint uses) is scoped to the VPCs
 * named (`ec2:Vpc`, VPC ARNs) where the Service Authorization Reference offers a key, and to the account and
 * regions (ARNs) everywhere. Which action supports which resource type and condition key follows
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html and
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html
 *
 * The ownership guard is not circular: no statement lets the role put ecsnet's ownership tags on an existing
 * resource, except {@link ADOPTION_SID}, which is opt-in and only takes endpoints that carry no ecsnet tag.
 * `ec2:CreateTags` is otherwise allowed only while creating (`ec2:CreateAction`, as in
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html) and, for tags
 * other than the two ownership keys (`ecsnet.dev/managed-by`, `ecsnet.dev/owner-uid`), on resources that already
 * carry ecsnet's ownership tags: ecsnet repairs its descriptive tags there (owner, component, the spec.tags keys
 * it set, the NAT gateways an Elastic IP held), never the two keys that make a resource ecsnet's.
 */
import { TagKey } from "../api/group.js";
import type { IamFeatures, IamScope } from "./scope.js";

export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: ConditionBlock;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

/** The Sid of the one statement that may tag an existing resource as ecsnet's (only with `adoption`). */
export const ADOPTION_SID = "AdoptUntaggedVpcEndpointsOptIn";

/** What the events consumer does on its queue (operator/aws/event-queue.ts). */
export const EVENTS_QUEUE_ACTIONS = [
  "sqs:ChangeMessageVisibility",
  "sqs:DeleteMessage",
  "sqs:GetQueueAttributes",
  "sqs:ReceiveMessage",
];

/** The resource types ecsnet creates, tags at creation and later changes or deletes by tag. */
const OWNED_TYPES = ["security-group", "vpc-endpoint", "natgateway", "elastic-ip"] as const;

/** Reads with no resource-level permissions in EC2 (Resource must be `*`); scoped by region. */
const EC2_DESCRIBE = [
  "ec2:DescribeAddresses",
  "ec2:DescribeInternetGateways",
  "ec2:DescribeNatGateways",
  "ec2:DescribeRouteTables",
  "ec2:DescribeSecurityGroupRules",
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeSubnets",
  "ec2:DescribeVpcEndpointServices",
  "ec2:DescribeVpcEndpoints",
  "ec2:DescribeVpcs",
];

/**
 * The tag changes ecsnet makes on resources it owns (never on {@link OWNERSHIP_KEYS}). A new tagging command
 * in the adapters belongs here; the derivation test fails until it is.
 */
const TAG_CHANGES = ["ec2:CreateTags", "ec2:DeleteTags"];

/**
 * The two tags that make a resource ecsnet's to IAM (the OWNED condition reads them): no statement but the
 * opt-in adoption may write or delete them on an existing resource, so the guard is not circular.
 */
export const OWNERSHIP_KEYS: readonly string[] = [TagKey.ManagedBy, TagKey.OwnerUid];

/** The creations, each with the resource type it creates (and tags in the same call). */
const CREATES = {
  base: [
    { action: "CreateSecurityGroup", type: "security-group" },
    { action: "CreateVpcEndpoint", type: "vpc-endpoint" },
  ],
  nat: [
    { action: "CreateNatGateway", type: "natgateway" },
    { action: "AllocateAddress", type: "elastic-ip" },
  ],
} as const;

const MANAGED_BY = `aws:ResourceTag/${TagKey.ManagedBy}`;
const OWNER_UID = `aws:ResourceTag/${TagKey.OwnerUid}`;

/** The resource carries ecsnet's ownership tags (managed-by=ecsnet and an owner uid). */
const OWNED = {
  StringEquals: { [MANAGED_BY]: "ecsnet" },
  Null: { [OWNER_UID]: "false" },
} as const;

/** The request sets ecsnet's ownership tags on what it creates. */
const CREATED_WITH_OWNER_TAGS = {
  StringEquals: { [`aws:RequestTag/${TagKey.ManagedBy}`]: "ecsnet" },
  Null: { [`aws:RequestTag/${TagKey.OwnerUid}`]: "false" },
} as const;

/** Several condition blocks as one: keys of the same operator are merged (all must hold). */
function allOf(...blocks: ConditionBlock[]): ConditionBlock {
  const out: Record<string, Record<string, string | readonly string[]>> = {};
  for (const b of blocks) for (const [op, keys] of Object.entries(b)) out[op] = { ...out[op], ...keys };
  return out;
}

/** Build the policy for `scope` and `features`. Deterministic: the same input gives the same document. */
export function iamPolicy(scope: IamScope, features: IamFeatures): PolicyDocument {
  const { partition, account, regions } = scope;
  // One region: it is in every ARN. Several: ARNs name any region and every statement requires one of
  // them (aws:RequestedRegion), so the policy does not grow with the number of regions.
  const region = regions.length === 1 ? regions[0]! : "*";
  const ec2 = (type: string, id = "*"): string => `arn:${partition}:ec2:${region}:${account}:${type}/${id}`;
  const ecs = (type: string): string => `arn:${partition}:ecs:${region}:${account}:${type}/*`;
  const vpcArns = scope.vpcIds.map((v) => ec2("vpc", v));
  const inScopedVpcs = { ArnEquals: { "ec2:Vpc": vpcArns } };
  const inRegions = { StringEquals: { "aws:RequestedRegion": [...regions] } };
  const nat = features.natEgress && !features.readOnly;
  const write = !features.readOnly;
  const creates = [...CREATES.base, ...(nat ? CREATES.nat : [])];
  const ownedTypes = OWNED_TYPES.filter((t) => nat || (t !== "natgateway" && t !== "elastic-ip"));
  const on = (...actions: (string | false)[]): string[] => actions.filter((a): a is string => a !== false);

  const s: (PolicyStatement | false)[] = [
    // AwsAccounts: the operator's own role assumes the target roles (docs/accounts.md); nothing else of STS.
    (features.assumeRoles?.length ?? 0) > 0 && {
      Sid: "AssumeAwsAccountRoles",
      Effect: "Allow",
      Action: ["sts:AssumeRole"],
      Resource: [...features.assumeRoles!],
    },
    // Reads. EC2's Describe calls take no resource ARN; the region is all IAM can scope them by.
    { Sid: "DescribeInScopeRegions", Effect: "Allow", Action: EC2_DESCRIBE, Resource: "*", Condition: inRegions },
    features.ecsDiscovery && {
      Sid: "ReadEcsServicesAndTaskDefinitions",
      Effect: "Allow",
      Action: ["ecs:DescribeTaskDefinition", "ecs:ListServices"],
      Resource: "*",
      Condition: inRegions,
    },
    features.ecsDiscovery && {
      Sid: "DescribeEcsClustersAndServicesInScope",
      Effect: "Allow",
      Action: ["ecs:DescribeClusters", "ecs:DescribeServices"],
      Resource: [ecs("cluster"), ecs("service")],
    },
    // The VPCs named, by ARN: their attributes, and the VPC every creation names.
    {
      Sid: "OnlyTheScopedVpcs",
      Effect: "Allow",
      Action: on(
        "ec2:DescribeVpcAttribute",
        write && "ec2:CreateSecurityGroup",
        write && "ec2:CreateVpcEndpoint",
        nat && "ec2:CreateNatGateway",
        write && features.vpcDnsEnforce && "ec2:ModifyVpcAttribute",
      ),
      Resource: vpcArns,
    },

    // Creation: the new resource must carry the ownership tags, and may be tagged only while it is created.
    write && {
      Sid: "CreateOnlyWithOwnershipTags",
      Effect: "Allow",
      Action: creates.map((c) => `ec2:${c.action}`),
      Resource: creates.map((c) => ec2(c.type)),
      Condition: CREATED_WITH_OWNER_TAGS,
    },
    write && {
      Sid: "TagOnlyWhileCreating",
      Effect: "Allow",
      Action: ["ec2:CreateTags"],
      Resource: creates.map((c) => ec2(c.type)),
      Condition: allOf({ StringEquals: { "ec2:CreateAction": creates.map((c) => c.action) } }, CREATED_WITH_OWNER_TAGS),
    },
    // What carries no tag, in the VPCs named (ec2:Vpc): the NAT default routes, the public subnet of a NAT
    // gateway, the subnets and security groups an endpoint is modified to use.
    write && {
      Sid: "InScopedVpcsOnly",
      Effect: "Allow",
      Action: on(
        nat && "ec2:CreateNatGateway",
        nat && "ec2:CreateRoute",
        nat && "ec2:DeleteRoute",
        "ec2:ModifyVpcEndpoint",
        nat && "ec2:ReplaceRoute",
      ),
      Resource: [ec2("subnet"), ec2("security-group"), ...(nat ? [ec2("route-table")] : [])],
      Condition: inScopedVpcs,
    },
    // The reference offers no ec2:Vpc key on these; AWS requires them to be in the endpoint's VPC, which is
    // one of the VPCs named (CreateVpcEndpoint) or the VPC of an endpoint ecsnet owns (ModifyVpcEndpoint).
    write && {
      Sid: "EndpointsUseRouteTablesOfTheirVpc",
      Effect: "Allow",
      Action: ["ec2:CreateVpcEndpoint", "ec2:ModifyVpcEndpoint"],
      Resource: ec2("route-table"),
    },
    write && {
      Sid: "NewEndpointsUseSubnetsAndGroupsOfTheirVpc",
      Effect: "Allow",
      Action: ["ec2:CreateVpcEndpoint"],
      Resource: [ec2("subnet"), ec2("security-group")],
    },
    // The Elastic IP is ecsnet's, or one the network names in elasticIpAllocationIds (used, never released).
    nat && {
      Sid: "NatGatewaysUseElasticIpsOfTheAccount",
      Effect: "Allow",
      Action: ["ec2:CreateNatGateway"],
      Resource: ec2("elastic-ip"),
    },

    // Changes and deletions: only on resources carrying the ownership tags.
    write && {
      Sid: "ChangeOnlyOwnedSecurityGroupsInScopedVpcs",
      Effect: "Allow",
      Action: [
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:DeleteSecurityGroup",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
      ],
      Resource: ec2("security-group"),
      Condition: allOf(OWNED, inScopedVpcs),
    },
    write && {
      Sid: "ChangeOnlyOwnedEndpointsNatGatewaysAndElasticIps",
      Effect: "Allow",
      Action: on(
        nat && "ec2:DeleteNatGateway",
        "ec2:DeleteVpcEndpoints",
        "ec2:ModifyVpcEndpoint",
        nat && "ec2:ReleaseAddress",
      ),
      Resource: ownedTypes.filter((t) => t !== "security-group").map((t) => ec2(t)),
      Condition: OWNED,
    },
    // Tags other than the ownership keys, on what ecsnet owns (spec.tags changes, repaired descriptive tags).
    // A request without tag keys (DeleteTags without Tags deletes every tag) is refused by the Null condition.
    write && {
      Sid: "ChangeOtherTagsOfOwnedResources",
      Effect: "Allow",
      Action: TAG_CHANGES,
      Resource: ownedTypes.map((t) => ec2(t)),
      Condition: allOf(OWNED, {
        "ForAllValues:StringNotEquals": { "aws:TagKeys": [...OWNERSHIP_KEYS] },
        Null: { "aws:TagKeys": "false" },
        // Security groups carry ec2:Vpc; the other owned types offer no VPC key.
        ArnEqualsIfExists: { "ec2:Vpc": vpcArns },
      }),
    },
    features.adoption &&
      write && {
        Sid: ADOPTION_SID,
        Effect: "Allow",
        Action: ["ec2:CreateTags"],
        Resource: ec2("vpc-endpoint"),
        Condition: allOf(CREATED_WITH_OWNER_TAGS, {
          Null: { [OWNER_UID]: "true", [MANAGED_BY]: "true", "ec2:CreateAction": "true" },
        }),
      },
  ];
  // ---- EC2 change events (docs/events.md): read and delete on the one queue, nothing else of SQS.
  if (features.eventsQueueArn)
    s.push({
      Sid: "ConsumeEc2ChangeEvents",
      Effect: "Allow",
      Action: EVENTS_QUEUE_ACTIONS,
      Resource: features.eventsQueueArn,
    });
  const statements = s.filter((x): x is PolicyStatement => x !== false);
  return {
    Version: "2012-10-17",
    Statement:
      regions.length === 1
        ? statements
        : statements.map((x) => (x.Resource === "*" ? x : { ...x, Condition: allOf(x.Condition ?? {}, inRegions) })),
  };
}

/** The actions a policy grants, sorted. */
export const grantedActions = (p: PolicyDocument): string[] =>
  [...new Set(p.Statement.flatMap((s) => s.Action))].sort();

/** The policy as deploy/iam-policy.json holds it: two-space JSON and a final newline. */
export const renderIamPolicy = (p: PolicyDocument): string => `${JSON.stringify(p, null, 2)}\n`;

/**
 * IAM's size limit for a customer managed policy (whitespace not counted):
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
export const MANAGED_POLICY_MAX_CHARS = 6144;

/** The size IAM counts: the JSON without whitespace. */
export const policySize = (p: PolicyDocument): number => JSON.stringify(p).length;
