/**
 * What an ecsnet IAM policy is for: the account, regions and VPCs it may act in, and the features in use.
 * Pure data and its validation; `policy.ts` turns a scope and features into the policy document.
 */

/** Where the role may act. Every ARN in the policy is built from these. */
export interface IamScope {
  /** `aws`, `aws-cn` or `aws-us-gov`. */
  readonly partition: string;
  /** The 12-digit account id. */
  readonly account: string;
  readonly regions: readonly string[];
  /** The VPCs whose route tables, attributes and security groups ecsnet may change. */
  readonly vpcIds: readonly string[];
}

/** The features of ecsnet in use; each adds the rights it needs, and nothing else. */
export interface IamFeatures {
  /** `egress.mode: NatGateway`: Elastic IPs, NAT gateways and the 0.0.0.0/0 routes to them. */
  readonly natEgress: boolean;
  /** `vpcDns: Enforce`: turn on enableDnsSupport / enableDnsHostnames of the VPCs in scope. */
  readonly vpcDnsEnforce: boolean;
  /** `endpoints.adoptExisting`: tag an existing, untagged VPC endpoint as ecsnet's (opt-in statement). */
  readonly adoption: boolean;
  /** EcrAccess discovery and `diagnose --cluster`: read ECS clusters, services and task definitions. */
  readonly ecsDiscovery: boolean;
  /** Reads only: for `ecsnet diagnose`, `ecsnet plan` and ObserveOnly networks. */
  readonly readOnly: boolean;
  /**
   * The AwsAccount roles the operator assumes (role ARNs, or a pattern such as
   * `arn:aws:iam::*:role/ecsnet-target`): adds sts:AssumeRole on exactly those. Default none.
   */
  readonly assumeRoles?: readonly string[];
  /**
   * `ecsnet run --events-queue`: the ARN of the SQS queue EventBridge delivers EC2's CloudTrail events to
   * (docs/events.md); adds receive, delete, visibility and attribute reads on that queue only. Absent: none.
   */
  readonly eventsQueueArn?: string;
}

/**
 * The scope `ecsnet iam-policy` uses when none is given: AWS's documentation account and the VPC id of the
 * examples. A policy for them grants nothing in a real account; they are there to be replaced.
 */
export const PLACEHOLDER_SCOPE: IamScope = {
  partition: "aws",
  account: "111122223333",
  regions: ["us-east-1"],
  vpcIds: ["vpc-0123456789abcdef0"],
};

/** The features of deploy/iam-policy.json: everything but adoption, which is opt-in. */
export const DEFAULT_FEATURES: IamFeatures = {
  natEgress: true,
  vpcDnsEnforce: true,
  adoption: false,
  ecsDiscovery: true,
  readOnly: false,
};

const PARTITIONS = ["aws", "aws-cn", "aws-us-gov"] as const;
const ACCOUNT = /^\d{12}$/;
/** `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-7`, ... */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const VPC_ID = /^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/;

/** A scope as the user typed it; missing parts fall back to {@link PLACEHOLDER_SCOPE}. */
export interface ScopeInput {
  readonly partition?: string;
  readonly account?: string;
  readonly regions?: readonly string[];
  readonly vpcIds?: readonly string[];
}

/** Either a valid scope, or one message per bad value, each naming the value and the fix. */
export type ScopeResult =
  | { readonly ok: true; readonly scope: IamScope; readonly placeholders: readonly string[] }
  | { readonly ok: false; readonly errors: readonly string[] };

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

/** Validate what the user gave; report every bad value at once. */
export function validateScope(input: ScopeInput): ScopeResult {
  const errors: string[] = [];
  const placeholders: string[] = [];
  const partition = input.partition ?? PLACEHOLDER_SCOPE.partition;
  if (!(PARTITIONS as readonly string[]).includes(partition)) {
    errors.push(`partition "${partition}" is not one of ${PARTITIONS.join(", ")}: use the partition of your account`);
  }
  const account = input.account ?? PLACEHOLDER_SCOPE.account;
  if (input.account === undefined) placeholders.push("account");
  if (!ACCOUNT.test(account)) {
    errors.push(`account "${account}" is not a 12-digit AWS account id: pass --account 123456789012`);
  }
  const regions = unique(input.regions?.length ? input.regions : PLACEHOLDER_SCOPE.regions);
  if (!input.regions?.length) placeholders.push("region");
  for (const r of regions) {
    if (!REGION.test(r)) errors.push(`region "${r}" is not an AWS region name: pass --region like eu-west-1`);
  }
  const vpcIds = unique(input.vpcIds?.length ? input.vpcIds : PLACEHOLDER_SCOPE.vpcIds);
  if (!input.vpcIds?.length) placeholders.push("vpc");
  for (const v of vpcIds) {
    if (!VPC_ID.test(v)) errors.push(`vpc "${v}" is not a VPC id: pass --vpc like vpc-0123456789abcdef0`);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, scope: { partition, account, regions, vpcIds }, placeholders };
}
