import { describe, expect, it } from "@jest/globals";
import type { Action, Plan } from "../../../operator/core/actions.js";
import { computeDesired, type NetworkSpec } from "../../../operator/core/desired.js";
import type { DesiredNetwork } from "../../../operator/core/model.js";
import { plan } from "../../../operator/core/plan.js";
import { waves } from "../../../operator/core/waves.js";
import { converge } from "../../fixtures/converge.js";
import { addForeign, applyDrift } from "../../fixtures/drift.js";
import { aNetworkSpec, aTopology, natEgress, OWNER, privateSubnetId, publicSubnetId } from "../../fixtures/network.js";
import { givenAddresses, givenGroups, worldFrom } from "../../fixtures/observed-from.js";
import { applyPlan, emptyWorld, observe, settle, type World } from "../../fixtures/simulate.js";

const topology = aTopology({ privatePerAz: [2, 1], layout: "perSubnet", publicAzs: [0, 1] });
const desired = (over: Partial<NetworkSpec> = {}): DesiredNetwork =>
  computeDesired({
    owner: OWNER,
    spec: aNetworkSpec(topology, over),
    region: topology.region,
    topology,
    contributions: [],
  });
const kinds = (p: Plan): string[] => p.actions.map((a) => `${a.kind}:${a.reason}`);
const only = <K extends Action["kind"]>(p: Plan, kind: K): Extract<Action, { kind: K }>[] =>
  p.actions.filter((a): a is Extract<Action, { kind: K }> => a.kind === kind);
/** A converged world for `d`, changed by `mutate`, then planned. */
const planAfter = (d: DesiredNetwork, mutate: (w: World) => void): Plan => {
  const w = worldFrom(d, topology);
  mutate(w);
  return plan(d, observe(w, OWNER));
};
const cold = (d: DesiredNetwork, mutate: (w: World) => void = () => {}): World => {
  const w = emptyWorld(topology);
  givenGroups(w, d);
  givenAddresses(w, d);
  mutate(w);
  return w;
};
/** One reconcile then time passing; returns the plan that ran. */
const step = (w: World, d: DesiredNetwork): Plan => {
  const p = plan(d, observe(w, OWNER));
  applyPlan(w, p);
  settle(w);
  return p;
};

describe("security group", () => {
  it("creates the group and authorizes tcp/443 from every private subnet, by reference", () => {
    const d = desired();
    const p = plan(d, observe(cold(d), OWNER));
    const auth = only(p, "AuthorizeIngress")[0]!;
    expect(auth.groupId).toEqual({ ref: "sg:endpoints" });
    expect(auth.rules.map((r) => r.cidr)).toEqual(topology.subnets.filter((s) => !s.isPublic).map((s) => s.cidr));
    expect(p.dependsOn.get(auth.key)).toContain("sg:endpoints");
  });
  it("revokes an extra 0.0.0.0/0 ingress rule someone added to our security group", () => {
    const p = planAfter(desired(), (w) => applyDrift(w, OWNER.uid, { kind: "addOpenRule", i: 0 }));
    expect(kinds(p)).toEqual(["RevokeRules:RuleNotDesired"]);
    expect(only(p, "RevokeRules")[0]!.egressRuleIds).toEqual([]);
  });
  it("authorizes a rule someone revoked from our security group", () => {
    const p = planAfter(desired(), (w) => applyDrift(w, OWNER.uid, { kind: "revokeRule", i: 1 }));
    expect(kinds(p)).toEqual(["AuthorizeIngress:RuleMissing"]);
    expect(only(p, "AuthorizeIngress")[0]!.rules).toHaveLength(1);
  });
  it("blocks when a security group with our name exists but is not ours", () => {
    const d = desired();
    const w = cold(d, (x) =>
      x.securityGroups.push({ id: "sg-0squatter0000001", groupName: d.securityGroup.groupName, tags: {}, rules: [] }),
    );
    const p = plan(d, observe(w, OWNER));
    expect(p.blocked).toEqual([expect.objectContaining({ reason: "NotOwned", resourceId: "sg-0squatter0000001" })]);
    expect(only(p, "CreateSecurityGroup")).toEqual([]);
    expect(only(p, "CreateInterfaceEndpoint")).toEqual([]);
  });
  it("never modifies given security groups: a missing rule is blocked with a message", () => {
    const d = desired({
      securityGroup: {
        groupIds: ["sg-0given0000000001"],
        allowFromPrivateSubnets: true,
        allowFromCidrs: [],
        allowFromSecurityGroupIds: [],
      },
    });
    const w = cold(d);
    w.securityGroups[0]!.rules = w.securityGroups[0]!.rules.slice(1);
    const p = plan(d, observe(w, OWNER));
    expect(p.blocked.map((b) => b.reason)).toEqual(["GivenSecurityGroupMissingRule"]);
    expect(p.actions.filter((a) => "groupId" in a)).toEqual([]);
  });
  it("accepts a given group whose VPC-wide rule covers every private subnet", () => {
    const d = desired({
      securityGroup: {
        groupIds: ["sg-0given0000000001"],
        allowFromPrivateSubnets: true,
        allowFromCidrs: [],
        allowFromSecurityGroupIds: [],
      },
    });
    const w = cold(d);
    w.securityGroups[0]!.rules = [
      { ruleId: "sgr-1", isEgress: false, protocol: "tcp", fromPort: 0, toPort: 65535, cidr: "10.0.0.0/16" },
    ];
    expect(plan(d, observe(w, OWNER)).blocked).toEqual([]);
  });
});

