import { CreateVpcEndpointCommand } from "@aws-sdk/client-ec2";
import { TagKey } from "../../../operator/api/group.js";
import { observe } from "../../../operator/aws/observe.js";
import { resolveTopology } from "../../../operator/aws/topology.js";
import type { Action, Plan } from "../../../operator/core/actions.js";
import type { ActionResult } from "../../../operator/core/errors.js";
import type { OwnerRef } from "../../../operator/core/model.js";
import { key } from "../../../operator/core/model.js";
import { securityGroupName } from "../../../operator/core/ownership.js";
import type { TwoAzVpc } from "../../helpers/aws-sandbox.js";
import { itWithAdmin, NEEDS_ADMIN } from "../../helpers/aws-sandbox.js";
import type { World } from "./aws-world.js";
import * as world from "./aws-world.js";
import { K, fullPlan, planOf } from "./plans.js";

let w: World;
beforeAll(async () => {
  w = await world.startWorld();
});
afterAll(async () => {
  await w.close();
});

const applyPlan = (vpc: TwoAzVpc, owner: OwnerRef, plan: Plan): Promise<ActionResult[]> =>
  world.applyWith(w, vpc, owner, plan);
const idOf = world.idOf;

describe("apply of a full plan", () => {
  const owner = world.anOwner("payments");
  let vpc: TwoAzVpc;
  let first: ActionResult[];

  beforeAll(async () => {
    vpc = await world.freshVpc(w);
    first = await applyPlan(vpc, owner, fullPlan(owner, vpc, w.target.region));
  });

  it("completes every action", () => {
    expect(first.map((r) => [r.key, r.outcome])).toEqual(Object.values(K).map((k) => [k, "done"]));
  });

  it("creates the security group with our name and owner tags, admitting 443 from the private subnets", async () => {
    const [sg] = await world.groupsNamed(w.raw, vpc.vpcId, securityGroupName(owner));
    expect(sg?.GroupId).toBe(idOf(first, K.sg));
    expect(world.tagMap(sg?.Tags)).toMatchObject({
      [TagKey.OwnerUid]: owner.uid,
      [TagKey.Component]: K.sg,
      team: "payments",
    });
    const rules = (await world.ingressOf(w.raw, sg!.GroupId!)).map((r) => [
      r.IpProtocol,
      r.FromPort,
      r.ToPort,
      r.CidrIpv4,
    ]);
    expect(rules.sort()).toEqual([
      ["tcp", 443, 443, "10.0.10.0/24"],
      ["tcp", 443, 443, "10.0.11.0/24"],
    ]);
  });

  it("creates the ecr.dkr endpoint in both private subnets behind the new group, with private DNS, tagged", async () => {
    const dkr = (await world.endpointsIn(w.raw, vpc.vpcId)).find((e) => e.VpcEndpointId === idOf(first, K.dkr));
    expect(dkr).toMatchObject({ VpcEndpointType: "Interface", PrivateDnsEnabled: true });
    expect([...(dkr?.SubnetIds ?? [])].sort()).toEqual([...vpc.privateSubnetIds].sort());
    expect(dkr?.Groups?.map((g) => g.GroupId)).toEqual([idOf(first, K.sg)]);
    expect(world.tagMap(dkr?.Tags)).toMatchObject({ [TagKey.OwnerUid]: owner.uid, [TagKey.Component]: K.dkr });
  });

  it("creates the S3 gateway endpoint and its prefix-list route lands in each private route table", async () => {
    const s3Id = idOf(first, K.s3);
    for (const rtb of vpc.privateRouteTableIds) {
      const routes = await world.routesOf(w.raw, rtb);
      expect(routes).toContainEqual(
        expect.objectContaining({ GatewayId: s3Id, DestinationPrefixListId: expect.stringMatching(/^pl-/) }),
      );
    }
  });

  it("allocates a tagged Elastic IP, puts the NAT gateway on it in the public subnet and routes 0.0.0.0/0 to it", async () => {
    const [eip] = await world.addressesTagged(w.raw, TagKey.OwnerUid, owner.uid);
    expect(eip?.AllocationId).toBe(idOf(first, K.eip));
    const [nat] = await world.natGatewaysIn(w.raw, vpc.vpcId);
    expect(nat).toMatchObject({ NatGatewayId: idOf(first, K.nat), SubnetId: vpc.publicSubnetIds[0] });
    expect(nat?.NatGatewayAddresses?.[0]?.AllocationId).toBe(eip?.AllocationId);
    expect(world.tagMap(nat?.Tags)).toMatchObject({ [TagKey.OwnerUid]: owner.uid, [TagKey.Component]: K.nat });
    const routes = await world.routesOf(w.raw, vpc.privateRouteTableIds[0]!);
    expect(routes).toContainEqual(
      expect.objectContaining({ DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: nat?.NatGatewayId }),
    );
  });

  it("re-running the creates with the same ClientTokens returns the same resources and makes no duplicates", async () => {
    // The same plan as if the first run had crashed before recording its results: literal ids, same tokens.
    const literal = fullPlan(owner, vpc, w.target.region).actions.flatMap((a): Action[] => {
      if (a.kind === "AuthorizeIngress") return [{ ...a, groupId: idOf(first, K.sg) }];
      if (a.kind === "CreateInterfaceEndpoint") return [{ ...a, securityGroupIds: [idOf(first, K.sg)] }];
      if (a.kind === "CreateNatGateway") return [{ ...a, allocationId: idOf(first, K.eip) }];
      if (a.kind === "CreateRoute") return [{ ...a, natGatewayId: idOf(first, K.nat) }];
      return a.kind === "CreateGatewayEndpoint" ? [a] : [];
    });
    const again = await applyPlan(vpc, owner, planOf(literal));

    expect(again.map((r) => r.outcome)).toEqual(literal.map(() => "done"));
    for (const k of [K.dkr, K.s3, K.nat]) expect(idOf(again, k)).toBe(idOf(first, k));
    expect(await world.endpointsIn(w.raw, vpc.vpcId)).toHaveLength(2);
    expect(await world.natGatewaysIn(w.raw, vpc.vpcId)).toHaveLength(1);
    expect(await world.ingressOf(w.raw, idOf(first, K.sg))).toHaveLength(2);
  });

  itWithAdmin()(
    `is observed afterwards with one Describe call per resource type, all owned ${NEEDS_ADMIN}`,
    async () => {
      const { clients, ec2 } = world.ecsnetPort(w);
      const topology = await resolveTopology(ec2, { vpcId: vpc.vpcId, region: w.target.region });
      w.target.sandbox!.admin.resetCalls();
      const o = await observe(ec2, { owner, vpcId: vpc.vpcId, topology });
      clients.destroy();

      expect(w.target.sandbox!.admin.calls()).toEqual({
        DescribeSecurityGroups: 1,
        DescribeSecurityGroupRules: 1,
        DescribeVpcEndpoints: 1,
        DescribeNatGateways: 1,
        DescribeAddresses: 1,
      });
      expect(o.securityGroups.map((g) => [g.id, g.owned, g.component])).toEqual([[idOf(first, K.sg), true, K.sg]]);
      expect(o.securityGroups[0]?.rules.filter((r) => !r.isEgress)).toHaveLength(2);
      expect(o.endpoints.map((e) => [e.component, e.owned]).sort()).toEqual([
        [K.dkr, true],
        [K.s3, true],
      ]);
      expect(o.natGateways.map((n) => [n.id, n.owned])).toEqual([[idOf(first, K.nat), true]]);
      expect(o.addresses.map((a) => [a.allocationId, a.owned])).toEqual([[idOf(first, K.eip), true]]);
    },
  );
});

