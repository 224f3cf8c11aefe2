/**
 * Shared world builders of the diagnose integration tests: a two-AZ VPC in the sandbox set up right for
 * Fargate tasks in its private subnets (ecr.api, ecr.dkr, logs, the S3 gateway, an endpoint security group
 * admitting both private subnets, a task security group), with switches to build exactly one part wrong.
 */
import {
  AllocateAddressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNatGatewayCommand,
  CreateSecurityGroupCommand,
  CreateVpcEndpointCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import type { AwsSandbox, SeedResult } from "../../../operator/sandbox/aws/server.js";

/** Which part of the right setup to build differently. */
export interface Setup {
  readonly skipEndpoints?: readonly string[];
  readonly privateDnsOff?: readonly string[];
  readonly oneAz?: readonly string[];
  readonly s3RouteTables?: "first-only";
  readonly sgAdmitsFirstSubnetOnly?: boolean;
}

export interface Vpc extends SeedResult {
  readonly endpointSg: string;
  readonly taskSg: string;
  readonly endpointIds: Record<string, string>;
}

/** A fresh two-AZ VPC with ecr.api, ecr.dkr, logs and the S3 gateway set up right, unless `setup` says otherwise. */
export async function buildVpc(sandbox: AwsSandbox, ec2: EC2Client, setup: Setup = {}): Promise<Vpc> {
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

/** An available NAT gateway in `subnetId` with a new Elastic IP. */
export async function natGateway(sandbox: AwsSandbox, ec2: EC2Client, subnetId: string): Promise<string> {
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
export function clampRouteTablePageSize(client: EC2Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { MaxResults?: number };
      if (context.commandName === "DescribeRouteTablesCommand" && (input.MaxResults ?? 0) > 100) input.MaxResults = 100;
      return next(args);
    },
    { step: "initialize", name: "clampRouteTablePageSize" },
  );
}
