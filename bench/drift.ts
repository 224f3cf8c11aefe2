/**
 * Figure 4: drift-repair latency. The whole operator runs (resync every `resyncMs`); the benchmark breaks
 * one thing out of band through the EC2 API and times until the world is repaired, as AWS reports it:
 * an endpoint deleted, a route table removed from the S3 gateway endpoint, a tcp/443 rule revoked from
 * the endpoint security group, a NAT gateway deleted. The operator runs without an events queue, so it
 * learns of drift only from its sweep: the expected figure is about half a sweep interval plus the repair itself.
 * Figure 4b ({@link measureEventRepair}) is the same drift with EC2's change events.
 */
import { DeleteVpcEndpointsCommand } from "@aws-sdk/client-ec2";
import { TagKey } from "../operator/api/group.js";
import type { PrivateEcsNetwork } from "../operator/api/private-ecs-network.js";
import type { Ec2Port } from "../operator/aws/ec2-port.js";
import type { HandledEvent } from "../operator/events/consumer.js";
import { loadConfig } from "../operator/config.js";
import { median, percentile, ratio, summarize, totals, type Summary } from "./stats.js";
import { applyNetwork, getNetwork, isReady, startBenchOperator, startKube } from "./operator-world.js";
import { networkSpec, pipeline, rawEc2, sleep, startAws, until } from "./world.js";

/** One kind of out-of-band change and how to tell it was undone. */
interface Drift {
  readonly name: string;
  /** The part condition that reports this part of the network. */
  readonly condition: string;
  /** Break it; returns what the check needs (the id or CIDR that was removed). */
  inject(ec2: Ec2Port, net: PrivateEcsNetwork): Promise<string>;
  repaired(ec2: Ec2Port, net: PrivateEcsNetwork, before: string): Promise<boolean>;
}

const ownedBy = (tags: Readonly<Record<string, string>>, net: PrivateEcsNetwork) =>
  tags[TagKey.OwnerUid] === net.metadata.uid;

const DRIFTS: readonly Drift[] = [
  {
    name: "tcp/443 rule revoked from the endpoint SG",
    condition: "SecurityGroupReady",
    async inject(ec2, net) {
      const sg = net.status!.securityGroupId!;
      const rules = (await ec2.describeSecurityGroupRules({ groupIds: [sg] })).get(sg) ?? [];
      const rule = rules.find((r) => !r.isEgress && r.cidr)!;
      await ec2.revokeRules({ groupId: sg, ingressRuleIds: [rule.ruleId], egressRuleIds: [] });
      return rule.cidr!;
    },
    async repaired(ec2, net, cidr) {
      const sg = net.status!.securityGroupId!;
      const rules = (await ec2.describeSecurityGroupRules({ groupIds: [sg] })).get(sg) ?? [];
      return rules.some((r) => !r.isEgress && r.cidr === cidr && r.fromPort === 443);
    },
  },
  {
    name: "route table removed from the S3 gateway endpoint",
    condition: "S3GatewayReady",
    async inject(ec2, net) {
      const rt = net.status!.s3RouteTableIds![0]!;
      await ec2.modifyVpcEndpoint({ endpointId: net.status!.s3GatewayEndpointId!, removeRouteTableIds: [rt] });
      return rt;
    },
    async repaired(ec2, net, rt) {
      const eps = await ec2.describeVpcEndpoints({ vpcId: net.spec.vpcId });
      return eps.some((e) => e.id === net.status!.s3GatewayEndpointId && e.routeTableIds.includes(rt));
    },
  },
  {
    name: "NAT gateway deleted",
    condition: "EgressReady",
    async inject(ec2, net) {
      const nat = net.status!.natGateways![0]!;
      await ec2.deleteNatGateway(nat.id!);
      return nat.id!;
    },
    async repaired(ec2, net, before) {
      const tables = await ec2.describeRouteTables({ vpcId: net.spec.vpcId });
      const nats = await ec2.describeNatGateways({ vpcId: net.spec.vpcId });
      const available = new Set(nats.filter((n) => n.state === "available" && n.id !== before).map((n) => n.id));
      const defaults = tables.flatMap((t) =>
        t.routes.filter((r) => r.destination === "0.0.0.0/0" && r.target.kind === "nat"),
      );
      return defaults.length > 0 && defaults.every((r) => r.state === "active" && available.has(r.target.id));
    },
  },
  {
    name: "ecr.dkr interface endpoint deleted",
    condition: "EndpointsReady",
    async inject(ec2, net) {
      const id = net.status!.endpoints!.find((e) => e.service === "ecr.dkr")!.id!;
      await ec2.deleteVpcEndpoint(id);
      return id;
    },
    async repaired(ec2, net, before) {
      const eps = await ec2.describeVpcEndpoints({ vpcId: net.spec.vpcId });
      return eps.some(
        (e) => e.id !== before && e.serviceName.endsWith(".ecr.dkr") && e.state === "available" && ownedBy(e.tags, net),
      );
    },
  },
];

