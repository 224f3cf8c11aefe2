/**
 * The checks CreateService and UpdateService share: how a service is placed (launch type or
 * capacity provider strategy, platform version) and its awsvpc network configuration, each
 * checked against the task definition and cluster the way ECS checks them.
 */
import { invalidParameter } from "./errors.js";
import type { ClusterRecord, TaskDefinitionRecord } from "./state.js";
import { copy, isObject } from "./state.js";

const LAUNCH_TYPES = ["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"];
const FARGATE_PROVIDERS = ["FARGATE", "FARGATE_SPOT"];

/** How a service's tasks are placed: exactly one of launchType or capacityProviderStrategy. */
export interface Placement {
  readonly launchType?: string;
  readonly capacityProviderStrategy?: Record<string, unknown>[];
  readonly platformVersion?: string;
}

/** The launch type a placement amounts to, for the task definition compatibility check. */
export function effectiveLaunchType(p: Placement): string {
  if (p.launchType !== undefined) return p.launchType;
  const first = p.capacityProviderStrategy?.[0]?.capacityProvider;
  return typeof first === "string" && FARGATE_PROVIDERS.includes(first) ? "FARGATE" : "EC2";
}

/**
 * Resolves and checks a placement. With neither a launch type nor a strategy the cluster's default
 * strategy applies, else launch type EC2 (ECS's rule). Fargate services get platformVersion LATEST
 * when none is given; any other launch type refuses a platform version.
 */
export function resolvePlacement(
  cluster: ClusterRecord,
  asked: { launchType?: string; capacityProviderStrategy?: Record<string, unknown>[]; platformVersion?: string },
): Placement {
  const { launchType, capacityProviderStrategy: strategy } = asked;
  if (launchType !== undefined && strategy !== undefined && strategy.length > 0) {
    throw invalidParameter(
      "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.",
    );
  }
  if (launchType !== undefined && !LAUNCH_TYPES.includes(launchType)) {
    throw invalidParameter(`launchType must be one of ${LAUNCH_TYPES.join(", ")}.`);
  }
  let placement: Placement;
  if (strategy !== undefined && strategy.length > 0) {
    for (const item of strategy) {
      const name = item.capacityProvider;
      if (typeof name !== "string" || !cluster.capacityProviders.includes(name)) {
        throw invalidParameter(
          "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.",
        );
      }
    }
    placement = { capacityProviderStrategy: copy(strategy) };
  } else if (launchType !== undefined) {
    placement = { launchType };
  } else if (cluster.defaultCapacityProviderStrategy.length > 0) {
    placement = { capacityProviderStrategy: copy(cluster.defaultCapacityProviderStrategy) };
  } else {
    placement = { launchType: "EC2" };
  }
  const fargate = effectiveLaunchType(placement) === "FARGATE";
  if (!fargate && asked.platformVersion !== undefined) {
    throw invalidParameter(
      `The platform version must be null when specifying an ${effectiveLaunchType(placement)} launch type.`,
    );
  }
  return fargate ? { ...placement, platformVersion: asked.platformVersion ?? "LATEST" } : placement;
}

/** Throws InvalidParameterException when the task definition cannot run with this placement. */
export function checkCompatible(td: TaskDefinitionRecord, placement: Placement): void {
  if (td.status !== "ACTIVE") throw invalidParameter("TaskDefinition is inactive");
  const launchType = effectiveLaunchType(placement);
  const compatibilities = td.body.compatibilities as string[];
  if (launchType !== "EXTERNAL" && launchType !== "MANAGED_INSTANCES" && !compatibilities.includes(launchType)) {
    throw invalidParameter(`Task definition does not support launch_type ${launchType}.`);
  }
}

/**
 * Checks `networkConfiguration` against the task definition's network mode and the launch type,
 * and returns it as ECS stores it (assignPublicIp defaults to DISABLED), or undefined when absent.
 */
export function resolveNetworkConfiguration(
  nc: Record<string, unknown> | undefined,
  td: TaskDefinitionRecord,
  launchType: string,
): Record<string, unknown> | undefined {
  const awsvpc = td.body.networkMode === "awsvpc";
  const vpc = nc?.awsvpcConfiguration;
  if (!awsvpc) {
    if (vpc !== undefined) {
      throw invalidParameter("Network Configuration is not valid for the given networkMode of this task definition.");
    }
    return undefined;
  }
  if (!isObject(vpc)) {
    throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  }
  const subnets = Array.isArray(vpc.subnets) ? vpc.subnets : [];
  const groups = Array.isArray(vpc.securityGroups) ? vpc.securityGroups : [];
  if (subnets.length === 0) throw invalidParameter("subnets can not be empty.");
  if (subnets.length > 16) throw invalidParameter("subnets can have at most 16 items.");
  if (groups.length > 5) throw invalidParameter("securityGroups can have at most 5 items.");
  const badSubnet = subnets.find((s) => typeof s !== "string" || !/^subnet-[0-9a-f]+$/.test(s));
  if (badSubnet !== undefined) throw invalidParameter(`Invalid subnet ID: ${String(badSubnet)}.`);
  const badGroup = groups.find((g) => typeof g !== "string" || !/^sg-[0-9a-f]+$/.test(g));
  if (badGroup !== undefined) throw invalidParameter(`Invalid security group ID: ${String(badGroup)}.`);
  const assign = vpc.assignPublicIp ?? "DISABLED";
  if (assign !== "ENABLED" && assign !== "DISABLED")
    throw invalidParameter("assignPublicIp must be ENABLED or DISABLED.");
  if (assign === "ENABLED" && launchType !== "FARGATE") {
    throw invalidParameter("Assign public IP is not supported for this launch type.");
  }
  return { awsvpcConfiguration: { subnets: [...subnets], securityGroups: [...groups], assignPublicIp: assign } };
}
