import type { Condition } from "../../../operator/api/conditions.js";
import type { PrivateEcsNetworkStatus } from "../../../operator/api/private-ecs-network.js";
import type { Plan } from "../../../operator/core/actions.js";
import { findCondition, kstatusOf } from "../../../operator/core/conditions.js";
import type { ActionResult } from "../../../operator/core/errors.js";
import type {
  DesiredInterfaceEndpoint,
  DesiredNetwork,
  Key,
  ObservedEndpoint,
  ObservedNetwork,
} from "../../../operator/core/model.js";
import { deriveStatus, statusChanged, type StatusInput } from "../../../operator/core/status.js";

const k = (s: string) => s as Key;
const T0 = "2026-01-01T00:00:00.000Z";
const T1 = "2026-01-01T00:05:00.000Z";
const owner = { namespace: "prod", name: "net", uid: "uid-1" };
const ours = (component: string) => ({
  owned: true,
  component: k(component),
  tags: { "ecsnet.dev/owner-uid": "uid-1" },
});

const iface = (short: string): DesiredInterfaceEndpoint => ({
  key: k(`endpoint:${short}`),
  shortName: short,
  serviceName: `com.amazonaws.us-east-1.${short}`,
  subnetIds: ["subnet-0000000a", "subnet-0000000b"],
  privateDns: true,
  policy: null,
  adopt: false,
  tags: {},
  clientToken: `t-${short}`,
});

/** A Fargate network over two AZs with egress None, written out as data. */
const desired = (over: Partial<DesiredNetwork> = {}): DesiredNetwork => ({
  owner,
  region: "us-east-1",
  vpcId: "vpc-0123abcd",
  securityGroup: {
    key: k("sg:endpoints"),
    mode: "create",
    givenGroupIds: [],
    groupName: "ecsnet-prod-net-uid-1",
    description: "endpoints",
    ingress: [
      {
        key: k("sg-rule:tcp:443:10.0.1.0/24"),
        protocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidr: "10.0.1.0/24",
        description: "a",
      },
      {
        key: k("sg-rule:tcp:443:10.0.2.0/24"),
        protocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidr: "10.0.2.0/24",
        description: "b",
      },
    ],
    tags: {},
  },
  interfaceEndpoints: new Map(["ecr.api", "ecr.dkr", "logs"].map((s) => [k(`endpoint:${s}`), iface(s)])),
  s3Gateway: {
    key: k("endpoint:s3"),
    shortName: "s3",
    serviceName: "com.amazonaws.us-east-1.s3",
    routeTableIds: ["rtb-0000000a", "rtb-0000000b"],
    policy: null,
    adopt: false,
    tags: {},
    clientToken: "t-s3",
  },
  elasticIps: new Map(),
  natGateways: new Map(),
  routes: new Map(),
  vpcDns: "check",
  mode: "Managed",
  deletionPolicy: "Delete",
  issues: [],
  ...over,
});

const endpoint = (short: string, over: Partial<ObservedEndpoint> = {}): ObservedEndpoint => ({
  id: `vpce-${short.replace(/\W/g, "")}000001`,
  ...ours(`endpoint:${short}`),
  type: "Interface",
  serviceName: `com.amazonaws.us-east-1.${short}`,
  state: "available",
  subnetIds: ["subnet-0000000a", "subnet-0000000b"],
  securityGroupIds: ["sg-0000000e"],
  routeTableIds: [],
  privateDns: true,
  policy: null,
  ...over,
});

