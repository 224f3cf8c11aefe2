/**
 * `ecsnet diagnose` against the AWS sandbox through the real SDK: each test builds a two-AZ VPC set up
 * right for Fargate tasks in its private subnets, breaks exactly one thing, and asserts that diagnose
 * names that failure, its resource and its fix, and that nothing else fails.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  CreateRouteCommand,
  DeleteNatGatewayCommand,
  ModifyVpcAttributeCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import type { ECSClient } from "@aws-sdk/client-ecs";
import { createEc2Port } from "../../../operator/aws/ec2-sdk.js";
import { createEcsPort } from "../../../operator/aws/ecs-sdk.js";
import { renderDiagnoseTable, runDiagnose, type DiagnoseClients } from "../../../operator/cli/diagnose.js";
import { startAwsSandbox, type AwsSandbox } from "../../../operator/sandbox/aws/server.js";
import { ec2Client, ecsClient } from "../../helpers/aws-sandbox.js";
import { buildVpc, clampRouteTablePageSize, natGateway, type Vpc } from "./world.js";

let sandbox: AwsSandbox;
let ec2: EC2Client;
let ecs: ECSClient;
let clients: DiagnoseClients;

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

const failures = async (vpc: Vpc, extra: Partial<Parameters<typeof runDiagnose>[0]> = {}) => {
  const r = await runDiagnose({ vpcId: vpc.vpcId, ...extra }, clients);
  return { result: r, failed: r.checks.filter((c) => !c.ok) };
};

describe("ecsnet diagnose against the sandbox", () => {
  it("passes every check and exits 0 in a VPC set up right", async () => {
    const vpc = await buildVpc(sandbox, ec2);
    const { result, failed } = await failures(vpc);
    expect(failed).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.needs.taskSubnets).toEqual([...vpc.privateSubnetIds].sort());
    expect(result.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        "endpoint:ecr.api",
        "endpoint:ecr.dkr",
        "endpoint:logs",
        "s3-gateway",
        `endpoint-sg:${vpc.endpointSg}`,
      ]),
    );
  });

  it("names the missing ecr.dkr endpoint, its error and the fix, and exits 1", async () => {
    const vpc = await buildVpc(sandbox, ec2, { skipEndpoints: ["ecr.dkr"] });
    const { result, failed } = await failures(vpc);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: "endpoint:ecr.dkr", resource: vpc.vpcId, reason: "EndpointMissing" });
    expect(failed[0]!.message).toContain("CannotPullContainerError");
    expect(failed[0]!.fix).toContain("com.amazonaws.us-east-1.ecr.dkr");
    expect(result.exitCode).toBe(1);
    const table = renderDiagnoseTable(result);
    expect(table).toContain("✗ endpoint:ecr.dkr");
    expect(table).toContain("fix: create an interface endpoint for com.amazonaws.us-east-1.ecr.dkr");
  });

  it("names the logs endpoint with failed to validate logger args when it is missing", async () => {
    const vpc = await buildVpc(sandbox, ec2, { skipEndpoints: ["logs"] });
    const { failed } = await failures(vpc);
    expect(failed.map((c) => c.name)).toEqual(["endpoint:logs"]);
    expect(failed[0]!.message).toContain("failed to validate logger args");
  });

  it("names the ecr.api endpoint whose private DNS is off", async () => {
    const vpc = await buildVpc(sandbox, ec2, { privateDnsOff: ["ecr.api"] });
    const { failed } = await failures(vpc);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: "endpoint-private-dns:ecr.api", resource: vpc.endpointIds["ecr.api"] });
    expect(failed[0]!.fix).toContain("--private-dns-enabled");
  });

  it("names the VPC when enableDnsSupport is off", async () => {
    const vpc = await buildVpc(sandbox, ec2);
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpc.vpcId, EnableDnsSupport: { Value: false } }));
    const { failed } = await failures(vpc);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: "vpc-dns-support", resource: vpc.vpcId });
    expect(failed[0]!.fix).toContain("enable-dns-support");
  });

  it("names the second private route table when the S3 gateway is only on the first", async () => {
    const vpc = await buildVpc(sandbox, ec2, { s3RouteTables: "first-only" });
    const { failed } = await failures(vpc);
    const rtb = vpc.privateRouteTableIds[1]!;
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: `s3-route:${rtb}`, resource: rtb, reason: "S3RouteMissing" });
    expect(failed[0]!.fix).toContain(`--add-route-table-ids ${rtb}`);
  });

  it("names the S3 gateway when there is none", async () => {
    const vpc = await buildVpc(sandbox, ec2, { skipEndpoints: ["s3"] });
    const { failed } = await failures(vpc);
    expect(failed.map((c) => c.name)).toEqual(["s3-gateway"]);
    expect(failed[0]!.message).toContain("CannotPullContainerError");
  });

  it("names the endpoint security group and the CIDR it does not admit", async () => {
    const vpc = await buildVpc(sandbox, ec2, { sgAdmitsFirstSubnetOnly: true });
    const { failed } = await failures(vpc);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: `endpoint-sg:${vpc.endpointSg}`, resource: vpc.endpointSg });
    expect(failed[0]!.fix).toContain("10.0.11.0/24");
  });

  it("names the logs endpoint that has no subnet in the second AZ", async () => {
    const vpc = await buildVpc(sandbox, ec2, { oneAz: ["logs"] });
    const { failed } = await failures(vpc);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: "endpoint-az:logs", resource: vpc.endpointIds.logs });
    expect(failed[0]!.message).toContain("us-east-1b");
  });

  it("names the three ecs endpoints for the EC2 launch type and nothing else", async () => {
    const vpc = await buildVpc(sandbox, ec2);
    const { failed } = await failures(vpc, { launchType: "EC2" });
    expect(failed.map((c) => c.name)).toEqual(["endpoint:ecs", "endpoint:ecs-agent", "endpoint:ecs-telemetry"]);
    expect(failed[0]!.message).toContain("never register");
  });

  it("names the route table whose default route is blackholed after its NAT gateway was deleted", async () => {
    const vpc = await buildVpc(sandbox, ec2);
    const nat = await natGateway(sandbox, ec2, vpc.publicSubnetIds[0]!);
    const rtb = vpc.privateRouteTableIds[0]!;
    await ec2.send(new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: nat }));
    expect((await failures(vpc)).failed).toEqual([]);
    await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: nat }));
    sandbox.admin.settle();
    const { failed } = await failures(vpc);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: `egress-route:${rtb}`, resource: rtb, reason: "RouteBlackholed" });
    expect(failed[0]!.fix).toContain("NAT gateway");
  });

  it("names a NAT gateway placed in a private subnet", async () => {
    const vpc = await buildVpc(sandbox, ec2);
    const nat = await natGateway(sandbox, ec2, vpc.privateSubnetIds[1]!);
    const rtb = vpc.privateRouteTableIds[0]!;
    await ec2.send(new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: nat }));
    const { failed } = await failures(vpc);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: `nat-placement:${nat}`, resource: nat, reason: "SubnetNotPublic" });
  });

  it("refuses task subnets outside the VPC", async () => {
    const vpc = await buildVpc(sandbox, ec2);
    await expect(runDiagnose({ vpcId: vpc.vpcId, subnets: ["subnet-0000000000000dead"] }, clients)).rejects.toThrow(
      "not in",
    );
  });
});
