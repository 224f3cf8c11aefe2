/**
 * Conformance: VPC endpoints (Interface and Gateway), the endpoint services of the region and the managed
 * prefix lists: ClientToken, one subnet per AZ, private DNS rules, policies, gateway routes, modify, delete.
 */
import {
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DeleteVpcEndpointsCommand,
  DescribeManagedPrefixListsCommand,
  DescribePrefixListsCommand,
  DescribeRouteTablesCommand,
  DescribeVpcEndpointServicesCommand,
  DescribeVpcEndpointsCommand,
  ModifyVpcEndpointCommand,
  CreateSubnetCommand,
} from "@aws-sdk/client-ec2";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { AwsTarget, TwoAzVpc } from "../../helpers/aws-sandbox.js";
import { ec2Client, itWithAdmin, NEEDS_ADMIN, settled, targetFromEnv, twoAzVpc } from "../../helpers/aws-sandbox.js";

let target: AwsTarget;
let ec2: EC2Client;
let net: TwoAzVpc;
const run = `t${Date.now() % 100000}`;
const svc = (short: string) => `com.amazonaws.${target.region}.${short}`;

beforeAll(async () => {
  target = await targetFromEnv();
  ec2 = ec2Client(target.endpoint, { region: target.region });
  net = await twoAzVpc(target, ec2, 70);
});
afterAll(() => target.close());

const errorName = (p: Promise<unknown>) =>
  p.then(
    () => "no error",
    (e: Error) => e.name,
  );
const endpointOf = async (id: string) =>
  (await ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] }))).VpcEndpoints![0]!;
const iface = (short: string, extra: Record<string, unknown> = {}) =>
  ec2.send(
    new CreateVpcEndpointCommand({
      VpcId: net.vpcId,
      VpcEndpointType: "Interface",
      ServiceName: svc(short),
      SubnetIds: net.privateSubnetIds,
      ...extra,
    }),
  );

describe("endpoint services and prefix lists", () => {
  it("lists the region's services with their type, private DNS name and zones, s3 as both Gateway and Interface", async () => {
    const d = await ec2.send(
      new DescribeVpcEndpointServicesCommand({
        ServiceNames: [svc("ecr.api"), svc("ecr.dkr"), svc("logs"), svc("s3")],
      }),
    );
    const byKey = new Map(d.ServiceDetails!.map((s) => [`${s.ServiceName}/${s.ServiceType![0]!.ServiceType}`, s]));
    expect(byKey.get(`${svc("ecr.api")}/Interface`)!.PrivateDnsName).toBe(`api.ecr.${target.region}.amazonaws.com`);
    expect(byKey.get(`${svc("ecr.dkr")}/Interface`)!.PrivateDnsName).toBe(`*.dkr.ecr.${target.region}.amazonaws.com`);
    expect(byKey.get(`${svc("logs")}/Interface`)!.PrivateDnsName).toBe(`logs.${target.region}.amazonaws.com`);
    expect(byKey.has(`${svc("s3")}/Gateway`) && byKey.has(`${svc("s3")}/Interface`)).toBe(true);
    expect(byKey.get(`${svc("logs")}/Interface`)!.AvailabilityZones).toEqual(expect.arrayContaining(net.azs));
  });

  it("filters services by service-type", async () => {
    const d = await ec2.send(
      new DescribeVpcEndpointServicesCommand({
        Filters: [
          { Name: "service-type", Values: ["Gateway"] },
          { Name: "service-name", Values: [svc("s3"), svc("dynamodb")] },
        ],
      }),
    );
    expect(d.ServiceDetails!.map((s) => s.ServiceName).sort()).toEqual([svc("dynamodb"), svc("s3")]);
  });

  it("describes the s3 and dynamodb prefix lists, managed by AWS", async () => {
    const pl = await ec2.send(
      new DescribePrefixListsCommand({ Filters: [{ Name: "prefix-list-name", Values: [svc("s3")] }] }),
    );
    expect(pl.PrefixLists![0]).toMatchObject({ PrefixListName: svc("s3") });
    expect(pl.PrefixLists![0]!.PrefixListId).toMatch(/^pl-[0-9a-f]+$/);
    expect(pl.PrefixLists![0]!.Cidrs!.length).toBeGreaterThan(0);
    const managed = await ec2.send(
      new DescribeManagedPrefixListsCommand({ Filters: [{ Name: "prefix-list-name", Values: [svc("dynamodb")] }] }),
    );
    expect(managed.PrefixLists![0]).toMatchObject({
      PrefixListName: svc("dynamodb"),
      OwnerId: "AWS",
      AddressFamily: "IPv4",
    });
  });
});

