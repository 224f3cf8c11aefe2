/**
 * Ready-made ECS workloads for demos and tests. Everything goes through `EcsSandbox.handle`, so
 * the seeded data is exactly what the API would hold after the same requests.
 */
import { seedContainerInstance } from "./seed-container-instance.js";
import type { EcsSandbox } from "./service.js";

export { seedContainerInstance } from "./seed-container-instance.js";
export type { ContainerInstanceStatus } from "./seed-container-instance.js";

/** Which workload `seedEcsApp` creates. */
export const EcsAppKind = { FargateApp: "fargate-app", Ec2App: "ec2-app" } as const;
export type EcsAppKind = (typeof EcsAppKind)[keyof typeof EcsAppKind];

/** What `seedEcsApp` created. */
export interface SeededEcsApp {
  readonly clusterArn: string;
  readonly serviceNames: string[];
  readonly taskDefinitionArns: string[];
}

/** One service of a seeded workload and its task definition's distinguishing parts. */
interface SeedApp {
  name: string;
  launchType: "FARGATE" | "EC2";
  desiredCount: number;
  enableExecuteCommand?: boolean;
  taskRoleArn?: string;
  containers: Record<string, unknown>[];
}

const awslogs = (region: string, name: string) => ({
  logDriver: "awslogs",
  options: { "awslogs-group": `/ecs/${name}`, "awslogs-region": region, "awslogs-stream-prefix": name },
});

/**
 * Seeds a cluster (default "apps", created if missing) with one workload:
 * - "fargate-app" (default): Fargate services "web" (ECR image web:1.4.2, awslogs, a Secrets
 *   Manager secret) and "worker" (ECR image, awslogs, an SSM parameter secret, ECS Exec on);
 * - "ec2-app": EC2 launch-type service "edge" with an ECR image plus public images
 *   (public.ecr.aws/nginx/nginx:1.27, docker.io/library/redis:7), awslogs, and two registered
 *   container instances.
 * All services use awsvpc with the given subnets and security groups. With `execKmsKeyId` the
 * cluster encrypts ECS Exec sessions with that customer KMS key (its executeCommandConfiguration),
 * set when this call creates the cluster. Expects those service
 * names to be free in the cluster; throws the EcsApiError the API gives otherwise.
 */
export function seedEcsApp(
  ecs: EcsSandbox,
  opts: {
    cluster?: string;
    subnets: string[];
    securityGroups: string[];
    accountId: string;
    region: string;
    kind?: EcsAppKind;
    execKmsKeyId?: string;
  },
): SeededEcsApp {
  const { accountId, region } = opts;
  const clusterName = opts.cluster ?? "apps";
  const configuration =
    opts.execKmsKeyId !== undefined
      ? { executeCommandConfiguration: { kmsKeyId: opts.execKmsKeyId, logging: "DEFAULT" } }
      : undefined;
  const created = ecs.handle("CreateCluster", { clusterName, ...(configuration ? { configuration } : {}) }) as {
    cluster: { clusterArn: string };
  };
  const ecr = (repo: string, tag: string) => `${accountId}.dkr.ecr.${region}.amazonaws.com/${repo}:${tag}`;
  const executionRoleArn = `arn:aws:iam::${accountId}:role/ecsTaskExecutionRole`;
  const networkConfiguration = {
    awsvpcConfiguration: { subnets: opts.subnets, securityGroups: opts.securityGroups, assignPublicIp: "DISABLED" },
  };
  const kind = opts.kind ?? EcsAppKind.FargateApp;
  const apps: SeedApp[] =
    kind === EcsAppKind.FargateApp
      ? [
          {
            name: "web",
            launchType: "FARGATE",
            desiredCount: 2,
            containers: [
              {
                name: "web",
                image: ecr("web", "1.4.2"),
                portMappings: [{ containerPort: 8080, protocol: "tcp" }],
                logConfiguration: awslogs(region, "web"),
                secrets: [
                  {
                    name: "DB_PASSWORD",
                    valueFrom: `arn:aws:secretsmanager:${region}:${accountId}:secret:web/db-password-AbCdEf`,
                  },
                ],
                environment: [{ name: "PORT", value: "8080" }],
              },
            ],
          },
          {
            name: "worker",
            launchType: "FARGATE",
            desiredCount: 1,
            enableExecuteCommand: true,
            taskRoleArn: `arn:aws:iam::${accountId}:role/worker-task`,
            containers: [
              {
                name: "worker",
                image: ecr("worker", "2.0.1"),
                logConfiguration: awslogs(region, "worker"),
                secrets: [
                  { name: "API_TOKEN", valueFrom: `arn:aws:ssm:${region}:${accountId}:parameter/worker/api-token` },
                ],
                environment: [{ name: "QUEUE", value: "jobs" }],
              },
            ],
          },
        ]
      : [
          {
            name: "edge",
            launchType: "EC2",
            desiredCount: 2,
            containers: [
              { name: "app", image: ecr("edge", "3.2.0"), memory: 512, logConfiguration: awslogs(region, "edge") },
              {
                name: "proxy",
                image: "public.ecr.aws/nginx/nginx:1.27",
                memory: 128,
                logConfiguration: awslogs(region, "edge"),
              },
              { name: "cache", image: "docker.io/library/redis:7", memory: 256, essential: false },
            ],
          },
        ];
  const taskDefinitionArns: string[] = [];
  for (const app of apps) {
    const registered = ecs.handle("RegisterTaskDefinition", {
      family: app.name,
      requiresCompatibilities: [app.launchType],
      networkMode: "awsvpc",
      cpu: "512",
      memory: "1024",
      executionRoleArn,
      ...(app.taskRoleArn !== undefined ? { taskRoleArn: app.taskRoleArn } : {}),
      containerDefinitions: app.containers,
    }) as { taskDefinition: { taskDefinitionArn: string } };
    taskDefinitionArns.push(registered.taskDefinition.taskDefinitionArn);
    ecs.handle("CreateService", {
      cluster: clusterName,
      serviceName: app.name,
      taskDefinition: registered.taskDefinition.taskDefinitionArn,
      desiredCount: app.desiredCount,
      launchType: app.launchType,
      networkConfiguration,
      enableExecuteCommand: app.enableExecuteCommand ?? false,
    });
  }
  if (kind === EcsAppKind.Ec2App) {
    for (const ec2InstanceId of ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002"]) {
      seedContainerInstance(ecs, { cluster: clusterName, ec2InstanceId, region });
    }
  }
  return { clusterArn: created.cluster.clusterArn, serviceNames: apps.map((a) => a.name), taskDefinitionArns };
}
