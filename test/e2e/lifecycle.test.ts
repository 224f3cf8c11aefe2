/**
 * The life of a PrivateEcsNetwork under the real `ecsnet run` process: apply → Ready, a spec change,
 * drift repaired by the sweep, health and metrics, deletion with ordered teardown, and Retain.
 * One operator and one world for the file; each network gets a VPC of its own.
 */
import {
  DeleteNatGatewayCommand,
  DeleteSecurityGroupCommand,
  DeleteVpcEndpointsCommand,
  ModifyVpcEndpointCommand,
  RevokeSecurityGroupIngressCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { FINALIZER } from "../../operator/api/group.js";
import type { TwoAzVpc } from "../helpers/aws-sandbox.js";
import {
  PEN,
  WAIT_MS,
  conditionOf,
  eventsFor,
  eventually,
  getTable,
  metricValue,
  sleep,
  spawnOperator,
  startE2eWorld,
  type E2eWorld,
  type OperatorProcess,
} from "../helpers/operator.js";
import {
  defaultRoute,
  getNetwork,
  networkManifest,
  readyNetwork,
  owned,
  shortName,
  viewVpc,
  type VpcView,
} from "./aws-world.js";

let world: E2eWorld;
let op: OperatorProcess;

beforeAll(async () => {
  world = await startE2eWorld();
  op = await spawnOperator(world);
});

afterAll(async () => {
  await world?.close();
});

describe("a network with NAT egress", () => {
  const name = "egress-nat";
  let vpc: TwoAzVpc;
  let uid: string;

  beforeAll(async () => {
    vpc = await world.newVpc();
  });

  it("becomes Ready with the ids of what it made, and AWS has exactly that", async () => {
    await world.kube.create({ resource: PEN, body: networkManifest(world, name, vpc, { egress: "NatGateway" }) });
    const n = await readyNetwork(world, name, 1);
    uid = n.metadata.uid!;

    expect(n.metadata.finalizers).toContain(FINALIZER);
    expect(n.status?.observedGeneration).toBe(n.metadata.generation);
    for (const c of n.status?.conditions ?? []) expect(c.observedGeneration).toBe(n.metadata.generation);
    expect(conditionOf(n, "Stalled")?.status ?? "False").toBe("False");
    expect(conditionOf(n, "Reconciling")?.status ?? "False").toBe("False");
    expect(n.status?.securityGroupId).toMatch(/^sg-/);
    expect(n.status?.s3GatewayEndpointId).toMatch(/^vpce-/);
    expect(n.status?.endpoints?.map((e) => e.service).sort()).toEqual(["ecr.api", "ecr.dkr", "logs"]);
    expect(n.status?.natGateways).toHaveLength(2);

    const view = await viewVpc(world, vpc.vpcId);
    const mine = owned(view, uid);
    // interface endpoints: the Fargate defaults, private DNS on, in our SG, tagged as ours
    const iface = mine.endpoints.filter((e) => e.VpcEndpointType === "Interface");
    expect(iface.map((e) => shortName(e, world.region)).sort()).toEqual(["ecr.api", "ecr.dkr", "logs"]);
    for (const e of iface) {
      expect(e.PrivateDnsEnabled).toBe(true);
      expect(e.Groups?.map((g) => g.GroupId)).toEqual([n.status?.securityGroupId]);
      expect(n.status?.endpoints?.map((x) => x.id)).toContain(e.VpcEndpointId);
    }
    // the S3 gateway is on every private route table
    const s3 = mine.endpoints.find((e) => e.VpcEndpointType === "Gateway");
    expect(s3?.VpcEndpointId).toBe(n.status?.s3GatewayEndpointId);
    expect([...(s3?.RouteTableIds ?? [])].sort()).toEqual([...vpc.privateRouteTableIds].sort());
    // the SG admits 443 from each private subnet's CIDR
    const sg = mine.securityGroups.find((g) => g.GroupId === n.status?.securityGroupId);
    const cidrs = (sg?.IpPermissions ?? []).filter((p) => p.FromPort === 443).flatMap((p) => p.IpRanges ?? []);
    expect(cidrs).toHaveLength(vpc.privateSubnetIds.length);
    // one available NAT per AZ, in the public subnets, each with our EIP; each private table routes to one
    expect(mine.natGateways.map((g) => g.SubnetId).sort()).toEqual([...vpc.publicSubnetIds].sort());
    for (const g of mine.natGateways) expect(g.State).toBe("available");
    expect(mine.addresses).toHaveLength(2);
    const natIds = mine.natGateways.map((g) => g.NatGatewayId);
    for (const rtb of vpc.privateRouteTableIds) {
      const r = defaultRoute(view, rtb);
      expect(natIds).toContain(r?.NatGatewayId);
      expect(r?.State).toBe("active");
    }
    const events = await eventsFor(world, name);
    expect(events.some((e) => e.reason === "Created" && e.type === "Normal")).toBe(true);
  });

  it("shows sane printer columns to kubectl get", async () => {
    const table = await getTable(
      world,
      `/apis/${PEN.group}/${PEN.version}/namespaces/${world.namespace}/${PEN.plural}`,
    );
    const cols = table.columnDefinitions.map((c) => c.name);
    const row = table.rows.find((r) => r.cells[0] === name);
    expect(row).toBeDefined();
    const cell = (col: string) => row!.cells[cols.indexOf(col)];
    expect(cell("Ready")).toBe("True");
    expect(cell("VPC")).toBe(vpc.vpcId);
    expect(cell("Egress")).toBe("NatGateway");
    expect(cell("Endpoints")).toBe("4/4");
  });

  it("converges on a spec change and its observedGeneration follows", async () => {
    const before = (await getNetwork(world, name))!;
    await world.kube.jsonPatch({
      resource: PEN,
      namespace: world.namespace,
      name,
      ops: [{ op: "add", path: "/spec/endpoints/extra", value: ["secretsmanager"] }],
    });
    const n = await readyNetwork(world, name, before.metadata.generation! + 1);
    expect(n.status?.endpoints?.map((e) => e.service)).toContain("secretsmanager");
    for (const c of n.status?.conditions ?? []) expect(c.observedGeneration).toBe(n.metadata.generation);
    const mine = owned(await viewVpc(world, vpc.vpcId), uid);
    const sm = mine.endpoints.find((e) => shortName(e, world.region) === "secretsmanager");
    expect(sm?.PrivateDnsEnabled).toBe(true);
  });

  /** Poll until `check` holds for the VPC as it is now and the network is Ready again. */
  async function repaired(what: string, check: (v: Awaited<ReturnType<typeof viewVpc>>) => void): Promise<void> {
    const generation = (await getNetwork(world, name))!.metadata.generation;
    await eventually(async () => check(await viewVpc(world, vpc.vpcId)), { what }).catch(async (err: Error) => {
      // Say what the operator thinks, so a failure names its cause.
      const n = await getNetwork(world, name);
      throw new Error(`${err.message}; conditions: ${JSON.stringify(n?.status?.conditions)}`, { cause: err });
    });
    await readyNetwork(world, name, generation);
  }

  it("puts back a revoked security group rule and a route table removed from the S3 gateway", async () => {
    const mine = owned(await viewVpc(world, vpc.vpcId), uid);
    const s3 = mine.endpoints.find((e) => e.VpcEndpointType === "Gateway")!;
    const sg = mine.securityGroups[0]!;
    const revokedCidr = sg.IpPermissions!.find((p) => p.FromPort === 443)!.IpRanges![0]!.CidrIp!;
    const rtb = vpc.privateRouteTableIds[0]!;
    // Same spec, no watch event: only the drift sweep can notice.
    await world.ec2.send(
      new ModifyVpcEndpointCommand({ VpcEndpointId: s3.VpcEndpointId!, RemoveRouteTableIds: [rtb] }),
    );
    await world.ec2.send(
      new RevokeSecurityGroupIngressCommand({
        GroupId: sg.GroupId!,
        IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: revokedCidr }] }],
      }),
    );
    await repaired("the SG rule and the S3 route table are back", (v) => {
      const m = owned(v, uid);
      const gw = m.endpoints.find((e) => e.VpcEndpointId === s3.VpcEndpointId);
      if (!gw?.RouteTableIds?.includes(rtb)) throw new Error(`${rtb} not back on the S3 gateway`);
      const ranges = (m.securityGroups[0]?.IpPermissions ?? []).flatMap((p) => p.IpRanges ?? []);
      if (!ranges.some((r) => r.CidrIp === revokedCidr)) throw new Error(`443 from ${revokedCidr} not re-authorized`);
    });
    const events = await eventually(
      async () => {
        const ev = (await eventsFor(world, name)).filter((e) => e.reason === "Repaired");
        if (ev.length === 0) throw new Error("no Repaired event");
        return ev;
      },
      { what: "a Repaired event is recorded" },
    );
    expect(events.every((e) => e.type === "Normal")).toBe(true);
  });

  it("answers health, readiness and metrics", async () => {
    expect((await op.http("/healthz")).status).toBe(200);
    expect((await op.http("/readyz")).status).toBe(200);
    const metrics = await op.http("/metrics");
    expect(metrics.status).toBe(200);
    expect(metricValue(metrics.body, "ecsnet_reconcile_total")).toBeGreaterThan(0);
    expect(metricValue(metrics.body, "ecsnet_aws_api_calls_total", { service: "ec2" })).toBeGreaterThan(0);
    expect(metricValue(metrics.body, "ecsnet_drift_repairs_total")).toBeGreaterThan(0);
  });

  it("tears everything down in order on delete, then lets the object go", async () => {
    // Watch AWS while it happens: the order shows in what is never seen, at any moment of the teardown.
    const samples: VpcView[] = [];
    let tearingDown = true;
    const sampler = (async () => {
      while (tearingDown) {
        samples.push(await viewVpc(world, vpc.vpcId, { includeDeleting: true }));
        await sleep(40);
      }
    })();
    await world.kube.delete({ resource: PEN, namespace: world.namespace, name });
    await eventually(
      async () => {
        if (await getNetwork(world, name)) throw new Error("object still exists");
      },
      { what: "the finalizer is removed and the object is gone" },
    ).finally(() => (tearingDown = false));
    await sampler;
    expect(samples.length).toBeGreaterThan(1);
    for (const v of samples) {
      const m = owned(v, uid);
      // NAT routes go first: no private table ever routes 0.0.0.0/0 into a NAT that is going away.
      for (const rtb of vpc.privateRouteTableIds) expect(defaultRoute(v, rtb)?.State ?? "gone").not.toBe("blackhole");
      // An Elastic IP is released only once its NAT gateway is deleted.
      for (const g of m.natGateways)
        for (const a of g.NatGatewayAddresses ?? [])
          expect(m.addresses.map((x) => x.AllocationId)).toContain(a.AllocationId);
      // The security group goes last: it exists while any interface endpoint still uses it.
      if (m.endpoints.some((e) => e.VpcEndpointType === "Interface")) expect(m.securityGroups).toHaveLength(1);
    }
    const view = await viewVpc(world, vpc.vpcId);
    const mine = owned(view, uid);
    expect(mine).toEqual({ endpoints: [], natGateways: [], securityGroups: [], addresses: [] });
    for (const rtb of vpc.privateRouteTableIds) expect(defaultRoute(view, rtb)).toBeUndefined();
    const events = await eventsFor(world, name);
    expect(events.some((e) => e.reason === "Deleted")).toBe(true);
  });
});

