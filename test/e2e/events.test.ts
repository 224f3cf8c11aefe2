/**
 * EC2 change events end to end: the real `ecsnet run --events-queue` with a drift sweep of 10 minutes, so only
 * an event can explain a repair within seconds. An interface endpoint deleted out of band, through an EC2
 * client that is not ecsnet's (no `ecsnet/<version>` User-Agent), is recreated within a few seconds; ecsnet's
 * own calls, which the queue also carries (the rule does not filter by User-Agent), are dropped and start no
 * reconcile loop.
 *
 * The sandbox plays CloudTrail + EventBridge. Against a real target, set ECSNET_TEST_EVENTS_QUEUE to the queue
 * URL of deploy/aws/events.yaml's stack (and allow for AWS's own delivery delay, minutes at worst).
 */
import { DeleteVpcEndpointsCommand, DescribeVpcEndpointsCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { WATCHED_EC2_EVENTS } from "../../operator/events/cloudtrail.js";
import {
  PEN,
  REAL_TARGET,
  WAIT_MS,
  eventually,
  metricValue,
  sleep,
  spawnOperator,
  startE2eWorld,
  type E2eWorld,
  type OperatorProcess,
} from "../helpers/operator.js";
import { networkManifest, readyNetwork } from "./aws-world.js";

const REAL_QUEUE = process.env.ECSNET_TEST_EVENTS_QUEUE;
const run = REAL_TARGET && !REAL_QUEUE ? it.skip : it;
let world: E2eWorld;
let op: OperatorProcess;

beforeAll(async () => {
  if (REAL_TARGET && !REAL_QUEUE) return;
  world = await startE2eWorld();
  let queueUrl = REAL_QUEUE;
  if (!queueUrl) {
    const res = await fetch(`${world.awsEndpoint}/_sandbox/events/queue`, {
      method: "POST",
      body: JSON.stringify({ name: "ecsnet-events", eventNames: WATCHED_EC2_EVENTS }),
    });
    queueUrl = ((await res.json()) as { queueUrl: string }).queueUrl;
  }
  op = await spawnOperator(world, {
    args: ["--events-queue", queueUrl],
    env: { ECSNET_RESYNC_MS: "600000", ECSNET_LOG_LEVEL: "info" },
  });
});

afterAll(async () => {
  await op?.stop();
  await world?.close();
});

/** ecsnet's successful mutating AWS calls so far (every operation but Describe*, List*, Get*). */
async function ecsnetMutations(): Promise<number> {
  const text = (await op.http("/metrics")).body;
  return text
    .split("\n")
    .filter((l) => l.startsWith("ecsnet_aws_api_calls_total{") && l.includes('outcome="success"'))
    .filter((l) => !/operation="(Describe|List|Get)/.test(l))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

const metric = async (outcome: string) =>
  metricValue((await op.http("/metrics")).body, "ecsnet_events_total", { outcome }) ?? 0;

run(
  "repairs an endpoint deleted out of band within seconds, and ignores its own changes",
  async () => {
    const vpc = await world.newVpc();
    await world.kube.create({ resource: PEN, body: networkManifest(world, "ev", vpc) });
    const net = await readyNetwork(world, "ev");

    // ecsnet's own creations came back as events: all dropped as its own, none matched, and nothing more is done.
    await eventually(
      async () => {
        if ((await metric("own")) < 1) throw new Error("ecsnet's own events not seen yet");
      },
      { what: "ecsnet's own events are consumed", timeoutMs: WAIT_MS },
    );
    // No loop: over 3 s, ecsnet makes no further AWS change and no event matches a network (its own events
    // are all dropped as its own). Reconciles may still run (its own status writes come back as watch events).
    const mutationsBefore = await ecsnetMutations();
    expect(mutationsBefore).toBeGreaterThan(0);
    await sleep(3_000);
    expect(await ecsnetMutations()).toBe(mutationsBefore);
    expect(await metric("matched")).toBe(0);
    expect(await metric("own")).toBeGreaterThanOrEqual(1);

    // Out of band, through the test's own EC2 client (no ecsnet User-Agent).
    const gone = net.status!.endpoints!.find((e) => e.service === "ecr.dkr")!.id;
    const deletedAt = Date.now();
    await world.ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [gone] }));
    const replacement = await eventually(
      async () => {
        const eps = (
          await world.ec2.send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc.vpcId] }] }))
        ).VpcEndpoints!;
        const fresh = eps.find(
          (e) =>
            e.ServiceName?.endsWith(".ecr.dkr") &&
            e.VpcEndpointId !== gone &&
            !/^(deleting|deleted)$/i.test(e.State ?? ""),
        );
        if (!fresh) throw new Error("ecr.dkr not recreated yet");
        return fresh;
      },
      { what: "ecr.dkr is recreated", timeoutMs: REAL_QUEUE ? WAIT_MS : 10_000 },
    );
    const repairMs = Date.now() - deletedAt;
    expect(replacement.VpcEndpointId).not.toBe(gone);
    // A sweep of 10 minutes cannot explain it: the event did.
    if (!REAL_QUEUE) expect(repairMs).toBeLessThan(5_000);
    expect(await metric("matched")).toBeGreaterThanOrEqual(1);
    expect(
      op.logs.some(
        (l) => l.msg === "AWS change event: reconciling the networks it touches" && l.event === "DeleteVpcEndpoints",
      ),
    ).toBe(true);
  },
  4 * WAIT_MS,
);
