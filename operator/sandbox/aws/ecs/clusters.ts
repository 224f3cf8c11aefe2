/**
 * Cluster operations: CreateCluster, DescribeClusters, UpdateCluster, DeleteCluster, ListClusters,
 * and the lookup every cluster-scoped operation starts with (`requireCluster`).
 */
import { clusterArn, clusterNameOf } from "./arns.js";
import { EcsApiError, invalidParameter } from "./errors.js";
import { paginate } from "./paging.js";
import type { ClusterRecord, EcsContext, EcsOperation } from "./state.js";
import { copy, optInt, optObject, optObjects, optString, optStrings } from "./state.js";

const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
// Create, update and delete answer with the whole cluster.
const ALL_PARTS = { tags: true, configurations: true } as const;

/**
 * The ACTIVE cluster a request names (name or ARN; the "default" cluster when absent).
 * Throws ClusterNotFoundException when it does not exist or was deleted, as ECS does.
 */
export function requireCluster(ctx: EcsContext, ref: string | undefined): ClusterRecord {
  const cluster = ctx.state.clusters.get(clusterNameOf(ref));
  if (cluster === undefined || cluster.status !== "ACTIVE") {
    throw new EcsApiError("ClusterNotFoundException", "Cluster not found.");
  }
  return cluster;
}

/** Which optional parts of a cluster a response carries (DescribeClusters `include`). */
interface ClusterParts {
  readonly tags: boolean;
  readonly configurations: boolean;
}

/** The Cluster shape of the API, with counts derived from the services and instances it holds. */
export function renderCluster(ctx: EcsContext, c: ClusterRecord, parts: ClusterParts): Record<string, unknown> {
  const services = [...ctx.state.services.values()].filter((s) => s.clusterName === c.name && s.status !== "INACTIVE");
  const instances = [...ctx.state.containerInstances.values()].filter((i) => i.clusterName === c.name);
  const running = services.reduce((n, s) => n + Number(s.body.runningCount ?? 0), 0);
  return {
    clusterArn: c.arn,
    clusterName: c.name,
    status: c.status,
    registeredContainerInstancesCount: c.status === "ACTIVE" ? instances.length : 0,
    runningTasksCount: c.status === "ACTIVE" ? running : 0,
    pendingTasksCount: 0,
    activeServicesCount: c.status === "ACTIVE" ? services.length : 0,
    statistics: [],
    ...(parts.configurations && c.configuration !== undefined ? { configuration: copy(c.configuration) } : {}),
    ...(parts.tags ? { tags: copy(c.tags) } : {}),
    settings: copy(c.settings),
    capacityProviders: [...c.capacityProviders],
    defaultCapacityProviderStrategy: copy(c.defaultCapacityProviderStrategy),
  };
}

/** CreateCluster: idempotent on the name; a deleted (INACTIVE) cluster's name can be reused. */
const createCluster: EcsOperation = (ctx, input) => {
  const name = optString(input, "clusterName") ?? "default";
  if (!CLUSTER_NAME.test(name)) {
    throw invalidParameter("Cluster name can contain up to 255 letters, numbers, underscores and hyphens.");
  }
  const existing = ctx.state.clusters.get(name);
  if (existing?.status === "ACTIVE") return { cluster: renderCluster(ctx, existing, ALL_PARTS) };
  const configuration = optObject(input, "configuration");
  const record: ClusterRecord = {
    name,
    arn: clusterArn(ctx, name),
    status: "ACTIVE",
    settings: copy(optObjects(input, "settings") ?? [{ name: "containerInsights", value: "disabled" }]),
    ...(configuration !== undefined ? { configuration: copy(configuration) } : {}),
    capacityProviders: [...(optStrings(input, "capacityProviders") ?? [])],
    defaultCapacityProviderStrategy: copy(optObjects(input, "defaultCapacityProviderStrategy") ?? []),
    tags: copy(optObjects(input, "tags") ?? []),
  };
  ctx.state.clusters.set(name, record);
  return { cluster: renderCluster(ctx, record, ALL_PARTS) };
};

/** UpdateCluster: replaces the configuration and merges settings by name. */
const updateCluster: EcsOperation = (ctx, input) => {
  const cluster = requireCluster(ctx, optString(input, "cluster"));
  const configuration = optObject(input, "configuration");
  if (configuration !== undefined) cluster.configuration = copy(configuration);
  for (const setting of optObjects(input, "settings") ?? []) {
    cluster.settings = [...cluster.settings.filter((s) => s.name !== setting.name), copy(setting)];
  }
  return { cluster: renderCluster(ctx, cluster, ALL_PARTS) };
};

/** DescribeClusters: deleted clusters are returned INACTIVE; unknown ones become failures MISSING. */
const describeClusters: EcsOperation = (ctx, input) => {
  const refs = optStrings(input, "clusters") ?? ["default"];
  if (refs.length > 100) throw invalidParameter("Clusters cannot contain more than 100 elements.");
  const include = optStrings(input, "include") ?? [];
  const parts = { tags: include.includes("TAGS"), configurations: include.includes("CONFIGURATIONS") };
  const clusters: Record<string, unknown>[] = [];
  const failures: Record<string, unknown>[] = [];
  for (const ref of refs) {
    const name = clusterNameOf(ref);
    const record = ctx.state.clusters.get(name);
    if (record === undefined) failures.push({ arn: clusterArn(ctx, name), reason: "MISSING" });
    else clusters.push(renderCluster(ctx, record, parts));
  }
  return { clusters, failures };
};

/** DeleteCluster: refused while services or container instances remain; the cluster turns INACTIVE. */
const deleteCluster: EcsOperation = (ctx, input) => {
  const cluster = requireCluster(ctx, optString(input, "cluster"));
  const services = [...ctx.state.services.values()].filter((s) => s.clusterName === cluster.name);
  if (services.some((s) => s.status !== "INACTIVE")) {
    throw new EcsApiError(
      "ClusterContainsServicesException",
      "The Cluster cannot be deleted while Services are active.",
    );
  }
  if ([...ctx.state.containerInstances.values()].some((i) => i.clusterName === cluster.name)) {
    throw new EcsApiError(
      "ClusterContainsContainerInstancesException",
      "The Cluster cannot be deleted while Container Instances are active or draining.",
    );
  }
  cluster.status = "INACTIVE";
  return { cluster: renderCluster(ctx, cluster, ALL_PARTS) };
};

/** ListClusters: ARNs of ACTIVE clusters, paginated (default and maximum page 100). */
const listClusters: EcsOperation = (ctx, input) => {
  const arns = [...ctx.state.clusters.values()].filter((c) => c.status === "ACTIVE").map((c) => c.arn);
  const page = paginate(arns, {
    maxResults: optInt(input, "maxResults"),
    nextToken: optString(input, "nextToken"),
    defaultMax: 100,
  });
  return { clusterArns: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

/** The cluster operations by their ECS names. */
export const clusterOperations: Readonly<Record<string, EcsOperation>> = {
  CreateCluster: createCluster,
  DescribeClusters: describeClusters,
  UpdateCluster: updateCluster,
  DeleteCluster: deleteCluster,
  ListClusters: listClusters,
};