describe("a network with deletionPolicy Retain", () => {
  it("goes away on delete and leaves its AWS resources in place", async () => {
    const name = "retained";
    const vpc = await world.newVpc();
    await world.kube.create({
      resource: PEN,
      body: networkManifest(world, name, vpc, { egress: "None", deletionPolicy: "Retain" }),
    });
    const n = await readyNetwork(world, name, 1);
    const uid = n.metadata.uid!;
    const before = owned(await viewVpc(world, vpc.vpcId), uid);
    expect(before.endpoints.length).toBe(4);
    expect(before.securityGroups.length).toBe(1);

    await world.kube.delete({ resource: PEN, namespace: world.namespace, name });
    await eventually(
      async () => {
        if (await getNetwork(world, name)) throw new Error("object still exists");
      },
      { what: "the retained object is gone" },
    );
    const after = owned(await viewVpc(world, vpc.vpcId), uid);
    expect(after.endpoints.map((e) => e.VpcEndpointId).sort()).toEqual(
      before.endpoints.map((e) => e.VpcEndpointId).sort(),
    );
    expect(after.securityGroups.map((g) => g.GroupId)).toEqual(before.securityGroups.map((g) => g.GroupId));

    // Retained means the account keeps them: clean up by hand, as their owner would.
    await world.ec2.send(
      new DeleteVpcEndpointsCommand({ VpcEndpointIds: after.endpoints.map((e) => e.VpcEndpointId!) }),
    );
    await eventually(
      () => world.ec2.send(new DeleteSecurityGroupCommand({ GroupId: after.securityGroups[0]!.GroupId! })),
      { what: "the retained security group can be deleted" },
    );
  });
});

