/**
 * The sandbox's SQS endpoint over HTTP with the real @aws-sdk/client-sqs, and its EventBridge stand-in.
 * SQS behaviour checked against its documentation:
 * - long polling returns as soon as a message is available, not at the end of WaitTimeSeconds
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html);
 * - a received message not deleted within its visibility timeout is delivered again, with a new receipt
 *   handle and a higher ApproximateReceiveCount; ChangeMessageVisibility 0 makes it visible at once
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html);
 * - DeleteMessageBatch reports each entry on its own (API_DeleteMessageBatch).
 */
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import {
  CreateSecurityGroupCommand,
  CreateVpcEndpointCommand,
  DeleteVpcEndpointsCommand,
  EC2Client,
  ModifyVpcAttributeCommand,
} from "@aws-sdk/client-ec2";
import { runAwsSandboxForeground } from "../../../operator/sandbox/aws/cli.js";
import { startAwsSandbox, type AwsSandbox } from "../../../operator/sandbox/aws/server.js";
import { parseEventMessage, touchedIds } from "../../../operator/events/cloudtrail.js";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };
let aws: AwsSandbox;
let sqs: SQSClient;

beforeAll(async () => {
  aws = await startAwsSandbox({ seed: "two-az-vpc" });
  sqs = new SQSClient({ endpoint: aws.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
});
afterAll(async () => {
  sqs.destroy();
  await aws.close();
});

const create = async (name: string, visibility = "30") =>
  (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: visibility } })))
    .QueueUrl!;

it("creates, finds and describes a queue; an unknown queue is QueueDoesNotExist", async () => {
  const url = await create("q-basic");
  expect(url).toBe(`${aws.endpoint}/123456789012/q-basic`);
  expect((await sqs.send(new GetQueueUrlCommand({ QueueName: "q-basic" }))).QueueUrl).toBe(url);
  const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }))).Attributes!;
  expect(attrs).toMatchObject({ VisibilityTimeout: "30", QueueArn: "arn:aws:sqs:us-east-1:123456789012:q-basic" });
  await expect(sqs.send(new GetQueueUrlCommand({ QueueName: "nope" }))).rejects.toBeInstanceOf(QueueDoesNotExist);
});

it("long polling returns as soon as a message arrives", async () => {
  const url = await create("q-long");
  const started = Date.now();
  const polled = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20, MaxNumberOfMessages: 10 }));
  await new Promise((r) => setTimeout(r, 300));
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "héllo" }));
  const out = await polled;
  const took = Date.now() - started;
  expect(out.Messages?.map((m) => m.Body)).toEqual(["héllo"]);
  expect(took).toBeGreaterThanOrEqual(250);
  expect(took).toBeLessThan(3_000);
});

it("an empty long poll ends at WaitTimeSeconds with no messages", async () => {
  const url = await create("q-empty");
  const started = Date.now();
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
  expect(out.Messages ?? []).toEqual([]);
  expect(Date.now() - started).toBeGreaterThanOrEqual(900);
});

it("the visibility timeout hides a received message, then delivers it again with a new receipt handle", async () => {
  const url = await create("q-vis", "1");
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "m" }));
  const attrs = ["ApproximateReceiveCount" as const];
  const first = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: attrs })))
    .Messages!;
  expect(first).toHaveLength(1);
  // Invisible now: a short poll sees nothing.
  expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages ?? []).toEqual([]);
  const again = (
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 3, MessageSystemAttributeNames: attrs }))
  ).Messages!;
  expect(again[0]!.MessageId).toBe(first[0]!.MessageId);
  expect(again[0]!.ReceiptHandle).not.toBe(first[0]!.ReceiptHandle);
  expect(again[0]!.Attributes?.ApproximateReceiveCount).toBe("2");
  // ChangeMessageVisibility 0: visible at once.
  await sqs.send(
    new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: again[0]!.ReceiptHandle, VisibilityTimeout: 0 }),
  );
  expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toHaveLength(1);
});

it("DeleteMessageBatch deletes each entry on its own; an invalid receipt handle fails alone", async () => {
  const url = await create("q-batch", "1");
  for (const b of ["a", "b", "c"]) await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: b }));
  const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }))).Messages!;
  expect(got.map((m) => m.Body).sort()).toEqual(["a", "b", "c"]);
  const out = await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: url,
      Entries: [
        { Id: "0", ReceiptHandle: got[0]!.ReceiptHandle },
        { Id: "1", ReceiptHandle: got[1]!.ReceiptHandle },
        { Id: "2", ReceiptHandle: "not-a-handle" },
      ],
    }),
  );
  expect(out.Successful?.map((s) => s.Id)).toEqual(["0", "1"]);
  expect(out.Failed?.map((f) => [f.Id, f.Code])).toEqual([["2", "ReceiptHandleIsInvalid"]]);
  const left = (
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 3, MaxNumberOfMessages: 10 }))
  ).Messages!;
  expect(left.map((m) => m.Body)).toEqual([got[2]!.Body]);
  await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
  const n = (
    await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    )
  ).Attributes;
  expect(n).toEqual({ ApproximateNumberOfMessages: "0", ApproximateNumberOfMessagesNotVisible: "0" });
});

