/**
 * Deleting an object whose spec no longer validates (a schema tightened after it was created, say) still
 * tears down what it created, found by its owner tags; with Retain it leaves AWS alone.
 */
import { freshVpc, natEgress, network, ownedWorld, reconcileUntilDone, startWorld, type World } from "./world.js";

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w.close();
});

const invalidated = (spec: unknown, extra: Record<string, unknown>) => ({
  ...(spec as Record<string, unknown>),
  privateSubnets: { ...((spec as { privateSubnets: object }).privateSubnets ?? {}), selector: { tags: { tier: "x" } } },
  ...extra,
});

it("deletes everything the object owns in its VPC even though its spec is now invalid", async () => {
  const vpc = await freshVpc(w);
  const m = network(vpc, natEgress(vpc));
  expect((await reconcileUntilDone(w, m)).end).toBe("ready");
  const broken = { ...m, rawSpec: invalidated(m.rawSpec, {}) };
  const { end, outcome } = await reconcileUntilDone(w, broken, { deleting: true });
  expect(end).toBe("deleted");
  expect(outcome.status.conditions?.find((c) => c.type === "Stalled")?.reason).toBe("InvalidSpec");
  const world = await ownedWorld(w, vpc.vpcId, m.owner.uid);
  expect({
    endpoints: world.endpoints.length,
    nats: world.natGateways.length,
    sgs: world.securityGroups.length,
    eips: world.addresses.length,
  }).toEqual({
    endpoints: 0,
    nats: 0,
    sgs: 0,
    eips: 0,
  });
});

it("leaves AWS as it is when the invalid spec says Retain", async () => {
  const vpc = await freshVpc(w);
  const m = network(vpc);
  expect((await reconcileUntilDone(w, m)).end).toBe("ready");
  const broken = { ...m, rawSpec: invalidated(m.rawSpec, { deletionPolicy: "Retain" }) };
  expect((await reconcileUntilDone(w, broken, { deleting: true })).end).toBe("deleted");
  expect((await ownedWorld(w, vpc.vpcId, m.owner.uid)).endpoints.length).toBe(4);
});
