/**
 * The Service and Deployment shapes of the API, built from a ServiceRecord, and the lookups
 * of services and task definitions that the service operations share.
 */
import { serviceArn, serviceRefOf } from "./arns.js";
import { EcsApiError, invalidParameter } from "./errors.js";
import type { ClusterRecord, EcsContext, ServiceRecord, TaskDefinitionRecord } from "./state.js";
import { copy, toEpochSeconds } from "./state.js";
import { findTaskDefinition } from "./task-definitions.js";

/**
 * The task definition a service request names ("family", "family:revision" or an ARN).
 * Throws InvalidParameterException when absent or unknown, as CreateService/UpdateService do.
 */
export function requireTaskDefinition(ctx: EcsContext, ref: string | undefined): TaskDefinitionRecord {
  if (ref === undefined || ref === "") throw invalidParameter("TaskDefinition cannot be blank.");
  const td = findTaskDefinition(ctx, ref);
  if (td === undefined) throw invalidParameter("TaskDefinition not found.");
  return td;
}

/**
 * A new PRIMARY deployment of the service's current task definition, already COMPLETED
 * (the sandbox runs no tasks, so every rollout finishes at once). Timestamps are epoch ms.
 */
export function newDeployment(ctx: EcsContext, service: ServiceRecord, sequence: number): Record<string, unknown> {
  const b = service.body;
  // ECS deployment ids look like "ecs-svc/" + 19 digits; derive them from the sequence to stay deterministic.
  const id = `ecs-svc/${String(1_000_000_000_000_000_000n + BigInt(sequence))}`;
  const now = ctx.now();
  return {
    id,
    status: "PRIMARY",
    taskDefinition: b.taskDefinition,
    desiredCount: b.desiredCount,
    pendingCount: 0,
    runningCount: b.desiredCount,
    failedTasks: 0,
    createdAt: now,
    updatedAt: now,
    ...(b.launchType !== undefined ? { launchType: b.launchType } : {}),
    ...(b.capacityProviderStrategy !== undefined ? { capacityProviderStrategy: copy(b.capacityProviderStrategy) } : {}),
    ...(b.platformVersion !== undefined ? { platformVersion: b.platformVersion } : {}),
    ...(b.networkConfiguration !== undefined ? { networkConfiguration: copy(b.networkConfiguration) } : {}),
    rolloutState: "COMPLETED",
    rolloutStateReason: `ECS deployment ${id} completed.`,
  };
}

/** The Service shape: timestamps as epoch seconds, `tags` only when asked for. */
export function renderService(s: ServiceRecord, withTags: boolean): Record<string, unknown> {
  return {
    ...copy(s.body),
    status: s.status,
    deployments: s.deployments.map((d) => ({
      ...copy(d),
      createdAt: toEpochSeconds(Number(d.createdAt)),
      updatedAt: toEpochSeconds(Number(d.updatedAt)),
    })),
    events: [],
    createdAt: toEpochSeconds(s.createdAtMs),
    ...(withTags ? { tags: copy(s.tags) } : {}),
  };
}

/** The service a name or ARN names in `cluster` (any status), or undefined. */
export function findService(ctx: EcsContext, cluster: ClusterRecord, ref: string): ServiceRecord | undefined {
  const { name, cluster: named } = serviceRefOf(ref);
  if (named !== undefined && named !== cluster.name) return undefined;
  return ctx.state.services.get(serviceArn(ctx, cluster.name, name));
}

/** The ACTIVE service an update or delete names; ServiceNotFound / ServiceNotActive otherwise. */
export function requireActiveService(ctx: EcsContext, cluster: ClusterRecord, ref: string | undefined): ServiceRecord {
  if (ref === undefined || ref === "") throw invalidParameter("Service cannot be blank.");
  const service = findService(ctx, cluster, ref);
  if (service === undefined) throw new EcsApiError("ServiceNotFoundException", "Service not found.");
  if (service.status !== "ACTIVE") throw new EcsApiError("ServiceNotActiveException", "Service was not ACTIVE.");
  return service;
}
