import { describe, expect, it } from "@jest/globals";
import { cidrCovers, firstFailure, runChecks, type CheckInput } from "../../../operator/core/checks.js";
import type {
  DesiredNetwork,
  ObservedEndpoint,
  ObservedNatGateway,
  ObservedNetwork,
  ObservedSecurityGroup,
  RouteInfo,
  RouteTableInfo,
  SubnetInfo,
  Topology,
} from "../../../operator/core/model.js";
import { workloadNeeds, type WorkloadNeeds } from "../../../operator/core/workload-needs.js";
import { policyDocument, ecrEndpointStatements } from "../../../operator/core/ecr-policy.js";

const R = "us-east-1";
const ACCT = "123456789012";
const meta = { owned: false, component: null, tags: {} } as const;
const local: RouteInfo = {
  destination: "10.0.0.0/16",
  target: { kind: "local", id: "local" },
  state: "active",
  origin: "CreateRouteTable",
};
const table = (id: string, routes: RouteInfo[] = [], subnetIds: string[] = []): RouteTableInfo => ({
  id,
  isMain: false,
  subnetIds,
  routes: [local, ...routes],
  tags: {},
});
const subnet = (id: string, az: string, cidr: string, routeTableId: string, isPublic = false): SubnetInfo => ({
  id,
  az,
  cidr,
  routeTableId,
  isPublic,
  tags: {},
});
const igwRoute: RouteInfo = {
  destination: "0.0.0.0/0",
  target: { kind: "igw", id: "igw-1" },
  state: "active",
  origin: "CreateRoute",
};
const natRoute = (nat: string, state: "active" | "blackhole" = "active"): RouteInfo => ({
  destination: "0.0.0.0/0",
  target: { kind: "nat", id: nat },
  state,
  origin: "CreateRoute",
});

const subnets = [
  subnet("subnet-a", "us-east-1a", "10.0.1.0/24", "rtb-a"),
  subnet("subnet-b", "us-east-1b", "10.0.2.0/24", "rtb-b"),
  subnet("subnet-pub", "us-east-1a", "10.0.101.0/24", "rtb-pub", true),
];
const tables = [
  table("rtb-a", [], ["subnet-a"]),
  table("rtb-b", [], ["subnet-b"]),
  table("rtb-pub", [igwRoute], ["subnet-pub"]),
];
const topology: Topology = {
  region: R,
  vpcId: "vpc-1",
  vpcCidrs: ["10.0.0.0/16"],
  dnsSupport: true,
  dnsHostnames: true,
  subnets,
  routeTables: tables,
  services: [],
  internetGatewayIds: ["igw-1"],
};

const iface = (short: string, over: Partial<ObservedEndpoint> = {}): ObservedEndpoint => ({
  ...meta,
  id: `vpce-${short.replace(/\W/g, "")}`,
  type: "Interface",
  serviceName: `com.amazonaws.${R}.${short}`,
  state: "available",
  subnetIds: ["subnet-a", "subnet-b"],
  securityGroupIds: ["sg-ep"],
  routeTableIds: [],
  privateDns: true,
  policy: null,
  ...over,
});
const s3gw = (over: Partial<ObservedEndpoint> = {}): ObservedEndpoint => ({
  ...meta,
  id: "vpce-s3",
  type: "Gateway",
  serviceName: `com.amazonaws.${R}.s3`,
  state: "available",
  subnetIds: [],
  securityGroupIds: [],
  routeTableIds: ["rtb-a", "rtb-b"],
  privateDns: false,
  policy: null,
  ...over,
});
const sgEndpoints = (cidrs = ["10.0.0.0/16"], sources: string[] = []): ObservedSecurityGroup => ({
  ...meta,
  id: "sg-ep",
  groupName: "endpoints",
  vpcId: "vpc-1",
  rules: [
    ...cidrs.map((cidr, i) => ({
      ruleId: `sgr-c${i}`,
      isEgress: false,
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidr,
    })),
    ...sources.map((s, i) => ({
      ruleId: `sgr-s${i}`,
      isEgress: false,
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      sourceSecurityGroupId: s,
    })),
  ],
});
const sgTask = (
  rules: ObservedSecurityGroup["rules"] = [
    { ruleId: "sgr-e", isEgress: true, protocol: "-1", fromPort: -1, toPort: -1, cidr: "0.0.0.0/0" },
  ],
): ObservedSecurityGroup => ({ ...meta, id: "sg-task", groupName: "task", vpcId: "vpc-1", rules });
const nat = (over: Partial<ObservedNatGateway> = {}): ObservedNatGateway => ({
  ...meta,
  id: "nat-1",
  subnetId: "subnet-pub",
  state: "available",
  allocationIds: ["eipalloc-1"],
  ...over,
});

