/**
 * `ecsnet diagnose --cluster`: needs discovered from real ECS services in the sandbox (through the real
 * SDKs), checked against a VPC built right except for one thing the workload itself makes necessary.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  AuthorizeSecurityGroupEgressCommand,
  CreateRouteCommand,
  CreateVpcEndpointCommand,
  ModifyVpcEndpointCommand,
  RevokeSecurityGroupEgressCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type ContainerDefinition,
  type ECSClient,
} from "@aws-sdk/client-ecs";
import { createEc2Port } from "../../../operator/aws/ec2-sdk.js";
import { createEcsPort } from "../../../operator/aws/ecs-sdk.js";
import { runDiagnose, type DiagnoseClients } from "../../../operator/cli/diagnose.js";
import { ecrEndpointStatements, policyDocument } from "../../../operator/core/ecr-policy.js";
import { startAwsSandbox, type AwsSandbox } from "../../../operator/sandbox/aws/server.js";
import { ec2Client, ecsClient } from "../../helpers/aws-sandbox.js";
import { buildVpc, clampRouteTablePageSize, natGateway, type Vpc } from "./world.js";

const ACCT = "123456789012";
const R = "us-east-1";
const IMAGE = `${ACCT}.dkr.ecr.${R}.amazonaws.com/shop/api:1`;
let sandbox: AwsSandbox;
let ec2: EC2Client;
let ecs: ECSClient;
let clients: DiagnoseClients;
let clusterCount = 0;

beforeAll(async () => {
  sandbox = await startAwsSandbox({ port: 0 });
  ec2 = ec2Client(sandbox.endpoint);
  clampRouteTablePageSize(ec2);
  ecs = ecsClient(sandbox.endpoint);
  clients = { ec2: createEc2Port(ec2), ecs: createEcsPort(ecs) };
});
afterAll(async () => {
  ec2?.destroy();
  ecs?.destroy();
  await sandbox?.close();
});

const awslogs = { logDriver: "awslogs" as const, options: { "awslogs-group": "/ecs/api", "awslogs-region": R } };

async function register(family: string, containers: ContainerDefinition[]): Promise<string> {
  const out = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      executionRoleArn: `arn:aws:iam::${ACCT}:role/ecsTaskExecutionRole`,
      containerDefinitions: containers,
    }),
  );
  return out.taskDefinition!.taskDefinitionArn!;
}

/** A new cluster with one Fargate service "api" in the VPC's private subnets with the task security group. */
async function fargateService(vpc: Vpc, containers: ContainerDefinition[]): Promise<string> {
  const cluster = `shop-${++clusterCount}`;
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  await ecs.send(
    new CreateServiceCommand({
      cluster,
      serviceName: "api",
      taskDefinition: await register(`api-${cluster}`, containers),
      desiredCount: 1,
      launchType: "FARGATE",
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: vpc.privateSubnetIds,
          securityGroups: [vpc.taskSg],
          assignPublicIp: "DISABLED",
        },
      },
    }),
  );
  return cluster;
}

const diagnose = async (vpc: Vpc, cluster: string) => {
  const result = await runDiagnose({ vpcId: vpc.vpcId, cluster }, clients);
  return { result, failed: result.checks.filter((c) => !c.ok) };
};

