/**
 * Container instance operations: RegisterContainerInstance (what the ECS agent calls),
 * DeregisterContainerInstance, UpdateContainerInstancesState, ListContainerInstances,
 * DescribeContainerInstances, plus one sandbox-only operation, SandboxSetContainerInstanceState,
 * because no ECS API sets `agentConnected` (the agent's connection does) or statuses such as
 * REGISTRATION_FAILED: tests use it to model an instance whose agent cannot reach the ECS endpoints.
 */
import { createHash } from "node:crypto";
import { containerInstanceArn, containerInstanceIdOf } from "./arns.js";
import { requireCluster } from "./clusters.js";
import { invalidParameter } from "./errors.js";
import { paginate } from "./paging.js";
import type { ContainerInstanceRecord, EcsContext, EcsOperation } from "./state.js";
import {
  copy,
  isObject,
  nextSequence,
  optBool,
  optInt,
  optObjects,
  optString,
  optStrings,
  toEpochSeconds,
} from "./state.js";

const STATUSES = ["ACTIVE", "DRAINING", "REGISTERING", "DEREGISTERING", "REGISTRATION_FAILED"];

const DEFAULT_RESOURCES = [
  { name: "CPU", type: "INTEGER", doubleValue: 0, longValue: 0, integerValue: 2048 },
  { name: "MEMORY", type: "INTEGER", doubleValue: 0, longValue: 0, integerValue: 3904 },
  {
    name: "PORTS",
    type: "STRINGSET",
    doubleValue: 0,
    longValue: 0,
    integerValue: 0,
    stringSetValue: ["22", "2375", "2376", "51678", "51679"],
  },
  { name: "PORTS_UDP", type: "STRINGSET", doubleValue: 0, longValue: 0, integerValue: 0, stringSetValue: [] },
];

const render = (r: ContainerInstanceRecord): Record<string, unknown> => ({
  ...copy(r.body),
  registeredAt: toEpochSeconds(r.registeredAtMs),
});

/** The instances a request names in a cluster, and failures (reason MISSING) for the rest. */
function lookup(ctx: EcsContext, clusterName: string, refs: string[]) {
  const found: ContainerInstanceRecord[] = [];
  const failures: Record<string, unknown>[] = [];
  for (const ref of refs) {
    const arn = containerInstanceArn(ctx, clusterName, containerInstanceIdOf(ref));
    const record = ctx.state.containerInstances.get(arn);
    if (record !== undefined) found.push(record);
    else failures.push({ arn, reason: "MISSING" });
  }
  return { found, failures };
}

/** RegisterContainerInstance: the EC2 instance id comes from the instance identity document. */
const register: EcsOperation = (ctx, input) => {
  const cluster = requireCluster(ctx, optString(input, "cluster"));
  let doc: unknown;
  try {
    doc = JSON.parse(optString(input, "instanceIdentityDocument") ?? "");
  } catch {
    throw invalidParameter("instanceIdentityDocument must be a valid instance identity document.");
  }
  const ec2InstanceId = isObject(doc) && typeof doc.instanceId === "string" ? doc.instanceId : undefined;
  if (ec2InstanceId === undefined || !/^i-[0-9a-f]+$/.test(ec2InstanceId)) {
    throw invalidParameter("instanceIdentityDocument does not name an EC2 instance.");
  }
  // An agent that restarts registers again: ECS answers with the instance it already has.
  const existing = [...ctx.state.containerInstances.values()].find(
    (r) => r.clusterName === cluster.name && r.body.ec2InstanceId === ec2InstanceId,
  );
  if (existing !== undefined) return { containerInstance: render(existing) };
  const id = createHash("sha256")
    .update(`${cluster.name}/${nextSequence(ctx)}`)
    .digest("hex")
    .slice(0, 32);
  const arn = containerInstanceArn(ctx, cluster.name, id);
  const resources = copy(optObjects(input, "totalResources") ?? DEFAULT_RESOURCES);
  const record: ContainerInstanceRecord = {
    id,
    arn,
    clusterName: cluster.name,
    registeredAtMs: ctx.now(),
    body: {
      containerInstanceArn: arn,
      ec2InstanceId,
      version: 1,
      versionInfo: copy(
        input.versionInfo ?? { agentVersion: "1.87.0", agentHash: "a1b2c3d4", dockerVersion: "DockerVersion: 25.0.6" },
      ),
      remainingResources: copy(resources),
      registeredResources: resources,
      status: "ACTIVE",
      agentConnected: true,
      runningTasksCount: 0,
      pendingTasksCount: 0,
      attributes: copy(optObjects(input, "attributes") ?? []),
      attachments: [],
      tags: copy(optObjects(input, "tags") ?? []),
    },
  };
  ctx.state.containerInstances.set(arn, record);
  return { containerInstance: render(record) };
};

