import { describe, expect, it } from "@jest/globals";
import { TagKey } from "../../../operator/api/group.js";
import type { Action, Plan } from "../../../operator/core/actions.js";
import { computeDesired, type NetworkSpec } from "../../../operator/core/desired.js";
import type { DesiredNetwork } from "../../../operator/core/model.js";
import { plan } from "../../../operator/core/plan.js";
import { missingReferences } from "../../../operator/core/references.js";
import { aNetworkSpec, aTopology, natEgress, OWNER } from "../../fixtures/network.js";
import { worldFrom } from "../../fixtures/observed-from.js";
import { applyPlan, observe, settle, type World } from "../../fixtures/simulate.js";

const topology = aTopology({ privatePerAz: [1, 1], layout: "perSubnet", publicAzs: [0, 1] });
const desired = (over: Partial<NetworkSpec> = {}): DesiredNetwork =>
  computeDesired({
    owner: OWNER,
    spec: aNetworkSpec(topology, over),
    region: topology.region,
    topology,
    contributions: [],
  });
const only = <K extends Action["kind"]>(p: Plan, kind: K): Extract<Action, { kind: K }>[] =>
  p.actions.filter((a): a is Extract<Action, { kind: K }> => a.kind === kind);
const allTags = (w: World) => [
  ...w.endpoints.map((e) => e.tags),
  ...w.natGateways.map((n) => n.tags),
  ...w.securityGroups.filter((g) => g.tags[TagKey.OwnerUid]).map((g) => g.tags),
  ...w.addresses.map((a) => a.tags),
];
const owned = (w: World) =>
  [...w.endpoints, ...w.natGateways, ...w.securityGroups, ...w.addresses].filter(
    (r) => r.tags[TagKey.OwnerUid] === OWNER.uid,
  ).length;

describe("tags of owned resources", () => {
  const before = desired({ tags: { team: "a", cost: "1" }, egress: natEgress(topology) });

  it("adds, changes and removes spec.tags on every owned resource in one call per change, then is converged", () => {
    const w = worldFrom(before, topology);
    const after = desired({ tags: { team: "b", owner: "x" }, egress: natEgress(topology) });
    const p = plan(after, observe(w, OWNER));
    const [set] = only(p, "TagResources");
    const [remove] = only(p, "UntagResources");
    expect(p.actions.map((a) => `${a.kind}:${a.reason}`).sort()).toEqual([
      "TagResources:TagsDrifted",
      "UntagResources:TagsDrifted",
    ]);
    expect(set!.tags).toEqual({ team: "b", owner: "x", [TagKey.UserTagKeys]: "owner,team" });
    expect(remove!.keys).toEqual(["cost"]);
    expect(set!.resourceIds).toHaveLength(owned(w));
    applyPlan(w, p);
    settle(w);
    for (const t of allTags(w)) expect([t.team, t.owner, t.cost]).toEqual(["b", "x", undefined]);
    expect(plan(after, observe(w, OWNER)).actions).toEqual([]);
  });

  it("never removes a tag someone else added, and puts back ours when someone changed it", () => {
    const w = worldFrom(before, topology);
    const ep = w.endpoints[0]!;
    ep.tags = { ...ep.tags, team: "someone", backup: "daily" };
    const p = plan(before, observe(w, OWNER));
    expect(only(p, "UntagResources")).toEqual([]);
    expect(only(p, "TagResources")).toEqual([
      expect.objectContaining({ reason: "TagsDrifted", resourceIds: [ep.id], tags: { team: "a" } }),
    ]);
    applyPlan(w, p);
    expect(w.endpoints[0]!.tags.backup).toBe("daily");
  });

  it("removes every spec tag and the list of them when spec.tags becomes empty", () => {
    const w = worldFrom(before, topology);
    const p = plan(desired({ tags: {}, egress: natEgress(topology) }), observe(w, OWNER));
    expect(only(p, "UntagResources").map((a) => a.keys)).toEqual([["cost", TagKey.UserTagKeys, "team"].sort()]);
  });
});

describe("references checked before any mutation", () => {
  it("blocks the whole plan, with zero actions, when a task security group does not exist", () => {
    const d = desired({
      securityGroup: {
        allowFromPrivateSubnets: true,
        allowFromCidrs: [],
        allowFromSecurityGroupIds: ["sg-0c000000000000001"],
      },
      egress: natEgress(topology),
    });
    const cold = { ...observe(worldFrom(desired(), topology), OWNER), securityGroupIds: ["sg-0aaaaaaaaaaaaaaa1"] };
    const p = plan(d, { ...cold, securityGroups: [], endpoints: [], natGateways: [], addresses: [] });
    expect(p.actions).toEqual([]);
    expect(p.blocked).toEqual([
      expect.objectContaining({ reason: "SecurityGroupNotFound", resourceId: "sg-0c000000000000001" }),
    ]);
    expect(p.blocked[0]!.message).toMatch(/allowFromSecurityGroupIds.*remove it from the spec/);
  });

  it("accepts a task security group that exists in the VPC", () => {
    const d = desired({
      securityGroup: {
        allowFromPrivateSubnets: true,
        allowFromCidrs: [],
        allowFromSecurityGroupIds: ["sg-0c000000000000001"],
      },
    });
    const o = { ...observe(worldFrom(d, topology), OWNER), securityGroupIds: ["sg-0c000000000000001"] };
    expect(missingReferences(d, o)).toEqual([]);
  });

  it("blocks on a given Elastic IP that does not exist or belongs to another ecsnet object", () => {
    const d = desired({
      egress: natEgress(topology, {
        elasticIpAllocationIds: ["eipalloc-0000000000000000a", "eipalloc-0000000000000000b"],
      }),
    });
    const o = observe(worldFrom(desired(), topology), OWNER);
    const other = {
      id: "eipalloc-0000000000000000b",
      allocationId: "eipalloc-0000000000000000b",
      publicIp: "198.51.100.9",
      owned: false,
      component: null,
      tags: { [TagKey.OwnerUid]: "someone-else" },
    };
    const blocked = missingReferences(d, { ...o, addresses: [other] });
    expect(blocked.map((b) => [b.reason, b.resourceId])).toEqual([
      ["ElasticIpNotFound", "eipalloc-0000000000000000a"],
      ["ElasticIpNotOurs", "eipalloc-0000000000000000b"],
    ]);
  });
});
