/**
 * The real `ecsnet run` when the world misbehaves or the input is wrong: watch connections dropped and
 * compacted away (410) while a spec changes, status writes answered 409, a spec the API server refuses,
 * and a spec that passes the schema but contradicts the VPC (Stalled, and nothing touched in AWS).
 */
import { CreateVpcEndpointCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { KubeApiError } from "../../operator/kube/client.js";
import type { TwoAzVpc } from "../helpers/aws-sandbox.js";
import {
  NEEDS_SANDBOX,
  PEN,
  conditionOf,
  eventsFor,
  eventually,
  itWithSandbox,
  metricValue,
  spawnOperator,
  startE2eWorld,
  type E2eWorld,
  type OperatorProcess,
} from "../helpers/operator.js";
import { defaultRoute, getNetwork, networkManifest, readyNetwork, owned, shortName, viewVpc } from "./aws-world.js";

let world: E2eWorld;
let op: OperatorProcess;

beforeAll(async () => {
  world = await startE2eWorld();
  op = await spawnOperator(world);
});

afterAll(async () => {
  await world?.close();
});

describe("input the operator must refuse", () => {
  it("is rejected by the API server when egress NatGateway names no public subnets", async () => {
    const vpc = await world.newVpc();
    const body = networkManifest(world, "no-public-subnets", vpc);
    (body as unknown as { spec: { egress: unknown } }).spec.egress = { mode: "NatGateway" };
    const err = await world.kube.create({ resource: PEN, body }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).status).toBe(422);
    // The API server's own words, as kubectl would print them.
    expect(JSON.stringify((err as Error).cause)).toMatch(/publicSubnetIds/);
    expect(await getNetwork(world, "no-public-subnets")).toBeUndefined();
  });

  it("stalls, with a reason a person can act on, when a 'private' subnet is public, and changes nothing in AWS", async () => {
    const name = "public-as-private";
    const vpc = await world.newVpc();
    const publicId = vpc.publicSubnetIds[0]!;
    world.awsSandbox?.admin.resetCalls();
    await world.kube.create({
      resource: PEN,
      body: networkManifest(world, name, vpc, { privateSubnetIds: [vpc.privateSubnetIds[0]!, publicId] }),
    });
    const n = await eventually(
      async () => {
        const got = await getNetwork(world, name);
        if (conditionOf(got, "Stalled")?.status !== "True") throw new Error("not Stalled yet");
        return got!;
      },
      { what: `${name} is Stalled` },
    );
    const stalled = conditionOf(n, "Stalled")!;
    expect(stalled.reason).toBe("SubnetNotPrivate");
    expect(stalled.message).toContain(publicId);
    expect(stalled.message).toMatch(/internet gateway/);
    expect(conditionOf(n, "Ready")?.status).toBe("False");
    expect(stalled.observedGeneration).toBe(n.metadata.generation);

    // Nothing was made for it, and (in the sandbox) no mutating call was even sent.
    const mine = owned(await viewVpc(world, vpc.vpcId), n.metadata.uid!);
    expect(mine).toEqual({ endpoints: [], natGateways: [], securityGroups: [], addresses: [] });
    if (world.awsSandbox) {
      const mutations = Object.keys(world.awsSandbox.admin.calls()).filter((op) =>
        /^(Create|Allocate|Authorize|Modify|Associate|Replace|Delete|Release|Revoke)/.test(op),
      );
      expect(mutations).toEqual([]);
    }
    const events = await eventsFor(world, name);
    expect(events.some((e) => e.type === "Warning" && e.reason === "Stalled")).toBe(true);

    // Fixing the spec is all it takes.
    await world.kube.jsonPatch({
      resource: PEN,
      namespace: world.namespace,
      name,
      ops: [{ op: "replace", path: "/spec/privateSubnets/ids", value: vpc.privateSubnetIds }],
    });
    const fixed = await readyNetwork(world, name, n.metadata.generation! + 1);
    expect(conditionOf(fixed, "Stalled")?.status).toBe("False");
  });
});