const observed = (over: Partial<ObservedNetwork> = {}): ObservedNetwork => ({
  vpcId: "vpc-1",
  dnsSupport: true,
  dnsHostnames: true,
  securityGroups: [sgEndpoints(), sgTask()],
  endpoints: [iface("ecr.api"), iface("ecr.dkr"), iface("logs"), s3gw()],
  addresses: [],
  natGateways: [],
  routeTables: tables,
  ...over,
});

const image = (repo: string) => `${ACCT}.dkr.ecr.${R}.amazonaws.com/${repo}:1`;
const needsFor = (images: string[], over: Partial<WorkloadNeeds> = {}): WorkloadNeeds => ({
  ...workloadNeeds(
    {
      cluster: "c",
      missingServices: [],
      services: [
        {
          name: "web",
          arn: "arn",
          launchType: "FARGATE",
          capacityProviders: [],
          enableExecuteCommand: false,
          subnets: ["subnet-a", "subnet-b"],
          securityGroups: ["sg-task"],
          taskDefinitionArn: "td",
          containers: images.map((i) => ({
            name: "c",
            image: i,
            logDriver: "awslogs",
            secretRefs: [],
            environmentFiles: [],
          })),
        },
      ],
    },
    { region: R },
  ),
  ...over,
});
const goodNeeds = needsFor([image("team/web")]);
const input = (over: Partial<CheckInput> = {}): CheckInput => ({
  topology,
  observed: observed(),
  needs: goodNeeds,
  ...over,
});
const failed = (i: CheckInput) => runChecks(i).filter((c) => !c.ok);
const only = (i: CheckInput) => {
  const f = failed(i);
  expect(f).toHaveLength(1);
  return f[0]!;
};
const withoutEndpoint = (short: string) => observed().endpoints.filter((e) => !e.serviceName.endsWith(`.${short}`));

