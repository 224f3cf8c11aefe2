/**
 * EcrAccess under the real `ecsnet run`: workloads discovered from an ECS cluster contribute the endpoints
 * they need to their PrivateEcsNetwork, the path checks pass once the network has them, and deleting the
 * EcrAccess takes its contribution back out of AWS.
 */
import { CreateSecurityGroupCommand } from "@aws-sdk/client-ec2";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, describe, expect } from "@jest/globals";
import { seedEcsApp } from "../../operator/sandbox/aws/ecs/seeds.js";
import type { TwoAzVpc } from "../helpers/aws-sandbox.js";
import {
  ECRA,
  NEEDS_SANDBOX,
  PEN,
  conditionOf,
  eventually,
  itWithSandbox,
  spawnOperator,
  startE2eWorld,
  type E2eWorld,
} from "../helpers/operator.js";
import type { KubeObject } from "../../operator/kube/client.js";
import { getNetwork, networkManifest, owned, shortName, viewVpc } from "./aws-world.js";

let world: E2eWorld;

beforeAll(async () => {
  world = await startE2eWorld();
  await spawnOperator(world);
});

afterAll(async () => {
  await world?.close();
});

type AccessObject = KubeObject & {
  status?: {
    requiredEndpoints?: string[];
    checks?: { name: string; ok: boolean; message: string }[];
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
};

const DEFAULTS = ["ecr.api", "ecr.dkr", "logs"];
/** What the seeded fargate-app needs beyond the defaults: secrets from Secrets Manager and SSM, ECS Exec. */
const CONTRIBUTED = ["secretsmanager", "ssm", "ssmmessages"];

describe("an EcrAccess discovering its workloads from an ECS cluster", () => {
  const network = "apps-net";
  const access = "apps";
  let vpc: TwoAzVpc;

  beforeAll(async () => {
    if (world.real) return;
    vpc = await world.newVpc();
    const taskSg = await world.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: "apps-tasks", Description: "tasks", VpcId: vpc.vpcId }),
    );
    seedEcsApp(world.awsSandbox!.ecs, {
      subnets: vpc.privateSubnetIds,
      securityGroups: [taskSg.GroupId!],
      accountId: "123456789012",
      region: world.region,
      kind: "fargate-app",
    });
  });

  const endpointsInAws = async (uid: string) =>
    owned(await viewVpc(world, vpc.vpcId), uid)
      .endpoints.filter((e) => e.VpcEndpointType === "Interface")
      .map((e) => shortName(e, world.region))
      .sort();

  itWithSandbox(
    `gives the network the endpoints the workloads need, and becomes Ready with its path verified ${NEEDS_SANDBOX}`,
    async () => {
      await world.kube.create({ resource: PEN, body: networkManifest(world, network, vpc, { egress: "None" }) });
      await world.kube.create({
        resource: ECRA,
        body: {
          apiVersion: `${ECRA.group}/${ECRA.version}`,
          kind: ECRA.kind,
          metadata: { name: access, namespace: world.namespace },
          spec: { networkRef: { name: network }, ecs: { cluster: "apps" } },
        } as KubeObject,
      });
      const a = await eventually(
        async () => {
          const got = await world.kube.get<AccessObject>({ resource: ECRA, namespace: world.namespace, name: access });
          if (conditionOf(got, "Ready")?.status !== "True" || conditionOf(got, "PathVerified")?.status !== "True")
            throw new Error(`EcrAccess not Ready: ${JSON.stringify(got?.status?.conditions ?? null)}`);
          return got!;
        },
        { what: "the EcrAccess is Ready with PathVerified" },
      );
      expect(a.status?.requiredEndpoints).toEqual(expect.arrayContaining([...DEFAULTS, ...CONTRIBUTED]));
      expect(a.status?.checks?.every((c) => c.ok)).toBe(true);

      // The checks read AWS directly, so the network's own status may trail them by a reconcile.
      const n = await eventually(
        async () => {
          const got = await getNetwork(world, network);
          if (conditionOf(got, "Ready")?.status !== "True") throw new Error("network not Ready");
          return got!;
        },
        { what: "the network is Ready" },
      );
      expect((n.status as { contributors?: string[] }).contributors).toEqual([`${world.namespace}/${access}`]);
      expect(await endpointsInAws(n.metadata.uid!)).toEqual([...DEFAULTS, ...CONTRIBUTED].sort());
    },
  );

  itWithSandbox(`takes its contributed endpoints back out when deleted ${NEEDS_SANDBOX}`, async () => {
    const uid = (await getNetwork(world, network))!.metadata.uid!;
    await world.kube.delete({ resource: ECRA, namespace: world.namespace, name: access });
    await eventually(
      async () => {
        const inAws = await endpointsInAws(uid);
        if (JSON.stringify(inAws) !== JSON.stringify(DEFAULTS)) throw new Error(`endpoints in AWS: ${inAws}`);
      },
      { what: "only the default endpoints are left" },
    );
    const n = await eventually(
      async () => {
        const got = await getNetwork(world, network);
        if (
          conditionOf(got, "Ready")?.status !== "True" ||
          (got?.status as { contributors?: string[] }).contributors?.length
        )
          throw new Error(`network not back to Ready without contributors: ${JSON.stringify(got?.status)}`);
        return got!;
      },
      { what: "the network is Ready without contributors" },
    );
    expect(n.status?.endpoints?.map((e) => e.service).sort()).toEqual(DEFAULTS);
  });
});

