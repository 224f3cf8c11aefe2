/**
 * `ecsnet diagnose` against the AWS sandbox through the real SDK: each test builds a two-AZ VPC set up
 * right for Fargate tasks in its private subnets, breaks exactly one thing, and asserts that diagnose
 * names that failure, its resource and its fix, and that nothing else fails.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  AllocateAddressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateSecurityGroupCommand,
  CreateVpcEndpointCommand,
  DeleteNatGatewayCommand,
  ModifyVpcAttributeCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import type { ECSClient } from "@aws-sdk/client-ecs";
import { createEc2Port } from "../../../operator/aws/ec2-sdk.js";
import { createEcsPort } from "../../../operator/aws/ecs-sdk.js";
import { renderDiagnoseTable, runDiagnose, type DiagnoseClients } from "../../../operator/cli/diagnose.js";
import { startAwsSandbox, type AwsSandbox, type SeedResult } from "../../../operator/sandbox/aws/server.js";
import { ec2Client, ecsClient } from "../../helpers/aws-sandbox.js";

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

/** Which part of the right setup to build differently. */
interface Setup {
  readonly skipEndpoints?: readonly string[];
  readonly privateDnsOff?: readonly string[];
  readonly oneAz?: readonly string[];
  readonly s3RouteTables?: "first-only";
  readonly sgAdmitsFirstSubnetOnly?: boolean;
}

interface Vpc extends SeedResult {
  readonly endpointSg: string;
  readonly taskSg: string;
  readonly endpointIds: Record<string, string>;
}

/** A fresh two-AZ VPC with ecr.api, ecr.dkr, logs and the S3 gateway set up right, unless `setup` says otherwise. */
async function buildVpc(setup: Setup = {}): Promise<Vpc> {
  const seed = sandbox.admin.seed("two-az-vpc");
  const { vpcId, privateSubnetIds, privateRouteTableIds } = seed;
  const sg = async (name: string) =>
    (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: name, Description: name }))).GroupId!;
  const endpointSg = await sg("endpoints");
  const taskSg = await sg("tasks");
  const cidrs = setup.sgAdmitsFirstSubnetOnly ? ["10.0.10.0/24"] : ["10.0.10.0/24", "10.0.11.0/24"];
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: endpointSg,
      IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: cidrs.map((CidrIp) => ({ CidrIp })) }],
    }),
  );
  const endpointIds: Record<string, string> = {};
  for (const short of ["ecr.api", "ecr.dkr", "logs"]) {
    if (setup.skipEndpoints?.includes(short)) continue;
    const out = await ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: vpcId,
        VpcEndpointType: "Interface",
        ServiceName: `com.amazonaws.us-east-1.${short}`,
        SubnetIds: setup.oneAz?.includes(short) ? [privateSubnetIds[0]!] : privateSubnetIds,
        SecurityGroupIds: [endpointSg],
        PrivateDnsEnabled: !setup.privateDnsOff?.includes(short),
      }),
    );
    endpointIds[short] = out.VpcEndpoint!.VpcEndpointId!;
  }
  if (!setup.skipEndpoints?.includes("s3")) {
    const out = await ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: vpcId,
        VpcEndpointType: "Gateway",
        ServiceName: "com.amazonaws.us-east-1.s3",
        RouteTableIds: setup.s3RouteTables === "first-only" ? [privateRouteTableIds[0]!] : privateRouteTableIds,
      }),
    );
    endpointIds.s3 = out.VpcEndpoint!.VpcEndpointId!;
  }
  sandbox.admin.settle();
  return { ...seed, endpointSg, taskSg, endpointIds };
}

const failures = async (vpc: Vpc, extra: Partial<Parameters<typeof runDiagnose>[0]> = {}) => {
  const r = await runDiagnose({ vpcId: vpc.vpcId, ...extra }, clients);
  return { result: r, failed: r.checks.filter((c) => !c.ok) };
};