/**
 * Lost resources, once AWS reports them `deleted` (the sweep runs minutes after AWS finished deleting, so
 * the sandbox is settled at once): a re-create must not reuse the dead one's ClientToken, or AWS answers it
 * with the deleted resource and the network never converges.
 */
describe("resources lost out of band, once AWS reports them deleted", () => {
  const lost = {} as {
    vpc: TwoAzVpc;
    uid: string;
    repaired(what: string, timeoutMs: number, check: (v: Awaited<ReturnType<typeof viewVpc>>) => void): Promise<void>;
  };
  const name = "lost-parts";

  beforeAll(async () => {
    lost.vpc = await world.newVpc();
    await world.kube.create({ resource: PEN, body: networkManifest(world, name, lost.vpc, { egress: "NatGateway" }) });
    lost.uid = (await readyNetwork(world, name, 1)).metadata.uid!;
    lost.repaired = async (what, timeoutMs, check) => {
      await eventually(async () => check(await viewVpc(world, lost.vpc.vpcId)), { what, timeoutMs });
    };
  });

  it("replaces a NAT gateway deleted out of band and re-points the route it blackholed", async () => {
    const view = await viewVpc(world, lost.vpc.vpcId);
    const dead = owned(view, lost.uid).natGateways[0]!;
    const rtbs = lost.vpc.privateRouteTableIds.filter((t) => defaultRoute(view, t)?.NatGatewayId === dead.NatGatewayId);
    expect(rtbs.length).toBeGreaterThan(0);
    await world.ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: dead.NatGatewayId! }));
    world.awsSandbox?.admin.settle();
    await lost.repaired("the NAT gateway is replaced and routed to", WAIT_MS, (v) => {
      const nats = owned(v, lost.uid).natGateways.filter((g) => g.State === "available");
      if (nats.length !== 2 || nats.some((g) => g.NatGatewayId === dead.NatGatewayId))
        throw new Error("NAT gateway not replaced");
      for (const t of rtbs) {
        const r = defaultRoute(v, t);
        if (r?.State !== "active" || !nats.some((g) => g.NatGatewayId === r.NatGatewayId))
          throw new Error(`0.0.0.0/0 of ${t} still points at ${r?.NatGatewayId} (${r?.State})`);
      }
    });
  });
  it("recreates an interface endpoint deleted out of band, with a fresh ClientToken", async () => {
    const gone = owned(await viewVpc(world, lost.vpc.vpcId), lost.uid).endpoints.find(
      (e) => shortName(e, world.region) === "ecr.dkr",
    )!;
    await world.ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [gone.VpcEndpointId!] }));
    // The sweep runs long after AWS finished deleting (minutes vs seconds): let the sandbox finish now.
    world.awsSandbox?.admin.settle();
    await lost.repaired("ecr.dkr has a new endpoint with private DNS", WAIT_MS, (v) => {
      const dkr = owned(v, lost.uid).endpoints.find((e) => shortName(e, world.region) === "ecr.dkr");
      if (!dkr || dkr.VpcEndpointId === gone.VpcEndpointId) throw new Error("ecr.dkr endpoint not recreated");
      if (!dkr.PrivateDnsEnabled) throw new Error("new ecr.dkr endpoint without private DNS");
    });
  });

  it("still tears down everything, blackholed routes included, after losing parts", async () => {
    await world.kube.delete({ resource: PEN, namespace: world.namespace, name });
    await eventually(
      async () => {
        if (await getNetwork(world, name)) throw new Error("object still exists");
      },
      { what: "the network that lost parts is gone" },
    );
    const view = await viewVpc(world, lost.vpc.vpcId);
    expect(owned(view, lost.uid)).toEqual({ endpoints: [], natGateways: [], securityGroups: [], addresses: [] });
    for (const rtb of lost.vpc.privateRouteTableIds) expect(defaultRoute(view, rtb)).toBeUndefined();
  });
});

