/**
 * Discovery: read an ECS cluster's services and their current task definitions into plain data
 * ({@link DiscoveredWorkloads}, a core type) that `workloadNeeds` turns into endpoints, images and subnets.
 * Also the one extra EC2 read the path checks need: security groups with their rules (the endpoints' and
 * the tasks'). Read-only; rejects with the SDK's error unchanged.
 */
import type { ObservedSecurityGroup } from "../core/model.js";
import type { DiscoveredService, DiscoveredWorkloads } from "../core/workload-needs.js";
import type { Ec2Port } from "./ec2-port.js";
import type { EcsPort } from "./ecs-port.js";
import { cmp } from "../core/order.js";

/** Thrown when the cluster to discover from does not exist. */
export class ClusterNotFoundError extends Error {
  override readonly name = "ClusterNotFoundError";
  constructor(readonly cluster: string) {
    super(`cannot discover workloads: ECS cluster ${cluster} not found`);
  }
}

/** What to discover. */
export interface DiscoverInput {
  readonly cluster: string;
  /** Service names or ARNs; default (absent or empty): every service of the cluster. */
  readonly services?: readonly string[];
}

/**
 * Read the cluster (for its ECS Exec KMS key), its services (all, or the named ones; unknown names are
 * reported in `missingServices`) and each distinct current task definition once. Services are sorted by name.
 * Rejects with {@link ClusterNotFoundError} when the cluster does not exist.
 */
export async function discoverWorkloads(ecs: EcsPort, input: DiscoverInput): Promise<DiscoveredWorkloads> {
  const { cluster } = input;
  const info = await ecs.describeCluster({ cluster });
  if (!info) throw new ClusterNotFoundError(cluster);
  const names = input.services?.length ? input.services : await ecs.listServices({ cluster });
  const { services, missing } = names.length
    ? await ecs.describeServices({ cluster, services: names })
    : { services: [], missing: [] };
  const arns = [...new Set(services.map((s) => s.taskDefinitionArn))];
  const defs = new Map(
    await Promise.all(
      arns.map(async (arn) => [arn, await ecs.describeTaskDefinition({ taskDefinition: arn })] as const),
    ),
  );
  const discovered: DiscoveredService[] = services.map((s) => {
    const td = defs.get(s.taskDefinitionArn);
    return {
      name: s.name,
      arn: s.arn,
      ...(s.launchType ? { launchType: s.launchType } : {}),
      capacityProviders: s.capacityProviders,
      ...(s.platformVersion ? { platformVersion: s.platformVersion } : {}),
      enableExecuteCommand: s.enableExecuteCommand,
      subnets: s.subnets,
      securityGroups: s.securityGroups,
      taskDefinitionArn: s.taskDefinitionArn,
      ...(td?.networkMode ? { networkMode: td.networkMode } : {}),
      containers: td?.containers ?? [],
    };
  });
  return {
    cluster,
    services: discovered.sort((a, b) => cmp(a.name, b.name)),
    missingServices: [...missing].sort(),
    ...(info.execKmsKeyId ? { execKmsKeyId: info.execKmsKeyId } : {}),
  };
}

/**
 * The given security groups of the VPC with all their rules: one DescribeSecurityGroups (by VPC) and one
 * DescribeSecurityGroupRules for all of them. Ids not in the VPC are left out. Ownership is not decided here
 * (`owned: false`): the checks only read rules.
 */
export async function fetchSecurityGroups(
  ec2: Ec2Port,
  input: { vpcId: string; groupIds: readonly string[] },
): Promise<ObservedSecurityGroup[]> {
  const wanted = new Set(input.groupIds);
  if (wanted.size === 0) return [];
  const groups = (await ec2.describeSecurityGroups({ vpcId: input.vpcId })).filter((g) => wanted.has(g.id));
  if (groups.length === 0) return [];
  const rules = await ec2.describeSecurityGroupRules({ groupIds: groups.map((g) => g.id) });
  return groups
    .map((g) => ({ ...g, owned: false, component: null, rules: rules.get(g.id) ?? [] }))
    .sort((a, b) => cmp(a.id, b.id));
}