describe("ecsnet diagnose against the sandbox", () => {
  it("passes every check and exits 0 in a VPC set up right", async () => {
    const vpc = await buildVpc();
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
    const vpc = await buildVpc({ skipEndpoints: ["ecr.dkr"] });
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
    const vpc = await buildVpc({ skipEndpoints: ["logs"] });
    const { failed } = await failures(vpc);
    expect(failed.map((c) => c.name)).toEqual(["endpoint:logs"]);
    expect(failed[0]!.message).toContain("failed to validate logger args");
  });

  it("names the ecr.api endpoint whose private DNS is off", async () => {
    const vpc = await buildVpc({ privateDnsOff: ["ecr.api"] });
    const { failed } = await failures(vpc);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: "endpoint-private-dns:ecr.api", resource: vpc.endpointIds["ecr.api"] });
    expect(failed[0]!.fix).toContain("--private-dns-enabled");
  });

  it("names the VPC when enableDnsSupport is off", async () => {
    const vpc = await buildVpc();
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpc.vpcId, EnableDnsSupport: { Value: false } }));
    const { failed } = await failures(vpc);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: "vpc-dns-support", resource: vpc.vpcId });
    expect(failed[0]!.fix).toContain("enable-dns-support");
  });

  it("names the second private route table when the S3 gateway is only on the first", async () => {
    const vpc = await buildVpc({ s3RouteTables: "first-only" });
    const { failed } = await failures(vpc);
    const rtb = vpc.privateRouteTableIds[1]!;
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: `s3-route:${rtb}`, resource: rtb, reason: "S3RouteMissing" });
    expect(failed[0]!.fix).toContain(`--add-route-table-ids ${rtb}`);
  });

  it("names the S3 gateway when there is none", async () => {
    const vpc = await buildVpc({ skipEndpoints: ["s3"] });
    const { failed } = await failures(vpc);
    expect(failed.map((c) => c.name)).toEqual(["s3-gateway"]);
    expect(failed[0]!.message).toContain("CannotPullContainerError");
  });

  it("names the endpoint security group and the CIDR it does not admit", async () => {
    const vpc = await buildVpc({ sgAdmitsFirstSubnetOnly: true });
    const { failed } = await failures(vpc);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: `endpoint-sg:${vpc.endpointSg}`, resource: vpc.endpointSg });
    expect(failed[0]!.fix).toContain("10.0.11.0/24");
  });

  it("names the logs endpoint that has no subnet in the second AZ", async () => {
    const vpc = await buildVpc({ oneAz: ["logs"] });
    const { failed } = await failures(vpc);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: "endpoint-az:logs", resource: vpc.endpointIds.logs });
    expect(failed[0]!.message).toContain("us-east-1b");
  });

  it("names the three ecs endpoints for the EC2 launch type and nothing else", async () => {
    const vpc = await buildVpc();
    const { failed } = await failures(vpc, { launchType: "EC2" });
    expect(failed.map((c) => c.name)).toEqual(["endpoint:ecs", "endpoint:ecs-agent", "endpoint:ecs-telemetry"]);
    expect(failed[0]!.message).toContain("never register");
  });

  it("names the route table whose default route is blackholed after its NAT gateway was deleted", async () => {
    const vpc = await buildVpc();
    const nat = await natGateway(vpc.publicSubnetIds[0]!);
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
    const vpc = await buildVpc();
    const nat = await natGateway(vpc.privateSubnetIds[1]!);
    const rtb = vpc.privateRouteTableIds[0]!;
    await ec2.send(new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: nat }));
    const { failed } = await failures(vpc);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ name: `nat-placement:${nat}`, resource: nat, reason: "SubnetNotPublic" });
  });

  it("refuses task subnets outside the VPC", async () => {
    const vpc = await buildVpc();
    await expect(runDiagnose({ vpcId: vpc.vpcId, subnets: ["subnet-0000000000000dead"] }, clients)).rejects.toThrow(
      "not in",
    );
  });
});

/** An available NAT gateway in `subnetId` with a new Elastic IP. */
async function natGateway(subnetId: string): Promise<string> {
  const eip = (await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }))).AllocationId!;
  const nat = (await ec2.send(new CreateNatGatewayCommand({ SubnetId: subnetId, AllocationId: eip }))).NatGateway!
    .NatGatewayId!;
  sandbox.admin.settle();
  return nat;
}

/**
 * AWS (and the sandbox) accept MaxResults 5..100 for DescribeRouteTables, while operator/aws/ec2-sdk.ts asks
 * for 1000. Until the adapter pages route tables by 100, clamp it here so these tests exercise diagnose.
 */
function clampRouteTablePageSize(client: EC2Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { MaxResults?: number };
      if (context.commandName === "DescribeRouteTablesCommand" && (input.MaxResults ?? 0) > 100) input.MaxResults = 100;
      return next(args);
    },
    { step: "initialize", name: "clampRouteTablePageSize" },
  );
}