describe("ecsnet diagnose --cluster", () => {
  it("follows a new task definition revision that adds a secret: secretsmanager becomes required and is named", async () => {
    const vpc = await buildVpc(sandbox, ec2);
    const cluster = await fargateService(vpc, [{ name: "api", image: IMAGE, logConfiguration: awslogs }]);
    const before = await diagnose(vpc, cluster);
    expect(before.failed).toEqual([]);
    expect(before.result.needs.endpoints).not.toContain("secretsmanager");
    expect(before.result.needs.taskSecurityGroups).toEqual([vpc.taskSg]);

    const secret = `arn:aws:secretsmanager:${R}:${ACCT}:secret:shop/db-AbCdEf`;
    const rev2 = await register(`api-${cluster}`, [
      { name: "api", image: IMAGE, logConfiguration: awslogs, secrets: [{ name: "DB", valueFrom: secret }] },
    ]);
    await ecs.send(new UpdateServiceCommand({ cluster, service: "api", taskDefinition: rev2 }));
    const after = await diagnose(vpc, cluster);
    expect(after.result.needs.endpoints).toContain("secretsmanager");
    expect(after.result.needs.reasons.secretsmanager).toBe("api reads secrets from Secrets Manager");
    expect(after.failed.map((c) => c.name)).toEqual(["endpoint:secretsmanager"]);
    expect(after.failed[0]!.message).toContain("unable to pull secrets or registry auth");
    expect(after.failed[0]!.fix).toContain(`com.amazonaws.${R}.secretsmanager`);

    await ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: vpc.vpcId,
        VpcEndpointType: "Interface",
        ServiceName: `com.amazonaws.${R}.secretsmanager`,
        SubnetIds: vpc.privateSubnetIds,
        SecurityGroupIds: [vpc.endpointSg],
        PrivateDnsEnabled: true,
      }),
    );
    sandbox.admin.settle();
    expect((await diagnose(vpc, cluster)).failed).toEqual([]);
  });

  it("names the task security group when its egress reaches the endpoints but not S3", async () => {
    const vpc = await buildVpc(sandbox, ec2);
    const cluster = await fargateService(vpc, [{ name: "api", image: IMAGE }]);
    await ec2.send(
      new RevokeSecurityGroupEgressCommand({
        GroupId: vpc.taskSg,
        IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      }),
    );
    await ec2.send(
      new AuthorizeSecurityGroupEgressCommand({
        GroupId: vpc.taskSg,
        IpPermissions: [
          { IpProtocol: "tcp", FromPort: 443, ToPort: 443, UserIdGroupPairs: [{ GroupId: vpc.endpointSg }] },
        ],
      }),
    );
    const { failed } = await diagnose(vpc, cluster);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: "task-sg-egress", resource: vpc.taskSg });
    expect(failed[0]!.message).toContain("s3");
    expect(failed[0]!.fix).toContain("S3 prefix list");
  });

  it("names the ecr.dkr endpoint whose policy does not allow the repository the service pulls", async () => {
    const vpc = await buildVpc(sandbox, ec2);
    const cluster = await fargateService(vpc, [{ name: "api", image: IMAGE }]);
    const other = policyDocument(ecrEndpointStatements("ns/other", [{ account: ACCT, region: R, name: "other/repo" }]));
    await ec2.send(new ModifyVpcEndpointCommand({ VpcEndpointId: vpc.endpointIds["ecr.dkr"], PolicyDocument: other }));
    const { failed } = await diagnose(vpc, cluster);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: "endpoint-policy:ecr.dkr", resource: vpc.endpointIds["ecr.dkr"] });
    expect(failed[0]!.message).toContain(`arn:aws:ecr:${R}:${ACCT}:repository/shop/api`);

    const scoped = policyDocument(ecrEndpointStatements("ns/shop", [{ account: ACCT, region: R, name: "shop/api" }]));
    await ec2.send(new ModifyVpcEndpointCommand({ VpcEndpointId: vpc.endpointIds["ecr.dkr"], PolicyDocument: scoped }));
    expect((await diagnose(vpc, cluster)).failed).toEqual([]);
  });

  it("names each task route table without internet egress when a Docker Hub image is used, until a NAT route exists", async () => {
    const vpc = await buildVpc(sandbox, ec2);
    const cluster = await fargateService(vpc, [
      { name: "api", image: IMAGE },
      { name: "cache", image: "redis:7" },
    ]);
    const { result, failed } = await diagnose(vpc, cluster);
    expect(result.needs.needsInternet.map((i) => i.image)).toEqual(["redis:7"]);
    expect(failed.map((c) => c.resource)).toEqual([...vpc.privateRouteTableIds].sort());
    expect(failed[0]!.message).toContain("redis:7");

    const nat = await natGateway(sandbox, ec2, vpc.publicSubnetIds[0]!);
    for (const rtb of vpc.privateRouteTableIds)
      await ec2.send(
        new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: nat }),
      );
    expect((await diagnose(vpc, cluster)).failed).toEqual([]);
  });
});
