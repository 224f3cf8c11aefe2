/**
 * Build a VPC shaped like the sandbox's `two-az-vpc` seed through the EC2 API itself, so the same world can
 * be made on any EC2-compatible endpoint (the sandbox, LocalStack, a real account) by tests and benchmarks:
 * a VPC with both DNS attributes on, an attached internet gateway, per AZ a public subnet (on one route table
 * with 0.0.0.0/0 → the gateway) and a private subnet on a route table of its own.
 */
import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeRouteTablesCommand,
  ModifyVpcAttributeCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import type { SeedResult } from "./seeds.js";

/** Options of {@link buildTwoAzVpc}. */
export interface BuildVpcOptions {
  /** The region; the AZs are `<region>a` and `<region>b`. */
  readonly region: string;
  /** The VPC is 10.<cidrBase>.0.0/16 (public 10.N.0-1.0/24, private 10.N.10-11.0/24). Default 0. */
  readonly cidrBase?: number;
}

/** Create the VPC and everything in it (13 calls, in order); returns the ids in the seed's shape. */
export async function buildTwoAzVpc(ec2: EC2Client, o: BuildVpcOptions): Promise<SeedResult> {
  const base = o.cidrBase ?? 0;
  const azs = [`${o.region}a`, `${o.region}b`];
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: `10.${base}.0.0/16` }))).Vpc!.VpcId!;
  // enableDnsSupport is on by default for a new VPC; enableDnsHostnames is not.
  await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
  const igwId = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
  await ec2.send(new AttachInternetGatewayCommand({ VpcId: vpcId, InternetGatewayId: igwId }));
  const table = async () => (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
  const subnet = async (cidr: string, az: string) =>
    (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: az }))).Subnet!
      .SubnetId!;
  const publicRouteTableId = await table();
  await ec2.send(
    new CreateRouteCommand({ RouteTableId: publicRouteTableId, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igwId }),
  );
  const publicSubnetIds: string[] = [];
  const privateSubnetIds: string[] = [];
  const privateRouteTableIds: string[] = [];
  for (const [i, az] of azs.entries()) {
    const pub = await subnet(`10.${base}.${i}.0/24`, az);
    await ec2.send(new AssociateRouteTableCommand({ RouteTableId: publicRouteTableId, SubnetId: pub }));
    const priv = await subnet(`10.${base}.${10 + i}.0/24`, az);
    const rt = await table();
    await ec2.send(new AssociateRouteTableCommand({ RouteTableId: rt, SubnetId: priv }));
    publicSubnetIds.push(pub);
    privateSubnetIds.push(priv);
    privateRouteTableIds.push(rt);
  }
  const main = await ec2.send(
    new DescribeRouteTablesCommand({
      Filters: [
        { Name: "vpc-id", Values: [vpcId] },
        { Name: "association.main", Values: ["true"] },
      ],
    }),
  );
  const mainRouteTableId = main.RouteTables![0]!.RouteTableId!;
  return {
    vpcId,
    igwId,
    mainRouteTableId,
    publicRouteTableId,
    publicSubnetIds,
    privateSubnetIds,
    privateRouteTableIds,
    azs,
  };
}