/** What AWS has when everything of {@link desired} exists and works. */
const observed = (over: Partial<ObservedNetwork> = {}): ObservedNetwork => ({
  vpcId: "vpc-0123abcd",
  dnsSupport: true,
  dnsHostnames: true,
  securityGroups: [
    {
      id: "sg-0000000e",
      ...ours("sg:endpoints"),
      groupName: "ecsnet-prod-net-uid-1",
      vpcId: "vpc-0123abcd",
      rules: [
        { ruleId: "sgr-1", isEgress: false, protocol: "tcp", fromPort: 443, toPort: 443, cidr: "10.0.1.0/24" },
        { ruleId: "sgr-2", isEgress: false, protocol: "tcp", fromPort: 443, toPort: 443, cidr: "10.0.2.0/24" },
      ],
    },
  ],
  endpoints: [
    endpoint("ecr.api"),
    endpoint("ecr.dkr"),
    endpoint("logs"),
    endpoint("s3", {
      type: "Gateway",
      subnetIds: [],
      routeTableIds: ["rtb-0000000a", "rtb-0000000b"],
      privateDns: false,
    }),
  ],
  addresses: [],
  natGateways: [],
  routeTables: [],
  ...over,
});

const emptyPlan: Plan = { actions: [], dependsOn: new Map(), pending: [], blocked: [] };

const input = (over: Partial<StatusInput> = {}): StatusInput => ({
  generation: 3,
  desired: desired(),
  observed: observed(),
  plan: emptyPlan,
  results: [],
  now: T1,
  ...over,
});

const cond = (s: PrivateEcsNetworkStatus, type: string): Condition => {
  const c = findCondition(s.conditions, type);
  if (!c) throw new Error(`no ${type} condition`);
  return c;
};
const summary = (s: PrivateEcsNetworkStatus, type: string) => {
  const c = cond(s, type);
  return [c.status, c.reason];
};

