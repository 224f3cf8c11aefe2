/**
 * Task definition operations: RegisterTaskDefinition (a new revision per call),
 * DescribeTaskDefinition, DeregisterTaskDefinition, ListTaskDefinitions, and the lookup
 * services use to resolve "family", "family:revision" or an ARN.
 */
import { taskDefinitionArn, taskDefinitionRefOf } from "./arns.js";
import { clientError, invalidParameter } from "./errors.js";
import { paginate } from "./paging.js";
import type { EcsContext, EcsOperation, TaskDefinitionRecord } from "./state.js";
import { copy, optInt, optObjects, optString, optStrings, toEpochSeconds } from "./state.js";
import type { TaskDefinitionShape } from "./task-definition-rules.js";
import {
  checkTaskDefinition,
  compatibilitiesOf,
  normalizeCpu,
  normalizeMemory,
  requiresAttributesOf,
} from "./task-definition-rules.js";

const FAMILY = /^[A-Za-z0-9_-]{1,255}$/;

/** Defaults ECS fills into every container definition it stores. */
const CONTAINER_DEFAULTS = {
  cpu: 0,
  portMappings: [],
  essential: true,
  environment: [],
  mountPoints: [],
  volumesFrom: [],
  systemControls: [],
};

/**
 * The revision a reference names: an explicit revision in any state, or for a bare family the
 * latest ACTIVE revision. Returns undefined when there is none.
 */
export function findTaskDefinition(ctx: EcsContext, ref: string): TaskDefinitionRecord | undefined {
  const parsed = taskDefinitionRefOf(ref);
  if (parsed === undefined) return undefined;
  const revisions = ctx.state.taskDefinitions.get(parsed.family) ?? [];
  if (parsed.revision !== undefined) return revisions[parsed.revision - 1];
  return revisions.filter((r) => r.status === "ACTIVE").at(-1);
}

/** The TaskDefinition shape of the API. */
export function renderTaskDefinition(r: TaskDefinitionRecord): Record<string, unknown> {
  return {
    ...copy(r.body),
    status: r.status,
    registeredAt: toEpochSeconds(r.registeredAtMs),
    ...(r.deregisteredAtMs !== undefined ? { deregisteredAt: toEpochSeconds(r.deregisteredAtMs) } : {}),
  };
}

/** RegisterTaskDefinition: validates as ECS does, then stores revision = previous + 1 (from 1). */
const register: EcsOperation = (ctx, input) => {
  const family = optString(input, "family");
  if (family === undefined || family === "") throw clientError("Family cannot be blank.");
  if (!FAMILY.test(family)) {
    throw clientError("Family can contain up to 255 letters, numbers, hyphens and underscores.");
  }
  const shape: TaskDefinitionShape = {
    containers: optObjects(input, "containerDefinitions") ?? [],
    requiresCompatibilities: optStrings(input, "requiresCompatibilities") ?? [],
    networkMode: optString(input, "networkMode"),
    cpu: normalizeCpu(optString(input, "cpu")),
    memory: normalizeMemory(optString(input, "memory")),
    executionRoleArn: optString(input, "executionRoleArn"),
    taskRoleArn: optString(input, "taskRoleArn"),
  };
  checkTaskDefinition(shape);
  const revisions = ctx.state.taskDefinitions.get(family) ?? [];
  const revision = revisions.length + 1;
  const arn = taskDefinitionArn(ctx, family, revision);
  const { tags: _tags, ...rest } = copy(input);
  const body: Record<string, unknown> = {
    ...rest,
    taskDefinitionArn: arn,
    containerDefinitions: shape.containers.map((c) => ({ ...CONTAINER_DEFAULTS, ...copy(c) })),
    family,
    revision,
    volumes: rest.volumes ?? [],
    requiresAttributes: requiresAttributesOf(shape),
    placementConstraints: rest.placementConstraints ?? [],
    compatibilities: compatibilitiesOf(shape),
    requiresCompatibilities: shape.requiresCompatibilities,
    ...(shape.cpu !== undefined ? { cpu: shape.cpu } : {}),
    ...(shape.memory !== undefined ? { memory: shape.memory } : {}),
    registeredBy: `arn:aws:iam::${ctx.accountId}:root`,
  };
  const record: TaskDefinitionRecord = {
    family,
    revision,
    arn,
    status: "ACTIVE",
    registeredAtMs: ctx.now(),
    body,
    tags: copy(optObjects(input, "tags") ?? []),
  };
  ctx.state.taskDefinitions.set(family, [...revisions, record]);
  return { taskDefinition: renderTaskDefinition(record), tags: copy(record.tags) };
};

/** DescribeTaskDefinition: ClientException when the reference names nothing. */
const describe: EcsOperation = (ctx, input) => {
  const ref = optString(input, "taskDefinition");
  if (ref === undefined || ref === "") throw clientError("Task definition cannot be blank.");
  const record = findTaskDefinition(ctx, ref);
  if (record === undefined) throw clientError("Unable to describe task definition.");
  const withTags = (optStrings(input, "include") ?? []).includes("TAGS");
  return { taskDefinition: renderTaskDefinition(record), ...(withTags ? { tags: copy(record.tags) } : {}) };
};

/** DeregisterTaskDefinition: needs an explicit revision; the revision turns INACTIVE (and stays describable). */
const deregister: EcsOperation = (ctx, input) => {
  const ref = optString(input, "taskDefinition") ?? "";
  const parsed = taskDefinitionRefOf(ref);
  if (parsed?.revision === undefined) {
    throw invalidParameter("TaskDefinition must be given as family:revision or a full ARN.");
  }
  const record = findTaskDefinition(ctx, ref);
  if (record === undefined) throw clientError("The specified task definition does not exist.");
  if (record.status === "ACTIVE") {
    record.status = "INACTIVE";
    record.deregisteredAtMs = ctx.now();
  }
  return { taskDefinition: renderTaskDefinition(record) };
};

/** ListTaskDefinitions: ARNs by family then revision, ascending, filtered by familyPrefix and status. */
const list: EcsOperation = (ctx, input) => {
  const prefix = optString(input, "familyPrefix") ?? "";
  const status = optString(input, "status") ?? "ACTIVE";
  const records = [...ctx.state.taskDefinitions.values()].flat();
  const matching = records.filter((r) => r.family.startsWith(prefix) && r.status === status);
  // Zero-padding keeps the lexical order of the page keys equal to family-then-revision order.
  const byKey = new Map(matching.map((r) => [`${r.family}:${String(r.revision).padStart(10, "0")}`, r.arn]));
  const page = paginate([...byKey.keys()], {
    maxResults: optInt(input, "maxResults"),
    nextToken: optString(input, "nextToken"),
    defaultMax: 100,
  });
  // sort=DESC is not modelled: the sandbox always lists in ascending order.
  const arns = page.items.map((k) => byKey.get(k) ?? "");
  return { taskDefinitionArns: arns, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

/** The task definition operations by their ECS names. */
export const taskDefinitionOperations: Readonly<Record<string, EcsOperation>> = {
  RegisterTaskDefinition: register,
  DescribeTaskDefinition: describe,
  DeregisterTaskDefinition: deregister,
  ListTaskDefinitions: list,
};
