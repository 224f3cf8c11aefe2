import type { RouteTable, VpcEndpoint } from "@aws-sdk/client-ec2";
import { TagKey } from "../../../operator/api/group.js";
import {
  effectiveRouteTable,
  isPublicTable,
  tagsOf,
  toEndpoint,
  toEndpointServices,
  toNatGateway,
  toRouteTable,
  toSecurityGroupRule,
  toSubnetInfo,
  withOwnership,
} from "../../../operator/aws/to-model.js";

const owner = { namespace: "team", name: "net", uid: "uid-1111" };

// A VPC: main table routes to an IGW (public), rtb-priv is explicitly associated with subnet-b.
const mainTable: RouteTable = {
  RouteTableId: "rtb-main",
  Associations: [{ Main: true, RouteTableId: "rtb-main" }],
  Routes: [
    { DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local", State: "active", Origin: "CreateRouteTable" },
    { DestinationCidrBlock: "0.0.0.0/0", GatewayId: "igw-1", State: "active", Origin: "CreateRoute" },
  ],
};
const privateTable: RouteTable = {
  RouteTableId: "rtb-priv",
  Associations: [
    { SubnetId: "subnet-b", AssociationState: { State: "associated" } },
    { SubnetId: "subnet-old", AssociationState: { State: "disassociated" } },
  ],
  Routes: [
    { DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local", State: "active", Origin: "CreateRouteTable" },
    { DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: "nat-9", State: "blackhole", Origin: "CreateRoute" },
    { DestinationPrefixListId: "pl-63a5400a", GatewayId: "vpce-s3", State: "active", Origin: "CreateRoute" },
    { DestinationIpv6CidrBlock: "::/0", EgressOnlyInternetGatewayId: "eigw-1", State: "active" },
  ],
  Tags: [{ Key: "Name", Value: "private" }],
};
const tables = [toRouteTable(mainTable), toRouteTable(privateTable)];

describe("to-model: route tables and subnets", () => {
  it("marks the main table and keeps only associated explicit subnets", () => {
    expect(tables[0]).toMatchObject({ id: "rtb-main", isMain: true, subnetIds: [] });
    expect(tables[1]).toMatchObject({
      id: "rtb-priv",
      isMain: false,
      subnetIds: ["subnet-b"],
      tags: { Name: "private" },
    });
  });

  it("gives a subnet without an explicit association the main table as its effective table", () => {
    expect(effectiveRouteTable("subnet-a", tables)?.id).toBe("rtb-main");
    expect(effectiveRouteTable("subnet-b", tables)?.id).toBe("rtb-priv");
  });

  it("calls a subnet public only when its effective table routes 0.0.0.0/0 to an internet gateway", () => {
    const a = toSubnetInfo({ id: "subnet-a", az: "us-east-1a", cidr: "10.0.1.0/24", tags: {} }, tables);
    const b = toSubnetInfo({ id: "subnet-b", az: "us-east-1b", cidr: "10.0.2.0/24", tags: {} }, tables);
    expect(a).toMatchObject({ routeTableId: "rtb-main", isPublic: true });
    expect(b).toMatchObject({ routeTableId: "rtb-priv", isPublic: false });
  });

  it("does not call a table public when its internet route is blackholed", () => {
    const t = toRouteTable({
      RouteTableId: "rtb-x",
      Routes: [{ DestinationCidrBlock: "0.0.0.0/0", GatewayId: "igw-gone", State: "blackhole" }],
    });
    expect(isPublicTable(t)).toBe(false);
  });

  it("maps a blackholed NAT route with its NAT id and state", () => {
    const r = tables[1]?.routes.find((x) => x.destination === "0.0.0.0/0");
    expect(r).toEqual({
      destination: "0.0.0.0/0",
      target: { kind: "nat", id: "nat-9" },
      state: "blackhole",
      origin: "CreateRoute",
    });
  });

  it("maps a gateway endpoint's prefix-list route to a vpce target", () => {
    const r = tables[1]?.routes.find((x) => x.destination.startsWith("pl-"));
    expect(r).toMatchObject({ destination: "pl-63a5400a", target: { kind: "vpce", id: "vpce-s3" } });
  });

  it("drops IPv6-only routes and keeps the local route as local", () => {
    expect(tables[1]?.routes.map((r) => r.target.kind)).toEqual(["local", "nat", "vpce"]);
  });
});

describe("to-model: ownership", () => {
  it("owns a resource carrying our owner uid and reads its component", () => {
    const tags = { [TagKey.OwnerUid]: "uid-1111", [TagKey.Component]: "endpoint:ecr.dkr" };
    expect(withOwnership({ id: "vpce-1", tags }, owner)).toMatchObject({ owned: true, component: "endpoint:ecr.dkr" });
  });

  it("does not own a resource tagged by another owner and reports no component for it", () => {
    const tags = { [TagKey.OwnerUid]: "uid-2222", [TagKey.Component]: "endpoint:ecr.dkr" };
    expect(withOwnership({ id: "vpce-2", tags }, owner)).toMatchObject({ owned: false, component: null });
  });

  it("does not own an untagged resource", () => {
    expect(withOwnership({ id: "vpce-3", tags: tagsOf(undefined) }, owner).owned).toBe(false);
  });
});

describe("to-model: endpoints, NAT gateways, rules, services", () => {
  it("maps an interface endpoint with sorted subnets, its groups and the wire-form state", () => {
    const e: VpcEndpoint = {
      VpcEndpointId: "vpce-1",
      VpcEndpointType: "Interface",
      ServiceName: "com.amazonaws.us-east-1.ecr.dkr",
      State: "Available",
      SubnetIds: ["subnet-b", "subnet-a"],
      Groups: [{ GroupId: "sg-1", GroupName: "x" }],
      PrivateDnsEnabled: true,
      Tags: [{ Key: "k", Value: "v" }],
    };
    expect(toEndpoint(e)).toEqual({
      id: "vpce-1",
      type: "Interface",
      serviceName: "com.amazonaws.us-east-1.ecr.dkr",
      state: "available",
      subnetIds: ["subnet-a", "subnet-b"],
      securityGroupIds: ["sg-1"],
      routeTableIds: [],
      privateDns: true,
      policy: null,
      tags: { k: "v" },
    });
  });

  it("keeps creation times as ISO text so the newer of two duplicates can be told apart", () => {
    const at = new Date("2026-01-02T03:04:05.000Z");
    expect(toEndpoint({ VpcEndpointId: "vpce-1", VpcEndpointType: "Gateway", CreationTimestamp: at })?.createdAt).toBe(
      "2026-01-02T03:04:05.000Z",
    );
    expect(toNatGateway({ NatGatewayId: "nat-1", CreateTime: at }).createdAt).toBe("2026-01-02T03:04:05.000Z");
  });

  it("ignores endpoint types ecsnet does not manage", () => {
    expect(toEndpoint({ VpcEndpointId: "vpce-g", VpcEndpointType: "GatewayLoadBalancer" })).toBeNull();
  });

  it("keeps a NAT gateway's failure code and allocation ids", () => {
    const n = toNatGateway({
      NatGatewayId: "nat-1",
      SubnetId: "subnet-p",
      State: "failed",
      FailureCode: "Gateway.NotAttached",
      NatGatewayAddresses: [{ AllocationId: "eipalloc-1" }],
    });
    expect(n).toMatchObject({ state: "failed", failureCode: "Gateway.NotAttached", allocationIds: ["eipalloc-1"] });
  });

  it("maps a rule that references a security group", () => {
    const r = toSecurityGroupRule({
      SecurityGroupRuleId: "sgr-1",
      GroupId: "sg-1",
      IsEgress: false,
      IpProtocol: "tcp",
      FromPort: 443,
      ToPort: 443,
      ReferencedGroupInfo: { GroupId: "sg-task" },
    });
    expect(r).toEqual({
      ruleId: "sgr-1",
      isEgress: false,
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      sourceSecurityGroupId: "sg-task",
    });
  });

  it("splits a service offered as both Interface and Gateway and drops partner services", () => {
    const s = toEndpointServices(
      [
        {
          ServiceName: "com.amazonaws.us-east-1.s3",
          ServiceType: [{ ServiceType: "Gateway" }, { ServiceType: "Interface" }],
          AvailabilityZones: ["us-east-1b", "us-east-1a"],
        },
        { ServiceName: "com.vendor.private.thing", ServiceType: [{ ServiceType: "Interface" }] },
      ],
      "us-east-1",
    );
    expect(s).toEqual([
      {
        shortName: "s3",
        serviceName: "com.amazonaws.us-east-1.s3",
        type: "Gateway",
        azs: ["us-east-1a", "us-east-1b"],
      },
      {
        shortName: "s3",
        serviceName: "com.amazonaws.us-east-1.s3",
        type: "Interface",
        azs: ["us-east-1a", "us-east-1b"],
      },
    ]);
  });
});