describe("interface endpoints", () => {
  it("blocks instead of adopting an unowned private-DNS endpoint", () => {
    const d = desired();
    const w = cold(d, (x) =>
      addForeign(x, {
        endpoint: { service: "ecr.dkr", privateDns: true },
        s3: false,
        tgwRoute: false,
        nat: false,
        blackhole: false,
      }),
    );
    const p = plan(d, observe(w, OWNER));
    expect(p.blocked).toEqual([expect.objectContaining({ key: "endpoint:ecr.dkr", reason: "PrivateDnsConflict" })]);
    expect(p.blocked[0]!.message).toMatch(/adoptExisting/);
    expect(only(p, "CreateInterfaceEndpoint").map((a) => a.key)).toEqual(["endpoint:ecr.api", "endpoint:logs"]);
  });
  it("adopts an unowned endpoint when adoptExisting is set: tags it first, then modifies it", () => {
    const d = desired({
      endpoints: { includeDefaults: true, extra: [], privateDns: true, adoptExisting: true, policies: {} },
    });
    const w = cold(d, (x) =>
      addForeign(x, {
        endpoint: { service: "ecr.dkr", privateDns: true },
        s3: false,
        tgwRoute: false,
        nat: false,
        blackhole: false,
      }),
    );
    const p = plan(d, observe(w, OWNER));
    const [tag] = only(p, "TagResource");
    const [modify] = only(p, "ModifyInterfaceEndpoint");
    expect(tag!.tags["ecsnet.dev/owner-uid"]).toBe(OWNER.uid);
    expect(modify!.endpointId).toBe(tag!.resourceId);
    expect(p.dependsOn.get(modify!.key)).toContain(tag!.key);
    expect(p.blocked).toEqual([]);
  });
  it("never adopts an endpoint another ecsnet object owns, even with adoptExisting", () => {
    const d = desired({
      endpoints: { includeDefaults: true, extra: [], privateDns: true, adoptExisting: true, policies: {} },
    });
    const w = cold(d, (x) =>
      addForeign(x, {
        endpoint: { service: "ecr.dkr", privateDns: true },
        s3: false,
        tgwRoute: false,
        nat: false,
        blackhole: false,
      }),
    );
    w.endpoints[0]!.tags = { "ecsnet.dev/owner-uid": "another-network-uid" };
    const p = plan(d, observe(w, OWNER));
    expect(only(p, "TagResource")).toEqual([]);
    expect(p.blocked).toEqual([
      expect.objectContaining({ reason: "PrivateDnsConflict", resourceId: w.endpoints[0]!.id }),
    ]);
  });
  it("creates ours next to an unowned endpoint that has no private DNS", () => {
    const d = desired();
    const w = cold(d, (x) =>
      addForeign(x, {
        endpoint: { service: "logs", privateDns: false },
        s3: false,
        tgwRoute: false,
        nat: false,
        blackhole: false,
      }),
    );
    expect(only(plan(d, observe(w, OWNER)), "CreateInterfaceEndpoint").map((a) => a.key)).toContain("endpoint:logs");
  });
  it("recreates a failed endpoint as the next creation intent after deleting it", () => {
    const d = desired();
    const p = planAfter(d, (w) => applyDrift(w, OWNER.uid, { kind: "endpointFailed", i: 0 }));
    const [del] = only(p, "DeleteEndpoint");
    const [create] = only(p, "CreateInterfaceEndpoint");
    expect(del!.reason).toBe("EndpointFailed");
    // Intent 0 made the failed one; its token would hand it back, so the re-create is intent 1 (ADR 0004).
    expect(create!.generation).toBe(1);
    expect(p.dependsOn.get(create!.key)).toContain(del!.key);
  });
  it("deletes the newer of two owned endpoints created for one service", () => {
    const d = desired();
    const p = planAfter(d, (w) => {
      const first = w.endpoints.find((e) => e.serviceName.endsWith(".logs"))!;
      w.endpoints.push({ ...structuredClone(first), id: "vpce-0zzzzzzzzzzzzzzzz", createdAt: "2026-02-01T00:00:00Z" });
    });
    expect(only(p, "DeleteEndpoint")).toEqual([
      expect.objectContaining({ endpointId: "vpce-0zzzzzzzzzzzzzzzz", reason: "DuplicateCreated" }),
    ]);
  });
  it("deletes owned endpoints for services no longer desired", () => {
    const p = planAfter(desired(), (w) => applyDrift(w, OWNER.uid, { kind: "strayOwnedEndpoint", i: 0 }));
    expect(kinds(p)).toEqual(["DeleteEndpoint:NotDesired"]);
  });
  it("waits for a pending endpoint instead of acting on it", () => {
    const p = planAfter(desired(), (w) => {
      w.endpoints[0]!.state = "pending";
      w.endpoints[0]!.privateDns = !w.endpoints[0]!.privateDns;
    });
    expect(p.actions).toEqual([]);
    expect(p.pending.map((x) => x.reason)).toEqual(["EndpointPending"]);
  });
  it("moves an endpoint to another subnet of the same AZ in one modify call (remove and add together)", () => {
    const p = planAfter(desired(), (w) => applyDrift(w, OWNER.uid, { kind: "swapSubnet", i: 0 }));
    const [m] = only(p, "ModifyInterfaceEndpoint");
    expect(m!.addSubnetIds).toEqual([privateSubnetId(0, 0)]);
    expect(m!.removeSubnetIds).toEqual([privateSubnetId(0, 1)]);
    expect(m!.reason).toBe("SubnetsDrifted");
  });
  it("turns private DNS back on and rewrites a changed policy in one modify call", () => {
    const p = planAfter(desired(), (w) => {
      applyDrift(w, OWNER.uid, { kind: "privateDnsOff", i: 0 });
      applyDrift(w, OWNER.uid, { kind: "policyChanged", i: 0 });
    });
    expect(only(p, "ModifyInterfaceEndpoint")).toEqual([expect.objectContaining({ privateDns: true, policy: null })]);
  });
});

