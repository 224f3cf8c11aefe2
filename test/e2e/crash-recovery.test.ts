/**
 * "Create as if you will crash right after": the real `ecsnet run` killed with SIGKILL in the middle of
 * making a network (NAT gateways still pending), and a fresh process finishing the job. Nothing may be
 * made twice: ClientTokens and the lookup by owner tag must find what the dead process started.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { PEN, conditionOf, eventually, spawnOperator, startE2eWorld, type E2eWorld } from "../helpers/operator.js";
import { getNetwork, networkManifest, owned, viewVpc } from "./aws-world.js";

let world: E2eWorld;

beforeAll(async () => {
  // NAT gateways stay pending for a while, so the kill lands while the work is half done.
  world = await startE2eWorld({ aws: { delays: { natGatewayAvailableMs: 2_500, endpointAvailableMs: 1_000 } } });
});

afterAll(async () => {
  await world?.close();
});

describe("an operator killed half-way through", () => {
  it("leaves work that a new process finishes without making anything twice", async () => {
    const name = "half-made";
    const vpc = await world.newVpc();
    const first = await spawnOperator(world, { identity: "first" });
    await world.kube.create({ resource: PEN, body: networkManifest(world, name, vpc, { egress: "NatGateway" }) });
    const uid = await eventually(
      async () => {
        const n = await getNetwork(world, name);
        const m = owned(await viewVpc(world, vpc.vpcId, { includeDeleting: true }), n?.metadata.uid ?? "-");
        if (m.natGateways.length === 0) throw new Error("no NAT gateway started yet");
        return n!.metadata.uid!;
      },
      { what: "the first process has started a NAT gateway", intervalMs: 20 },
    );
    first.child.kill("SIGKILL");
    await first.exited;
    const midway = owned(await viewVpc(world, vpc.vpcId, { includeDeleting: true }), uid);
    expect(midway.natGateways.some((g) => g.State === "pending")).toBe(true);

    await spawnOperator(world, { identity: "second" });
    const n = await eventually(
      async () => {
        const got = await getNetwork(world, name);
        if (conditionOf(got, "Ready")?.status !== "True") throw new Error("not Ready yet");
        return got!;
      },
      { what: "the second process makes the network Ready" },
    );
    const view = await viewVpc(world, vpc.vpcId, { includeDeleting: true });
    const mine = owned(view, uid);
    // Exactly one of each: no NAT gateway, Elastic IP, endpoint or security group made twice.
    expect(mine.natGateways.map((g) => g.SubnetId).sort()).toEqual([...vpc.publicSubnetIds].sort());
    expect(mine.addresses).toHaveLength(2);
    expect(mine.securityGroups).toHaveLength(1);
    expect(mine.endpoints).toHaveLength(4);
    expect(n.status?.natGateways?.map((g) => g.id).sort()).toEqual(mine.natGateways.map((g) => g.NatGatewayId).sort());
    // The NAT gateways the dead process started are the ones in use.
    for (const g of midway.natGateways) expect(mine.natGateways.map((x) => x.NatGatewayId)).toContain(g.NatGatewayId);
  });
});
