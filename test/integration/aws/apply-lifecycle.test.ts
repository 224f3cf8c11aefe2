import { DeleteNatGatewayCommand } from "@aws-sdk/client-ec2";
import { TagKey } from "../../../operator/api/group.js";
import type { AwsCallRecord } from "../../../operator/aws/clients.js";
import type { Action } from "../../../operator/core/actions.js";
import type { ActionResult } from "../../../operator/core/errors.js";
import { key } from "../../../operator/core/model.js";
import { clientToken, ownerTags, securityGroupName } from "../../../operator/core/ownership.js";
import type { TwoAzVpc } from "../../helpers/aws-sandbox.js";
import { itWithAdmin, NEEDS_ADMIN, settled } from "../../helpers/aws-sandbox.js";
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

const b = (k: string) => ({ key: key(k), reason: "NotDesired" as const, detail: k });

describe("apply after creation: modify and delete what we own", () => {
  const owner = world.anOwner("lifecycle");
  let vpc: TwoAzVpc;
  let created: ActionResult[];
  const id = (k: string) => world.idOf(created, k);

  beforeAll(async () => {
    vpc = await world.freshVpc(w);
    created = await world.applyWith(w, vpc, owner, fullPlan(owner, vpc, w.target.region));
  });

  it("narrows an owned interface endpoint to one subnet and turns its private DNS off", async () => {
    const modify: Action = {
      ...b("endpoint:ecr.dkr"),
      kind: "ModifyInterfaceEndpoint",
      endpointId: id(K.dkr),
      addSubnetIds: [],
      removeSubnetIds: [vpc.privateSubnetIds[1]!],
      addSecurityGroupIds: [],
      removeSecurityGroupIds: [],
      privateDns: false,
    };
    const results = await world.applyWith(w, vpc, owner, planOf([modify]));

    expect(results).toEqual([{ key: "endpoint:ecr.dkr", outcome: "done", id: id(K.dkr) }]);
    const dkr = (await world.endpointsIn(w.raw, vpc.vpcId)).find((e) => e.VpcEndpointId === id(K.dkr));
    expect(dkr).toMatchObject({ SubnetIds: [vpc.privateSubnetIds[0]], PrivateDnsEnabled: false });
  });

  it("deletes everything in dependency order over two applies, and deleting again is a quiet no-op", async () => {
    const before = await world.observeWith(w, vpc, owner);
    const rtb = vpc.privateRouteTableIds[0]!;
    const first = planOf(
      [
        { ...b("route"), kind: "DeleteRoute", routeTableId: rtb, destination: "0.0.0.0/0", before: id(K.nat) },
        { ...b("nat"), kind: "DeleteNatGateway", natGatewayId: id(K.nat) },
        { ...b("dkr"), kind: "DeleteEndpoint", endpointId: id(K.dkr) },
        { ...b("s3"), kind: "DeleteEndpoint", endpointId: id(K.s3) },
      ],
      [["nat", "route"]],
    );
    expect((await world.applyWith(w, vpc, owner, first)).map((r) => r.outcome)).toEqual([
      "done",
      "done",
      "done",
      "done",
    ]);
    // Deletion never waits inside apply: the NAT gateway is `deleting` until a later reconcile sees it gone.
    await settled(w.target, async () => expect(await world.natGatewaysIn(w.raw, vpc.vpcId)).toEqual([]));
    await settled(w.target, async () => expect(await world.endpointsIn(w.raw, vpc.vpcId)).toEqual([]));

    const second = planOf([
      { ...b("eip"), kind: "ReleaseAddress", allocationId: id(K.eip) },
      { ...b("sg"), kind: "DeleteSecurityGroup", groupId: id(K.sg) },
    ]);
    expect((await world.applyWith(w, vpc, owner, second)).map((r) => r.outcome)).toEqual(["done", "done"]);

    expect(await world.addressesTagged(w.raw, TagKey.OwnerUid, owner.uid)).toEqual([]);
    expect(await world.groupsNamed(w.raw, vpc.vpcId, securityGroupName(owner))).toEqual([]);
    const routes = await world.routesOf(w.raw, rtb);
    expect(routes.filter((r) => r.DestinationCidrBlock === "0.0.0.0/0" || r.DestinationPrefixListId)).toEqual([]);

    // A crash-retry of both plans against the old snapshot: everything is already gone, which is success.
    const again = [
      ...(await world.applyWith(w, vpc, owner, first, { observed: before })),
      ...(await world.applyWith(w, vpc, owner, second, { observed: before })),
    ];
    expect(again.map((r) => r.outcome)).toEqual(["done", "done", "done", "done", "done", "done"]);
  });
});