/** DeregisterContainerInstance: the instance leaves the cluster and is answered INACTIVE. */
const deregister: EcsOperation = (ctx, input) => {
  const cluster = requireCluster(ctx, optString(input, "cluster"));
  const { found } = lookup(ctx, cluster.name, [optString(input, "containerInstance") ?? ""]);
  const record = found[0];
  if (record === undefined) throw invalidParameter("The referenced container instance was not found.");
  ctx.state.containerInstances.delete(record.arn);
  return { containerInstance: { ...render(record), status: "INACTIVE", agentConnected: false } };
};

/** UpdateContainerInstancesState: ACTIVE or DRAINING, per instance, with failures for unknown ones. */
const updateState: EcsOperation = (ctx, input) => {
  const cluster = requireCluster(ctx, optString(input, "cluster"));
  const status = optString(input, "status");
  if (status !== "ACTIVE" && status !== "DRAINING") throw invalidParameter("status must be ACTIVE or DRAINING.");
  const { found, failures } = lookup(ctx, cluster.name, optStrings(input, "containerInstances") ?? []);
  for (const r of found) r.body.status = status;
  return { containerInstances: found.map(render), failures };
};

/** ListContainerInstances: the cluster's instances, optionally by status; 100 per page unless maxResults. */
const list: EcsOperation = (ctx, input) => {
  const cluster = requireCluster(ctx, optString(input, "cluster"));
  const status = optString(input, "status");
  if (status !== undefined && !STATUSES.includes(status)) throw invalidParameter(`Invalid status: ${status}.`);
  if (optString(input, "filter") !== undefined) {
    throw invalidParameter("The sandbox does not evaluate cluster query language filters.");
  }
  const arns = [...ctx.state.containerInstances.values()]
    .filter((r) => r.clusterName === cluster.name && (status === undefined || r.body.status === status))
    .map((r) => r.arn);
  const page = paginate(arns, {
    maxResults: optInt(input, "maxResults"),
    nextToken: optString(input, "nextToken"),
    defaultMax: 100,
  });
  return { containerInstanceArns: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

/** DescribeContainerInstances: 1..100 ids or ARNs; unknown ones become failures MISSING. */
const describe: EcsOperation = (ctx, input) => {
  const cluster = requireCluster(ctx, optString(input, "cluster"));
  const refs = optStrings(input, "containerInstances") ?? [];
  if (refs.length === 0) throw invalidParameter("ContainerInstances cannot be empty.");
  if (refs.length > 100) throw invalidParameter("ContainerInstances cannot contain more than 100 elements.");
  const { found, failures } = lookup(ctx, cluster.name, refs);
  return { containerInstances: found.map(render), failures };
};

/**
 * Sandbox-only: {cluster, containerInstance, agentConnected?, status?} sets what the agent's
 * connection and lifecycle would; any ContainerInstance status is accepted.
 */
const setState: EcsOperation = (ctx, input) => {
  const cluster = requireCluster(ctx, optString(input, "cluster"));
  const connected = optBool(input, "agentConnected");
  const status = optString(input, "status");
  if (status !== undefined && !STATUSES.includes(status)) throw invalidParameter(`Invalid status: ${status}.`);
  const { found } = lookup(ctx, cluster.name, [optString(input, "containerInstance") ?? ""]);
  const record = found[0];
  if (record === undefined) throw invalidParameter("The referenced container instance was not found.");
  if (connected !== undefined) record.body.agentConnected = connected;
  if (status !== undefined) record.body.status = status;
  return { containerInstance: render(record) };
};

/** The container instance operations by their ECS names (and the one sandbox-only name). */
export const containerInstanceOperations: Readonly<Record<string, EcsOperation>> = {
  RegisterContainerInstance: register,
  DeregisterContainerInstance: deregister,
  UpdateContainerInstancesState: updateState,
  ListContainerInstances: list,
  DescribeContainerInstances: describe,
  SandboxSetContainerInstanceState: setState,
};