describe("an endpoint that is not ours", () => {
  it("is reported as a conflict and left alone, until the spec asks to adopt it", async () => {
    const name = "foreign-endpoint";
    const vpc = await world.newVpc();
    // Someone else's ecr.dkr endpoint, with private DNS: ours could not coexist with it.
    const foreign = await world.ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: vpc.vpcId,
        VpcEndpointType: "Interface",
        ServiceName: `com.amazonaws.${world.region}.ecr.dkr`,
        SubnetIds: [vpc.privateSubnetIds[0]!],
        PrivateDnsEnabled: true,
        TagSpecifications: [{ ResourceType: "vpc-endpoint", Tags: [{ Key: "team", Value: "platform" }] }],
      }),
    );
    const foreignId = foreign.VpcEndpoint!.VpcEndpointId!;
    await world.kube.create({ resource: PEN, body: networkManifest(world, name, vpc) });
    const n = await eventually(
      async () => {
        const got = await getNetwork(world, name);
        if (!JSON.stringify(got?.status?.conditions ?? []).includes(foreignId))
          throw new Error("conflict not reported");
        return got!;
      },
      { what: "the conflict is reported on the status" },
    );
    expect(conditionOf(n, "Ready")?.status).toBe("False");
    const events = await eventually(
      async () => {
        const ev = (await eventsFor(world, name)).filter((e) => e.reason === "Conflict");
        if (ev.length === 0) throw new Error("no Conflict event");
        return ev;
      },
      { what: "a Conflict event is recorded" },
    );
    expect(events[0]!.type).toBe("Warning");
    expect(events[0]!.message).toContain(foreignId);
    const untouched = (await viewVpc(world, vpc.vpcId)).endpoints.find((e) => e.VpcEndpointId === foreignId);
    expect(untouched?.Tags).toEqual([{ Key: "team", Value: "platform" }]);
    expect(untouched?.PrivateDnsEnabled).toBe(true);

    await world.kube.jsonPatch({
      resource: PEN,
      namespace: world.namespace,
      name,
      ops: [{ op: "add", path: "/spec/endpoints/adoptExisting", value: true }],
    });
    const adopted = await readyNetwork(world, name, n.metadata.generation! + 1);
    const mine = owned(await viewVpc(world, vpc.vpcId), adopted.metadata.uid!);
    const dkr = mine.endpoints.filter((e) => shortName(e, world.region) === "ecr.dkr");
    expect(dkr.map((e) => e.VpcEndpointId)).toEqual([foreignId]);
    expect(dkr[0]!.Tags).toEqual(expect.arrayContaining([{ Key: "team", Value: "platform" }]));
  });
});

