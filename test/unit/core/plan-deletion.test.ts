import { describe, expect, it } from "@jest/globals";
import type { Plan } from "../../../operator/core/actions.js";
import { computeDesired } from "../../../operator/core/desired.js";
import { planDeletion } from "../../../operator/core/plan-deletion.js";
import { waves } from "../../../operator/core/waves.js";
import { addForeign } from "../../fixtures/drift.js";
import { aNetworkSpec, aTopology, natEgress, OWNER } from "../../fixtures/network.js";
import { worldFrom } from "../../fixtures/observed-from.js";
import { applyPlan, observe, settle, type World } from "../../fixtures/simulate.js";

const topology = aTopology({ privatePerAz: [1, 1], layout: "perAz", publicAzs: [0, 1] });
const d = computeDesired({
  owner: OWNER,
  spec: aNetworkSpec(topology, { egress: natEgress(topology) }),
  region: topology.region,
  topology,
  contributions: [],
});
const del = (w: World): Plan => planDeletion(d, observe(w, OWNER), OWNER, "Delete");
const kindsByWave = (p: Plan): string[][] => waves(p).map((x) => [...new Set(x.map((a) => a.kind))].sort());

describe("planDeletion", () => {
  it("deletes default routes to our NATs before the NATs, and endpoints before anything waits on them", () => {
    const p = del(worldFrom(d, topology));
    expect(kindsByWave(p)).toEqual([["DeleteEndpoint", "DeleteRoute"], ["DeleteNatGateway"]]);
    expect(p.pending.map((x) => x.reason).sort()).toEqual([
      "ElasticIpHeldByNat",
      "ElasticIpHeldByNat",
      "SecurityGroupInUse",
    ]);
  });
  it("releases an EIP only after its NAT is deleted, and the security group only after the endpoints are gone", () => {
    const w = worldFrom(d, topology);
    applyPlan(w, del(w));
    const waiting = del(w);
    expect(waiting.actions).toEqual([]);
    expect(new Set(waiting.pending.map((x) => x.reason))).toEqual(
      new Set(["NatGatewayDeleting", "ElasticIpHeldByNat", "EndpointDeleting", "SecurityGroupInUse"]),
    );
    settle(w);
    const last = del(w);
    expect(last.actions.map((a) => a.kind).sort()).toEqual(["DeleteSecurityGroup", "ReleaseAddress", "ReleaseAddress"]);
    applyPlan(w, last);
    expect(del(w)).toEqual({ actions: [], dependsOn: new Map(), pending: [], blocked: [] });
  });
  it("never touches resources that are not ours, and leaves other default routes alone", () => {
    const w = worldFrom(d, topology);
    addForeign(w, {
      endpoint: { service: "ssm", privateDns: false },
      s3: false,
      tgwRoute: false,
      nat: true,
      blackhole: false,
    });
    const theirs = [
      ...w.endpoints.filter((e) => !e.tags["ecsnet.dev/owner-uid"]).map((e) => e.id),
      w.natGateways.at(-1)!.id,
      w.addresses.at(-1)!.allocationId,
      "rtb-00000000public0",
    ];
    for (const a of del(w).actions) for (const id of theirs) expect(JSON.stringify(a)).not.toContain(id);
  });
  it("blocks deleting our security group while someone else's endpoint uses it", () => {
    const w = worldFrom(d, topology);
    const sg = w.securityGroups[0]!.id;
    w.endpoints.push({
      id: "vpce-0foreign000000001",
      type: "Interface",
      serviceName: "com.amazonaws.us-east-1.sts",
      state: "available",
      subnetIds: [],
      securityGroupIds: [sg],
      routeTableIds: [],
      privateDns: false,
      policy: null,
      tags: {},
      createdAt: "x",
    });
    expect(del(w).blocked).toEqual([expect.objectContaining({ reason: "SecurityGroupInUse", resourceId: sg })]);
  });
  it("leaves AWS untouched with deletionPolicy Retain", () => {
    expect(planDeletion(d, observe(worldFrom(d, topology), OWNER), OWNER, "Retain")).toEqual({
      actions: [],
      dependsOn: new Map(),
      pending: [],
      blocked: [],
    });
  });
  it("works without a desired network (an invalid spec at deletion time)", () => {
    expect(planDeletion(null, observe(worldFrom(d, topology), OWNER), OWNER, "Delete").actions.length).toBeGreaterThan(
      0,
    );
  });
});
