/**
 * EcsPort: the read-only ECS calls ecsnet makes to discover workloads, in ecsnet's own types. Discovery
 * (`discover.ts`) depends on this interface only; `ecs-sdk.ts` implements it on @aws-sdk/client-ecs.
 * Every method rejects with the SDK's error unchanged (classify it once with `classifyAwsError`); list
 * methods follow pagination to the end. Nothing here writes.
 */
import type { DiscoveredContainer } from "../core/workload-needs.js";

/** A service as DescribeServices reports it (the parts discovery uses). */
export interface EcsServiceRecord {
  readonly name: string;
  readonly arn: string;
  /** `ACTIVE` | `DRAINING` | `INACTIVE`. */
  readonly status: string;
  readonly launchType?: string;
  /** Capacity provider names of the service's strategy (empty when it uses a launch type). */
  readonly capacityProviders: readonly string[];
  readonly platformVersion?: string;
  readonly enableExecuteCommand: boolean;
  /** The current task definition (ARN with revision). */
  readonly taskDefinitionArn: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
}

/** One container definition (the parts discovery uses): core's plain-data shape, so discovery passes it on. */
export type EcsContainerRecord = DiscoveredContainer;

/** A task definition as DescribeTaskDefinition reports it (the parts discovery uses). */
export interface EcsTaskDefinitionRecord {
  readonly arn: string;
  readonly networkMode?: string;
  readonly containers: readonly EcsContainerRecord[];
}

/** A cluster as DescribeClusters (with CONFIGURATIONS) reports it. */
export interface EcsClusterRecord {
  readonly arn: string;
  readonly name: string;
  /** `executeCommandConfiguration.kmsKeyId`, when ECS Exec sessions are encrypted with a KMS key. */
  readonly execKmsKeyId?: string;
}

/** The ECS reads of discovery. */
export interface EcsPort {
  /** ARNs of every service of the cluster (ListServices, all pages). */
  listServices(input: { cluster: string }): Promise<string[]>;
  /**
   * The named services (names or ARNs), in batches of 10 (DescribeServices' limit). Unknown or INACTIVE
   * services are returned in `missing` (as given), not thrown.
   */
  describeServices(input: {
    cluster: string;
    services: readonly string[];
  }): Promise<{ services: EcsServiceRecord[]; missing: string[] }>;
  /** One task definition by ARN or family:revision. */
  describeTaskDefinition(input: { taskDefinition: string }): Promise<EcsTaskDefinitionRecord>;
  /** The cluster, or null when it does not exist (or is INACTIVE). */
  describeCluster(input: { cluster: string }): Promise<EcsClusterRecord | null>;
}