describe("S3 gateway endpoint", () => {
  it("picks one subnet per AZ and still routes every private subnet's table to S3", () => {
    const d = desired();
    const p = plan(d, observe(cold(d), OWNER));
    for (const e of only(p, "CreateInterfaceEndpoint"))
      expect(e.subnetIds).toEqual([privateSubnetId(0, 0), privateSubnetId(1, 0)]);
    const [gw] = only(p, "CreateGatewayEndpoint");
    expect(gw!.routeTableIds).toEqual(
      topology.subnets
        .filter((s) => !s.isPublic)
        .map((s) => s.routeTableId)
        .sort(),
    );
  });
  it("adds back a route table someone removed, through the endpoint, never by writing a pl- route", () => {
    const p = planAfter(desired(), (w) => applyDrift(w, OWNER.uid, { kind: "removeS3Table", i: 0 }));
    expect(kinds(p)).toEqual(["ModifyGatewayEndpoint:RouteTablesDrifted"]);
    expect(p.actions.some((a) => "destination" in a && a.destination.startsWith("pl-"))).toBe(false);
  });
  it("leaves tables that are already on someone else's S3 gateway endpoint alone", () => {
    const d = desired();
    const w = cold(d, (x) => addForeign(x, { s3: true, tgwRoute: false, nat: false, blackhole: false }));
    const [gw] = only(plan(d, observe(w, OWNER)), "CreateGatewayEndpoint");
    expect(gw!.routeTableIds).not.toContain(topology.subnets[0]!.routeTableId);
  });
});