describe("interface endpoints", () => {
  it("creates pending with private DNS on by default and the full-access policy, then becomes available", async () => {
    const ep = (
      await iface("ecr.api", {
        TagSpecifications: [{ ResourceType: "vpc-endpoint", Tags: [{ Key: "run", Value: run }] }],
      })
    ).VpcEndpoint!;
    expect(ep.VpcEndpointId).toMatch(/^vpce-[0-9a-f]{17}$/);
    expect(ep).toMatchObject({
      VpcEndpointType: "Interface",
      ServiceName: svc("ecr.api"),
      PrivateDnsEnabled: true,
      State: "pending",
    });
    expect(ep.SubnetIds!.sort()).toEqual([...net.privateSubnetIds].sort());
    expect(JSON.parse(ep.PolicyDocument!).Statement[0]).toMatchObject({ Effect: "Allow", Action: "*", Resource: "*" });
    await settled(target, async () => expect((await endpointOf(ep.VpcEndpointId!)).State).toBe("available"));
  });

  it("returns the same endpoint for a retried ClientToken and IdempotentParameterMismatch for other parameters", async () => {
    const token = `tok-${run}-ep`;
    const a = await iface("sts", { ClientToken: token });
    const b = await iface("sts", { ClientToken: token });
    expect(b.VpcEndpoint!.VpcEndpointId).toBe(a.VpcEndpoint!.VpcEndpointId);
    expect(await errorName(iface("sts", { ClientToken: token, SubnetIds: [net.privateSubnetIds[0]] }))).toBe(
      "IdempotentParameterMismatch",
    );
  });

  it("rejects two subnets in the same AZ with DuplicateSubnetsInSameZone", async () => {
    const extra = (
      await ec2.send(
        new CreateSubnetCommand({
          VpcId: net.vpcId,
          CidrBlock: `${target.sandbox ? "10.0" : "10.70"}.20.0/24`,
          AvailabilityZone: net.azs[0],
        }),
      )
    ).Subnet!.SubnetId!;
    // AWS allows one subnet per AZ per interface endpoint (aws-facts 3.6, hypershift PR 8651).
    expect(await errorName(iface("kms", { SubnetIds: [net.privateSubnetIds[0], extra] }))).toBe(
      "DuplicateSubnetsInSameZone",
    );
  });

  it("refuses a second private-DNS endpoint for the same service in the VPC, but allows one without private DNS", async () => {
    await iface("ssm");
    expect(await errorName(iface("ssm"))).toBe("InvalidParameter");
    const plain = (await iface("ssm", { PrivateDnsEnabled: false })).VpcEndpoint!;
    expect(plain.PrivateDnsEnabled).toBe(false);
    expect(
      await errorName(
        ec2.send(new ModifyVpcEndpointCommand({ VpcEndpointId: plain.VpcEndpointId, PrivateDnsEnabled: true })),
      ),
    ).toBe("InvalidParameter");
  });

  it("requires both VPC DNS attributes for private DNS", async () => {
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.90.0.0/16" }))).Vpc!.VpcId!;
    const sub = (
      await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: "10.90.1.0/24", AvailabilityZone: net.azs[0] }))
    ).Subnet!.SubnetId!;
    const create = (dns: boolean) =>
      ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: vpc,
          VpcEndpointType: "Interface",
          ServiceName: svc("logs"),
          SubnetIds: [sub],
          PrivateDnsEnabled: dns,
        }),
      );
    // A new VPC has enableDnsHostnames off, so private DNS must be refused (AWS PrivateLink docs, aws-facts 3.4).
    expect(await errorName(create(true))).toBe("InvalidParameter");
    expect((await create(false)).VpcEndpoint!.PrivateDnsEnabled).toBe(false);
  });

  it("modifies subnets, policy and reset policy, and filters by vpc-endpoint-type and service-name", async () => {
    const ep = (await iface("secretsmanager", { SubnetIds: [net.privateSubnetIds[0]] })).VpcEndpoint!;
    const policy = JSON.stringify({
      Statement: [{ Effect: "Allow", Principal: "*", Action: "secretsmanager:GetSecretValue", Resource: "*" }],
    });
    await ec2.send(
      new ModifyVpcEndpointCommand({
        VpcEndpointId: ep.VpcEndpointId,
        AddSubnetIds: [net.privateSubnetIds[1]!],
        PolicyDocument: policy,
      }),
    );
    let now = await endpointOf(ep.VpcEndpointId!);
    expect(now.SubnetIds!.sort()).toEqual([...net.privateSubnetIds].sort());
    expect(JSON.parse(now.PolicyDocument!)).toEqual(JSON.parse(policy));
    await ec2.send(
      new ModifyVpcEndpointCommand({
        VpcEndpointId: ep.VpcEndpointId,
        RemoveSubnetIds: [net.privateSubnetIds[0]!],
        ResetPolicy: true,
      }),
    );
    now = await endpointOf(ep.VpcEndpointId!);
    expect(now.SubnetIds).toEqual([net.privateSubnetIds[1]]);
    expect(JSON.parse(now.PolicyDocument!).Statement[0].Action).toBe("*");
    const found = await ec2.send(
      new DescribeVpcEndpointsCommand({
        Filters: [
          { Name: "vpc-id", Values: [net.vpcId] },
          { Name: "vpc-endpoint-type", Values: ["Interface"] },
          { Name: "service-name", Values: [svc("secretsmanager")] },
        ],
      }),
    );
    expect(found.VpcEndpoints!.map((e) => e.VpcEndpointId)).toEqual([ep.VpcEndpointId]);
  });

  itWithAdmin()(`refuses a subnet in an AZ the service does not offer ${NEEDS_ADMIN}`, async () => {
    target.sandbox!.admin.setServiceAzs("xray", [net.azs[0]!]);
    expect(await errorName(iface("xray"))).toBe("InvalidParameter");
    expect((await iface("xray", { SubnetIds: [net.privateSubnetIds[0]] })).VpcEndpoint!.SubnetIds).toEqual([
      net.privateSubnetIds[0],
    ]);
  });
});

