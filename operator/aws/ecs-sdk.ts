/**
 * {@link EcsPort} on @aws-sdk/client-ecs: pagination, DescribeServices batches of 10, and the mapping of
 * SDK shapes to ecsnet's records. Errors are the SDK's, unchanged.
 */
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListServicesCommand,
  type ContainerDefinition,
  type ECSClient,
  type Service,
} from "@aws-sdk/client-ecs";
import type { EcsContainerRecord, EcsPort, EcsServiceRecord } from "./ecs-port.js";

/** DescribeServices accepts at most 10 services per call. */
const DESCRIBE_BATCH = 10;

const toService = (s: Service): EcsServiceRecord => {
  const vpc = s.networkConfiguration?.awsvpcConfiguration;
  return {
    name: s.serviceName ?? "",
    arn: s.serviceArn ?? "",
    status: s.status ?? "",
    ...(s.launchType ? { launchType: s.launchType } : {}),
    capacityProviders: (s.capacityProviderStrategy ?? []).flatMap((c) =>
      c.capacityProvider ? [c.capacityProvider] : [],
    ),
    ...(s.platformVersion ? { platformVersion: s.platformVersion } : {}),
    enableExecuteCommand: s.enableExecuteCommand ?? false,
    taskDefinitionArn: s.taskDefinition ?? "",
    subnets: vpc?.subnets ?? [],
    securityGroups: vpc?.securityGroups ?? [],
  };
};

const toContainer = (c: ContainerDefinition): EcsContainerRecord => ({
  name: c.name ?? "",
  image: c.image ?? "",
  ...(c.logConfiguration?.logDriver ? { logDriver: c.logConfiguration.logDriver } : {}),
  secretRefs: [...(c.secrets ?? []), ...(c.logConfiguration?.secretOptions ?? [])].flatMap((s) =>
    s.valueFrom ? [s.valueFrom] : [],
  ),
  ...(c.repositoryCredentials?.credentialsParameter
    ? { registryCredentials: c.repositoryCredentials.credentialsParameter }
    : {}),
  environmentFiles: (c.environmentFiles ?? []).flatMap((f) =>
    f.type && f.value ? [{ type: f.type, value: f.value }] : [],
  ),
});

/** An {@link EcsPort} that sends every call through `ecs` (build it with `createAwsClients`). */
export function createEcsPort(ecs: ECSClient): EcsPort {
  return {
    async listServices({ cluster }) {
      const arns: string[] = [];
      let nextToken: string | undefined;
      do {
        const out = await ecs.send(new ListServicesCommand({ cluster, nextToken, maxResults: 100 }));
        arns.push(...(out.serviceArns ?? []));
        nextToken = out.nextToken;
      } while (nextToken);
      return arns;
    },

    async describeServices({ cluster, services }) {
      const found: EcsServiceRecord[] = [];
      const missing: string[] = [];
      for (let i = 0; i < services.length; i += DESCRIBE_BATCH) {
        const batch = services.slice(i, i + DESCRIBE_BATCH);
        const out = await ecs.send(new DescribeServicesCommand({ cluster, services: [...batch] }));
        const active = (out.services ?? []).filter((s) => s.status !== "INACTIVE").map(toService);
        found.push(...active);
        const seen = new Set(active.flatMap((s) => [s.name, s.arn]));
        missing.push(...batch.filter((b) => !seen.has(b)));
      }
      return { services: found, missing };
    },

    async describeTaskDefinition({ taskDefinition }) {
      const out = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
      const td = out.taskDefinition;
      return {
        arn: td?.taskDefinitionArn ?? taskDefinition,
        ...(td?.networkMode ? { networkMode: td.networkMode } : {}),
        containers: (td?.containerDefinitions ?? []).map(toContainer),
      };
    },

    async describeCluster({ cluster }) {
      const out = await ecs.send(new DescribeClustersCommand({ clusters: [cluster], include: ["CONFIGURATIONS"] }));
      const c = (out.clusters ?? []).find((x) => x.status !== "INACTIVE");
      if (!c) return null;
      const kms = c.configuration?.executeCommandConfiguration?.kmsKeyId;
      return { arn: c.clusterArn ?? "", name: c.clusterName ?? cluster, ...(kms ? { execKmsKeyId: kms } : {}) };
    },
  };
}
