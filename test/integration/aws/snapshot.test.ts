/**
 * The shared observe snapshot (operator/aws/snapshot.ts) against the sandbox AWS over HTTP, with the real SDK:
 * (1) for a varied world — several VPCs, two networks sharing a VPC, owned and unowned resources, a group
 * with a network's deterministic name that it does not own, a security group given to two networks, given
 * Elastic IPs, NAT gateways, an endpoint deleted out of band — each network's slice equals what the per-VPC
 * topology + observe of its reconcile reads; (2) a refresh costs a fixed number of calls whatever the number
 * of VPCs, except for the chunks of 200 filter values and pages of 1,000 (counted by the sandbox).
 */
import {
  AllocateAddressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteVpcEndpointsCommand,
} from "@aws-sdk/client-ec2";
import { TagKey } from "../../../operator/api/group.js";
import { MAX_FILTER_VALUES, type Ec2Port } from "../../../operator/aws/ec2-port.js";
import { observe } from "../../../operator/aws/observe.js";
import {
  DNS_READ_CONCURRENCY,
  ObserveSnapshot,
  SWEEP_PART_VPCS,
  fingerprint,
  type SnapshotNetwork,
} from "../../../operator/aws/snapshot.js";
import { resolveTopology } from "../../../operator/aws/topology.js";
import type { NetworkManifest } from "../../../operator/cli/manifest.js";
import { reconcileNetwork } from "../../../operator/controllers/reconcile-network.js";
import { SweepCoordinator, sweepResult, type SweepTarget } from "../../../operator/controllers/sweep.js";
import { securityGroupName } from "../../../operator/core/ownership.js";
import { itWithAdmin, NEEDS_ADMIN } from "../../helpers/aws-sandbox.js";
import { freshVpc, natEgress, network, reconcileUntilDone, startWorld, type World } from "../reconcile/world.js";

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w.close();
});

/** The snapshot's view of a manifest's network. */
function scopeOf(m: NetworkManifest): SnapshotNetwork {
  const spec = m.rawSpec as {
    vpcId: string;
    securityGroup?: { groupIds?: string[] };
    egress?: { natGateway?: { elasticIpAllocationIds?: string[] } };
  };
  return {
    owner: m.owner,
    vpcId: spec.vpcId,
    givenSecurityGroupIds: spec.securityGroup?.groupIds ?? [],
    givenAllocationIds: spec.egress?.natGateway?.elasticIpAllocationIds ?? [],
  };
}

/** What the reconcile of `n` reads live: its VPC's topology and observation, one VPC at a time. */
async function liveSlice(n: SnapshotNetwork) {
  const topology = await resolveTopology(w.ec2, { vpcId: n.vpcId, region: w.target.region, fresh: true });
  const observed = await observe(w.ec2, {
    owner: n.owner,
    vpcId: n.vpcId,
    topology,
    givenSecurityGroupIds: n.givenSecurityGroupIds ?? [],
    givenAllocationIds: n.givenAllocationIds ?? [],
  });
  return { topology, observed };
}

