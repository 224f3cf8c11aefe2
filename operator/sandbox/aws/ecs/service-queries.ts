/**
 * Service read operations: DescribeServices and ListServices.
 */
import { serviceArn, serviceRefOf } from "./arns.js";
import { requireCluster } from "./clusters.js";
import { invalidParameter } from "./errors.js";
import { paginate } from "./paging.js";
import { findService, renderService } from "./service-render.js";
import type { EcsOperation } from "./state.js";
import { optInt, optString, optStrings } from "./state.js";

/** DescribeServices: 1..10 names or ARNs; unknown ones become failures with reason MISSING. */
const describeServices: EcsOperation = (ctx, input) => {
  const cluster = requireCluster(ctx, optString(input, "cluster"));
  const refs = optStrings(input, "services") ?? [];
  if (refs.length === 0) throw invalidParameter("Services cannot be empty.");
  if (refs.length > 10) throw invalidParameter("Services cannot contain more than 10 elements.");
  const withTags = (optStrings(input, "include") ?? []).includes("TAGS");
  const services: Record<string, unknown>[] = [];
  const failures: Record<string, unknown>[] = [];
  for (const ref of refs) {
    const found = findService(ctx, cluster, ref);
    if (found !== undefined) services.push(renderService(found, withTags));
    else
      failures.push({
        arn: serviceArn(ctx, serviceRefOf(ref).cluster ?? cluster.name, serviceRefOf(ref).name),
        reason: "MISSING",
      });
  }
  return { services, failures };
};

/** ListServices: ARNs of the cluster's services that are not INACTIVE; 10 per page unless maxResults. */
const listServices: EcsOperation = (ctx, input) => {
  const cluster = requireCluster(ctx, optString(input, "cluster"));
  const launchType = optString(input, "launchType");
  const scheduling = optString(input, "schedulingStrategy");
  const arns = [...ctx.state.services.values()]
    .filter((s) => s.clusterName === cluster.name && s.status !== "INACTIVE")
    .filter((s) => launchType === undefined || s.body.launchType === launchType)
    .filter((s) => scheduling === undefined || s.body.schedulingStrategy === scheduling)
    .map((s) => s.arn);
  const page = paginate(arns, {
    maxResults: optInt(input, "maxResults"),
    nextToken: optString(input, "nextToken"),
    defaultMax: 10,
  });
  return { serviceArns: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

/** The service read operations by their ECS names. */
export const serviceQueryOperations: Readonly<Record<string, EcsOperation>> = {
  DescribeServices: describeServices,
  ListServices: listServices,
};
