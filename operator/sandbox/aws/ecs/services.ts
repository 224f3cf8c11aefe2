/**
 * Service operations that change services: CreateService, UpdateService, DeleteService
 * (DescribeServices and ListServices are in service-queries.ts).
 * Tasks are not simulated one by one: a deployment reaches its desired count at once
 * (runningCount = desiredCount, rolloutState COMPLETED), which is all discovery needs.
 */
import { serviceArn } from "./arns.js";
import { requireCluster } from "./clusters.js";
import { invalidParameter } from "./errors.js";
import {
  checkCompatible,
  effectiveLaunchType,
  resolveNetworkConfiguration,
  resolvePlacement,
} from "./service-rules.js";
import type { EcsOperation, ServiceRecord } from "./state.js";
import { copy, nextSequence, optBool, optInt, optObject, optObjects, optString } from "./state.js";
import { findTaskDefinition } from "./task-definitions.js";
import { newDeployment, renderService, requireActiveService, requireTaskDefinition } from "./service-render.js";

const SERVICE_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** What a deployment is made of: a change to any of these rolls out a new deployment. */
const rolloutKey = (b: Record<string, unknown>): string =>
  JSON.stringify([b.taskDefinition, b.networkConfiguration, b.platformVersion, b.capacityProviderStrategy]);

const checkDesiredCount = (n: number | undefined): void => {
  if (n !== undefined && n < 0) throw invalidParameter("desiredCount must be greater than or equal to 0.");
};

/** CreateService: a second create of an ACTIVE name succeeds only with the same clientToken. */
const createService: EcsOperation = (ctx, input) => {
  const cluster = requireCluster(ctx, optString(input, "cluster"));
  const name = optString(input, "serviceName");
  if (name === undefined || !SERVICE_NAME.test(name)) {
    throw invalidParameter("serviceName can contain up to 255 letters, numbers, underscores and hyphens.");
  }
  const clientToken = optString(input, "clientToken");
  if (clientToken !== undefined && clientToken.length > 36) throw invalidParameter("clientToken is too long.");
  const existing = ctx.state.services.get(serviceArn(ctx, cluster.name, name));
  if (existing !== undefined && existing.status !== "INACTIVE") {
    if (clientToken !== undefined && clientToken === existing.clientToken)
      return { service: renderService(existing, true) };
    throw invalidParameter("Creation of service was not idempotent.");
  }
  const scheduling = optString(input, "schedulingStrategy") ?? "REPLICA";
  if (scheduling !== "REPLICA" && scheduling !== "DAEMON") throw invalidParameter("Invalid schedulingStrategy.");
  const desiredCount = optInt(input, "desiredCount");
  // CreateService documents desiredCount as required for the REPLICA strategy (models CreateServiceRequest).
  if (scheduling === "REPLICA" && desiredCount === undefined) throw invalidParameter("desiredCount is required.");
  checkDesiredCount(desiredCount);
  const td = requireTaskDefinition(ctx, optString(input, "taskDefinition"));
  const placement = resolvePlacement(cluster, {
    launchType: optString(input, "launchType"),
    capacityProviderStrategy: optObjects(input, "capacityProviderStrategy"),
    platformVersion: optString(input, "platformVersion"),
  });
  checkCompatible(td, placement);
  const networkConfiguration = resolveNetworkConfiguration(
    optObject(input, "networkConfiguration"),
    td,
    effectiveLaunchType(placement),
  );
  const arn = serviceArn(ctx, cluster.name, name);
  const body: Record<string, unknown> = {
    serviceArn: arn,
    serviceName: name,
    clusterArn: cluster.arn,
    loadBalancers: copy(optObjects(input, "loadBalancers") ?? []),
    serviceRegistries: copy(optObjects(input, "serviceRegistries") ?? []),
    desiredCount: desiredCount ?? 0,
    runningCount: desiredCount ?? 0,
    pendingCount: 0,
    ...placement,
    taskDefinition: td.arn,
    deploymentConfiguration: copy(
      optObject(input, "deploymentConfiguration") ?? {
        deploymentCircuitBreaker: { enable: false, rollback: false },
        maximumPercent: 200,
        minimumHealthyPercent: 100,
      },
    ),
    placementConstraints: copy(optObjects(input, "placementConstraints") ?? []),
    placementStrategy: copy(optObjects(input, "placementStrategy") ?? []),
    ...(networkConfiguration !== undefined ? { networkConfiguration } : {}),
    schedulingStrategy: scheduling,
    deploymentController: copy(optObject(input, "deploymentController") ?? { type: "ECS" }),
    createdBy: `arn:aws:iam::${ctx.accountId}:root`,
    enableECSManagedTags: optBool(input, "enableECSManagedTags") ?? false,
    propagateTags: optString(input, "propagateTags") ?? "NONE",
    enableExecuteCommand: optBool(input, "enableExecuteCommand") ?? false,
  };
  const record: ServiceRecord = {
    arn,
    name,
    clusterName: cluster.name,
    status: "ACTIVE",
    ...(clientToken !== undefined ? { clientToken } : {}),
    createdAtMs: ctx.now(),
    body,
    deployments: [],
    tags: copy(optObjects(input, "tags") ?? []),
  };
  record.deployments = [newDeployment(ctx, record, nextSequence(ctx))];
  ctx.state.services.set(arn, record);
  return { service: renderService(record, true) };
};

