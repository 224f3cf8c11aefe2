/**
 * Named starting worlds. `two-az-vpc`: a VPC 10.0.0.0/16 with both DNS attributes on, an attached internet
 * gateway, public subnets 10.0.0.0/24 (a) and 10.0.1.0/24 (b) on a public route table with 0.0.0.0/0 → igw,
 * private subnets 10.0.10.0/24 (a) and 10.0.11.0/24 (b) each on its own route table without a default route,
 * and the VPC's main table. Built through the same handlers the API uses, so it is what the API would make.
 */
import { EC2_HANDLERS } from "./ec2-api.js";
import type { Ctx } from "./state.js";

/** The seeds the sandbox knows. */
export type SeedName = "two-az-vpc" | "empty";

/** The ids a seed created; arrays are ordered by AZ. */
export interface SeedResult {
  vpcId: string;
  igwId: string;
  mainRouteTableId: string;
  publicRouteTableId: string;
  publicSubnetIds: string[];
  privateSubnetIds: string[];
  privateRouteTableIds: string[];
  azs: string[];
}

const nameTag = (type: string, name: string) => [{ ResourceType: type, Tags: [{ Key: "Name", Value: name }] }];

function call<O>(ctx: Ctx, action: string, input: object): O {
  return EC2_HANDLERS[action]!(ctx, input as Record<string, unknown>) as O;
}

/** Builds `two-az-vpc` in the world and returns its ids. */
export function seedTwoAzVpc(ctx: Ctx): SeedResult {
  const azs = [`${ctx.region}a`, `${ctx.region}b`];
  const vpc = call<{ Vpc: { VpcId: string } }>(ctx, "CreateVpc", {
    CidrBlock: "10.0.0.0/16",
    TagSpecifications: nameTag("vpc", "sandbox-vpc"),
  }).Vpc;
  const vpcId = vpc.VpcId;
  call(ctx, "ModifyVpcAttribute", { VpcId: vpcId, EnableDnsHostnames: { Value: true } });
  const igwId = call<{ InternetGateway: { InternetGatewayId: string } }>(ctx, "CreateInternetGateway", {
    TagSpecifications: nameTag("internet-gateway", "sandbox-igw"),
  }).InternetGateway.InternetGatewayId;
  call(ctx, "AttachInternetGateway", { InternetGatewayId: igwId, VpcId: vpcId });
  const rtb = (name: string) =>
    call<{ RouteTable: { RouteTableId: string } }>(ctx, "CreateRouteTable", {
      VpcId: vpcId,
      TagSpecifications: nameTag("route-table", name),
    }).RouteTable.RouteTableId;
  const subnet = (cidr: string, az: string, name: string) =>
    call<{ Subnet: { SubnetId: string } }>(ctx, "CreateSubnet", {
      VpcId: vpcId,
      CidrBlock: cidr,
      AvailabilityZone: az,
      TagSpecifications: nameTag("subnet", name),
    }).Subnet.SubnetId;
  const publicRouteTableId = rtb("sandbox-public");
  call(ctx, "CreateRoute", { RouteTableId: publicRouteTableId, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igwId });
  const publicSubnetIds = azs.map((az, i) => subnet(`10.0.${i}.0/24`, az, `sandbox-public-${az}`));
  for (const s of publicSubnetIds) call(ctx, "AssociateRouteTable", { RouteTableId: publicRouteTableId, SubnetId: s });
  const privateSubnetIds = azs.map((az, i) => subnet(`10.0.${10 + i}.0/24`, az, `sandbox-private-${az}`));
  const privateRouteTableIds = azs.map((az, i) => {
    const id = rtb(`sandbox-private-${az}`);
    call(ctx, "AssociateRouteTable", { RouteTableId: id, SubnetId: privateSubnetIds[i] });
    return id;
  });
  const mainRouteTableId = ctx.world.vpcs.get(vpcId)!.mainRouteTableId;
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
