/**
 * Conformance: ECS services through the real @aws-sdk/client-ecs over HTTP: create, describe (with
 * failures), update to a new task definition revision, ListServices pagination and launch type filter,
 * delete, and the error codes ECS answers with. Runs against the AWS sandbox server (which routes
 * ECS targets to the ECS logic), or any ECS-compatible endpoint given by AWS_ENDPOINT_URL; tests
 * that seed through the in-process API are skipped there.
 */
import {
  ClusterNotFoundException,
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  InvalidParameterException,
  ListServicesCommand,
  RegisterTaskDefinitionCommand,
  ServiceNotActiveException,
  ServiceNotFoundException,
  UpdateServiceCommand,
  paginateListServices,
} from "@aws-sdk/client-ecs";
import type { CreateServiceCommandInput, ECSClient } from "@aws-sdk/client-ecs";
import type { AwsTarget } from "../../helpers/aws-sandbox.js";
import { ecsClient, itWithAdmin, targetFromEnv } from "../../helpers/aws-sandbox.js";
import { seedEcsApp } from "../../../operator/sandbox/aws/ecs/seeds.js";

let target: AwsTarget;
let ecs: ECSClient;
// Names carry a run id so the suite can share an external endpoint with earlier runs.
const run = `t${Date.now() % 100000}`;
const cluster = `${run}-apps`;
const family = `${run}-web`;
let accountId = "";

const NET = { awsvpcConfiguration: { subnets: ["subnet-0a1b2c"], securityGroups: ["sg-0d4e5f"] } };

const registerWeb = async (image: string) =>
  (
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "256",
        memory: "512",
        executionRoleArn: `arn:aws:iam::${accountId}:role/ecsTaskExecutionRole`,
        containerDefinitions: [
          { name: "web", image, logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/web" } } },
        ],
      }),
    )
  ).taskDefinition!;

const createWeb = (over: Partial<CreateServiceCommandInput> = {}) =>
  ecs.send(
    new CreateServiceCommand({
      cluster,
      serviceName: "web",
      taskDefinition: family,
      desiredCount: 1,
      launchType: "FARGATE",
      networkConfiguration: NET,
      ...over,
    }),
  );

beforeAll(async () => {
  target = await targetFromEnv();
  ecs = ecsClient(target.endpoint, { region: target.region });
  const created = await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  accountId = created.cluster!.clusterArn!.split(":")[4]!;
  await registerWeb("web:1");
  // Fixtures the error cases stand on: an ACTIVE "steady" service and a deleted "retired" one.
  await createWeb({ serviceName: "steady", desiredCount: 0 });
  await createWeb({ serviceName: "retired", desiredCount: 0 });
  await ecs.send(new DeleteServiceCommand({ cluster, service: "retired" }));
});
afterAll(async () => {
  ecs?.destroy();
  await target?.close();
});