describe("deriveStatus", () => {
  it("reports Ready=True Converged with every id when AWS matches the spec", () => {
    const s = deriveStatus(undefined, input());
    expect(summary(s, "Ready")).toEqual(["True", "Converged"]);
    expect(summary(s, "Reconciling")).toEqual(["False", "Converged"]);
    expect(summary(s, "Stalled")).toEqual(["False", "Converged"]);
    for (const part of ["SecurityGroupReady", "EndpointsReady", "S3GatewayReady", "DnsReady"])
      expect(cond(s, part).status).toBe("True");
    expect(summary(s, "EgressReady")).toEqual(["True", "NotRequired"]);
    expect(s).toMatchObject({
      observedGeneration: 3,
      vpcId: "vpc-0123abcd",
      egressMode: "None",
      securityGroupId: "sg-0000000e",
      s3GatewayEndpointId: "vpce-s3000001",
      s3RouteTableIds: ["rtb-0000000a", "rtb-0000000b"],
      readyEndpoints: "4/4",
      lastSyncTime: T1,
    });
    expect(s.endpoints?.map((e) => [e.service, e.id, e.state])).toEqual([
      ["ecr.api", "vpce-ecrapi000001", "available"],
      ["ecr.dkr", "vpce-ecrdkr000001", "available"],
      ["logs", "vpce-logs000001", "available"],
    ]);
    expect(kstatusOf({ generation: 3, observedGeneration: s.observedGeneration, conditions: s.conditions })).toBe(
      "Current",
    );
  });

  it("writes observedGeneration on the status and on every condition", () => {
    const s = deriveStatus(undefined, input({ generation: 7 }));
    expect(s.observedGeneration).toBe(7);
    expect(s.conditions?.length).toBe(8);
    expect(new Set(s.conditions?.map((c) => c.observedGeneration))).toEqual(new Set([7]));
  });

  it("publishes Ready=False before anything converged", () => {
    const s = deriveStatus(undefined, input({ desired: null, observed: null, plan: null }));
    expect(summary(s, "Ready")).toEqual(["False", "Progressing"]);
    expect(summary(s, "Reconciling")).toEqual(["True", "Progressing"]);
    expect(cond(s, "EndpointsReady").status).toBe("Unknown");
    expect(kstatusOf({ generation: 3, observedGeneration: 3, conditions: s.conditions })).toBe("InProgress");
  });

  it("reports Stalled InvalidSpec with the first errors and keeps the ids it had", () => {
    const prev = deriveStatus(undefined, input({ now: T0 }));
    const s = deriveStatus(prev, {
      ...input({ generation: 4, desired: null, observed: null, plan: null }),
      specErrors: [
        { path: "spec.egress.natGateway", message: "egress.mode NatGateway needs natGateway.publicSubnetIds" },
        { path: "spec.vpcId", message: "must be a vpc id" },
        { path: "spec.launchTypes[0]", message: "must be one of FARGATE, EC2" },
        { path: "spec.tags", message: "x" },
      ],
    });
    expect(summary(s, "Stalled")).toEqual(["True", "InvalidSpec"]);
    expect(summary(s, "Ready")).toEqual(["False", "InvalidSpec"]);
    expect(summary(s, "Reconciling")).toEqual(["False", "InvalidSpec"]);
    expect(cond(s, "Stalled").message).toBe(
      "the spec is invalid: spec.egress.natGateway: egress.mode NatGateway needs natGateway.publicSubnetIds; " +
        "spec.vpcId: must be a vpc id; spec.launchTypes[0]: must be one of FARGATE, EC2 (and 1 more)",
    );
    expect(s.securityGroupId).toBe("sg-0000000e");
    expect(s.readyEndpoints).toBe("4/4");
    expect(kstatusOf({ generation: 4, observedGeneration: 4, conditions: s.conditions })).toBe("Failed");
  });

  it("reports Stalled naming the unowned endpoint that holds private DNS for ecr.dkr", () => {
    const unowned = endpoint("ecr.dkr", { id: "vpce-0ffe0000", owned: false, component: null, tags: {} });
    const plan: Plan = {
      ...emptyPlan,
      blocked: [
        {
          key: k("endpoint:ecr.dkr"),
          reason: "PrivateDnsConflict",
          message:
            "vpce-0ffe0000 (not owned by ecsnet) holds private DNS for ecr.dkr: delete it, or set spec.endpoints.adoptExisting: true",
          resourceId: "vpce-0ffe0000",
        },
      ],
    };
    const obs = observed({
      endpoints: [endpoint("ecr.api"), unowned, endpoint("logs"), ...observed().endpoints.slice(3)],
    });
    const s = deriveStatus(undefined, input({ observed: obs, plan }));
    expect(summary(s, "Stalled")).toEqual(["True", "PrivateDnsConflict"]);
    expect(cond(s, "Stalled").message).toMatch(
      /vpce-0ffe0000 .* holds private DNS for ecr\.dkr: delete it, or set spec\.endpoints\.adoptExisting/,
    );
    expect(summary(s, "Ready")).toEqual(["False", "PrivateDnsConflict"]);
    expect(summary(s, "EndpointsReady")).toEqual(["False", "PrivateDnsConflict"]);
    expect(s.endpoints?.map((e) => e.service)).toEqual(["ecr.api", "logs"]);
    expect(s.readyEndpoints).toBe("3/4");
  });

  it("keeps lastTransitionTime when Ready stays False", () => {
    const pending = observed({
      endpoints: [endpoint("ecr.api", { state: "pending" }), ...observed().endpoints.slice(1)],
    });
    const first = deriveStatus(undefined, input({ observed: pending, now: T0 }));
    const second = deriveStatus(first, input({ observed: pending, now: T1 }));
    expect(cond(first, "Ready").status).toBe("False");
    expect(cond(second, "Ready").lastTransitionTime).toBe(T0);
    expect(cond(second, "Reconciling").lastTransitionTime).toBe(T0);
  });

  it("moves lastTransitionTime when Ready turns True", () => {
    const pending = observed({
      endpoints: [endpoint("ecr.api", { state: "pending" }), ...observed().endpoints.slice(1)],
    });
    const first = deriveStatus(undefined, input({ observed: pending, now: T0 }));
    const second = deriveStatus(first, input({ now: T1 }));
    expect(cond(second, "Ready")).toMatchObject({ status: "True", lastTransitionTime: T1 });
    expect(cond(second, "Stalled")).toMatchObject({ status: "False", lastTransitionTime: T0 });
  });

  it("reports EndpointsReady False EndpointPending naming the pending endpoint", () => {
    const pending = observed({
      endpoints: [endpoint("ecr.api"), endpoint("ecr.dkr", { state: "pending" }), ...observed().endpoints.slice(2)],
    });
    const s = deriveStatus(undefined, input({ observed: pending }));
    expect(cond(s, "EndpointsReady")).toMatchObject({
      status: "False",
      reason: "EndpointPending",
      message: "ecr.dkr vpce-ecrdkr000001 is pending",
    });
    expect(summary(s, "Reconciling")).toEqual(["True", "EndpointPending"]);
    expect(summary(s, "Ready")).toEqual(["False", "EndpointPending"]);
    expect(s.readyEndpoints).toBe("3/4");
  });

  it("reports Reconciling Progressing with the first action while changes are applied", () => {
    const plan: Plan = {
      ...emptyPlan,
      actions: [
        {
          kind: "DeleteEndpoint",
          key: k("endpoint:sts"),
          reason: "NotDesired",
          detail: "delete vpce-9 (sts is no longer asked for)",
          endpointId: "vpce-9",
        },
        {
          kind: "RevokeRules",
          key: k("sg:endpoints"),
          reason: "RuleNotDesired",
          detail: "revoke sgr-9",
          groupId: "sg-0000000e",
          ingressRuleIds: ["sgr-9"],
          egressRuleIds: [],
        },
      ],
    };
    const s = deriveStatus(
      undefined,
      input({
        plan,
        results: [
          { key: k("endpoint:sts"), outcome: "done" },
          { key: k("sg:endpoints"), outcome: "done" },
        ],
      }),
    );
    expect(summary(s, "Reconciling")).toEqual(["True", "Progressing"]);
    expect(cond(s, "Reconciling").message).toBe(
      "applying 2 change(s): delete vpce-9 (sts is no longer asked for) (and 1 more)",
    );
    expect(summary(s, "Stalled")).toEqual(["False", "Progressing"]);
  });

  it("takes ids created in this reconcile from the results", () => {
    const obs = observed({ endpoints: observed().endpoints.filter((e) => e.component !== "endpoint:logs") });
    const plan: Plan = {
      ...emptyPlan,
      actions: [
        {
          kind: "CreateInterfaceEndpoint",
          key: k("endpoint:logs"),
          reason: "Missing",
          detail: "create the logs endpoint",
          vpcId: "vpc-0123abcd",
          serviceName: "com.amazonaws.us-east-1.logs",
          subnetIds: ["subnet-0000000a", "subnet-0000000b"],
          securityGroupIds: ["sg-0000000e"],
          privateDns: true,
          policy: null,
          clientToken: "t",
          generation: 0,
          tags: {},
        },
      ],
    };
    const s = deriveStatus(
      undefined,
      input({ observed: obs, plan, results: [{ key: k("endpoint:logs"), outcome: "done", id: "vpce-0new0001" }] }),
    );
    expect(s.endpoints?.find((e) => e.service === "logs")).toEqual({
      service: "logs",
      id: "vpce-0new0001",
      state: "pending",
      privateDns: true,
      subnetIds: ["subnet-0000000a", "subnet-0000000b"],
    });
    expect(cond(s, "EndpointsReady")).toMatchObject({
      reason: "EndpointPending",
      message: "logs vpce-0new0001 was just created",
    });
  });

  it("reports Reconciling Throttled when AWS throttled an action", () => {
    const results: ActionResult[] = [
      {
        key: k("endpoint:logs"),
        outcome: "failed",
        error: { class: "throttled", code: "RequestLimitExceeded", message: "Request limit exceeded." },
      },
    ];
    const s = deriveStatus(undefined, input({ results }));
    expect(summary(s, "Reconciling")).toEqual(["True", "Throttled"]);
    expect(summary(s, "Stalled")).toEqual(["False", "Throttled"]);
    expect(summary(s, "EndpointsReady")).toEqual(["False", "Throttled"]);
  });

  it("reports Stalled AwsError with the code when an action failed for good", () => {
    const results: ActionResult[] = [
      {
        key: k("nat:us-east-1a"),
        outcome: "failed",
        error: {
          class: "terminal",
          code: "InvalidSubnetID.NotFound",
          message: "The subnet ID 'subnet-0dead' does not exist",
        },
      },
    ];
    const s = deriveStatus(undefined, input({ results }));
    expect(summary(s, "Stalled")).toEqual(["True", "AwsError"]);
    expect(cond(s, "Stalled").message).toBe(
      "nat:us-east-1a: InvalidSubnetID.NotFound: The subnet ID 'subnet-0dead' does not exist; retrying cannot fix this",
    );
  });

  it("reports Reconciling AwsError and retries when an action failed transiently", () => {
    const results: ActionResult[] = [
      {
        key: k("endpoint:logs"),
        outcome: "failed",
        error: { class: "retryable", code: "InternalError", message: "try again" },
      },
    ];
    const s = deriveStatus(undefined, input({ results }));
    expect(summary(s, "Reconciling")).toEqual(["True", "AwsError"]);
    expect(cond(s, "Reconciling").message).toBe("endpoint:logs: InternalError: try again; retrying");
  });

  it("reports Stalled DnsSupportDisabled telling how to turn DNS on when vpcDns is Check", () => {
    const s = deriveStatus(undefined, input({ observed: observed({ dnsSupport: false }) }));
    expect(summary(s, "DnsReady")).toEqual(["False", "DnsSupportDisabled"]);
    expect(cond(s, "DnsReady").message).toMatch(
      /vpc-0123abcd has enableDnsSupport off.*set spec\.vpcDns: Enforce, or run aws ec2 modify-vpc-attribute --vpc-id vpc-0123abcd --enable-dns-support/,
    );
    expect(summary(s, "Stalled")).toEqual(["True", "DnsSupportDisabled"]);
    expect(summary(s, "Ready")).toEqual(["False", "DnsSupportDisabled"]);
  });

  it("reports Reconciling, not Stalled, when vpcDns is Enforce and DNS hostnames are off", () => {
    const s = deriveStatus(
      undefined,
      input({ desired: desired({ vpcDns: "enforce" }), observed: observed({ dnsHostnames: false }) }),
    );
    expect(summary(s, "DnsReady")).toEqual(["False", "DnsHostnamesDisabled"]);
    expect(summary(s, "Reconciling")).toEqual(["True", "DnsHostnamesDisabled"]);
    expect(cond(s, "Stalled").status).toBe("False");
  });

  it("reports an endpoint whose private DNS was turned off out of band", () => {
    const obs = observed({ endpoints: [endpoint("ecr.api", { privateDns: false }), ...observed().endpoints.slice(1)] });
    const s = deriveStatus(undefined, input({ observed: obs }));
    expect(cond(s, "EndpointsReady")).toMatchObject({ status: "False", reason: "EndpointPrivateDnsDisabled" });
    expect(cond(s, "EndpointsReady").message).toMatch(/^ecr\.api vpce-ecrapi000001 has private DNS off/);
    expect(s.readyEndpoints).toBe("3/4");
  });

  it("reports a route table missing from the S3 gateway", () => {
    const obs = observed({
      endpoints: [
        ...observed().endpoints.slice(0, 3),
        endpoint("s3", { type: "Gateway", subnetIds: [], routeTableIds: ["rtb-0000000a"], privateDns: false }),
      ],
    });
    const s = deriveStatus(undefined, input({ observed: obs }));
    expect(cond(s, "S3GatewayReady")).toMatchObject({
      status: "False",
      reason: "RouteTableNotAssociated",
      message: expect.stringMatching(/^rtb-0000000b is not associated with the s3 gateway vpce-s3000001/),
    });
    expect(s.readyEndpoints).toBe("3/4");
  });

  it("reports a security group rule nobody asked for", () => {
    const sg = observed().securityGroups[0]!;
    const wide = {
      ...sg,
      rules: [
        ...sg.rules,
        { ruleId: "sgr-bad", isEgress: false, protocol: "-1", fromPort: -1, toPort: -1, cidr: "0.0.0.0/0" },
      ],
    };
    const s = deriveStatus(undefined, input({ observed: observed({ securityGroups: [wide] }) }));
    expect(cond(s, "SecurityGroupReady")).toMatchObject({
      status: "False",
      reason: "RuleNotDesired",
      message: "sg-0000000e admits all traffic from 0.0.0.0/0, which the spec does not ask for (sgr-bad)",
    });
  });

  it("reports Stalled RuleMissing when a given security group does not admit the private subnets", () => {
    const d = desired({ securityGroup: { ...desired().securityGroup, mode: "given", givenGroupIds: ["sg-0000000f"] } });
    const given = {
      ...observed().securityGroups[0]!,
      id: "sg-0000000f",
      owned: false,
      component: null,
      rules: [observed().securityGroups[0]!.rules[0]!],
    };
    const s = deriveStatus(undefined, input({ desired: d, observed: observed({ securityGroups: [given] }) }));
    expect(cond(s, "SecurityGroupReady")).toMatchObject({
      reason: "RuleMissing",
      message:
        "none of sg-0000000f admits tcp/443 from 10.0.2.0/24: add that rule (ecsnet does not modify given groups)",
    });
    expect(summary(s, "Stalled")).toEqual(["True", "RuleMissing"]);
    expect(s.securityGroupId).toBe("sg-0000000f");
  });

  describe("with NAT gateway egress", () => {
    const natDesired = desired({
      elasticIps: new Map([[k("eip:us-east-1a"), { key: k("eip:us-east-1a"), tags: {} }]]),
      natGateways: new Map([
        [
          k("nat:us-east-1a"),
          {
            key: k("nat:us-east-1a"),
            az: "us-east-1a",
            subnetId: "subnet-0000001a",
            eipKey: k("eip:us-east-1a"),
            tags: {},
            clientToken: "t",
            generation: 0,
          },
        ],
      ]),
      routes: new Map([
        [
          k("route:rtb-0000000a:0.0.0.0/0"),
          {
            key: k("route:rtb-0000000a:0.0.0.0/0"),
            routeTableId: "rtb-0000000a",
            destination: "0.0.0.0/0",
            natKey: k("nat:us-east-1a"),
            replaceExisting: false,
          },
        ],
      ]),
    });
    const nat = (state: string) => ({
      id: "nat-0000000a",
      ...ours("nat:us-east-1a"),
      subnetId: "subnet-0000001a",
      state,
      allocationIds: ["eipalloc-0000000a"],
    });
    const table = (target: { kind: "nat" | "igw"; id: string }, state: "active" | "blackhole" = "active") => ({
      id: "rtb-0000000a",
      isMain: false,
      subnetIds: ["subnet-0000000a"],
      tags: {},
      routes: [{ destination: "0.0.0.0/0", target, state, origin: "CreateRoute" as const }],
    });
    const natObserved = (state: string, t = table({ kind: "nat", id: "nat-0000000a" })) =>
      observed({
        natGateways: [nat(state)],
        addresses: [
          {
            id: "eipalloc-0000000a",
            ...ours("eip:us-east-1a"),
            allocationId: "eipalloc-0000000a",
            publicIp: "203.0.113.7",
          },
        ],
        routeTables: [t],
      });

    it("reports Reconciling NatGatewayPending while the NAT gateway is pending", () => {
      const plan: Plan = {
        ...emptyPlan,
        pending: [
          { key: k("nat:us-east-1a"), reason: "NatGatewayPending", message: "nat-0000000a in us-east-1a is pending" },
        ],
      };
      const s = deriveStatus(undefined, input({ desired: natDesired, observed: natObserved("pending"), plan }));
      expect(summary(s, "Reconciling")).toEqual(["True", "NatGatewayPending"]);
      expect(cond(s, "EgressReady")).toMatchObject({
        status: "False",
        reason: "NatGatewayPending",
        message: "nat-0000000a in us-east-1a is pending",
      });
    });

    it("lists NAT gateways with their Elastic IP and the routes through them", () => {
      const s = deriveStatus(undefined, input({ desired: natDesired, observed: natObserved("available") }));
      expect(summary(s, "Ready")).toEqual(["True", "Converged"]);
      expect(s.egressMode).toBe("NatGateway");
      expect(s.natGateways).toEqual([
        {
          az: "us-east-1a",
          id: "nat-0000000a",
          state: "available",
          subnetId: "subnet-0000001a",
          allocationId: "eipalloc-0000000a",
          publicIp: "203.0.113.7",
        },
      ]);
      expect(s.routes).toEqual([
        { routeTableId: "rtb-0000000a", destination: "0.0.0.0/0", target: "nat-0000000a", state: "active" },
      ]);
    });

    it("reports RouteBlackholed when the route's NAT gateway was deleted", () => {
      const s = deriveStatus(
        undefined,
        input({
          desired: natDesired,
          observed: natObserved("available", table({ kind: "nat", id: "nat-0dead000" }, "blackhole")),
        }),
      );
      expect(cond(s, "EgressReady")).toMatchObject({
        reason: "RouteBlackholed",
        message: "0.0.0.0/0 in rtb-0000000a is blackholed: its target nat-0dead000 no longer exists",
      });
      expect(cond(s, "Reconciling").status).toBe("True");
    });

    it("reports Stalled RouteTargetsOther naming the route's target and the setting that allows replacing it", () => {
      const plan: Plan = {
        ...emptyPlan,
        blocked: [
          {
            key: k("route:rtb-0000000a:0.0.0.0/0"),
            reason: "RouteTargetsOther",
            message:
              "0.0.0.0/0 in rtb-0000000a points at igw-0000000c: set spec.egress.natGateway.replaceExistingDefaultRoute: true",
            resourceId: "rtb-0000000a",
          },
        ],
      };
      const s = deriveStatus(
        undefined,
        input({
          desired: natDesired,
          observed: natObserved("available", table({ kind: "igw", id: "igw-0000000c" })),
          plan,
        }),
      );
      expect(summary(s, "Stalled")).toEqual(["True", "RouteTargetsOther"]);
      expect(cond(s, "EgressReady").message).toMatch(/points at igw-0000000c/);
    });

    it("reports NatGatewayFailed with AWS's failure message", () => {
      const failed = {
        ...nat("failed"),
        failureCode: "Gateway.NotAttached",
        failureMessage: "Network vpc-0123abcd has no Internet gateway attached",
      };
      const s = deriveStatus(
        undefined,
        input({
          desired: natDesired,
          observed: observed({ natGateways: [failed], routeTables: [table({ kind: "nat", id: "nat-0000000a" })] }),
        }),
      );
      expect(cond(s, "EgressReady").message).toBe(
        "nat-0000000a in us-east-1a failed (Gateway.NotAttached: Network vpc-0123abcd has no Internet gateway attached): ecsnet replaces it",
      );
    });
  });

  it("reports Stalled from a blocking desired issue and lists the other issues as notes", () => {
    const d = desired({
      issues: [
        {
          key: k("subnet:subnet-0000000c"),
          reason: "SubnetNotPrivate",
          message: "subnet-0000000c routes 0.0.0.0/0 to igw-1: it is public; remove it from privateSubnets",
          blocking: true,
        },
        {
          key: k("az:us-east-1a"),
          reason: "SeveralSubnetsInAz",
          message: "2 private subnets in us-east-1a: endpoints use subnet-0000000a",
          blocking: false,
        },
      ],
    });
    const s = deriveStatus(undefined, input({ desired: d }));
    expect(summary(s, "Stalled")).toEqual(["True", "SubnetNotPrivate"]);
    expect(s.notes).toEqual(["2 private subnets in us-east-1a: endpoints use subnet-0000000a"]);
  });

  it("reports Stalled ObserveOnlyDrift saying what ecsnet would do", () => {
    const plan: Plan = {
      ...emptyPlan,
      actions: [
        {
          kind: "DeleteEndpoint",
          key: k("endpoint:sts"),
          reason: "NotDesired",
          detail: "delete vpce-9",
          endpointId: "vpce-9",
        },
      ],
    };
    const s = deriveStatus(undefined, input({ desired: desired({ mode: "ObserveOnly" }), plan }));
    expect(cond(s, "Stalled")).toMatchObject({
      status: "True",
      reason: "ObserveOnlyDrift",
      message: "ObserveOnly: AWS differs from the spec; ecsnet would delete vpce-9",
    });
  });

  it("reports Deleting while the finalizer cleans up", () => {
    const s = deriveStatus(undefined, input({ deleting: true, desired: null, observed: null, plan: null }));
    expect(summary(s, "Ready")).toEqual(["False", "Deleting"]);
    expect(summary(s, "Reconciling")).toEqual(["True", "Deleting"]);
  });

  it("reports Stalled AwsError when observing AWS failed for good", () => {
    const s = deriveStatus(undefined, {
      ...input({ desired: null, observed: null, plan: null }),
      error: { class: "terminal", code: "InvalidVpcID.NotFound", message: "The vpc ID 'vpc-0123abcd' does not exist" },
    });
    expect(summary(s, "Stalled")).toEqual(["True", "AwsError"]);
    expect(cond(s, "Stalled").message).toMatch(/InvalidVpcID\.NotFound/);
  });

  it("lists contributors sorted and never mutates the previous status", () => {
    const prev = deriveStatus(undefined, input({ now: T0 }));
    const frozen = JSON.stringify(prev);
    const s = deriveStatus(prev, input({ contributors: ["team-b/api", "team-a/web"] }));
    expect(s.contributors).toEqual(["team-a/web", "team-b/api"]);
    expect(JSON.stringify(prev)).toBe(frozen);
  });
});