/** Figure 4's result for one drift kind. */
export interface DriftRepair {
  readonly drift: string;
  /** Repetitions attempted and repaired within the timeout (a kind stops at its first timeout). */
  readonly attempted: number;
  readonly repaired: number;
  /** Over the repaired repetitions only. */
  readonly repairMs: Summary;
  /** median / resync interval. */
  readonly overResync: number;
  /** When a repetition timed out: the part condition then (type=status reason: message). */
  readonly failure?: string;
}

/** Figure 4's result. */
export interface DriftRepairs {
  readonly resyncMs: number;
  readonly pendingRequeueMs: number;
  readonly pollMs: number;
  readonly timeoutMs: number;
  readonly kinds: readonly DriftRepair[];
}

/**
 * Figure 4: one network (NAT OnePerAz) under a running operator; for each drift kind in turn, `reps`
 * injections, each timed until the world is repaired, then (while everything so far was repaired) until
 * status is Ready again and no longer names what was removed. A kind that is not repaired within
 * `timeoutMs` is reported with the network's Ready condition and not repeated; later kinds are still
 * measured (their checks do not depend on Ready).
 */
export async function measureDriftRepair(o: {
  reps: number;
  resyncMs: number;
  pendingRequeueMs: number;
  pollMs: number;
  timeoutMs: number;
}): Promise<DriftRepairs> {
  const { aws, vpc } = await startAws();
  const kube = await startKube();
  const operator = await startBenchOperator(kube, aws.endpoint, {
    resyncMs: o.resyncMs,
    pendingRequeueMs: o.pendingRequeueMs,
  });
  const p = pipeline(aws.endpoint);
  const kinds: DriftRepair[] = [];
  let healthy = true;
  try {
    await applyNetwork(kube, "drift", networkSpec(vpc, "OnePerAz"));
    await until("the drift network to be Ready", async () => isReady(await getNetwork(kube, "drift")), {
      timeoutMs: 60_000,
      everyMs: 100,
    });
    for (const d of DRIFTS) {
      const xs: number[] = [];
      let attempted = 0;
      let failure: string | undefined;
      for (let rep = 0; rep < o.reps && failure === undefined; rep++) {
        // A random pause puts the injection at a random point of the sweep cycle.
        await sleep(Math.random() * o.resyncMs);
        const net = (await getNetwork(kube, "drift"))!;
        const before = await d.inject(p.ec2, net);
        attempted++;
        try {
          xs.push(
            await until(d.name, () => d.repaired(p.ec2, net, before), { timeoutMs: o.timeoutMs, everyMs: o.pollMs }),
          );
        } catch {
          const c = (await getNetwork(kube, "drift"))?.status?.conditions?.find((x) => x.type === d.condition);
          failure = `${d.condition}=${c?.status ?? "?"} ${c?.reason ?? "?"}: ${c?.message ?? "no status"}`;
          healthy = false;
          break;
        }
        if (!healthy) continue;
        await until(
          `status after ${d.name}`,
          async () => {
            const n = await getNetwork(kube, "drift");
            // A deleted NAT gateway or endpoint is replaced by a new id; status must stop naming the old one.
            const replaced = /^(nat|vpce)-/.test(before);
            return isReady(n) && !(replaced && JSON.stringify(n?.status ?? {}).includes(`"${before}"`));
          },
          { timeoutMs: o.timeoutMs, everyMs: 100 },
        );
      }
      kinds.push({
        drift: d.name,
        attempted,
        repaired: xs.length,
        repairMs: summarize(xs),
        overResync: ratio(median(xs), o.resyncMs),
        ...(failure !== undefined ? { failure } : {}),
      });
    }
  } finally {
    p.close();
    await operator.stop();
    await kube.close();
    await aws.close();
  }
  return {
    resyncMs: o.resyncMs,
    pendingRequeueMs: o.pendingRequeueMs,
    pollMs: o.pollMs,
    timeoutMs: o.timeoutMs,
    kinds,
  };
}