describe("ObserveSnapshot: a network's slice is what its own observe reads", () => {
  it("agrees for a varied world: shared VPC, shared given group, unowned name clash, given EIPs, deleted endpoint", async () => {
    const sgIn = async (vpcId: string, groupName: string) =>
      (await w.raw.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: groupName, Description: "x" })))
        .GroupId!;
    const eip = async () => (await w.raw.send(new AllocateAddressCommand({ Domain: "vpc" }))).AllocationId!;

    const v1 = await freshVpc(w);
    const v2 = await freshVpc(w);
    const v3 = await freshVpc(w);
    const v4 = await freshVpc(w);
    const v5 = await freshVpc(w);

    // v1: a plain network, converged, then one of its endpoints deleted out of band (history: ours, deleted).
    const a = network(v1);
    // v2: NAT egress with owned EIPs.
    const b = network(v2, natEgress(v2));
    // v3: a group that carries c's deterministic name but not its tag (a conflict), and a given group shared.
    const c = network(v3);
    // v4: two networks in one VPC; d is given a group of the VPC, e makes its own (and meets d's endpoints).
    const shared = await sgIn(v4.vpcId, "shared-given");
    await w.raw.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: shared,
        IpPermissions: [
          { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: v4.privateCidrs.map((CidrIp) => ({ CidrIp })) },
        ],
      }),
    );
    const d = network(v4, { securityGroup: { groupIds: [shared] } });
    const e = network(v4);
    // v5: NAT egress with given Elastic IPs (observed, never owned).
    const given = [await eip(), await eip()];
    const f = network(v5, {
      egress: {
        mode: "NatGateway",
        natGateway: { placement: "OnePerAz", publicSubnetIds: v5.publicSubnetIds, elasticIpAllocationIds: given },
      },
    });
    await sgIn(v3.vpcId, securityGroupName(c.owner));
    // An address tagged with another owner's uid: selected by nobody here.
    await eip();

    for (const m of [a, b, d, f]) {
      const { end, outcome } = await reconcileUntilDone(w, m);
      expect([m.owner.name, end, outcome.plan?.blocked]).toEqual([m.owner.name, "ready", []]);
    }
    // c is blocked by the unowned group with its name, e by d's endpoints holding the private DNS names of
    // the VPC: one reconcile each, which reports the conflict and makes what it may.
    const once = (m: NetworkManifest) =>
      reconcileNetwork(w.deps(), {
        owner: m.owner,
        generation: 1,
        rawSpec: m.rawSpec,
        prevStatus: undefined,
        contributions: [],
        deleting: false,
        dryRun: false,
      });
    expect((await once(c)).plan?.blocked.some((x) => x.reason === "NotOwned")).toBe(true);
    expect((await once(e)).plan?.blocked.some((x) => x.reason === "PrivateDnsConflict")).toBe(true);

    const aLive = await liveSlice(scopeOf(a));
    const victim = aLive.observed.endpoints.find((x) => x.type === "Interface")!;
    await w.raw.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [victim.id] }));
    w.target.sandbox?.admin.settle();

    const networks = [a, b, c, d, e, f].map(scopeOf);
    const snapshot = new ObserveSnapshot(w.ec2);
    await snapshot.refresh(networks);
    for (const n of networks) {
      const live = await liveSlice(n);
      const slice = await snapshot.slice(n, w.target.region);
      expect(slice).toEqual(live);
      expect(fingerprint(slice)).toBe(fingerprint(live));
    }

    // The cases the world was built for are really in it (so the comparison above covers them).
    const sliceOf = async (m: NetworkManifest) => {
      const s = await snapshot.slice(scopeOf(m), w.target.region);
      if ("missing" in s) throw new Error("missing VPC");
      return s.observed;
    };
    const aObs = await sliceOf(a);
    expect(aObs.endpoints.find((x) => x.id === victim.id)).toMatchObject({ owned: true });
    expect(["deleting", "deleted"]).toContain(aObs.endpoints.find((x) => x.id === victim.id)?.state);
    expect((await sliceOf(c)).securityGroups.some((g) => !g.owned && g.groupName === securityGroupName(c.owner))).toBe(
      true,
    );
    const dObs = await sliceOf(d);
    expect(dObs.securityGroups.find((g) => g.id === shared)).toMatchObject({ owned: false });
    expect((await sliceOf(e)).securityGroups.some((g) => g.id === shared)).toBe(false);
    const fObs = await sliceOf(f);
    expect(fObs.addresses.filter((x) => given.includes(x.allocationId)).map((x) => x.owned)).toEqual([false, false]);
    expect((await sliceOf(b)).addresses.filter((x) => x.owned).length).toBeGreaterThan(0);
    expect(fObs.addresses.every((x) => x.owned || given.includes(x.allocationId))).toBe(true);

    // A change in one network's VPC changes its fingerprint, and only the fingerprints of networks in that VPC.
    const before = new Map(
      await Promise.all(networks.map(async (n) => [n, fingerprint(await snapshot.slice(n, w.target.region))] as const)),
    );
    const eLive = await liveSlice(scopeOf(e));
    const eVictim = eLive.observed.endpoints.find((x) => x.type === "Interface" && x.state === "available")!;
    await w.raw.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [eVictim.id] }));
    await snapshot.refresh(networks);
    for (const n of networks) {
      const changed = fingerprint(await snapshot.slice(n, w.target.region)) !== before.get(n);
      expect([n.owner.name, changed]).toEqual([n.owner.name, n.vpcId === v4.vpcId]);
    }
  }, 120_000);

  it("a VPC that does not exist is a missing slice, as the live topology's VpcNotFound", async () => {
    const gone = { owner: { namespace: "it", name: "gone", uid: "0000-gone" }, vpcId: "vpc-0123456789abcdef0" };
    const snapshot = new ObserveSnapshot(w.ec2);
    await snapshot.refresh([gone]);
    expect(await snapshot.slice(gone, w.target.region)).toEqual({ missing: true });
    await expect(resolveTopology(w.ec2, { vpcId: gone.vpcId, region: w.target.region })).rejects.toMatchObject({
      reason: "VpcNotFound",
    });
    // The reconcile of such a network says so in its Stalled condition, which the network reconciler reports to
    // the sweep as a missing slice (so the VPC appearing later is noticed by the sweep).
    const out = await reconcileNetwork(w.deps(), {
      owner: gone.owner,
      generation: 1,
      rawSpec: { vpcId: gone.vpcId, privateSubnets: { ids: ["subnet-0123456789abcdef0"] } },
      prevStatus: undefined,
      contributions: [],
      deleting: false,
      dryRun: false,
    });
    expect(out.status.conditions?.find((c) => c.type === "Stalled")).toMatchObject({
      status: "True",
      reason: "VpcNotFound",
    });
  });
});