describe("NAT egress", () => {
  const nat = (over = {}) => desired({ egress: natEgress(topology, over) });

  it("allocates the EIP, creates the NAT with it by reference, and routes only once the NAT is available", () => {
    const d = nat();
    const w = cold(d);
    const first = step(w, d);
    const order = waves(first).map((wave) => wave.map((a) => a.kind));
    expect(order.findIndex((x) => x.includes("AllocateAddress"))).toBeLessThan(
      order.findIndex((x) => x.includes("CreateNatGateway")),
    );
    expect(only(first, "CreateNatGateway").every((a) => typeof a.allocationId === "object")).toBe(true);
    expect(only(first, "CreateRoute")).toEqual([]);
    expect(first.pending.some((x) => x.reason === "NatGatewayPending")).toBe(true);
    const second = step(w, d);
    expect(only(second, "CreateRoute")).toHaveLength(3);
    expect(plan(d, observe(w, OWNER)).actions).toEqual([]);
  });
  it("replaces 0.0.0.0/0 when it points at a blackholed NAT we owned", () => {
    const d = nat();
    const w = worldFrom(d, topology);
    applyDrift(w, OWNER.uid, { kind: "natDeletedOutOfBand", i: 0 });
    const first = step(w, d);
    expect(kinds(first)).toEqual(["CreateNatGateway:Missing"]);
    const second = step(w, d);
    expect(only(second, "ReplaceRoute").map((a) => a.reason)).toEqual(["RouteBlackholed", "RouteBlackholed"]);
    expect(only(second, "ReplaceRoute")[0]!.before).toMatch(/^blackhole:nat-/);
  });
  it("blocks a blackholed 0.0.0.0/0 whose NAT was not ours", () => {
    const d = nat();
    const w = cold(d, (x) => addForeign(x, { s3: false, tgwRoute: false, nat: false, blackhole: true }));
    converge(w, d);
    const p = plan(d, observe(w, OWNER));
    expect(p.blocked).toEqual([expect.objectContaining({ reason: "RouteBlackholed" })]);
  });
  it("blocks a 0.0.0.0/0 route to a transit gateway unless replaceExistingDefaultRoute", () => {
    const d = nat();
    const w = cold(d, (x) => addForeign(x, { s3: false, tgwRoute: true, nat: false, blackhole: false }));
    // Said in the very first plan, before our NAT exists, so the user can decide early.
    expect(plan(d, observe(w, OWNER)).blocked.map((b) => b.reason)).toEqual(["RouteTargetsOther"]);
    converge(w, d);
    const p = plan(d, observe(w, OWNER));
    expect(p.blocked).toEqual([
      expect.objectContaining({ reason: "RouteTargetsOther", resourceId: topology.subnets[0]!.routeTableId }),
    ]);
    const replacing = nat({ replaceExistingDefaultRoute: true });
    expect(only(plan(replacing, observe(w, OWNER)), "ReplaceRoute")).toEqual([
      expect.objectContaining({ reason: "RouteTargetsOther", before: "tgw-0000000000000001" }),
    ]);
  });
  it("deletes a failed NAT and creates a new one as the next creation intent", () => {
    const d = nat();
    const p = planAfter(d, (w) => applyDrift(w, OWNER.uid, { kind: "natFailed", i: 0 }));
    const [del] = only(p, "DeleteNatGateway");
    const [create] = only(p, "CreateNatGateway");
    expect(del!.reason).toBe("NatGatewayFailed");
    expect(create!.generation).toBe(1);
  });
  it("keeps the old NAT carrying traffic until its replacement is available, then moves routes and deletes it", () => {
    const single = (ids: string[]) =>
      desired({
        egress: {
          mode: "NatGateway",
          natGateway: { placement: "Single", publicSubnetIds: ids, replaceExistingDefaultRoute: false },
        },
      });
    const w = worldFrom(single([publicSubnetId(0), publicSubnetId(1)]), topology);
    const moved = single([publicSubnetId(1), publicSubnetId(0)]);
    const first = step(w, moved);
    expect(kinds(first)).toEqual(["AllocateAddress:Missing", "CreateNatGateway:Missing"]);
    expect(first.pending.map((x) => x.reason)).toContain("NatGatewayReplacementPending");
    const second = step(w, moved);
    const [del] = only(second, "DeleteNatGateway");
    expect(only(second, "ReplaceRoute").map((a) => a.reason)).toEqual([
      "RouteTargetsWrongNatGateway",
      "RouteTargetsWrongNatGateway",
      "RouteTargetsWrongNatGateway",
    ]);
    expect(second.dependsOn.get(del!.key)).toHaveLength(3);
  });
  it("with egress None removes routes first, then NATs, and releases EIPs only after the NATs are deleted", () => {
    const w = worldFrom(nat(), topology);
    const none = desired();
    const first = plan(none, observe(w, OWNER));
    expect(waves(first).map((x) => [...new Set(x.map((a) => a.kind))])).toEqual([
      ["DeleteRoute"],
      ["DeleteNatGateway"],
    ]);
    applyPlan(w, first);
    // The NATs are deleting: their EIPs stay until they are deleted.
    const waiting = plan(none, observe(w, OWNER));
    expect(waiting.actions).toEqual([]);
    expect(new Set(waiting.pending.map((x) => x.reason))).toEqual(
      new Set(["NatGatewayDeleting", "ElasticIpHeldByDeletingNat"]),
    );
    settle(w);
    expect(kinds(step(w, none))).toEqual(["ReleaseAddress:NotDesired", "ReleaseAddress:NotDesired"]);
    expect(plan(none, observe(w, OWNER)).actions).toEqual([]);
  });
});

