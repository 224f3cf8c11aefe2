/**
 * ECS discovery through the real @aws-sdk/client-ecs against the sandbox: services → current task
 * definitions → images, log drivers, secrets, ECS Exec, launch types and awsvpc settings.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  RegisterTaskDefinitionCommand,
  type ECSClient,
} from "@aws-sdk/client-ecs";
import { ClusterNotFoundError, discoverWorkloads } from "../../../operator/aws/discover.js";
import { createEcsPort } from "../../../operator/aws/ecs-sdk.js";
import type { EcsPort } from "../../../operator/aws/ecs-port.js";
import { workloadNeeds } from "../../../operator/core/workload-needs.js";
import { seedEcsApp } from "../../../operator/sandbox/aws/ecs/seeds.js";
import { startAwsSandbox, type AwsSandbox } from "../../../operator/sandbox/aws/server.js";
import { ecsClient } from "../../helpers/aws-sandbox.js";

const ACCT = "123456789012";
const R = "us-east-1";
let sandbox: AwsSandbox;
let ecs: ECSClient;
let port: EcsPort;

beforeAll(async () => {
  sandbox = await startAwsSandbox({ port: 0 });
  ecs = ecsClient(sandbox.endpoint);
  port = createEcsPort(ecs);
  const net = {
    subnets: ["subnet-0a0000000000000a1", "subnet-0b0000000000000b1"],
    securityGroups: ["sg-0c0000000000000c1"],
  };
  seedEcsApp(sandbox.ecs, { ...net, cluster: "apps", accountId: ACCT, region: R, kind: "fargate-app" });
  seedEcsApp(sandbox.ecs, { ...net, cluster: "edge", accountId: ACCT, region: R, kind: "ec2-app" });
});
afterAll(async () => {
  ecs?.destroy();
  await sandbox?.close();
});

describe("discoverWorkloads", () => {
  it("reads every service of a Fargate cluster with its images, log driver, secrets and exec setting", async () => {
    const d = await discoverWorkloads(port, { cluster: "apps" });
    expect(d.services.map((s) => s.name)).toEqual(["web", "worker"]);
    const [web, worker] = d.services;
    expect(web).toMatchObject({
      launchType: "FARGATE",
      enableExecuteCommand: false,
      subnets: ["subnet-0a0000000000000a1", "subnet-0b0000000000000b1"],
      securityGroups: ["sg-0c0000000000000c1"],
      networkMode: "awsvpc",
    });
    expect(web!.containers[0]).toMatchObject({
      image: `${ACCT}.dkr.ecr.${R}.amazonaws.com/web:1.4.2`,
      logDriver: "awslogs",
      secretRefs: [`arn:aws:secretsmanager:${R}:${ACCT}:secret:web/db-password-AbCdEf`],
    });
    expect(worker!.enableExecuteCommand).toBe(true);
    expect(worker!.taskDefinitionArn).toContain("task-definition/worker:");
  });

  it("turns the Fargate app into ecr, logs, secretsmanager, ssm and ssmmessages needs", async () => {
    const needs = workloadNeeds(await discoverWorkloads(port, { cluster: "apps" }), { region: R });
    expect(needs.endpoints).toEqual(["ecr.api", "ecr.dkr", "logs", "s3", "secretsmanager", "ssm", "ssmmessages"]);
    expect(needs.reasons.ssmmessages).toBe("worker has ECS Exec enabled");
  });

  it("reports the EC2 app's ecs endpoints and its non-ECR images as needing internet egress", async () => {
    const needs = workloadNeeds(await discoverWorkloads(port, { cluster: "edge" }), { region: R });
    expect(needs.endpoints).toEqual(expect.arrayContaining(["ecs", "ecs-agent", "ecs-telemetry"]));
    expect(needs.needsInternet.map((i) => i.image)).toEqual([
      "docker.io/library/redis:7",
      "public.ecr.aws/nginx/nginx:1.27",
    ]);
  });

  it("reads only the named services and reports the unknown ones", async () => {
    const d = await discoverWorkloads(port, { cluster: "apps", services: ["worker", "ghost"] });
    expect(d.services.map((s) => s.name)).toEqual(["worker"]);
    expect(d.missingServices).toEqual(["ghost"]);
  });

  it("describes more than ten services in batches", async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: "many" }));
    const td = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: "tiny",
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "256",
        memory: "512",
        containerDefinitions: [{ name: "c", image: "nginx:1" }],
      }),
    );
    const names = Array.from({ length: 23 }, (_, i) => `svc-${String(i).padStart(2, "0")}`);
    for (const serviceName of names)
      await ecs.send(
        new CreateServiceCommand({
          cluster: "many",
          serviceName,
          taskDefinition: td.taskDefinition!.taskDefinitionArn!,
          desiredCount: 0,
          launchType: "FARGATE",
          networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-0a0000000000000a1"] } },
        }),
      );
    const d = await discoverWorkloads(port, { cluster: "many" });
    expect(d.services.map((s) => s.name)).toEqual(names);
  });

  it("rejects a cluster that does not exist", async () => {
    await expect(discoverWorkloads(port, { cluster: "nope" })).rejects.toBeInstanceOf(ClusterNotFoundError);
  });
});
