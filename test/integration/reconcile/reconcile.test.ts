/**
 * The PrivateEcsNetwork reconcile end to end against EC2 (sandbox, or AWS_ENDPOINT_URL): cold applies,
 * idempotence, drift repair, crash safety, and never touching what is not ours. Assertions read the world.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateRouteCommand,
  CreateSecurityGroupCommand,
  CreateVpcEndpointCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeVpcEndpointsCommand,
  ModifyVpcEndpointCommand,
  RevokeSecurityGroupIngressCommand,
  DeleteVpcEndpointsCommand,
  DeleteNatGatewayCommand,
} from "@aws-sdk/client-ec2";
import { reconcileNetwork } from "../../../operator/controllers/reconcile-network.js";
import type { NetworkManifest } from "../../../operator/cli/manifest.js";
import {
  crashingPort,
  freshVpc,
  natEgress,
  network,
  ownedWorld,
  reconcileUntilDone,
  startWorld,
  countingPort,
  tapPort,
  type World,
} from "./world.js";
import type { Ec2Port } from "../../../operator/aws/ec2-port.js";

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w.close();
});

const once = (m: NetworkManifest, port: Ec2Port = w.ec2) =>
  reconcileNetwork(w.deps(port), {
    owner: m.owner,
    generation: 1,
    rawSpec: m.rawSpec,
    prevStatus: undefined,
    contributions: [],
    deleting: false,
    dryRun: false,
  });

const services = (eps: { ServiceName?: string }[]) =>
  eps.map((e) => e.ServiceName!.split(".").slice(3).join(".")).sort();

describe("a cold apply", () => {
  it("reaches Ready with egress None: default endpoints with private DNS, S3 on every private table, a 443-only SG", async () => {
    const vpc = await freshVpc(w);
    const m = network(vpc);
    const { end, outcome } = await reconcileUntilDone(w, m);
    expect(end).toBe("ready");
    const world = await ownedWorld(w, vpc.vpcId, m.owner.uid);
    expect(services(world.endpoints)).toEqual(["ecr.api", "ecr.dkr", "logs", "s3"]);
    for (const e of world.endpoints.filter((x) => x.VpcEndpointType === "Interface"))
      expect(e.PrivateDnsEnabled).toBe(true);
    expect([...(world.endpoints.find((e) => e.VpcEndpointType === "Gateway")!.RouteTableIds ?? [])].sort()).toEqual(
      [...vpc.privateRouteTableIds].sort(),
    );
    expect(world.natGateways).toHaveLength(0);
    const sg = world.securityGroups[0]!;
    const rules = await w.raw.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [sg.GroupId!] }] }),
    );
    const ingress = (rules.SecurityGroupRules ?? [])
      .filter((r) => !r.IsEgress)
      .map((r) => `${r.IpProtocol}/${r.FromPort}-${r.ToPort} ${r.CidrIpv4}`);
    expect(ingress.sort()).toEqual(vpc.privateCidrs.map((c) => `tcp/443-443 ${c}`));
    expect(outcome.status.securityGroupId).toBe(sg.GroupId);
  });

  it("reaches Ready with a NAT gateway per AZ and 0.0.0.0/0 of each private table through its AZ's NAT", async () => {
    const vpc = await freshVpc(w);
    const m = network(vpc, natEgress(vpc));
    expect((await reconcileUntilDone(w, m)).end).toBe("ready");
    const world = await ownedWorld(w, vpc.vpcId, m.owner.uid);
    expect(world.natGateways.map((n) => n.SubnetId).sort()).toEqual([...vpc.publicSubnetIds].sort());
    expect(world.addresses).toHaveLength(2);
    const tables = await w.raw.send(new DescribeRouteTablesCommand({ RouteTableIds: vpc.privateRouteTableIds }));
    for (const [i, rt] of vpc.privateRouteTableIds.entries()) {
      const t = tables.RouteTables!.find((x) => x.RouteTableId === rt)!;
      const def = t.Routes!.find((r) => r.DestinationCidrBlock === "0.0.0.0/0")!;
      const nat = world.natGateways.find((n) => n.SubnetId === vpc.publicSubnetIds[i])!;
      expect({ target: def.NatGatewayId, state: def.State }).toEqual({ target: nat.NatGatewayId, state: "active" });
    }
  });

  it("is followed by an apply that makes zero mutating calls", async () => {
    const vpc = await freshVpc(w);
    const m = network(vpc, natEgress(vpc));
    expect((await reconcileUntilDone(w, m)).end).toBe("ready");
    const c = countingPort(w.ec2);
    const again = await once(m, c.port);
    expect(again.plan?.actions).toEqual([]);
    expect(c.count()).toBe(0);
  });
});

describe("a drift sweep of a converged network", () => {
  it("reads only what drift is made of (8 Describe calls), and the VPC's layout again only when the spec changed", async () => {
    const vpc = await freshVpc(w);
    const m = network(vpc, natEgress(vpc));
    const { end, outcome } = await reconcileUntilDone(w, m);
    expect(end).toBe("ready");
    const calls: string[] = [];
    const port = tapPort(w.ec2, { before: (m) => void calls.push(m) });
    const sweep = (generation: number) =>
      reconcileNetwork(w.deps(port), {
        owner: m.owner,
        generation,
        rawSpec: m.rawSpec,
        prevStatus: outcome.status,
        contributions: [],
        deleting: false,
        dryRun: false,
      });
    // Caches live with the port (one per region in the operator): the first sweep through it fills them.
    await sweep(1);
    calls.length = 0;
    const steady = await sweep(1);
    expect(steady.plan?.actions).toEqual([]);
    expect(calls.filter((c) => !c.startsWith("describe"))).toEqual([]);
    expect(calls.sort()).toEqual([
      "describeAddresses",
      "describeNatGateways",
      "describeRouteTables",
      "describeSecurityGroupRules",
      "describeSecurityGroups",
      "describeVpcAttribute",
      "describeVpcAttribute",
      "describeVpcEndpoints",
    ]);
    calls.length = 0;
    await sweep(2);
    expect(calls).toEqual(expect.arrayContaining(["describeVpc", "describeSubnets", "describeInternetGateways"]));
  });
});

describe("drift is repaired by the next apply", () => {
  let vpc: Awaited<ReturnType<typeof freshVpc>>;
  let m: NetworkManifest;
  beforeAll(async () => {
    vpc = await freshVpc(w);
    m = network(vpc, natEgress(vpc));
    expect((await reconcileUntilDone(w, m)).end).toBe("ready");
  });
  const endpoint = async (svc: string) =>
    (await ownedWorld(w, vpc.vpcId, m.owner.uid)).endpoints.find((e) => e.ServiceName!.endsWith(`.${svc}`))!;
  const sgRules = async () => {
    const sg = (await ownedWorld(w, vpc.vpcId, m.owner.uid)).securityGroups[0]!.GroupId!;
    const r = await w.raw.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [sg] }] }),
    );
    return { sg, rules: (r.SecurityGroupRules ?? []).filter((x) => !x.IsEgress) };
  };

  const drifts: [string, () => Promise<void>, () => Promise<void>][] = [
    [
      "an interface endpoint deleted",
      async () =>
        void (await w.raw.send(
          new DeleteVpcEndpointsCommand({ VpcEndpointIds: [(await endpoint("ecr.dkr")).VpcEndpointId!] }),
        )),
      async () => expect((await endpoint("ecr.dkr")).PrivateDnsEnabled).toBe(true),
    ],
    [
      "a subnet removed from an endpoint",
      async () =>
        void (await w.raw.send(
          new ModifyVpcEndpointCommand({
            VpcEndpointId: (await endpoint("logs")).VpcEndpointId!,
            RemoveSubnetIds: [vpc.privateSubnetIds[0]!],
          }),
        )),
      async () =>
        expect([...((await endpoint("logs")).SubnetIds ?? [])].sort()).toEqual([...vpc.privateSubnetIds].sort()),
    ],
    [
      "private DNS turned off",
      async () =>
        void (await w.raw.send(
          new ModifyVpcEndpointCommand({
            VpcEndpointId: (await endpoint("ecr.api")).VpcEndpointId!,
            PrivateDnsEnabled: false,
          }),
        )),
      async () => expect((await endpoint("ecr.api")).PrivateDnsEnabled).toBe(true),
    ],
    [
      "an ingress rule revoked",
      async () => {
        const { sg, rules } = await sgRules();
        await w.raw.send(
          new RevokeSecurityGroupIngressCommand({
            GroupId: sg,
            SecurityGroupRuleIds: [rules[0]!.SecurityGroupRuleId!],
          }),
        );
      },
      async () => expect((await sgRules()).rules).toHaveLength(2),
    ],
    [
      "an extra 0.0.0.0/0 ingress rule added to our security group",
      async () => {
        const { sg } = await sgRules();
        await w.raw.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: sg,
            IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
          }),
        );
      },
      async () => expect((await sgRules()).rules.map((r) => r.CidrIpv4)).not.toContain("0.0.0.0/0"),
    ],
    [
      "the S3 route removed from a table",
      async () =>
        void (await w.raw.send(
          new ModifyVpcEndpointCommand({
            VpcEndpointId: (await endpoint("s3")).VpcEndpointId!,
            RemoveRouteTableIds: [vpc.privateRouteTableIds[1]!],
          }),
        )),
      async () => expect((await endpoint("s3")).RouteTableIds).toContain(vpc.privateRouteTableIds[1]),
    ],
    [
      "a NAT gateway deleted out of band (its route blackholed)",
      async () => {
        const nat = (await ownedWorld(w, vpc.vpcId, m.owner.uid)).natGateways[0]!;
        await w.raw.send(new DeleteNatGatewayCommand({ NatGatewayId: nat.NatGatewayId! }));
      },
      async () => {
        const t = await w.raw.send(new DescribeRouteTablesCommand({ RouteTableIds: vpc.privateRouteTableIds }));
        const defaults = t.RouteTables!.map((x) => x.Routes!.find((r) => r.DestinationCidrBlock === "0.0.0.0/0")!);
        expect(defaults.map((r) => r.State)).toEqual(["active", "active"]);
        expect((await ownedWorld(w, vpc.vpcId, m.owner.uid)).natGateways).toHaveLength(2);
      },
    ],
  ];
  it.each(drifts)("after %s", async (_name, inject, assertRepaired) => {
    await inject();
    const { end } = await reconcileUntilDone(w, m);
    expect(end).toBe("ready");
    await assertRepaired();
  });
});

describe("a crash after any mutating call of a cold apply", () => {
  const itSandbox = process.env.AWS_ENDPOINT_URL ? it.skip : it;
  itSandbox(
    "leaves, after a fresh apply, no duplicates and no leaked Elastic IPs [one VPC per crash point]",
    async () => {
      const probe = await freshVpc(w);
      const pm = network(probe, natEgress(probe));
      const c = countingPort(w.ec2);
      expect((await reconcileUntilDone(w, pm, { port: c.port })).end).toBe("ready");
      const total = c.count();
      expect(total).toBeGreaterThanOrEqual(10);
      for (let n = 1; n <= total; n++) {
        const vpc = await freshVpc(w);
        const m = network(vpc, natEgress(vpc));
        const crash = crashingPort(w.ec2, n);
        for (let round = 0; round < 10 && !crash.crashed(); round++) {
          await once(m, crash.port).catch(() => undefined);
          w.target.sandbox?.admin.settle();
        }
        expect(crash.crashed()).toBe(true);
        expect((await reconcileUntilDone(w, m)).end).toBe("ready");
        // One more pass after everything settled releases any Elastic IP whose allocation was lost in the crash.
        await reconcileUntilDone(w, m);
        const world = await ownedWorld(w, vpc.vpcId, m.owner.uid);
        expect({
          crashAfter: n,
          endpoints: services(world.endpoints),
          nats: world.natGateways.length,
          sgs: world.securityGroups.length,
          eips: world.addresses.length,
        }).toEqual({
          crashAfter: n,
          endpoints: ["ecr.api", "ecr.dkr", "logs", "s3"],
          nats: 2,
          sgs: 1,
          eips: 2,
        });
      }
    },
  );
});

describe("what is not ours", () => {
  it("is never modified: an unowned open security group and an unowned endpoint stay exactly as they were", async () => {
    const vpc = await freshVpc(w);
    const sg = await w.raw.send(
      new CreateSecurityGroupCommand({ VpcId: vpc.vpcId, GroupName: "someone-elses", Description: "not ecsnet's" }),
    );
    await w.raw.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: sg.GroupId!,
        IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      }),
    );
    const sts = await w.raw.send(
      new CreateVpcEndpointCommand({
        VpcId: vpc.vpcId,
        ServiceName: `com.amazonaws.${w.target.region}.sts`,
        VpcEndpointType: "Interface",
        SubnetIds: [vpc.privateSubnetIds[0]!],
        SecurityGroupIds: [sg.GroupId!],
        PrivateDnsEnabled: true,
      }),
    );
    const m = network(vpc, natEgress(vpc));
    expect((await reconcileUntilDone(w, m)).end).toBe("ready");
    const rules = await w.raw.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [sg.GroupId!] }] }),
    );
    expect((rules.SecurityGroupRules ?? []).filter((r) => !r.IsEgress).map((r) => r.CidrIpv4)).toEqual(["0.0.0.0/0"]);
    const ep = (
      await w.raw.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [sts.VpcEndpoint!.VpcEndpointId!] }))
    ).VpcEndpoints![0]!;
    expect({
      subnets: ep.SubnetIds,
      sgs: ep.Groups?.map((g) => g.GroupId),
      dns: ep.PrivateDnsEnabled,
      tags: ep.Tags ?? [],
    }).toEqual({ subnets: [vpc.privateSubnetIds[0]], sgs: [sg.GroupId], dns: true, tags: [] });
    expect((await reconcileUntilDone(w, m, { deleting: true })).end).toBe("deleted");
    expect(
      (await w.raw.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [sts.VpcEndpoint!.VpcEndpointId!] })))
        .VpcEndpoints![0]!.State,
    ).toBe("available");
  });

  it("is reported, not forced: an unowned ecr.dkr endpoint holding private DNS stalls the network and is not duplicated", async () => {
    const vpc = await freshVpc(w);
    const theirs = await w.raw.send(
      new CreateVpcEndpointCommand({
        VpcId: vpc.vpcId,
        ServiceName: `com.amazonaws.${w.target.region}.ecr.dkr`,
        VpcEndpointType: "Interface",
        SubnetIds: [vpc.privateSubnetIds[0]!],
        PrivateDnsEnabled: true,
      }),
    );
    const m = network(vpc);
    const { end, outcome } = await reconcileUntilDone(w, m);
    expect(end).toBe("stalled");
    const stalled = outcome.status.conditions!.find((c) => c.type === "Stalled")!;
    expect(stalled).toMatchObject({ status: "True", reason: "PrivateDnsConflict" });
    expect(stalled.message).toContain(theirs.VpcEndpoint!.VpcEndpointId!);
    const dkr = (
      await w.raw.send(
        new DescribeVpcEndpointsCommand({
          Filters: [
            { Name: "vpc-id", Values: [vpc.vpcId] },
            { Name: "service-name", Values: [`com.amazonaws.${w.target.region}.ecr.dkr`] },
          ],
        }),
      )
    ).VpcEndpoints!;
    expect(dkr.filter((e) => String(e.State) !== "deleted").map((e) => e.VpcEndpointId)).toEqual([
      theirs.VpcEndpoint!.VpcEndpointId,
    ]);
  });

  it("is reported, not forced: an existing 0.0.0.0/0 to another target blocks until replaceExistingDefaultRoute allows it", async () => {
    const vpc = await freshVpc(w);
    await w.raw.send(
      new CreateRouteCommand({
        RouteTableId: vpc.privateRouteTableIds[0]!,
        DestinationCidrBlock: "0.0.0.0/0",
        GatewayId: vpc.igwId,
      }),
    );
    const blocked = await reconcileUntilDone(w, network(vpc, natEgress(vpc)));
    expect(blocked.end).toBe("stalled");
    expect(JSON.stringify(blocked.outcome.plan?.blocked ?? blocked.outcome.status.conditions)).toMatch(
      /SubnetNotPrivate|RouteTargetsOther/,
    );
  });
});