describe("VPC DNS and blocking issues", () => {
  it("turns the DNS attributes on with vpcDns Enforce, support before hostnames, before private-DNS endpoints", () => {
    const d = desired({ vpcDns: "Enforce" });
    const w = cold(d, (x) => ((x.dnsSupport = false), (x.dnsHostnames = false)));
    const p = plan(d, observe(w, OWNER));
    const order = waves(p).map((x) => x.map((a) => a.key));
    expect(order[0]).toContain("vpc:enableDnsSupport");
    expect(order[1]).toContain("vpc:enableDnsHostnames");
    expect(p.dependsOn.get("endpoint:ecr.dkr" as never)).toContain("vpc:enableDnsHostnames");
  });
  it("reports DNS attributes that are off with vpcDns Check instead of changing them", () => {
    const d = desired();
    const p = plan(
      d,
      observe(
        cold(d, (x) => (x.dnsHostnames = false)),
        OWNER,
      ),
    );
    expect(p.blocked.map((b) => b.reason)).toEqual(["DnsAttributeOff"]);
    expect(only(p, "ModifyVpcAttribute")).toEqual([]);
    expect(only(p, "CreateInterfaceEndpoint")).toEqual([]);
  });
  it("acts on nothing at all when the desired network has a blocking issue", () => {
    const d = desired({
      egress: {
        mode: "NatGateway",
        natGateway: {
          placement: "OnePerAz",
          publicSubnetIds: [privateSubnetId(0, 0)],
          replaceExistingDefaultRoute: false,
        },
      },
    });
    const p = plan(d, observe(cold(d), OWNER));
    expect(p.actions).toEqual([]);
    expect(p.blocked.map((b) => b.reason)).toContain("PublicSubnetHasNoInternetRoute");
  });
  it("leaves unrelated resources of the VPC out of every plan", () => {
    const d = desired({ egress: natEgress(topology) });
    const w = cold(d, (x) => addForeign(x, { s3: false, tgwRoute: false, nat: true, blackhole: false }));
    const theirs = [w.natGateways[0]!.id, w.addresses[0]!.allocationId];
    for (let i = 0; i < 4; i++) {
      const p = step(w, d);
      for (const a of p.actions) for (const id of theirs) expect(JSON.stringify(a)).not.toContain(id);
    }
    expect(plan(d, observe(w, OWNER)).actions).toEqual([]);
    expect(w.natGateways.filter((n) => n.tags.team === "other").map((n) => n.state)).toEqual(["available"]);
  });
});
