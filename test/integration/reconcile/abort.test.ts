/**
 * A reconcile told to stop (its instance lost the Lease, or is shutting down) starts no AWS mutation:
 * another instance may already lead.
 */
import { withAbortSignal } from "../../../operator/aws/abort-scope.js";
import { reconcileNetwork } from "../../../operator/controllers/reconcile-network.js";
import { freshVpc, natEgress, network, ownedWorld, startWorld, type World } from "./world.js";

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w.close();
});

it("starts no mutation once its signal is aborted, and reports every planned action as not started", async () => {
  const vpc = await freshVpc(w);
  const m = network(vpc, natEgress(vpc));
  const stop = new AbortController();
  stop.abort();
  const out = await reconcileNetwork(w.deps(), {
    owner: m.owner,
    generation: 1,
    rawSpec: m.rawSpec,
    prevStatus: undefined,
    contributions: [],
    deleting: false,
    dryRun: false,
    signal: stop.signal,
  });
  expect(out.plan!.actions.length).toBeGreaterThan(0);
  expect(out.results.filter((r) => r.outcome === "done")).toEqual([]);
  const outcomes = out.results.map((r) => (r.outcome === "failed" ? r.error.code : r.outcome));
  expect(outcomes).toContain("Aborted");
  expect(outcomes.filter((o) => o !== "Aborted" && o !== "skipped")).toEqual([]);
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

it("sends no AWS request at all from inside an aborted reconcile's scope, reads included", async () => {
  const stop = new AbortController();
  stop.abort();
  w.target.sandbox?.admin.resetCalls();
  await expect(
    withAbortSignal(stop.signal, () => w.ec2.describeVpcEndpoints({ vpcId: "vpc-0123456789abcdef0" })),
  ).rejects.toMatchObject({ name: "AbortError" });
  if (w.target.sandbox) expect(w.target.sandbox.admin.calls()).toEqual({});
  // Outside the scope the same call goes through.
  await expect(w.ec2.describeVpcEndpoints({ vpcId: "vpc-0123456789abcdef0" })).resolves.toEqual([]);
});