it("delivers each EC2 mutation as an EventBridge CloudTrail event on the subscribed queue, with the caller's User-Agent", async () => {
  const res = await fetch(`${aws.endpoint}/_sandbox/events/queue`, {
    method: "POST",
    body: JSON.stringify({ name: "q-events", eventNames: ["CreateVpcEndpoint", "DeleteVpcEndpoints"] }),
  });
  const { queueUrl } = (await res.json()) as { queueUrl: string };
  const ec2 = new EC2Client({
    endpoint: aws.endpoint,
    region: "us-east-1",
    credentials,
    maxAttempts: 1,
    customUserAgent: "someone-else/1.0",
  });
  try {
    const ep = await ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: aws.seeded!.vpcId,
        ServiceName: "com.amazonaws.us-east-1.s3",
        VpcEndpointType: "Gateway",
      }),
    );
    const id = ep.VpcEndpoint!.VpcEndpointId!;
    await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [id] }));
    const msgs = (
      await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }))
    ).Messages!;
    const calls = msgs.map((m) => {
      const p = parseEventMessage(m.Body!);
      if (!p.ok) throw new Error(p.reason);
      return p.call;
    });
    expect(calls.map((c) => c.eventName).sort()).toEqual(["CreateVpcEndpoint", "DeleteVpcEndpoints"]);
    const del = calls.find((c) => c.eventName === "DeleteVpcEndpoints")!;
    expect(del.requestParameters).toEqual({ DeleteVpcEndpointsRequest: { VpcEndpointId: { tag: 1, content: id } } });
    expect(del.userAgent).toContain("someone-else/1.0");
    expect(del).toMatchObject({ region: "us-east-1", account: "123456789012" });
    const created = calls.find((c) => c.eventName === "CreateVpcEndpoint")!;
    expect(touchedIds(created).ids).toEqual(expect.arrayContaining([id, aws.seeded!.vpcId]));
  } finally {
    ec2.destroy();
  }
});

it("`ecsnet sandbox aws --events` creates the queue, prints its URL and delivers the watched calls to it", async () => {
  const lines: string[] = [];
  const done = runAwsSandboxForeground({ port: 0, seed: "two-az-vpc", events: true, throttling: false }, (l) =>
    lines.push(l),
  );
  const until = Date.now() + 5_000;
  while (!lines.some((l) => l.includes("--events-queue")) && Date.now() < until)
    await new Promise((r) => setTimeout(r, 20));
  const queueUrl = /--events-queue (\S+)/.exec(lines.join("\n"))?.[1];
  const endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(lines[0] ?? "")?.[1];
  expect(queueUrl).toBe(`${endpoint}/123456789012/ecsnet-events`);
  const vpcId = /vpc (vpc-[0-9a-f]{17})/.exec(lines.join("\n"))![1]!;
  const client = new SQSClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
  const ec2 = new EC2Client({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
  try {
    // A watched call (ModifyVpcAttribute) and an unwatched one (CreateSecurityGroup): only the first arrives.
    await ec2.send(new CreateSecurityGroupCommand({ GroupName: "other", Description: "x", VpcId: vpcId }));
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsSupport: { Value: true } }));
    const got = (
      await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }))
    ).Messages!;
    const names = got.map((m) => (JSON.parse(m.Body!) as { detail: { eventName: string } }).detail.eventName);
    expect(names).toEqual(["ModifyVpcAttribute"]);
    const detail = (JSON.parse(got[0]!.Body!) as { detail: Record<string, unknown> }).detail;
    expect(detail.requestParameters).toEqual({ vpcId, enableDnsSupport: { value: true } });
  } finally {
    client.destroy();
    ec2.destroy();
    process.emit("SIGTERM");
    await done;
  }
});

it("delays deliveries when asked (AWS's own delivery is not instant)", async () => {
  const url = aws.sqs.create("q-delay");
  aws.events.subscribe({ queueUrl: url, eventNames: ["ModifyVpcAttribute"] });
  await fetch(`${aws.endpoint}/_sandbox/events/delay`, { method: "POST", body: JSON.stringify({ ms: 400 }) });
  const ec2 = new EC2Client({ endpoint: aws.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
  try {
    const started = Date.now();
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: aws.seeded!.vpcId, EnableDnsHostnames: { Value: true } }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages ?? []).toEqual([]);
    const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 3 }))).Messages!;
    expect(got).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
  } finally {
    ec2.destroy();
    await fetch(`${aws.endpoint}/_sandbox/events/delay`, { method: "POST", body: JSON.stringify({ ms: 0 }) });
  }
});
