import { createEcsSandbox } from "../../../operator/sandbox/aws/ecs/service.js";
import type { EcsSandbox } from "../../../operator/sandbox/aws/ecs/service.js";
import { seedEcsApp } from "../../../operator/sandbox/aws/ecs/seeds.js";

const REGION = "eu-central-1";
const ACCOUNT = "444455556666";
const fresh = () => createEcsSandbox({ region: REGION, accountId: ACCOUNT, now: () => 1_700_000_000_000 });
const base = { subnets: ["subnet-0aa", "subnet-0bb"], securityGroups: ["sg-0cc"], accountId: ACCOUNT, region: REGION };

/** What a discovery pass would read: per service its launch type, exec flag, network, images, log drivers and secrets. */
function discover(ecs: EcsSandbox, cluster: string, names: string[]) {
  const { services } = ecs.handle("DescribeServices", { cluster, services: names }) as {
    services: Record<string, unknown>[];
  };
  return services.map((s) => {
    const { taskDefinition } = ecs.handle("DescribeTaskDefinition", { taskDefinition: s.taskDefinition }) as {
      taskDefinition: {
        containerDefinitions: {
          image: string;
          logConfiguration?: { logDriver: string };
          secrets?: { valueFrom: string }[];
        }[];
      };
    };
    const containers = taskDefinition.containerDefinitions;
    return {
      name: s.serviceName,
      launchType: s.launchType,
      exec: s.enableExecuteCommand,
      network: s.networkConfiguration,
      images: containers.map((c) => c.image),
      logDrivers: [...new Set(containers.flatMap((c) => (c.logConfiguration ? [c.logConfiguration.logDriver] : [])))],
      secrets: containers.flatMap((c) => (c.secrets ?? []).map((x) => x.valueFrom.split(":")[2])),
    };
  });
}

describe("seedEcsApp", () => {
  it("seeds the fargate app: web with a Secrets Manager secret, worker with an SSM parameter and ECS Exec", () => {
    const ecs = fresh();
    const seeded = seedEcsApp(ecs, base);
    expect(seeded.clusterArn).toBe(`arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/apps`);
    expect(seeded.serviceNames).toEqual(["web", "worker"]);
    expect(seeded.taskDefinitionArns).toEqual([
      `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web:1`,
      `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/worker:1`,
    ]);
    const network = {
      awsvpcConfiguration: { subnets: base.subnets, securityGroups: base.securityGroups, assignPublicIp: "DISABLED" },
    };
    expect(discover(ecs, "apps", seeded.serviceNames)).toEqual([
      {
        name: "web",
        launchType: "FARGATE",
        exec: false,
        network,
        images: [`${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/web:1.4.2`],
        logDrivers: ["awslogs"],
        secrets: ["secretsmanager"],
      },
      {
        name: "worker",
        launchType: "FARGATE",
        exec: true,
        network,
        images: [`${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/worker:2.0.1`],
        logDrivers: ["awslogs"],
        secrets: ["ssm"],
      },
    ]);
  });

  it("seeds the ec2 app: one EC2 service mixing an ECR image with public images, and registered instances", () => {
    const ecs = fresh();
    const seeded = seedEcsApp(ecs, { ...base, cluster: "legacy", kind: "ec2-app" });
    const [edge] = discover(ecs, "legacy", seeded.serviceNames);
    expect(edge).toMatchObject({
      launchType: "EC2",
      images: [
        `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/edge:3.2.0`,
        "public.ecr.aws/nginx/nginx:1.27",
        "docker.io/library/redis:7",
      ],
      logDrivers: ["awslogs"],
    });
    const listed = ecs.handle("ListContainerInstances", { cluster: "legacy" }) as { containerInstanceArns: string[] };
    expect(listed.containerInstanceArns).toHaveLength(2);
  });

  it("puts a customer KMS key on the cluster's ECS Exec configuration when asked", () => {
    const ecs = fresh();
    const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    seedEcsApp(ecs, { ...base, execKmsKeyId: key });
    const out = ecs.handle("DescribeClusters", { clusters: ["apps"], include: ["CONFIGURATIONS"] }) as {
      clusters: { configuration?: { executeCommandConfiguration?: { kmsKeyId?: string } } }[];
    };
    expect(out.clusters[0]?.configuration?.executeCommandConfiguration?.kmsKeyId).toBe(key);
  });

  it("can seed both kinds into one cluster", () => {
    const ecs = fresh();
    seedEcsApp(ecs, base);
    seedEcsApp(ecs, { ...base, kind: "ec2-app" });
    const listed = ecs.handle("ListServices", { cluster: "apps" }) as { serviceArns: string[] };
    expect(listed.serviceArns.map((a) => a.split("/").pop()).sort()).toEqual(["edge", "web", "worker"]);
  });
});
