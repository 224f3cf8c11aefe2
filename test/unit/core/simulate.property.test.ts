import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { computeDesired } from "../../../operator/core/desired.js";
import type { DesiredNetwork } from "../../../operator/core/model.js";
import { plan } from "../../../operator/core/plan.js";
import { planDeletion } from "../../../operator/core/plan-deletion.js";
import { waves } from "../../../operator/core/waves.js";
import { caseArb, specArb, type Case } from "../../fixtures/arbitraries.js";
import { converge, ownershipViolations, worldMismatches, type Round } from "../../fixtures/converge.js";
import { addForeign, applyDrift, driftArb, foreignArb, type Foreign } from "../../fixtures/drift.js";
import { OWNER } from "../../fixtures/network.js";
import { givenAddresses, givenGroups, worldFrom } from "../../fixtures/observed-from.js";
import { applyPlan, cloneWorld, emptyWorld, observe, settle, type World } from "../../fixtures/simulate.js";

const desiredOf = ({ topology, spec }: Case): DesiredNetwork =>
  computeDesired({ owner: OWNER, spec, region: topology.region, topology, contributions: [] });

/** A cold VPC: only the user's own things (given groups/EIPs) and the foreign resources. */
function coldWorld(c: Case, d: DesiredNetwork, f: Foreign): World {
  const w = emptyWorld(c.topology);
  givenGroups(w, d);
  givenAddresses(w, d);
  addForeign(w, f);
  return w;
}

/** Blocked reasons a foreign resource legitimately causes. */
function allowedBlocks(c: Case, f: Foreign): Set<string> {
  const ok = new Set<string>();
  if (f.endpoint?.privateDns && c.spec.endpoints.privateDns && !c.spec.endpoints.adoptExisting)
    ok.add("PrivateDnsConflict");
  const nat = c.spec.egress.mode === "NatGateway" && !c.spec.egress.natGateway?.replaceExistingDefaultRoute;
  if (f.tgwRoute && nat) ok.add("RouteTargetsOther");
  if (f.blackhole && nat) ok.add("RouteBlackholed");
  return ok;
}

function expectSafeRounds(rounds: readonly Round[], c: Case): void {
  const adopt = c.spec.endpoints.adoptExisting;
  const replace = c.spec.egress.natGateway?.replaceExistingDefaultRoute ?? false;
  for (const r of rounds) {
    expect(ownershipViolations(r.plan, r.observed, adopt, replace)).toEqual([]);
    expect(r.results.filter((x) => x.outcome !== "done")).toEqual([]);
  }
}

const RUNS = { numRuns: 60 };

describe("applying plans to a simulated world", () => {
  it("reaches the desired network from a cold VPC, touching only what is ours", () => {
    fc.assert(
      fc.property(caseArb, foreignArb, fc.constantFrom(1, 2, 3), (c, f, slow) => {
        const d = desiredOf(c);
        const w = coldWorld(c, d, f);
        const rounds = converge(w, d, 8 * slow, undefined, slow);
        expectSafeRounds(rounds, c);
        const last = rounds[rounds.length - 1]!;
        expect(last.plan.actions).toEqual([]);
        expect(last.plan.pending).toEqual([]);
        const allowed = allowedBlocks(c, f);
        for (const b of last.plan.blocked) expect(allowed).toContain(b.reason);
        if (last.plan.blocked.length === 0) expect(worldMismatches(w, d)).toEqual([]);
      }),
      RUNS,
    );
  });

  it("repairs every drift of a converged world within a few rounds", () => {
    fc.assert(
      fc.property(caseArb, driftArb, fc.constantFrom(1, 2), (c, drifts, slow) => {
        const d = desiredOf(c);
        const w = worldFrom(d, c.topology);
        for (const x of drifts) applyDrift(w, OWNER.uid, x);
        const rounds = converge(w, d, 8 * slow, undefined, slow);
        expectSafeRounds(rounds, c);
        const last = rounds[rounds.length - 1]!;
        // Turning DNS off is repaired only with vpcDns Enforce; with Check it is reported (blocked).
        const dnsBlocked = last.plan.blocked.every((b) => b.reason === "DnsAttributeOff");
        expect(dnsBlocked).toBe(true);
        expect(last.plan.actions).toEqual([]);
        expect(last.plan.pending).toEqual([]);
        if (last.plan.blocked.length === 0) expect(worldMismatches(w, d)).toEqual([]);
      }),
      RUNS,
    );
  });
});