/** UpdateService: a changed task definition, network, platform or strategy starts a new deployment. */
const updateService: EcsOperation = (ctx, input) => {
  const cluster = requireCluster(ctx, optString(input, "cluster"));
  const service = requireActiveService(ctx, cluster, optString(input, "service"));
  const desiredCount = optInt(input, "desiredCount");
  checkDesiredCount(desiredCount);
  const tdRef = optString(input, "taskDefinition");
  const td =
    tdRef !== undefined
      ? requireTaskDefinition(ctx, tdRef)
      : findTaskDefinition(ctx, String(service.body.taskDefinition));
  if (td === undefined) throw invalidParameter("TaskDefinition not found.");
  const strategy = optObjects(input, "capacityProviderStrategy");
  const platformVersion = optString(input, "platformVersion");
  const placement = resolvePlacement(cluster, {
    launchType: strategy !== undefined ? undefined : (service.body.launchType as string | undefined),
    capacityProviderStrategy:
      strategy ?? (service.body.capacityProviderStrategy as Record<string, unknown>[] | undefined),
    platformVersion: platformVersion ?? (service.body.platformVersion as string | undefined),
  });
  if (tdRef !== undefined) checkCompatible(td, placement);
  const asked = optObject(input, "networkConfiguration");
  const stored = service.body.networkConfiguration as Record<string, unknown> | undefined;
  const networkConfiguration = resolveNetworkConfiguration(asked ?? stored, td, effectiveLaunchType(placement));
  const before = rolloutKey(service.body);
  const {
    launchType: _l,
    capacityProviderStrategy: _c,
    platformVersion: _p,
    networkConfiguration: _n,
    ...rest
  } = service.body;
  service.body = {
    ...rest,
    ...placement,
    taskDefinition: td.arn,
    ...(networkConfiguration ? { networkConfiguration } : {}),
  };
  if (desiredCount !== undefined) service.body.desiredCount = service.body.runningCount = desiredCount;
  const enableExecuteCommand = optBool(input, "enableExecuteCommand");
  if (enableExecuteCommand !== undefined) service.body.enableExecuteCommand = enableExecuteCommand;
  const deploymentConfiguration = optObject(input, "deploymentConfiguration");
  if (deploymentConfiguration !== undefined) service.body.deploymentConfiguration = copy(deploymentConfiguration);
  if (before !== rolloutKey(service.body) || optBool(input, "forceNewDeployment") === true) {
    service.deployments = [newDeployment(ctx, service, nextSequence(ctx))];
  } else {
    const primary = service.deployments[0];
    if (primary !== undefined)
      Object.assign(primary, {
        desiredCount: service.body.desiredCount,
        runningCount: service.body.desiredCount,
        updatedAt: ctx.now(),
      });
  }
  return { service: renderService(service, false) };
};

/** DeleteService: refused while scaled above 0 unless `force`; answers DRAINING, then reads INACTIVE. */
const deleteService: EcsOperation = (ctx, input) => {
  const cluster = requireCluster(ctx, optString(input, "cluster"));
  const service = requireActiveService(ctx, cluster, optString(input, "service"));
  if (Number(service.body.desiredCount) > 0 && optBool(input, "force") !== true) {
    throw invalidParameter("The service cannot be stopped while it is scaled above 0.");
  }
  service.body.desiredCount = service.body.runningCount = 0;
  service.status = "DRAINING";
  const response = { service: renderService(service, false) };
  // No tasks are simulated, so draining completes at once.
  service.status = "INACTIVE";
  return response;
};

/** The service operations that change services, by their ECS names. */
export const serviceOperations: Readonly<Record<string, EcsOperation>> = {
  CreateService: createService,
  UpdateService: updateService,
  DeleteService: deleteService,
};
