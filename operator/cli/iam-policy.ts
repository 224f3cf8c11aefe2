/**
 * `ecsnet iam-policy [--account ID] [--region R ...] [--vpc VPC ...] [feature flags] [--out FILE]`: the
 * least-privilege IAM policy for that scope (operator/iam/policy.ts). Without a scope it prints the
 * policy for placeholder values (deploy/iam-policy.json, `npm run gen:iam`) and says so on stderr.
 */
import { writeFile } from "node:fs/promises";
import { Command } from "commander";
import { MANAGED_POLICY_MAX_CHARS, iamPolicy, policySize, renderIamPolicy } from "../iam/policy.js";
import { DEFAULT_FEATURES, validateScope, type IamFeatures } from "../iam/scope.js";

/** Thrown for a scope value that is not an account id, region or VPC id; the message names each and its fix. */
export class IamScopeError extends Error {
  override readonly name = "IamScopeError";
}

interface Flags {
  account?: string;
  region?: string[];
  vpc?: string[];
  partition?: string;
  nat: boolean;
  vpcDns: boolean;
  discovery: boolean;
  adoption: boolean;
  readOnly: boolean;
  assumeRole?: string[];
  eventsQueueArn?: string;
  out?: string;
}

/** `a,b` and repeated flags both collect into one list. */
const collect = (v: string, prev: string[] = []): string[] => [
  ...prev,
  ...v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
];

/** The `iam-policy` command. */
export function iamPolicyCommand(): Command {
  return new Command("iam-policy")
    .description("print the least-privilege IAM policy for an account, its regions and VPCs, and the features in use")
    .option("--account <id>", "the 12-digit AWS account id")
    .option("--region <regions>", "regions ecsnet works in (repeat or comma-separate)", collect)
    .option(
      "--vpc <vpcIds>",
      "VPCs whose routes, attributes and security groups it may change (repeat or comma-separate)",
      collect,
    )
    .option("--partition <partition>", "aws, aws-cn or aws-us-gov", "aws")
    .option("--no-nat", "no network uses egress.mode NatGateway: leave out Elastic IPs, NAT gateways and routes")
    .option("--no-vpc-dns", "no network uses vpcDns: Enforce: leave out ec2:ModifyVpcAttribute")
    .option("--no-discovery", "no EcrAccess discovers from ECS (and no diagnose --cluster): leave out the ECS reads")
    .option("--adoption", "some network sets endpoints.adoptExisting: add the opt-in adoption statement", false)
    .option("--read-only", "reads only: for ecsnet diagnose, ecsnet plan and ObserveOnly networks", false)
    .option(
      "--assume-role <roleArns>",
      "AwsAccount roles the operator assumes (ARNs or patterns, repeat or comma-separate): adds sts:AssumeRole on them",
      collect,
    )
    .option(
      "--events-queue-arn <arn>",
      "ecsnet run --events-queue is used: allow receiving and deleting on that SQS queue (docs/events.md)",
    )
    .option("--out <file>", "write the policy to this file instead of printing it")
    .addHelpText(
      "after",
      "\nWithout --account, --region and --vpc the policy names placeholders (111122223333, us-east-1, " +
        "vpc-0123456789abcdef0)\nthat grant nothing in a real account: pass yours. docs/iam.md says what the policy guarantees.",
    )
    .action(async (o: Flags) => {
      const result = validateScope({
        ...(o.partition !== undefined ? { partition: o.partition } : {}),
        ...(o.account !== undefined ? { account: o.account } : {}),
        ...(o.region !== undefined ? { regions: o.region } : {}),
        ...(o.vpc !== undefined ? { vpcIds: o.vpc } : {}),
      });
      if (!result.ok) throw new IamScopeError(result.errors.join("\n"));
      if (
        o.eventsQueueArn !== undefined &&
        !/^arn:aws(-cn|-us-gov)?:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/.test(o.eventsQueueArn)
      )
        throw new IamScopeError(
          `--events-queue-arn "${o.eventsQueueArn}" is not an SQS queue ARN: use arn:aws:sqs:REGION:ACCOUNT:NAME (the QueueArn output of deploy/aws/events.yaml)`,
        );
      const features: IamFeatures = {
        ...DEFAULT_FEATURES,
        natEgress: o.nat,
        vpcDnsEnforce: o.vpcDns,
        ecsDiscovery: o.discovery,
        adoption: o.adoption,
        readOnly: o.readOnly,
        ...(o.assumeRole !== undefined ? { assumeRoles: o.assumeRole } : {}),
        ...(o.eventsQueueArn ? { eventsQueueArn: o.eventsQueueArn } : {}),
      };
      const policy = iamPolicy(result.scope, features);
      if (result.placeholders.length > 0) {
        process.stderr.write(
          `note: no --${result.placeholders.join(", --")} given: the policy names placeholder values that grant ` +
            "nothing in a real account; pass yours\n",
        );
      }
      const size = policySize(policy);
      if (size > MANAGED_POLICY_MAX_CHARS) {
        process.stderr.write(
          `note: the policy is ${size} characters, over IAM's ${MANAGED_POLICY_MAX_CHARS} for a managed policy: ` +
            "split the VPCs or regions over several roles, or attach it as an inline policy (10,240)\n",
        );
      }
      const text = renderIamPolicy(policy);
      if (o.out) {
        await writeFile(o.out, text);
        process.stderr.write(`wrote ${o.out}\n`);
      } else process.stdout.write(text);
    });
}