describe("apply after a NAT gateway was deleted out of band", () => {
  it("points the blackholed default route at a replacement NAT gateway created in the same apply", async () => {
    const vpc = await world.freshVpc(w);
    const owner = world.anOwner();
    const created = await world.applyWith(w, vpc, owner, fullPlan(owner, vpc, w.target.region));
    const oldNat = world.idOf(created, K.nat);
    await w.raw.send(new DeleteNatGatewayCommand({ NatGatewayId: oldNat }));
    const rtb = vpc.privateRouteTableIds[0]!;
    await settled(w.target, async () => {
      const route = (await world.routesOf(w.raw, rtb)).find((r) => r.DestinationCidrBlock === "0.0.0.0/0");
      expect(route).toMatchObject({ NatGatewayId: oldNat, State: "blackhole" });
    });

    // Observe still sees the dead NAT (AWS keeps it visible as `deleted`), apart from the live ones.
    const observed = await world.observeWith(w, vpc, owner);
    expect(observed.natGateways.map((n) => n.id)).not.toContain(oldNat);
    expect(observed.deletedNatGateways?.map((n) => [n.id, n.state, n.owned])).toEqual([[oldNat, "deleted", true]]);

    // The replacement reuses the Elastic IP (released by the deleted NAT) as the next creation intent.
    const input = { subnetId: vpc.publicSubnetIds[0]!, eip: K.eip, replaces: oldNat };
    const plan = planOf([
      {
        ...b(K.nat),
        reason: "NatGatewayFailed",
        kind: "CreateNatGateway",
        subnetId: input.subnetId,
        allocationId: world.idOf(created, K.eip),
        clientToken: clientToken(owner.uid, key(K.nat), input),
        generation: 1,
        tags: ownerTags(owner, key(K.nat)),
      },
      {
        ...b(K.route),
        reason: "RouteBlackholed",
        kind: "ReplaceRoute",
        routeTableId: rtb,
        destination: "0.0.0.0/0",
        natGatewayId: { ref: key(K.nat) },
        before: `blackhole:${oldNat}`,
      },
    ]);
    const results = await world.applyWith(w, vpc, owner, plan);

    const newNat = world.idOf(results, K.nat);
    expect(newNat).not.toBe(oldNat);
    expect(results[1]).toEqual({ key: K.route, outcome: "done", id: rtb });
    const route = (await world.routesOf(w.raw, rtb)).find((r) => r.DestinationCidrBlock === "0.0.0.0/0");
    expect(route).toMatchObject({ NatGatewayId: newNat });
  });
});

describe("apply and EC2's eventual consistency", () => {
  itWithAdmin()(`retries a call that does not know a group created a moment ago ${NEEDS_ADMIN}`, async () => {
    const vpc = await world.freshVpc(w);
    const owner = world.anOwner();
    const full = fullPlan(owner, vpc, w.target.region);
    const plan = planOf(full.actions.filter((a) => a.key === K.sg || a.key === K.ingress));
    w.target.sandbox!.admin.setFaults({
      failNext: [{ operation: "AuthorizeSecurityGroupIngress", code: "InvalidGroup.NotFound", status: 400 }],
    });
    const calls: AwsCallRecord[] = [];

    const results = await world.applyWith(w, vpc, owner, plan, {
      consistencyRetry: { retries: 2, minTimeoutMs: 10 },
      onCall: (c) => calls.push(c),
    });

    expect(results.map((r) => r.outcome)).toEqual(["done", "done"]);
    expect(await world.ingressOf(w.raw, world.idOf(results, K.sg))).toHaveLength(2);
    const authorize = calls.filter((c) => c.operation === "AuthorizeSecurityGroupIngress");
    expect(authorize.map((c) => [c.outcome, c.errorCode])).toEqual([
      ["error", "InvalidGroup.NotFound"],
      ["ok", undefined],
    ]);
  });

  it("does not retry a not-found id that the plan did not just create", async () => {
    const vpc = await world.freshVpc(w);
    const owner = world.anOwner();
    const groupId = "sg-0123456789abcdef0";
    const observed = await world.observeWith(w, vpc, owner);
    // The snapshot claims the group is ours, so the ownership re-check passes and EC2 answers.
    const fake = { id: groupId, owned: true, component: null, tags: {}, groupName: "x", vpcId: vpc.vpcId, rules: [] };
    const rule = {
      key: key("r"),
      protocol: "tcp" as const,
      fromPort: 443,
      toPort: 443,
      cidr: "10.0.10.0/24",
      description: "r",
    };
    const plan = planOf([{ ...b("rules"), kind: "AuthorizeIngress", groupId, rules: [rule] }]);
    const calls: AwsCallRecord[] = [];
    const results = await world.applyWith(w, vpc, owner, plan, {
      observed: { ...observed, securityGroups: [fake] },
      onCall: (c) => calls.push(c),
    });
    expect(results).toEqual([
      {
        key: "rules",
        outcome: "failed",
        error: expect.objectContaining({ class: "notFound", code: "InvalidGroup.NotFound" }),
      },
    ]);
    expect(calls.filter((c) => c.operation === "AuthorizeSecurityGroupIngress")).toHaveLength(1);
  });
});