describe("a network in ObserveOnly mode", () => {
  it("reports what it would do and changes nothing, until it is switched to Managed", async () => {
    const name = "observer";
    const vpc = await world.newVpc();
    const body = networkManifest(world, name, vpc);
    (body as unknown as { spec: Record<string, unknown> }).spec.managementMode = "ObserveOnly";
    await world.kube.create({ resource: PEN, body });
    const n = await eventually(
      async () => {
        const got = await getNetwork(world, name);
        if (conditionOf(got, "Stalled")?.status !== "True") throw new Error("not reporting drift yet");
        return got!;
      },
      { what: "the ObserveOnly network reports its drift" },
    );
    const stalled = conditionOf(n, "Stalled")!;
    expect(stalled.reason).toBe("ObserveOnlyDrift");
    expect(stalled.message).toMatch(/would create/);
    expect(conditionOf(n, "Ready")?.status).toBe("False");
    const uid = n.metadata.uid!;
    expect(owned(await viewVpc(world, vpc.vpcId), uid)).toEqual({
      endpoints: [],
      natGateways: [],
      securityGroups: [],
      addresses: [],
    });

    await world.kube.jsonPatch({
      resource: PEN,
      namespace: world.namespace,
      name,
      ops: [{ op: "replace", path: "/spec/managementMode", value: "Managed" }],
    });
    await readyNetwork(world, name, n.metadata.generation! + 1);
    expect(owned(await viewVpc(world, vpc.vpcId), uid).endpoints).toHaveLength(4);
    await world.kube.delete({ resource: PEN, namespace: world.namespace, name });
    await eventually(
      async () => {
        if (await getNetwork(world, name)) throw new Error("object still exists");
      },
      { what: "the network is gone" },
    );
    expect(owned(await viewVpc(world, vpc.vpcId), uid).endpoints).toEqual([]);
  });
});
