/**
 * The endpoint catalogue: which VPC endpoints ECS workloads in private subnets need, by launch type, and
 * what ecsnet knows about each service. Facts from aws-facts §3.1 (endpoint matrix) and §3.4 (private DNS).
 *
 * Names are short service names (`ecr.dkr`), the part after `com.amazonaws.<region>.`.
 */

/** ECS launch types that select default endpoints. */
export const LaunchType = { FARGATE: "FARGATE", EC2: "EC2" } as const;
export type LaunchType = (typeof LaunchType)[keyof typeof LaunchType];

/**
 * Interface endpoints every Fargate (platform version ≥ 1.4.0) workload needs (aws-facts §3.1, §3.2):
 * `ecr.api` and `ecr.dkr` to pull images from private ECR, `logs` for the awslogs driver.
 */
export const FARGATE_DEFAULT_ENDPOINTS: readonly string[] = ["ecr.api", "ecr.dkr", "logs"];

/**
 * Interface endpoints the EC2 launch type adds: the container agent talks to `ecs`, `ecs-agent` and
 * `ecs-telemetry` (aws-facts §3.1: "required; create in listed order"; not required for Fargate).
 */
export const EC2_EXTRA_ENDPOINTS: readonly string[] = ["ecs", "ecs-agent", "ecs-telemetry"];

/**
 * Services ecsnet reaches through a *gateway* endpoint (route-table entries, no ENI, no security group).
 * `s3` must be a gateway endpoint for ECR layer downloads: "interface endpoints for Amazon S3 can't be used
 * with Amazon ECR" (aws-facts §3.1).
 */
export const GATEWAY_SERVICES: readonly string[] = ["s3"];

/**
 * Extras ecsnet knows (aws-facts §3.1): `secretsmanager`/`ssm` for secrets in task definitions, `ssmmessages`
 * (+ `kms` with a customer key) for ECS Exec, and commonly wanted `sts`, `ec2messages`, `elasticfilesystem`,
 * `monitoring`, `xray` (the matrix flags sts and elasticfilesystem as unverified for ECS itself).
 * Any other short name is accepted as long as the region offers it (DescribeVpcEndpointServices).
 */
export const KNOWN_EXTRA_ENDPOINTS: readonly string[] = [
  "secretsmanager",
  "ssm",
  "ssmmessages",
  "kms",
  "sts",
  "ec2messages",
  "elasticfilesystem",
  "monitoring",
  "xray",
];

/**
 * Services whose interface endpoint is useless without private DNS: for `ecr.dkr` "you must enable a private
 * DNS hostname" (aws-facts §3.1, ECR user guide), because Docker clients resolve the registry host name.
 */
export const PRIVATE_DNS_REQUIRED: readonly string[] = ["ecr.dkr"];

/**
 * The default interface endpoints for `launchTypes`, in catalogue order and without duplicates:
 * Fargate's set for any launch type (EC2 tasks pull images and ship logs too), plus the agent's three for EC2.
 * Never includes a gateway service (the S3 gateway is configured separately).
 */
export function defaultInterfaceEndpoints(launchTypes: readonly LaunchType[]): string[] {
  const out = [...FARGATE_DEFAULT_ENDPOINTS];
  if (launchTypes.includes(LaunchType.EC2)) out.push(...EC2_EXTRA_ENDPOINTS);
  return out;
}

/** True when `short` is reached through a gateway endpoint (route tables) rather than an interface endpoint. */
export const isGatewayService = (short: string): boolean => GATEWAY_SERVICES.includes(short);

/** True when an interface endpoint for `short` must have private DNS on to be of any use. */
export const requiresPrivateDns = (short: string): boolean => PRIVATE_DNS_REQUIRED.includes(short);

/**
 * The full AWS service name of `short` in `region`: `com.amazonaws.<region>.<short>`.
 * (China regions use `cn.com.amazonaws.` for some services; the topology's DescribeVpcEndpointServices
 * answer is authoritative, and computeDesired prefers it when it lists the service.)
 */
export function serviceName(region: string, short: string): string {
  return `com.amazonaws.${region}.${short}`;
}

/** The short name of a full service name (`com.amazonaws.us-east-1.ecr.dkr` → `ecr.dkr`), or the input unchanged. */
export function shortServiceName(full: string, region: string): string {
  for (const prefix of [`com.amazonaws.${region}.`, `cn.com.amazonaws.${region}.`]) {
    if (full.startsWith(prefix)) return full.slice(prefix.length);
  }
  return full;
}
