/**
 * The events consumer (operator/events/consumer.ts) on the real SQS client (aws/event-queue.ts) against the
 * sandbox's SQS endpoint: it consumes only while active, enqueues the networks an event names, deletes what it
 * handled (unreadable messages included) without throwing, and stops at once in the middle of a 20 s long poll.
 */
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import pino from "pino";
import type { PrivateEcsNetwork } from "../../../operator/api/private-ecs-network.js";
import { createEventQueue } from "../../../operator/aws/event-queue.js";
import { EventConsumer, type HandledEvent } from "../../../operator/events/consumer.js";
import { createMetrics } from "../../../operator/observability/metrics.js";
import { startAwsSandbox, type AwsSandbox } from "../../../operator/sandbox/aws/server.js";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const EP = "vpce-0a1b2c3d4e5f60718";
let aws: AwsSandbox;
let sqs: SQSClient;

beforeAll(async () => {
  aws = await startAwsSandbox();
  sqs = new SQSClient({ endpoint: aws.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
});
afterAll(async () => {
  sqs.destroy();
  await aws.close();
});

const network = {
  apiVersion: "ecsnet.dev/v1alpha1",
  kind: "PrivateEcsNetwork",
  metadata: { name: "a", namespace: "team" },
  spec: { vpcId: "vpc-0ddddeeeeffff0000" },
  status: { endpoints: [{ service: "ecr.dkr", id: EP }] },
} as unknown as PrivateEcsNetwork;

const deleteEvent = (userAgent: string) =>
  JSON.stringify({
    id: "e1",
    "detail-type": "AWS API Call via CloudTrail",
    source: "aws.ec2",
    account: "123456789012",
    region: "us-east-1",
    detail: {
      eventName: "DeleteVpcEndpoints",
      awsRegion: "us-east-1",
      userAgent,
      requestParameters: { DeleteVpcEndpointsRequest: { VpcEndpointId: { tag: 1, content: EP } } },
    },
  });

function consumer(queueUrl: string, active: () => boolean) {
  const enqueued: string[] = [];
  const handled: HandledEvent[] = [];
  const metrics = createMetrics(undefined, { defaultMetrics: false });
  const c = new EventConsumer({
    queue: createEventQueue({ queueUrl, endpoint: aws.endpoint, region: "us-east-1", credentials, waitSeconds: 20 }),
    active,
    networks: () => [network],
    defaultRegion: "us-east-1",
    enqueue: (k) => enqueued.push(k),
    logger: pino({ level: "silent" }),
    metrics,
    onHandled: (e) => handled.push(e),
  });
  return { c, enqueued, handled, metrics };
}

const waitFor = async (what: string, check: () => boolean, ms = 5_000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const depth = async (url: string) => {
  const a = (
    await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    )
  ).Attributes!;
  return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
};

it("enqueues the network an event names, drops ecsnet's own and unreadable messages, and deletes them all", async () => {
  const url = aws.sqs.create("consumer-a");
  const { c, enqueued, handled, metrics } = consumer(url, () => true);
  c.start();
  try {
    for (const body of [deleteEvent("aws-cli/2.15.0"), deleteEvent("aws-sdk-js/3 ecsnet/0.1.0"), "not json", "{}"])
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    await waitFor("4 handled", () => handled.length === 4);
    expect(enqueued).toEqual(["team/a"]);
    expect(handled.map((h) => h.outcome).sort()).toEqual(["invalid", "invalid", "matched", "own"]);
    // Deleted after handling (DeleteMessageBatch), not left to come back after the visibility timeout.
    const until = Date.now() + 2_000;
    while ((await depth(url)) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(await depth(url)).toBe(0);
    const total = await metrics.eventsTotal.get();
    expect(total.values.find((v) => v.labels.outcome === "matched")?.value).toBe(1);
  } finally {
    await c.stop();
  }
});

it("takes nothing while inactive (a standby), and starts consuming once active", async () => {
  const url = aws.sqs.create("consumer-b");
  let active = false;
  const { c, handled } = consumer(url, () => active);
  c.start();
  try {
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: deleteEvent("aws-cli/2") }));
    await new Promise((r) => setTimeout(r, 1_000));
    expect(handled).toEqual([]);
    // Still visible: a standby never made it invisible.
    expect(aws.sqs.attributes(url).ApproximateNumberOfMessages).toBe("1");
    active = true;
    await waitFor("the message to be handled", () => handled.length === 1);
  } finally {
    await c.stop();
  }
});

it("stops within a second in the middle of a 20 s long poll", async () => {
  const url = aws.sqs.create("consumer-c");
  const { c } = consumer(url, () => true);
  c.start();
  await new Promise((r) => setTimeout(r, 300));
  const started = Date.now();
  await c.stop();
  expect(Date.now() - started).toBeLessThan(1_000);
});