describe("ECS services over the wire", () => {
  it("creates a Fargate service that DescribeServices returns with its network, exec flag and long ARN", async () => {
    const { service } = await createWeb({ enableExecuteCommand: true });
    expect(service?.serviceArn).toBe(`arn:aws:ecs:${target.region}:${accountId}:service/${cluster}/web`);
    expect(service?.createdAt).toBeInstanceOf(Date);
    const out = await ecs.send(new DescribeServicesCommand({ cluster, services: ["web"] }));
    expect(out.failures).toEqual([]);
    expect(out.services?.[0]).toMatchObject({
      serviceName: "web",
      status: "ACTIVE",
      launchType: "FARGATE",
      enableExecuteCommand: true,
      taskDefinition: `arn:aws:ecs:${target.region}:${accountId}:task-definition/${family}:1`,
      networkConfiguration: { awsvpcConfiguration: { ...NET.awsvpcConfiguration, assignPublicIp: "DISABLED" } },
    });
  });

  it("lets discovery follow UpdateService from one task definition revision to the next", async () => {
    await createWeb({ serviceName: "rolling", taskDefinition: `${family}:1` });
    const next = await registerWeb("web:2");
    await ecs.send(
      new UpdateServiceCommand({ cluster, service: "rolling", taskDefinition: `${family}:${next.revision}` }),
    );
    const [service] = (await ecs.send(new DescribeServicesCommand({ cluster, services: ["rolling"] }))).services ?? [];
    const { taskDefinition } = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: service?.taskDefinition }),
    );
    expect(taskDefinition?.revision).toBe(next.revision);
    expect(taskDefinition?.containerDefinitions?.[0]?.image).toBe("web:2");
    expect(service?.deployments?.[0]?.taskDefinition).toBe(taskDefinition?.taskDefinitionArn);
  });

  it("reports services it does not know as failures MISSING next to those it found", async () => {
    const out = await ecs.send(new DescribeServicesCommand({ cluster, services: ["steady", "ghost"] }));
    expect(out.services?.map((s) => s.serviceName)).toEqual(["steady"]);
    expect(out.failures).toEqual([
      { arn: `arn:aws:ecs:${target.region}:${accountId}:service/${cluster}/ghost`, reason: "MISSING" },
    ]);
  });

  it("pages ListServices ten at a time by default and by maxResults when given, filtering by launch type", async () => {
    const pageCluster = `${run}-many`;
    await ecs.send(new CreateClusterCommand({ clusterName: pageCluster }));
    const names = Array.from({ length: 23 }, (_, i) => `svc-${String(i).padStart(2, "0")}`);
    for (const serviceName of names) {
      await createWeb({ cluster: pageCluster, serviceName, desiredCount: 0 });
    }
    const first = await ecs.send(new ListServicesCommand({ cluster: pageCluster }));
    expect(first.serviceArns).toHaveLength(10);
    expect(first.nextToken).toEqual(expect.any(String));
    const all: string[] = [];
    for await (const page of paginateListServices({ client: ecs, pageSize: 7 }, { cluster: pageCluster })) {
      expect(page.serviceArns!.length).toBeLessThanOrEqual(7);
      all.push(...page.serviceArns!);
    }
    expect(all.map((a) => a.split("/").pop()).sort()).toEqual(names);
    const ec2Only = await ecs.send(new ListServicesCommand({ cluster: pageCluster, launchType: "EC2" }));
    expect(ec2Only.serviceArns).toEqual([]);
  });

  it("deletes a service: DRAINING in the answer, INACTIVE afterwards, and no longer listed", async () => {
    await createWeb({ serviceName: "short-lived", desiredCount: 2 });
    const { service } = await ecs.send(new DeleteServiceCommand({ cluster, service: "short-lived", force: true }));
    expect(service?.status).toBe("DRAINING");
    const after = await ecs.send(new DescribeServicesCommand({ cluster, services: ["short-lived"] }));
    expect(after.services?.[0]?.status).toBe("INACTIVE");
    const listed = await ecs.send(new ListServicesCommand({ cluster, maxResults: 100 }));
    expect(listed.serviceArns?.some((a) => a.endsWith("/short-lived"))).toBe(false);
  });

  it("answers a retried CreateService with the same clientToken with the service it created", async () => {
    const first = await createWeb({ serviceName: "tokened", clientToken: `${run}-tok` });
    const again = await createWeb({ serviceName: "tokened", clientToken: `${run}-tok` });
    expect(again.service?.serviceArn).toBe(first.service?.serviceArn);
  });

  const errors: [string, () => Promise<unknown>, new (...args: never[]) => Error, RegExp][] = [
    [
      "names an unknown cluster: ClusterNotFoundException",
      () => createWeb({ cluster: `${run}-nope` }),
      ClusterNotFoundException,
      /Cluster not found/,
    ],
    [
      "creates an ACTIVE name again without its token: InvalidParameterException",
      () => createWeb({ serviceName: "steady" }),
      InvalidParameterException,
      /not idempotent/,
    ],
    [
      "leaves out the awsvpc network: InvalidParameterException",
      () => createWeb({ serviceName: "no-net", networkConfiguration: undefined }),
      InvalidParameterException,
      /Network Configuration/,
    ],
    [
      "names an unknown task definition: InvalidParameterException",
      () => createWeb({ serviceName: "no-td", taskDefinition: `${run}-none:1` }),
      InvalidParameterException,
      /TaskDefinition/,
    ],
    [
      "updates an unknown service: ServiceNotFoundException",
      () => ecs.send(new UpdateServiceCommand({ cluster, service: "ghost", desiredCount: 1 })),
      ServiceNotFoundException,
      /Service not found/,
    ],
    [
      "updates a deleted service: ServiceNotActiveException",
      () => ecs.send(new UpdateServiceCommand({ cluster, service: "retired", desiredCount: 1 })),
      ServiceNotActiveException,
      /not ACTIVE/,
    ],
    [
      "lists services of an unknown cluster: ClusterNotFoundException",
      () => ecs.send(new ListServicesCommand({ cluster: `${run}-nope` })),
      ClusterNotFoundException,
      /Cluster not found/,
    ],
    [
      "asks ListServices for 101 results: InvalidParameterException",
      () => ecs.send(new ListServicesCommand({ cluster, maxResults: 101 })),
      InvalidParameterException,
      /maxResults/,
    ],
  ];
  it.each(errors)("rejects a request that %s", async (_name, send, type, message) => {
    const err = await send().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
    expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
  });
});

describe("a seeded ECS app over the wire", () => {
  // Seeding goes through the in-process API, which an external endpoint does not have.
  const local = itWithAdmin();
  local(
    "shows discovery the images, log drivers, secrets and exec flag seeded through the API [skipped against an external endpoint: seeds in process]",
    async () => {
      const seeded = seedEcsApp(target.sandbox!.ecs, {
        cluster: `${run}-seeded`,
        subnets: ["subnet-0aa"],
        securityGroups: ["sg-0bb"],
        accountId,
        region: target.region,
      });
      const { services } = await ecs.send(
        new DescribeServicesCommand({ cluster: `${run}-seeded`, services: seeded.serviceNames }),
      );
      const found = await Promise.all(
        (services ?? []).map(async (s) => {
          const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: s.taskDefinition })))
            .taskDefinition!;
          const c = td.containerDefinitions![0]!;
          return [
            s.serviceName,
            s.enableExecuteCommand,
            c.image,
            c.logConfiguration?.logDriver,
            c.secrets?.[0]?.valueFrom?.split(":")[2],
          ];
        }),
      );
      expect(found).toEqual([
        ["web", false, `${accountId}.dkr.ecr.${target.region}.amazonaws.com/web:1.4.2`, "awslogs", "secretsmanager"],
        ["worker", true, `${accountId}.dkr.ecr.${target.region}.amazonaws.com/worker:2.0.1`, "awslogs", "ssm"],
      ]);
    },
  );
});