describe("a Kubernetes API that drops, forgets and refuses", () => {
  const name = "flaky-api";
  let vpc: TwoAzVpc;

  beforeAll(async () => {
    vpc = await world.newVpc();
    await world.kube.create({ resource: PEN, body: networkManifest(world, name, vpc, { egress: "None" }) });
    await readyNetwork(world, name, 1);
  });

  /** The JSON patch op that switches the network to one NAT gateway, in the first public subnet. */
  const singleNat = () => ({
    op: "replace" as const,
    path: "/spec/egress",
    value: { mode: "NatGateway", natGateway: { placement: "Single", publicSubnetIds: [vpc.publicSubnetIds[0]] } },
  });

  /** Add `service` to the network's extra endpoints. */
  const addExtra = async (services: string[]) =>
    world.kube.jsonPatch({
      resource: PEN,
      namespace: world.namespace,
      name,
      ops: [{ op: "add", path: "/spec/endpoints/extra", value: services }],
    });

  itWithSandbox(
    `still reconciles a spec change made while the watch connection was down ${NEEDS_SANDBOX}`,
    async () => {
      const before = (await getNetwork(world, name))!;
      world.kubeSandbox!.admin.dropWatches({ abrupt: true });
      await addExtra(["ssm"]);
      const n = await readyNetwork(world, name, before.metadata.generation! + 1);
      expect(n.status?.endpoints?.map((e) => e.service)).toContain("ssm");
    },
  );

  itWithSandbox(
    `still reconciles a spec change made while the watch history was compacted away (410) ${NEEDS_SANDBOX}`,
    async () => {
      const before = (await getNetwork(world, name))!;
      // Keep the watch down (its reconnects fail) while the spec changes and the history is compacted:
      // resuming from the informer's last resourceVersion then gets 410 Gone, and only a relist can bring
      // the change back.
      const restarts = async () =>
        metricValue((await op.http("/metrics")).body, "ecsnet_informer_restarts_total", {
          resource: "privateecsnetworks",
        }) ?? 0;
      const restartsBefore = await restarts();
      const admin = world.kubeSandbox!.admin;
      admin.failNext({ verb: "watch", resource: "privateecsnetworks", status: 500, count: 2 });
      admin.dropWatches();
      await addExtra(["ssm", "ssmmessages"]);
      admin.compact();
      const n = await readyNetwork(world, name, before.metadata.generation! + 1);
      expect(n.status?.endpoints?.map((e) => e.service)).toContain("ssmmessages");
      const mine = owned(await viewVpc(world, vpc.vpcId), n.metadata.uid!);
      expect(mine.endpoints.map((e) => shortName(e, world.region))).toContain("ssmmessages");
      // It got there by restarting its list/watch, not by luck.
      expect(await restarts()).toBeGreaterThan(restartsBefore);
    },
  );

  itWithSandbox(
    `switches egress None → NatGateway despite two 409s on its status writes ${NEEDS_SANDBOX}`,
    async () => {
      const before = (await getNetwork(world, name))!;
      const requeuesBefore =
        metricValue((await op.http("/metrics")).body, "ecsnet_reconcile_total", { result: "requeue" }) ?? 0;
      world.kubeSandbox!.admin.failNext({
        verb: "patch",
        resource: "privateecsnetworks",
        subresource: "status",
        status: 409,
        count: 2,
      });
      await world.kube.jsonPatch({
        resource: PEN,
        namespace: world.namespace,
        name,
        ops: [singleNat()],
      });
      const n = await readyNetwork(world, name, before.metadata.generation! + 1);
      const view = await viewVpc(world, vpc.vpcId);
      const nats = owned(view, n.metadata.uid!).natGateways;
      expect(nats).toHaveLength(1);
      expect(nats[0]!.SubnetId).toBe(vpc.publicSubnetIds[0]);
      for (const rtb of vpc.privateRouteTableIds)
        expect(defaultRoute(view, rtb)?.NatGatewayId).toBe(nats[0]!.NatGatewayId);
      // The conflicts were answered with quiet requeues, not errors.
      const metrics = (await op.http("/metrics")).body;
      expect(metricValue(metrics, "ecsnet_reconcile_total", { result: "requeue" })).toBeGreaterThanOrEqual(
        requeuesBefore + 2,
      );
    },
  );

  it("switches egress NatGateway → None: routes, NAT gateways and Elastic IPs go, and the status forgets them", async () => {
    if (!(await getNetwork(world, name))!.status?.natGateways?.length) {
      // Against a real target the 409 case was skipped: give it its NAT gateway first.
      await world.kube.jsonPatch({ resource: PEN, namespace: world.namespace, name, ops: [singleNat()] });
      await readyNetwork(world, name);
    }
    const before = (await getNetwork(world, name))!;
    expect(before.status?.natGateways).toHaveLength(1);
    await world.kube.jsonPatch({
      resource: PEN,
      namespace: world.namespace,
      name,
      ops: [{ op: "replace", path: "/spec/egress", value: { mode: "None" } }],
    });
    await eventually(
      async () => {
        const m = owned(await viewVpc(world, vpc.vpcId), before.metadata.uid!);
        if (m.natGateways.length > 0 || m.addresses.length > 0) throw new Error("NAT gateway or EIP still there");
      },
      { what: "the NAT gateway and its Elastic IP are gone" },
    );
    const n = await readyNetwork(world, name, before.metadata.generation! + 1);
    expect(n.status?.natGateways ?? []).toEqual([]);
    expect(n.status?.routes ?? []).toEqual([]);
    const view = await viewVpc(world, vpc.vpcId);
    for (const rtb of vpc.privateRouteTableIds) expect(defaultRoute(view, rtb)).toBeUndefined();
  });
});
