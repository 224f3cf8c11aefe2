/**
 * Conformance: route tables (main table, associations, routes and their errors, origins) and how a route to
 * a deleted NAT gateway turns into a blackhole.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import {
  AllocateAddressCommand,
  AssociateRouteTableCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  DeleteNatGatewayCommand,
  DeleteRouteCommand,
  DeleteRouteTableCommand,
  DescribeRouteTablesCommand,
  DescribeVpcsCommand,
  DisassociateRouteTableCommand,
  ReplaceRouteCommand,
} from "@aws-sdk/client-ec2";
import type { AwsTarget, TwoAzVpc } from "../../helpers/aws-sandbox.js";
import { ec2Client, settled, targetFromEnv, twoAzVpc } from "../../helpers/aws-sandbox.js";

let target: AwsTarget;
let ec2: EC2Client;
let net: TwoAzVpc;

beforeAll(async () => {
  target = await targetFromEnv();
  ec2 = ec2Client(target.endpoint, { region: target.region });
  net = await twoAzVpc(target, ec2, 40);
});
afterAll(() => target.close());

const errorName = (p: Promise<unknown>) =>
  p.then(
    () => "no error",
    (e: Error) => e.name,
  );
const table = async (id: string) =>
  (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }))).RouteTables![0]!;
const route = async (rtb: string, dest: string) =>
  (await table(rtb)).Routes!.find((r) => r.DestinationCidrBlock === dest);

async function availableNat(): Promise<string> {
  const eip = (await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }))).AllocationId!;
  const nat = (await ec2.send(new CreateNatGatewayCommand({ SubnetId: net.publicSubnetIds[0], AllocationId: eip })))
    .NatGateway!.NatGatewayId!;
  return nat;
}

describe("route tables", () => {
  it("marks the VPC's main table with a main association and gives every table the local route", async () => {
    const d = await ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [
          { Name: "vpc-id", Values: [net.vpcId] },
          { Name: "association.main", Values: ["true"] },
        ],
      }),
    );
    expect(d.RouteTables!.map((t) => t.RouteTableId)).toEqual([net.mainRouteTableId]);
    const main = d.RouteTables![0]!;
    expect(main.Associations!.some((a) => a.Main === true && a.SubnetId === undefined)).toBe(true);
    const cidr = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [net.vpcId] }))).Vpcs![0]!.CidrBlock;
    expect(main.Routes).toEqual([
      expect.objectContaining({
        DestinationCidrBlock: cidr,
        GatewayId: "local",
        Origin: "CreateRouteTable",
        State: "active",
      }),
    ]);
  });

  it("finds a private subnet's table by association.subnet-id and shows the public table's default route to the IGW", async () => {
    const d = await ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [{ Name: "association.subnet-id", Values: [net.privateSubnetIds[1]!] }],
      }),
    );
    expect(d.RouteTables!.map((t) => t.RouteTableId)).toEqual([net.privateRouteTableIds[1]]);
    expect(await route(net.publicRouteTableId, "0.0.0.0/0")).toMatchObject({
      GatewayId: net.igwId,
      Origin: "CreateRoute",
      State: "active",
    });
  });

  it("rejects a second route to the same destination with RouteAlreadyExists", async () => {
    const e = ec2.send(
      new CreateRouteCommand({
        RouteTableId: net.publicRouteTableId,
        DestinationCidrBlock: "0.0.0.0/0",
        GatewayId: net.igwId,
      }),
    );
    expect(await errorName(e)).toBe("RouteAlreadyExists");
  });

  it("answers ReplaceRoute and DeleteRoute for an absent destination with InvalidRoute.NotFound", async () => {
    const rtb = net.privateRouteTableIds[0]!;
    expect(
      await errorName(
        ec2.send(
          new ReplaceRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "0.0.0.0/0", GatewayId: net.igwId }),
        ),
      ),
    ).toBe("InvalidRoute.NotFound");
    expect(
      await errorName(ec2.send(new DeleteRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "0.0.0.0/0" }))),
    ).toBe("InvalidRoute.NotFound");
  });

  it("associates a subnet, refuses to delete the associated table, and deletes it after disassociation", async () => {
    const rtb = (await ec2.send(new CreateRouteTableCommand({ VpcId: net.vpcId }))).RouteTable!.RouteTableId!;
    const extra = net.privateSubnetIds[0]!;
    const current = (await table(net.privateRouteTableIds[0]!)).Associations!.find((a) => a.SubnetId === extra)!;
    await ec2.send(new DisassociateRouteTableCommand({ AssociationId: current.RouteTableAssociationId }));
    const assoc = (await ec2.send(new AssociateRouteTableCommand({ RouteTableId: rtb, SubnetId: extra })))
      .AssociationId!;
    expect(assoc).toMatch(/^rtbassoc-/);
    expect(await errorName(ec2.send(new DeleteRouteTableCommand({ RouteTableId: rtb })))).toBe("DependencyViolation");
    await ec2.send(new DisassociateRouteTableCommand({ AssociationId: assoc }));
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: rtb }));
    await ec2.send(new AssociateRouteTableCommand({ RouteTableId: net.privateRouteTableIds[0], SubnetId: extra }));
    expect(await errorName(ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [rtb] })))).toBe(
      "InvalidRouteTableID.NotFound",
    );
  });

  it("reports an unknown route table as InvalidRouteTableID.NotFound and a malformed one as InvalidRouteTableID.Malformed", async () => {
    expect(
      await errorName(ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: ["rtb-0123456789abcdef0"] }))),
    ).toBe("InvalidRouteTableID.NotFound");
    expect(await errorName(ec2.send(new CreateRouteTableCommand({ VpcId: "vpc-1" })))).toBe("InvalidVpcID.Malformed");
  });
});

describe("routes through a NAT gateway", () => {
  it("routes 0.0.0.0/0 to a NAT gateway, and the route turns blackhole once the NAT gateway is deleted", async () => {
    const rtb = net.privateRouteTableIds[1]!;
    const nat = await availableNat();
    await ec2.send(new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: nat }));
    await settled(target, async () =>
      expect(await route(rtb, "0.0.0.0/0")).toMatchObject({
        NatGatewayId: nat,
        State: "active",
        Origin: "CreateRoute",
      }),
    );
    await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: nat }));
    // AWS: DeleteNatGateway does not delete routes to it; they remain and show State "blackhole" (aws-facts 3.6, paws docs).
    await settled(target, async () =>
      expect(await route(rtb, "0.0.0.0/0")).toMatchObject({ NatGatewayId: nat, State: "blackhole" }),
    );
    const bh = await ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [
          { Name: "route.state", Values: ["blackhole"] },
          { Name: "vpc-id", Values: [net.vpcId] },
        ],
      }),
    );
    expect(bh.RouteTables!.map((t) => t.RouteTableId)).toEqual([rtb]);
    const nat2 = await availableNat();
    await ec2.send(
      new ReplaceRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: nat2 }),
    );
    expect(await route(rtb, "0.0.0.0/0")).toMatchObject({ NatGatewayId: nat2, State: "active" });
  });

  it("refuses a route to an unknown NAT gateway", async () => {
    const e = ec2.send(
      new CreateRouteCommand({
        RouteTableId: net.privateRouteTableIds[0],
        DestinationCidrBlock: "0.0.0.0/0",
        NatGatewayId: "nat-0123456789abcdef0",
      }),
    );
    expect(await errorName(e)).toBe("InvalidNatGatewayID.NotFound");
  });
});