describe("statusChanged", () => {
  it("ignores lastSyncTime and lastTransitionTime", () => {
    const a = deriveStatus(undefined, input({ now: T0 }));
    const b = deriveStatus(undefined, input({ now: T1 }));
    expect(cond(a, "Ready").lastTransitionTime).not.toBe(cond(b, "Ready").lastTransitionTime);
    expect(statusChanged(a, b)).toBe(false);
  });

  it("ignores the order of conditions and of object keys", () => {
    const a = deriveStatus(undefined, input());
    const b = {
      ...Object.fromEntries(Object.entries(a).reverse()),
      conditions: [...(a.conditions ?? [])].reverse(),
    } as PrivateEcsNetworkStatus;
    expect(statusChanged(a, b)).toBe(false);
  });

  it("sees a changed condition reason, generation or id", () => {
    const a = deriveStatus(undefined, input());
    expect(statusChanged(a, deriveStatus(a, input({ observed: observed({ dnsSupport: false }) })))).toBe(true);
    expect(statusChanged(a, deriveStatus(a, input({ generation: 4 })))).toBe(true);
    expect(statusChanged(a, { ...a, securityGroupId: "sg-0000000f" })).toBe(true);
    expect(statusChanged(undefined, a)).toBe(true);
  });
});

describe("deriveStatus while deleting and on early errors", () => {
  it("uses the error code as the reason when it is one of ecsnet's reasons, such as VpcNotFound", () => {
    const s = deriveStatus(undefined, {
      ...input({ desired: null, observed: null, plan: null }),
      error: { class: "terminal", code: "VpcNotFound", message: "VPC vpc-0123abcd does not exist in us-east-1" },
    });
    expect(cond(s, "Stalled")).toMatchObject({
      status: "True",
      reason: "VpcNotFound",
      message: "VpcNotFound: VPC vpc-0123abcd does not exist in us-east-1; retrying cannot fix this",
    });
  });

  it("leaves the parts Unknown while deleting, and still lists what remains in AWS", () => {
    const plan: Plan = {
      ...emptyPlan,
      actions: [
        {
          kind: "DeleteEndpoint",
          key: k("endpoint:logs"),
          reason: "Deleting",
          detail: "delete vpce-logs000001",
          endpointId: "vpce-logs000001",
        },
      ],
    };
    const s = deriveStatus(undefined, input({ deleting: true, plan }));
    expect(summary(s, "Reconciling")).toEqual(["True", "Deleting"]);
    expect(summary(s, "EndpointsReady")).toEqual(["Unknown", "Deleting"]);
    expect(s.endpoints?.map((e) => e.id)).toContain("vpce-logs000001");
  });
});