describe("apply when something fails or is not ours", () => {
  it("skips the actions that depend on a failed one and still runs the independent ones", async () => {
    const vpc = await world.freshVpc(w);
    const owner = world.anOwner();
    const full = fullPlan(owner, vpc, w.target.region);
    const pick = (k: string) => full.actions.find((a) => a.key === k)!;
    const sg = { ...pick(K.sg), vpcId: "vpc-0000000000000dead" } as Action;
    const plan = planOf(
      [sg, pick(K.ingress), pick(K.dkr), pick(K.s3)],
      [
        [K.ingress, K.sg],
        [K.dkr, K.ingress],
      ],
    );

    const results = await applyPlan(vpc, owner, plan);

    expect(results).toEqual([
      {
        key: K.sg,
        outcome: "failed",
        error: expect.objectContaining({ class: "terminal", code: "InvalidVpcID.NotFound" }),
      },
      { key: K.ingress, outcome: "skipped", because: K.sg },
      { key: K.dkr, outcome: "skipped", because: K.ingress },
      { key: K.s3, outcome: "done", id: expect.stringMatching(/^vpce-/) },
    ]);
    const endpoints = await world.endpointsIn(w.raw, vpc.vpcId);
    expect(endpoints.map((e) => e.ServiceName)).toEqual([`com.amazonaws.${w.target.region}.s3`]);
    expect(await world.groupsNamed(w.raw, vpc.vpcId, securityGroupName(owner))).toEqual([]);
  });

  it("refuses to modify or delete an endpoint that does not carry our owner tag, and leaves it as it was", async () => {
    const vpc = await world.freshVpc(w);
    const owner = world.anOwner();
    const made = await w.raw.send(
      new CreateVpcEndpointCommand({
        VpcEndpointType: "Interface",
        VpcId: vpc.vpcId,
        ServiceName: `com.amazonaws.${w.target.region}.logs`,
        SubnetIds: [vpc.privateSubnetIds[0]!],
        PrivateDnsEnabled: false,
      }),
    );
    const endpointId = made.VpcEndpoint!.VpcEndpointId!;
    const b = (k: string) => ({ key: key(k), reason: "SubnetsDrifted" as const, detail: k });
    const plan = planOf(
      [
        {
          ...b("endpoint:logs"),
          kind: "ModifyInterfaceEndpoint",
          endpointId,
          addSubnetIds: [vpc.privateSubnetIds[1]!],
          removeSubnetIds: [],
          addSecurityGroupIds: [],
          removeSecurityGroupIds: [],
        },
        { ...b("endpoint:logs:delete"), kind: "DeleteEndpoint", endpointId },
        { ...b("endpoint:logs:tags"), kind: "TagResource", resourceId: endpointId, tags: { x: "y" } },
      ],
      [["endpoint:logs:tags", "endpoint:logs"]],
    );

    const results = await applyPlan(vpc, owner, plan);

    const notOwned = expect.objectContaining({ class: "terminal", code: "NotOwned" });
    expect(results).toEqual([
      { key: "endpoint:logs", outcome: "failed", error: notOwned },
      { key: "endpoint:logs:delete", outcome: "failed", error: notOwned },
      { key: "endpoint:logs:tags", outcome: "skipped", because: "endpoint:logs" },
    ]);
    const [still] = await world.endpointsIn(w.raw, vpc.vpcId);
    expect(still).toMatchObject({ VpcEndpointId: endpointId, SubnetIds: [vpc.privateSubnetIds[0]] });
    expect(world.tagMap(still?.Tags)).toEqual({});
  });
});