describe(`ObserveSnapshot: calls per refresh do not grow with the VPCs ${NEEDS_ADMIN}`, () => {
  /** Calls the sandbox counted during `run`, by operation. */
  async function counted(run: () => Promise<void>): Promise<Record<string, number>> {
    const admin = w.target.sandbox!.admin;
    admin.resetCalls();
    await run();
    return admin.calls();
  }
  const total = (c: Record<string, number>) => Object.values(c).reduce((s, n) => s + n, 0);
  const owner = (i: number) => ({ namespace: "calls", name: `n${i}`, uid: `00000000-calls-${i}` });

  itWithAdmin()(
    "6 calls per refresh for 1, 100 and 1,000 VPCs, +1 per extra chunk of 200 VPC ids, the layout 3 more when due; a sweep one of each per part",
    async () => {
      const ids: string[] = [];
      for (let i = 0; i < 1000; i++) ids.push(w.target.sandbox!.admin.seed("two-az-vpc").vpcId);
      // Every network owns a group in its VPC (what a converged network has), so rules are read too.
      for (const [i, vpcId] of ids.entries()) {
        await w.ec2.createSecurityGroup({
          vpcId,
          groupName: securityGroupName(owner(i)),
          description: "x",
          tags: { [TagKey.OwnerUid]: owner(i).uid },
        });
      }
      const costs: Record<number, { first: number; steady: number; byOp: Record<string, number> }> = {};
      for (const n of [1, 100, 1000]) {
        const networks = ids.slice(0, n).map((vpcId, i) => ({ owner: owner(i), vpcId }));
        const snapshot = new ObserveSnapshot(w.ec2);
        const first = await counted(() => snapshot.refresh(networks));
        const steady = await counted(() => snapshot.refresh(networks));
        costs[n] = { first: total(first), steady: total(steady), byOp: steady };
      }
      const chunks = (n: number) => Math.ceil(n / MAX_FILTER_VALUES);
      const tablesPerVpc = (await w.ec2.describeRouteTables({ vpcId: ids[0]! })).length;
      // Per chunk of VPC ids, DescribeRouteTables pages at 100 tables (EC2's maximum for that call).
      const tablePages = (n: number) =>
        Array.from({ length: chunks(n) }, (_, i) => Math.min(MAX_FILTER_VALUES, n - i * MAX_FILTER_VALUES)).reduce(
          (sum, k) => sum + Math.max(1, Math.ceil((k * tablesPerVpc) / 100)),
          0,
        );
      // Steady: SGs, rules, endpoints, NATs, route tables (one per chunk of VPC ids each), addresses (one).
      // Rules are chunked by group ids (one owned group per VPC here). Route tables page at 100 (EC2's limit),
      // so many VPCs add pages: counted, not hidden.
      for (const n of [1, 100, 1000]) {
        const rtPages = tablePages(n);
        expect(costs[n]!.byOp).toEqual({
          DescribeSecurityGroups: chunks(n),
          DescribeSecurityGroupRules: chunks(n),
          DescribeVpcEndpoints: chunks(n),
          DescribeNatGateways: chunks(n),
          DescribeRouteTables: rtPages,
          DescribeAddresses: 1,
        });
        // The first refresh adds the layout (3 batched reads) and the DNS attributes no live reconcile reported.
        expect(costs[n]!.first - costs[n]!.steady).toBe(3 * chunks(n) + 2 * n);
      }
      expect(costs[100]!.steady).toBeLessThanOrEqual(16);
      expect(costs[100]!.steady).toBe(costs[1]!.steady + (tablePages(100) - 1));

      // Read in parts, as the sweep does: parts of at most SWEEP_PART_VPCS, each compared while the snapshot
      // covers it, each part one call of each filtered type (its route tables paged as above), addresses once;
      // afterwards only the VPCs the parts kept are left in the snapshot.
      const all = ids.map((vpcId, i) => ({ owner: owner(i), vpcId }));
      const snapshot = new ObserveSnapshot(w.ec2);
      await snapshot.refresh(all);
      const parts: number[] = [];
      const parted = await counted(() =>
        snapshot.refresh(all, {
          onPart: async (part) => {
            parts.push(part.length);
            expect(part.every((n) => snapshot.covers(n.vpcId))).toBe(true);
            return [part[0]!.vpcId];
          },
        }),
      );
      const partCount = 1000 / SWEEP_PART_VPCS;
      expect(parts).toEqual(Array.from({ length: partCount }, () => SWEEP_PART_VPCS));
      expect(parted).toEqual({
        DescribeSecurityGroups: partCount,
        DescribeSecurityGroupRules: partCount,
        DescribeVpcEndpoints: partCount,
        DescribeNatGateways: partCount,
        DescribeRouteTables: partCount * tablePages(SWEEP_PART_VPCS),
        DescribeAddresses: 1,
      });
      const sorted = [...ids].sort();
      expect(ids.filter((id) => snapshot.covers(id)).sort()).toEqual(
        sorted.filter((_, i) => i % SWEEP_PART_VPCS === 0),
      );
    },
    300_000,
  );

  itWithAdmin()(
    `DNS attributes are read for at most ${DNS_READ_CONCURRENCY} VPCs at a time, each VPC once`,
    async () => {
      // A first sweep of 1,000 VPCs once opened 2,000 requests at once; sockets were reset under load.
      const ids = Array.from(
        { length: 5 * DNS_READ_CONCURRENCY },
        () => w.target.sandbox!.admin.seed("two-az-vpc").vpcId,
      );
      let inFlight = 0;
      let most = 0;
      const asked: string[] = [];
      const port: Ec2Port = {
        ...w.ec2,
        describeVpcAttribute: async (i) => {
          asked.push(i.vpcId);
          most = Math.max(most, ++inFlight);
          try {
            return await w.ec2.describeVpcAttribute(i);
          } finally {
            inFlight--;
          }
        },
      };
      const snapshot = new ObserveSnapshot(port);
      const networks = ids.map((vpcId, i) => ({ owner: owner(i), vpcId }));
      await snapshot.refresh(networks);
      expect(most).toBe(2 * DNS_READ_CONCURRENCY);
      expect(asked.length).toBe(2 * ids.length);
      expect(new Set(asked)).toEqual(new Set(ids));
      await snapshot.refresh(networks);
      expect(asked.length).toBe(2 * ids.length);
    },
  );

  itWithAdmin()("DNS attributes a live reconcile reported are not read again by the snapshot", async () => {
    const vpcId = w.target.sandbox!.admin.seed("two-az-vpc").vpcId;
    const snapshot = new ObserveSnapshot(w.ec2);
    snapshot.noteDns(vpcId, true, true);
    const calls = await counted(() => snapshot.refresh([{ owner: owner(0), vpcId }]));
    expect(calls.DescribeVpcAttribute).toBeUndefined();
    expect(calls.DescribeVpcs).toBe(1);
  });
});

