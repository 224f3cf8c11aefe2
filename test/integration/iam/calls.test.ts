/**
 * The policy against what ecsnet really sends: `ecsnet apply` (NAT gateway per AZ, `vpcDns: Enforce`, an
 * adopted S3 gateway endpoint), `ecsnet destroy` and `ecsnet diagnose --cluster` run as a user runs them
 * against the AWS sandbox, which records every operation. Each must be one of the commands the adapters
 * import (the list the simulator tests in test/unit/iam work from) and granted by the generated policy.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateVpcEndpointCommand, ModifyVpcAttributeCommand, type EC2Client } from "@aws-sdk/client-ec2";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  RegisterTaskDefinitionCommand,
  type ECSClient,
} from "@aws-sdk/client-ecs";
import { stringify } from "yaml";
import { grantedActions, iamPolicy } from "../../../operator/iam/policy.js";
import { DEFAULT_FEATURES } from "../../../operator/iam/scope.js";
import { startAwsSandbox, type AwsSandbox } from "../../../operator/sandbox/aws/server.js";
import { ec2Client, ecsClient } from "../../helpers/aws-sandbox.js";
import { actionsSentByAdapters } from "../../unit/iam/simulate.js";
import { runEcsnet, type CliResult } from "../../helpers/cli.js";

let aws: AwsSandbox;
let ec2: EC2Client;
let ecs: ECSClient;
const dir = mkdtempSync(join(tmpdir(), "ecsnet-iam-"));

beforeAll(async () => {
  aws = await startAwsSandbox({ port: 0, seed: "two-az-vpc" });
  ec2 = ec2Client(aws.endpoint, { region: aws.region });
  ecs = ecsClient(aws.endpoint, { region: aws.region });
});
afterAll(async () => {
  ec2?.destroy();
  ecs?.destroy();
  await aws?.close();
});

function ecsnet(args: string[]): Promise<CliResult> {
  return runEcsnet(args, aws, { NODE_NO_WARNINGS: "1" });
}

it("every AWS operation of apply, destroy and diagnose is a command the adapters import, and the policy grants it", async () => {
  const s = aws.seeded!;
  // Something for each feature to do: VPC DNS hostnames off, an untagged S3 gateway endpoint to adopt,
  // and an ECS service to discover.
  await ec2.send(new ModifyVpcAttributeCommand({ VpcId: s.vpcId, EnableDnsHostnames: { Value: false } }));
  await ec2.send(
    new CreateVpcEndpointCommand({
      VpcId: s.vpcId,
      VpcEndpointType: "Gateway",
      ServiceName: `com.amazonaws.${aws.region}.s3`,
      RouteTableIds: [s.privateRouteTableIds[0]!],
    }),
  );
  await ecs.send(new CreateClusterCommand({ clusterName: "apps" }));
  const td = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: "web",
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      containerDefinitions: [{ name: "web", image: `123456789012.dkr.ecr.${aws.region}.amazonaws.com/web:1` }],
    }),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster: "apps",
      serviceName: "web",
      taskDefinition: td.taskDefinition!.taskDefinitionArn!,
      desiredCount: 1,
      launchType: "FARGATE",
      networkConfiguration: { awsvpcConfiguration: { subnets: s.privateSubnetIds, assignPublicIp: "DISABLED" } },
    }),
  );
  aws.admin.resetCalls();

  const file = join(dir, "prod.yaml");
  const spec = {
    vpcId: s.vpcId,
    privateSubnets: { ids: s.privateSubnetIds },
    endpoints: { adoptExisting: true },
    vpcDns: "Enforce",
    egress: { mode: "NatGateway", natGateway: { placement: "OnePerAz", publicSubnetIds: s.publicSubnetIds } },
  };
  const manifest = {
    apiVersion: "ecsnet.dev/v1alpha1",
    kind: "PrivateEcsNetwork",
    metadata: { name: "prod", namespace: "iam" },
  };
  writeFileSync(file, stringify({ ...manifest, spec }));
  const apply = await ecsnet(["apply", "-f", file, "--timeout", "60s"]);
  expect({ code: apply.code, out: apply.code === 0 ? "" : apply.out }).toEqual({ code: 0, out: "" });
  const destroy = await ecsnet(["destroy", "-f", file, "--timeout", "60s"]);
  expect({ code: destroy.code, out: destroy.code === 0 ? "" : destroy.out }).toEqual({ code: 0, out: "" });
  const diagnose = await ecsnet(["diagnose", "--vpc", s.vpcId, "--cluster", "apps"]);
  expect([0, 1]).toContain(diagnose.code);

  const called = Object.keys(aws.admin.calls()).sort();
  // The run exercised every feature the policy has a statement for.
  expect(called).toEqual(
    expect.arrayContaining([
      "AllocateAddress",
      "CreateNatGateway",
      "CreateRoute",
      "CreateTags",
      "CreateVpcEndpoint",
      "DeleteVpcEndpoints",
      "DescribeTaskDefinition",
      "ListServices",
      "ModifyVpcAttribute",
      "ReleaseAddress",
    ]),
  );
  const name = (a: string) => a.split(":")[1]!;
  const imported = new Set(actionsSentByAdapters().map(name));
  expect(called.filter((op) => !imported.has(op))).toEqual([]);
  const granted = new Set(grantedActions(iamPolicy(scopeOf(s.vpcId), ALL)).map(name));
  expect(called.filter((op) => !granted.has(op))).toEqual([]);
}, 180_000);

const ALL = { ...DEFAULT_FEATURES, adoption: true };
const scopeOf = (vpcId: string) => ({
  partition: "aws",
  account: "123456789012",
  regions: [aws.region],
  vpcIds: [vpcId],
});