describe("gateway endpoints", () => {
  it("adds pl-… → vpce-… routes to the chosen route tables, moves them on modify, and removes them on delete", async () => {
    const [rtA, rtB] = net.privateRouteTableIds as [string, string];
    const ep = (
      await ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: net.vpcId,
          VpcEndpointType: "Gateway",
          ServiceName: svc("s3"),
          RouteTableIds: [rtA],
        }),
      )
    ).VpcEndpoint!;
    const pl = (
      await ec2.send(new DescribePrefixListsCommand({ Filters: [{ Name: "prefix-list-name", Values: [svc("s3")] }] }))
    ).PrefixLists![0]!.PrefixListId!;
    const plRoute = async (rt: string) =>
      (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [rt] }))).RouteTables![0]!.Routes!.find(
        (r) => r.DestinationPrefixListId === pl,
      );
    // The route shows the endpoint as GatewayId with Origin CreateRoute (aws-facts 3.6: crossplane 1036, ACK 1935, cdk-real-drift 1276).
    await settled(target, async () =>
      expect(await plRoute(rtA)).toMatchObject({ GatewayId: ep.VpcEndpointId, Origin: "CreateRoute", State: "active" }),
    );
    expect(await plRoute(rtB)).toBeUndefined();
    await ec2.send(
      new ModifyVpcEndpointCommand({
        VpcEndpointId: ep.VpcEndpointId,
        AddRouteTableIds: [rtB],
        RemoveRouteTableIds: [rtA],
      }),
    );
    await settled(target, async () => {
      expect(await plRoute(rtB)).toMatchObject({ GatewayId: ep.VpcEndpointId });
      expect(await plRoute(rtA)).toBeUndefined();
    });
    const byRoute = await ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: "route.gateway-id", Values: [ep.VpcEndpointId!] }] }),
    );
    expect(byRoute.RouteTables!.map((t) => t.RouteTableId)).toEqual([rtB]);
    await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [ep.VpcEndpointId!] }));
    await settled(target, async () => expect(await plRoute(rtB)).toBeUndefined());
  });
});

describe("deleting endpoints", () => {
  it("reports unknown ids per item in Unsuccessful and deletes the known ones through deleting → deleted", async () => {
    const ep = (await iface("monitoring")).VpcEndpoint!;
    const res = await ec2.send(
      new DeleteVpcEndpointsCommand({ VpcEndpointIds: [ep.VpcEndpointId!, "vpce-0123456789abcdef0"] }),
    );
    expect(res.Unsuccessful!.map((u) => [u.ResourceId, u.Error!.Code])).toEqual([
      ["vpce-0123456789abcdef0", "InvalidVpcEndpointId.NotFound"],
    ]);
    expect(["deleting", "deleted"]).toContain((await endpointOf(ep.VpcEndpointId!)).State);
    await settled(target, async () => expect((await endpointOf(ep.VpcEndpointId!)).State).toBe("deleted"));
  });

  it("answers DescribeVpcEndpoints for an unknown id with InvalidVpcEndpointId.NotFound", async () => {
    expect(
      await errorName(ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: ["vpce-0123456789abcdef0"] }))),
    ).toBe("InvalidVpcEndpointId.NotFound");
    expect(await errorName(iface("no-such-service"))).toBe("InvalidServiceName");
  });
});