describe("runChecks", () => {
  it("passes every check in a VPC set up right", () => {
    const checks = runChecks(input());
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        "vpc-dns-support",
        "vpc-dns-hostnames",
        "endpoint:ecr.api",
        "endpoint:ecr.dkr",
        "endpoint:logs",
        "endpoint-private-dns:ecr.dkr",
        "endpoint-az:ecr.dkr",
        "endpoint-sg:sg-ep",
        "task-sg-egress",
        "endpoint-policy:ecr.api",
        "s3-gateway",
        "s3-route:rtb-a",
        "s3-route:rtb-b",
        "s3-policy",
      ]),
    );
    expect(firstFailure(checks)).toBeUndefined();
  });

  it("fails the ecr.dkr check naming the VPC and quoting CannotPullContainerError when the endpoint is missing", () => {
    const c = only(input({ observed: observed({ endpoints: withoutEndpoint("ecr.dkr") }) }));
    expect(c).toMatchObject({ name: "endpoint:ecr.dkr", resource: "vpc-1", reason: "EndpointMissing" });
    expect(c.message).toContain("CannotPullContainerError");
    expect(c.fix).toContain(`com.amazonaws.${R}.ecr.dkr`);
  });

  it("fails the ecr.api check quoting ResourceInitializationError when the endpoint is missing", () => {
    const c = only(input({ observed: observed({ endpoints: withoutEndpoint("ecr.api") }) }));
    expect(c.name).toBe("endpoint:ecr.api");
    expect(c.message).toContain("ResourceInitializationError: unable to pull secrets or registry auth");
  });

  it("fails the logs check quoting failed to validate logger args when awslogs is used without a logs endpoint", () => {
    const c = only(input({ observed: observed({ endpoints: withoutEndpoint("logs") }) }));
    expect(c.name).toBe("endpoint:logs");
    expect(c.message).toContain("failed to validate logger args");
    expect(c.message).toContain("web uses awslogs");
  });

  it.each([
    ["ecr.api", "endpoint:ecr.api"],
    ["ecr.dkr", "endpoint:ecr.dkr"],
    ["logs", "endpoint:logs"],
    ["s3", "s3-gateway"],
  ])("fails only one check when the %s endpoint alone is removed from a VPC set up right", (short, name) => {
    expect(failed(input({ observed: observed({ endpoints: withoutEndpoint(short) }) })).map((c) => c.name)).toEqual([
      name,
    ]);
  });

  it("fails the ecr.api check as pending while the endpoint is still being created", () => {
    const eps = observed().endpoints.map((e) => (e.serviceName.endsWith("ecr.api") ? { ...e, state: "pending" } : e));
    expect(only(input({ observed: observed({ endpoints: eps }) }))).toMatchObject({
      name: "endpoint:ecr.api",
      reason: "EndpointPending",
      resource: "vpce-ecrapi",
    });
  });

  it("fails the private DNS check naming the endpoint when ecr.dkr has private DNS off", () => {
    const eps = observed().endpoints.map((e) => (e.serviceName.endsWith("ecr.dkr") ? { ...e, privateDns: false } : e));
    const c = only(input({ observed: observed({ endpoints: eps }) }));
    expect(c).toMatchObject({ name: "endpoint-private-dns:ecr.dkr", resource: "vpce-ecrdkr" });
    expect(c.fix).toContain("--private-dns-enabled");
  });

  it("fails the DNS hostnames check naming the VPC when enableDnsHostnames is off", () => {
    const c = only(input({ observed: observed({ dnsHostnames: false }) }));
    expect(c).toMatchObject({ name: "vpc-dns-hostnames", resource: "vpc-1", reason: "VpcDnsHostnamesDisabled" });
  });

  it("fails the DNS support check when enableDnsSupport is off", () => {
    expect(only(input({ observed: observed({ dnsSupport: false }) })).name).toBe("vpc-dns-support");
  });

  it("fails the S3 check naming rtb-b when the task subnet's route table lacks the S3 gateway", () => {
    const eps = observed().endpoints.map((e) => (e.type === "Gateway" ? { ...e, routeTableIds: ["rtb-a"] } : e));
    const c = only(input({ observed: observed({ endpoints: eps }) }));
    expect(c).toMatchObject({ name: "s3-route:rtb-b", resource: "rtb-b", reason: "S3RouteMissing" });
    expect(c.message).toContain("subnet-b");
    expect(c.fix).toContain("--add-route-table-ids rtb-b");
  });

  it("fails the S3 gateway check when there is no S3 gateway endpoint at all", () => {
    const c = only(input({ observed: observed({ endpoints: withoutEndpoint("s3") }) }));
    expect(c).toMatchObject({ name: "s3-gateway", reason: "S3GatewayMissing" });
    expect(c.message).toContain("CannotPullContainerError");
  });

  it("fails the endpoint security group check naming sg-ep when it admits only one task subnet", () => {
    const c = only(input({ observed: observed({ securityGroups: [sgEndpoints(["10.0.1.0/24"]), sgTask()] }) }));
    expect(c).toMatchObject({ name: "endpoint-sg:sg-ep", resource: "sg-ep", reason: "EndpointSecurityGroupBlocks" });
    expect(c.message).toContain("subnet-b 10.0.2.0/24");
    expect(c.fix).toContain("10.0.2.0/24");
  });

  it("passes the endpoint security group check when it admits the task security group instead of CIDRs", () => {
    expect(failed(input({ observed: observed({ securityGroups: [sgEndpoints([], ["sg-task"]), sgTask()] }) }))).toEqual(
      [],
    );
  });

  it("fails the task egress check when the task security group allows 443 only inside the VPC (no S3)", () => {
    const rules = [
      { ruleId: "sgr-e", isEgress: true, protocol: "tcp", fromPort: 443, toPort: 443, cidr: "10.0.0.0/16" },
    ];
    const c = only(input({ observed: observed({ securityGroups: [sgEndpoints(), sgTask(rules)] }) }));
    expect(c).toMatchObject({ name: "task-sg-egress", resource: "sg-task" });
    expect(c.message).toContain("s3");
  });

  it("passes the task egress check with rules to the endpoint security group and the S3 prefix list", () => {
    const rules = [
      { ruleId: "sgr-1", isEgress: true, protocol: "tcp", fromPort: 443, toPort: 443, sourceSecurityGroupId: "sg-ep" },
      { ruleId: "sgr-2", isEgress: true, protocol: "tcp", fromPort: 443, toPort: 443, prefixListId: "pl-63a5400a" },
    ];
    expect(failed(input({ observed: observed({ securityGroups: [sgEndpoints(), sgTask(rules)] }) }))).toEqual([]);
  });

  it("fails the AZ check naming the endpoint when it has no subnet in the second task subnet's AZ", () => {
    const eps = observed().endpoints.map((e) =>
      e.serviceName.endsWith("logs") ? { ...e, subnetIds: ["subnet-a"] } : e,
    );
    const c = only(input({ observed: observed({ endpoints: eps }) }));
    expect(c).toMatchObject({ name: "endpoint-az:logs", resource: "vpce-logs", reason: "EndpointNotInAz" });
    expect(c.message).toContain("us-east-1b");
  });

  it("passes the AZ check when the service is not offered in the task subnet's AZ at all", () => {
    const eps = observed().endpoints.map((e) =>
      e.serviceName.endsWith("logs") ? { ...e, subnetIds: ["subnet-a"] } : e,
    );
    const services = [
      { shortName: "logs", serviceName: `com.amazonaws.${R}.logs`, type: "Interface" as const, azs: ["us-east-1a"] },
    ];
    expect(failed(input({ topology: { ...topology, services }, observed: observed({ endpoints: eps }) }))).toEqual([]);
  });

  it("fails the endpoint policy check when the ecr.dkr policy does not list the repository used", () => {
    const policy = policyDocument(ecrEndpointStatements("ns/x", [{ account: ACCT, region: R, name: "other" }]));
    const eps = observed().endpoints.map((e) => (e.serviceName.endsWith("ecr.dkr") ? { ...e, policy } : e));
    const c = only(input({ observed: observed({ endpoints: eps }) }));
    expect(c).toMatchObject({ name: "endpoint-policy:ecr.dkr", reason: "EndpointPolicyDenies" });
    expect(c.message).toContain(`repository/team/web`);
  });

  it("fails the S3 policy check when the gateway policy does not allow the layer bucket", () => {
    const policy = JSON.stringify({
      Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::mine/*" }],
    });
    const eps = observed().endpoints.map((e) => (e.type === "Gateway" ? { ...e, policy } : e));
    expect(only(input({ observed: observed({ endpoints: eps }) })).name).toBe("s3-policy");
  });

  it("fails all three ecs endpoint checks for the EC2 launch type when they are missing", () => {
    const names = failed(input({ launchType: "EC2" })).map((c) => c.name);
    expect(names).toEqual(["endpoint:ecs", "endpoint:ecs-agent", "endpoint:ecs-telemetry"]);
  });

  it("passes a missing ECR endpoint when the task subnets reach the internet through an available NAT", () => {
    const natTables = [
      table("rtb-a", [natRoute("nat-1")], ["subnet-a"]),
      table("rtb-b", [natRoute("nat-1")], ["subnet-b"]),
      tables[2]!,
    ];
    const checks = runChecks(
      input({ observed: observed({ endpoints: [s3gw()], natGateways: [nat()], routeTables: natTables }) }),
    );
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.find((c) => c.name === "endpoint:ecr.dkr")?.message).toContain("nat-1");
  });

  it("fails the egress check naming rtb-a when its default route is blackholed", () => {
    const natTables = [
      table("rtb-a", [natRoute("nat-gone", "blackhole")], ["subnet-a"]),
      table("rtb-b", [natRoute("nat-1")], ["subnet-b"]),
      tables[2]!,
    ];
    const c = only(input({ observed: observed({ natGateways: [nat()], routeTables: natTables }) }));
    expect(c).toMatchObject({ name: "egress-route:rtb-a", resource: "rtb-a", reason: "RouteBlackholed" });
  });

  it("fails the NAT placement check when the NAT gateway sits in a private subnet", () => {
    const natTables = [
      table("rtb-a", [natRoute("nat-1")], ["subnet-a"]),
      table("rtb-b", [natRoute("nat-1")], ["subnet-b"]),
      tables[2]!,
    ];
    const c = only(
      input({ observed: observed({ natGateways: [nat({ subnetId: "subnet-a" })], routeTables: natTables }) }),
    );
    expect(c).toMatchObject({ name: "nat-placement:nat-1", resource: "nat-1", reason: "SubnetNotPublic" });
  });

  it("fails the egress check for every task route table when a Docker Hub image is used and there is no internet route", () => {
    const f = failed(input({ needs: needsFor([image("team/web"), "nginx:1"]) }));
    expect(f.map((c) => c.name)).toEqual(["egress-route:rtb-a", "egress-route:rtb-b"]);
    expect(f[0]?.message).toContain("nginx:1");
    expect(f[0]?.message).toContain("CannotPullContainerError");
    expect(f[0]).toMatchObject({ resource: "rtb-a", reason: "NoDefaultRoute" });
  });

  it("fails the egress check for each task route table without a default route when the network wants NAT egress", () => {
    const network = { natGateways: new Map([["nat:us-east-1a", {}]]) } as unknown as DesiredNetwork;
    const f = failed(input({ network }));
    expect(f.map((c) => c.name)).toEqual(["egress-route:rtb-a", "egress-route:rtb-b"]);
    expect(f[0]).toMatchObject({ reason: "NoDefaultRoute", resource: "rtb-a" });
  });

  it("checks the fallback task subnets when the needs name none (an EcrAccess listing repositories)", () => {
    const eps = observed().endpoints.map((e) => (e.type === "Gateway" ? { ...e, routeTableIds: ["rtb-a"] } : e));
    const noSubnets = { ...goodNeeds, taskSubnets: [] };
    expect(failed(input({ observed: observed({ endpoints: eps }), needs: noSubnets }))).toEqual([]);
    const f = failed(
      input({
        observed: observed({ endpoints: eps }),
        needs: noSubnets,
        fallbackTaskSubnets: ["subnet-b", "subnet-a"],
      }),
    );
    expect(f.map((c) => c.name)).toEqual(["s3-route:rtb-b"]);
  });

  it("checks only the given task subnets", () => {
    const eps = observed().endpoints.map((e) => (e.type === "Gateway" ? { ...e, routeTableIds: ["rtb-a"] } : e));
    expect(
      failed(input({ observed: observed({ endpoints: eps }), needs: { ...goodNeeds, taskSubnets: ["subnet-a"] } })),
    ).toEqual([]);
  });
});

describe("cidrCovers", () => {
  it.each([
    ["10.0.0.0/16", "10.0.2.0/24", true],
    ["10.0.1.0/24", "10.0.2.0/24", false],
    ["0.0.0.0/0", "10.0.2.0/24", true],
    ["10.0.2.0/24", "10.0.0.0/16", false],
  ])("says %s covers %s is %s", (outer, inner, expected) => {
    expect(cidrCovers(outer, inner)).toBe(expected);
  });
});