/** Figure 4c: drift repair started by EC2's change events (docs/events.md). */
export interface EventRepairs {
  readonly resyncMs: number;
  readonly reps: number;
  /** From the out-of-band call's event reaching the queue to the consumer enqueueing the network. */
  readonly queueToHandledMs: Summary & { readonly p95: number };
  /**
   * From the out-of-band call's event reaching the queue to ecsnet's first accepted repairing call
   * (CreateVpcEndpoint). It includes the wait for the old endpoint to finish deleting: until then EC2 refuses a
   * second endpoint with private DNS for the service (a conflicting DNS domain), and ecsnet retries.
   */
  readonly queueToRepairStartMs: Summary & { readonly p95: number };
  /** From the out-of-band call to the replacement endpoint being available. */
  readonly injectToRepairedMs: Summary & { readonly p95: number };
}

/**
 * Figure 4c: one network under an operator consuming the sandbox's events queue, with a 10-minute sweep (so
 * only events explain a repair); `reps` times, 4–6 s apart, an ecr.dkr endpoint is deleted through an EC2
 * client without ecsnet's User-Agent. The sandbox's delivery log gives when the DeleteVpcEndpoints event reached the queue and
 * when ecsnet's own CreateVpcEndpoint (its repair) was made.
 */
export async function measureEventRepair(o: { reps: number; timeoutMs: number }): Promise<EventRepairs> {
  const resyncMs = 600_000;
  const { aws, vpc } = await startAws();
  const queueUrl = aws.sqs.create("ecsnet-events");
  aws.events.subscribe({ queueUrl });
  const kube = await startKube();
  const handledAt: { at: number; e: HandledEvent }[] = [];
  const operator = await startBenchOperator(kube, aws.endpoint, {
    resyncMs,
    pendingRequeueMs: 250,
    queueUrl,
    onEvent: (e) => handledAt.push({ at: Date.now(), e }),
  });
  const ec2 = rawEc2(aws.endpoint);
  const p = pipeline(aws.endpoint);
  const toStart: number[] = [];
  const toRepaired: number[] = [];
  const toHandled: number[] = [];
  try {
    await applyNetwork(kube, "events", networkSpec(vpc, "None"));
    await until("the events network to be Ready", async () => isReady(await getNetwork(kube, "events")), {
      timeoutMs: 60_000,
      everyMs: 50,
    });
    for (let rep = 0; rep < o.reps; rep++) {
      // 4–6 s apart: EC2's CreateVpcEndpoint bucket refills 0.3 token/s (aws-facts 3.7), so one repair per
      // drift never waits for a token; closer drifts measure the bucket, not the events path.
      await sleep(4_000 + Math.random() * 2_000);
      const net = (await getNetwork(kube, "events"))!;
      const id = net.status!.endpoints!.find((e) => e.service === "ecr.dkr")!.id!;
      const seen = aws.events.deliveries().length;
      await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [id] }));
      toRepaired.push(
        await until(
          "ecr.dkr recreated and available",
          async () =>
            (await p.ec2.describeVpcEndpoints({ vpcId: net.spec.vpcId })).some(
              (e) =>
                e.id !== id && e.serviceName.endsWith(".ecr.dkr") && e.state === "available" && ownedBy(e.tags, net),
            ),
          { timeoutMs: o.timeoutMs, everyMs: 20 },
        ),
      );
      const log = aws.events.deliveries().slice(seen);
      const injected = log.find((d) => d.eventName === "DeleteVpcEndpoints" && !/\becsnet\//.test(d.userAgent));
      const repair = log.find((d) => d.eventName === "CreateVpcEndpoint" && /\becsnet\//.test(d.userAgent));
      if (injected && repair) toStart.push(repair.at - injected.at);
      const handled = handledAt.find((h) => h.at >= (injected?.at ?? 0) && h.e.outcome === "matched");
      if (injected && handled) toHandled.push(handled.at - injected.at);
      await until("Ready again", async () => isReady(await getNetwork(kube, "events")), {
        timeoutMs: o.timeoutMs,
        everyMs: 50,
      });
    }
  } finally {
    ec2.destroy();
    p.close();
    await operator.stop();
    await kube.close();
    await aws.close();
  }
  const withP95 = (xs: number[]) => ({ ...summarize(xs), p95: percentile(xs, 95) });
  return {
    resyncMs,
    reps: o.reps,
    queueToHandledMs: withP95(toHandled),
    queueToRepairStartMs: withP95(toStart),
    injectToRepairedMs: withP95(toRepaired),
  };
}