describe("an EcrAccess whose service moves to a new task definition revision", () => {
  const network = "batch-net";
  const access = "batch";
  const cluster = `batch-${Date.now().toString(36)}`;
  let vpc: TwoAzVpc;

  const taskDefinition = (secrets: { name: string; valueFrom: string }[]) =>
    new RegisterTaskDefinitionCommand({
      family: `${cluster}-job`,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      executionRoleArn: "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
      containerDefinitions: [
        {
          name: "job",
          image: `123456789012.dkr.ecr.${world.region}.amazonaws.com/batch/job:1`,
          essential: true,
          logConfiguration: {
            logDriver: "awslogs",
            options: { "awslogs-group": "/ecs/batch", "awslogs-region": world.region, "awslogs-stream-prefix": "job" },
          },
          secrets,
        },
      ],
    });

  itWithSandbox(`gains the endpoint a new revision needs within one sweep ${NEEDS_SANDBOX}`, async () => {
    vpc = await world.newVpc();
    await world.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    const v1 = await world.ecs.send(taskDefinition([]));
    await world.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: "job",
        taskDefinition: v1.taskDefinition!.taskDefinitionArn!,
        desiredCount: 1,
        launchType: "FARGATE",
        networkConfiguration: { awsvpcConfiguration: { subnets: vpc.privateSubnetIds, assignPublicIp: "DISABLED" } },
      }),
    );
    await world.kube.create({ resource: PEN, body: networkManifest(world, network, vpc, { egress: "None" }) });
    await world.kube.create({
      resource: ECRA,
      body: {
        apiVersion: `${ECRA.group}/${ECRA.version}`,
        kind: ECRA.kind,
        metadata: { name: access, namespace: world.namespace },
        spec: { networkRef: { name: network }, ecs: { cluster, services: ["job"] } },
      } as KubeObject,
    });
    const ready = await eventually(
      async () => {
        const n = await getNetwork(world, network);
        if (conditionOf(n, "Ready")?.status !== "True") throw new Error("network not Ready");
        return n!;
      },
      { what: "the network is Ready with the revision-1 needs" },
    );
    expect(await endpointsInAws(ready.metadata.uid!)).toEqual(DEFAULTS);

    // Revision 2 reads a secret from Secrets Manager: the sweep must discover it and add the endpoint.
    const v2 = await world.ecs.send(
      taskDefinition([
        {
          name: "DB_PASSWORD",
          valueFrom: `arn:aws:secretsmanager:${world.region}:123456789012:secret:batch/db-AbCdEf`,
        },
      ]),
    );
    await world.ecs.send(
      new UpdateServiceCommand({ cluster, service: "job", taskDefinition: v2.taskDefinition!.taskDefinitionArn! }),
    );
    await eventually(
      async () => {
        const inAws = await endpointsInAws(ready.metadata.uid!);
        if (!inAws.includes("secretsmanager")) throw new Error(`endpoints in AWS: ${inAws}`);
      },
      { what: "the secretsmanager endpoint exists" },
    );
    const a = await world.kube.get<AccessObject>({ resource: ECRA, namespace: world.namespace, name: access });
    expect(a?.status?.requiredEndpoints).toContain("secretsmanager");
  });

  const endpointsInAws = async (uid: string) =>
    owned(await viewVpc(world, vpc.vpcId), uid)
      .endpoints.filter((e) => e.VpcEndpointType === "Interface")
      .map((e) => shortName(e, world.region))
      .sort();
});