describe("deletion plans", () => {
  it("remove everything we own in dependency order and nothing else", () => {
    fc.assert(
      fc.property(caseArb, foreignArb, driftArb, (c, f, drifts) => {
        const d = desiredOf(c);
        const w = worldFrom(d, c.topology);
        addForeign(w, {
          ...f,
          endpoint: f.endpoint ? { ...f.endpoint, privateDns: false } : undefined,
          s3: false,
          tgwRoute: false,
          blackhole: false,
        });
        for (const x of drifts) applyDrift(w, OWNER.uid, x);
        const before = cloneWorld(w);
        const rounds = converge(w, d, 16, (o) => planDeletion(d, o, OWNER, "Delete"), 2);
        for (const r of rounds) {
          expect(ownershipViolations(r.plan, r.observed, false, false)).toEqual([]);
          expect(r.results.filter((x) => x.outcome !== "done")).toEqual([]);
          const order = waves(r.plan)
            .flat()
            .map((a) => a.kind);
          // Routes before NATs within a plan; SG and EIPs only when nothing holds them (the simulation refuses otherwise).
          const lastRoute = order.lastIndexOf("DeleteRoute");
          const firstNat = order.indexOf("DeleteNatGateway");
          if (lastRoute >= 0 && firstNat >= 0) expect(lastRoute).toBeLessThan(firstNat);
          if (r.plan.actions.some((a) => a.kind === "DeleteSecurityGroup")) {
            expect(r.observed.endpoints.some((e) => e.securityGroupIds.length > 0 && e.owned)).toBe(false);
          }
          for (const a of r.plan.actions) {
            if (a.kind === "ReleaseAddress") {
              expect(r.observed.natGateways.some((n) => n.allocationIds.includes(a.allocationId))).toBe(false);
            }
          }
        }
        const last = rounds[rounds.length - 1]!;
        expect(last.plan.actions).toEqual([]);
        expect(last.plan.pending).toEqual([]);
        const o = observe(w, OWNER);
        expect([...o.securityGroups, ...o.endpoints, ...o.addresses, ...o.natGateways].filter((r) => r.owned)).toEqual(
          [],
        );
        // Unowned things are exactly as they were.
        const foreign = (x: World) => ({
          eps: x.endpoints.filter((e) => !e.tags["ecsnet.dev/owner-uid"]),
          nats: x.natGateways.filter((n) => !n.tags["ecsnet.dev/owner-uid"]),
          sgs: x.securityGroups.filter((g) => !g.tags["ecsnet.dev/owner-uid"]),
        });
        expect(foreign(w)).toEqual(foreign(before));
      }),
      RUNS,
    );
  });

  it("leave AWS untouched with deletionPolicy Retain", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const d = desiredOf(c);
        const p = planDeletion(d, observe(worldFrom(d, c.topology), OWNER), OWNER, "Retain");
        expect(p.actions).toEqual([]);
        expect(p.pending).toEqual([]);
      }),
      { numRuns: 20 },
    );
  });
});

describe("determinism", () => {
  it("gives the same desired network and plan for the same input", () => {
    fc.assert(
      fc.property(caseArb, foreignArb, driftArb, (c, f, drifts) => {
        const d = desiredOf(c);
        const w = worldFrom(d, c.topology);
        addForeign(w, { ...f, endpoint: undefined, s3: false });
        for (const x of drifts) applyDrift(w, OWNER.uid, x);
        const o = observe(w, OWNER);
        expect(desiredOf(c)).toEqual(d);
        expect(plan(desiredOf(c), structuredClone(o))).toEqual(plan(d, o));
      }),
      { numRuns: 40 },
    );
  });
});

describe("changing the spec of a converged network", () => {
  const changeArb = caseArb.chain((c) => specArb(c.topology).map((next) => ({ c, next: { ...c, spec: next } })));

  it("moves to the new desired network without ever cutting a kept route table's egress", () => {
    fc.assert(
      fc.property(changeArb, ({ c, next }) => {
        const before = desiredOf(c);
        const after = desiredOf(next);
        const w = worldFrom(before, c.topology);
        // The user's given groups now admit what the new spec asks; given EIPs exist.
        w.securityGroups = w.securityGroups.filter((g) => !after.securityGroup.givenGroupIds.includes(g.id));
        givenGroups(w, after);
        givenAddresses(w, after);
        const rounds = converge(w, after);
        expectSafeRounds(rounds, next);
        const kept = [...after.routes.values()]
          .map((r) => r.routeTableId)
          .filter((t) => [...before.routes.values()].some((r) => r.routeTableId === t));
        for (const r of rounds) {
          for (const t of kept) {
            const route = r.observed.routeTables
              .find((x) => x.id === t)
              ?.routes.find((x) => x.destination === "0.0.0.0/0");
            expect(`${t}:${route?.state}`).toBe(`${t}:active`);
          }
        }
        const last = rounds[rounds.length - 1]!;
        expect(last.plan.actions).toEqual([]);
        expect(last.plan.pending).toEqual([]);
        expect(last.plan.blocked).toEqual([]);
        expect(worldMismatches(w, after)).toEqual([]);
      }),
      RUNS,
    );
  });
});

describe("crashes and eventual consistency", () => {
  it("leaves no duplicates and no leaked EIPs after a crash mid-apply and a lagging describe", () => {
    fc.assert(
      fc.property(caseArb, fc.array(fc.nat({ max: 12 }), { minLength: 1, maxLength: 3 }), (c, crashes) => {
        const d = desiredOf(c);
        const w = coldWorld(c, d, { s3: false, tgwRoute: false, nat: false, blackhole: false });
        // Crash rounds: apply a prefix of the plan, and the next describe misses what was just created.
        let hidden = new Set<string>();
        for (const k of crashes) {
          const p = plan(d, observe(w, OWNER, hidden));
          const results = applyPlan(w, p, k);
          hidden = new Set(results.flatMap((r) => (r.outcome === "done" && r.id ? [r.id] : [])));
          settle(w);
        }
        const rounds = converge(w, d, 10);
        for (const r of rounds) expect(ownershipViolations(r.plan, r.observed, false, false)).toEqual([]);
        const last = rounds[rounds.length - 1]!;
        expect(last.plan.actions).toEqual([]);
        expect(last.plan.blocked).toEqual([]);
        expect(worldMismatches(w, d)).toEqual([]);
      }),
      RUNS,
    );
  });
});