/** Figure 4b's result: out-of-band change → the first repair call, at the operator's default settings. */
export interface DriftAtDefaults {
  readonly resyncMs: number;
  readonly pendingRequeueMs: number;
  readonly fullObserveMs: number;
  readonly networks: number;
  /** Per repetition, the drift kind and ms from the change to the first mutating call the operator made. */
  readonly samples: readonly { readonly drift: string; readonly ms: number }[];
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

/**
 * Figure 4b: the operator at its defaults (operator/config.ts with no ECSNET_* set: the 20 s shared sweep,
 * no events), `networks` converged networks; `reps` times, at a random point of the sweep cycle, one of
 * them loses its ecr.dkr endpoint or a tcp/443 rule out of band, and the time until the operator's first
 * mutating call reaches the sandbox (the repair starting, counted by `admin.calls()`) is recorded. Each
 * repetition then waits for the repair to finish and the network to be Ready again.
 */
export async function measureDriftAtDefaults(o: {
  reps: number;
  networks: number;
  pollMs: number;
}): Promise<DriftAtDefaults> {
  const cfg = loadConfig({});
  const { aws, vpc } = await startAws();
  const kube = await startKube();
  const operator = await startBenchOperator(kube, aws.endpoint, {
    resyncMs: cfg.resyncMs,
    pendingRequeueMs: cfg.pendingRequeueMs,
  });
  const p = pipeline(aws.endpoint);
  const samples: { drift: string; ms: number }[] = [];
  const kinds = DRIFTS.filter((d) => d.condition === "EndpointsReady" || d.condition === "SecurityGroupReady");
  const mutating = () => totals(aws.admin.calls()).mutating;
  try {
    const names = Array.from({ length: o.networks }, (_, i) => `drift-${i}`);
    for (const [i, name] of names.entries()) {
      await applyNetwork(kube, name, networkSpec(i === 0 ? vpc : aws.admin.seed("two-az-vpc"), "None"));
    }
    for (const name of names) {
      await until(`${name} to be Ready`, async () => isReady(await getNetwork(kube, name)), {
        timeoutMs: 120_000,
        everyMs: 200,
      });
    }
    for (let rep = 0; rep < o.reps; rep++) {
      const d = kinds[rep % kinds.length]!;
      const name = names[rep % names.length]!;
      // A random point of the sweep cycle (the operator's sweep runs on its own clock).
      await sleep(Math.random() * cfg.resyncMs);
      const net = (await getNetwork(kube, name))!;
      const before = await d.inject(p.ec2, net);
      const t0 = performance.now();
      const base = mutating();
      await until(`repair of ${d.name} to start`, async () => mutating() > base, {
        timeoutMs: 10 * cfg.resyncMs,
        everyMs: o.pollMs,
      });
      samples.push({ drift: d.name, ms: performance.now() - t0 });
      await until(d.name, () => d.repaired(p.ec2, net, before), { timeoutMs: 120_000, everyMs: 100 });
      await until(`${name} Ready again`, async () => isReady(await getNetwork(kube, name)), {
        timeoutMs: 120_000,
        everyMs: 100,
      });
    }
  } finally {
    p.close();
    await operator.stop();
    await kube.close();
    await aws.close();
  }
  const ms = samples.map((s) => s.ms);
  return {
    resyncMs: cfg.resyncMs,
    pendingRequeueMs: cfg.pendingRequeueMs,
    fullObserveMs: cfg.fullObserveMs,
    networks: o.networks,
    samples,
    p50Ms: median(ms),
    p95Ms: percentile(ms, 95),
    maxMs: Math.max(...ms),
  };
}