describe("SweepCoordinator over real snapshots", () => {
  it("enqueues only the network whose part changed, and hands its reconcile the snapshot's view once", async () => {
    const v1 = await freshVpc(w);
    const v2 = await freshVpc(w);
    const nets = [network(v1), network(v2)];
    const outcomes = [];
    for (const m of nets) outcomes.push((await reconcileUntilDone(w, m)).outcome);
    const snapshot = new ObserveSnapshot(w.ec2);
    const targets: SweepTarget[] = nets.map((m) => ({
      ...scopeOf(m),
      key: m.owner.uid,
      region: w.target.region,
      snapshot,
    }));
    const enqueued: string[] = [];
    const swept: { result: string; networks: number; seconds: number }[] = [];
    const sweep = new SweepCoordinator({
      intervalMs: 60_000,
      targets: () => targets,
      enqueue: (k) => enqueued.push(k),
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined },
      onSweep: (r, seconds) => swept.push({ result: sweepResult(r), networks: r.networks, seconds }),
    });
    // Networks this process never reconciled are left to the reconcile their informer list queued.
    expect((await sweep.sweep()).enqueued).toEqual([]);
    // What each network's last (live, converged) reconcile saw.
    for (const [i, m] of nets.entries()) {
      const o = outcomes[i]!;
      sweep.reconciled(m.owner.uid, {
        slice: { topology: o.topology!, observed: o.observed! },
        live: true,
        settled: true,
      });
    }
    expect((await sweep.sweep()).enqueued).toEqual([]);
    expect(sweep.takeView(nets[0]!.owner.uid)).toBeUndefined();

    // Out of band: one endpoint of the second network goes.
    const victim = outcomes[1]!.observed!.endpoints.find((e) => e.type === "Interface")!;
    await w.raw.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [victim.id] }));
    // AWS takes a moment to finish the deletion (its private DNS name is taken until then).
    w.target.sandbox?.admin.settle();
    const report = await sweep.sweep();
    expect(report.enqueued).toEqual([nets[1]!.owner.uid]);
    expect(enqueued).toEqual([nets[1]!.owner.uid]);
    // Between sweeps the snapshot keeps only what the enqueued network's reconcile will read.
    expect([snapshot.covers(v1.vpcId), snapshot.covers(v2.vpcId)]).toEqual([false, true]);

    // Its reconcile reads from the view (no Describe reaches AWS) and repairs live.
    const view = sweep.takeView(nets[1]!.owner.uid)!;
    expect(view).toBeDefined();
    expect(sweep.takeView(nets[1]!.owner.uid)).toBeUndefined();
    const admin = w.target.sandbox?.admin;
    admin?.resetCalls();
    const out = await reconcileNetwork(w.deps(), {
      owner: nets[1]!.owner,
      generation: 1,
      rawSpec: nets[1]!.rawSpec,
      prevStatus: outcomes[1]!.status,
      contributions: [],
      deleting: false,
      dryRun: false,
      reads: view,
    });
    expect(out.plan?.actions.map((a) => a.kind)).toContain("CreateInterfaceEndpoint");
    expect(out.results.filter((r) => r.outcome !== "done")).toEqual([]);
    if (admin) expect(Object.keys(admin.calls()).filter((op) => op.startsWith("Describe"))).toEqual([]);
    // A reconcile that acted is not settled: the next mark would not hand out a view.
    sweep.reconciled(nets[1]!.owner.uid, {
      slice: { topology: out.topology!, observed: out.observed! },
      live: false,
      settled: false,
    });
    await sweep.sweep();
    expect(sweep.takeView(nets[1]!.owner.uid)).toBeUndefined();
    // Every sweep was reported (ecsnet_drift_sweeps_total / _duration_seconds), each a real span of time.
    expect(swept.map((s) => [s.result, s.networks])).toEqual(Array.from({ length: 4 }, () => ["ok", 2]));
    for (const s of swept) expect(s.seconds).toBeGreaterThan(0);
  }, 60_000);
});
