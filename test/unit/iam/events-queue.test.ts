/** `ecsnet iam-policy --events-queue-arn`: the events consumer's rights on its queue, and nothing by default. */
import { EVENTS_QUEUE_ACTIONS, grantedActions, iamPolicy } from "../../../operator/iam/policy.js";
import { DEFAULT_FEATURES, PLACEHOLDER_SCOPE } from "../../../operator/iam/scope.js";
import { PRINCIPAL_ACCOUNT, SCOPE, actionsSentByAdapters, decide } from "./simulate.js";

const ARN = "arn:aws:sqs:us-east-1:111122223333:ecsnet-ec2-events";

it("grants receive, delete, visibility and attribute reads on the events queue only", () => {
  const p = iamPolicy(PLACEHOLDER_SCOPE, { ...DEFAULT_FEATURES, eventsQueueArn: ARN });
  const sqs = p.Statement.filter((s) => s.Action.some((a) => a.startsWith("sqs:")));
  expect(sqs).toEqual([expect.objectContaining({ Resource: ARN })]);
  expect([...sqs[0]!.Action].sort()).toEqual([
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
  ]);
  expect(EVENTS_QUEUE_ACTIONS).toEqual(sqs[0]!.Action);
});

it("grants nothing of SQS without an events queue (the default policy is unchanged)", () => {
  expect(grantedActions(iamPolicy(PLACEHOLDER_SCOPE, DEFAULT_FEATURES)).filter((a) => a.startsWith("sqs:"))).toEqual(
    [],
  );
});

/**
 * IAM authorizes an SQS batch call by its single action: "DeleteMessageBatch ... permission: sqs:DeleteMessage"
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html).
 */
const iamActionOf = (a: string) => a.replace(/Batch$/, "");

it("covers every SQS call the adapters send (read from their imports), and the simulator agrees", async () => {
  const sent = [...new Set(actionsSentByAdapters("operator/aws", ["sqs"]).map(iamActionOf))].sort();
  expect(sent.length).toBeGreaterThan(0);
  // The role's own account: the identity policy alone decides (no queue policy in the request).
  const queue = `arn:aws:sqs:eu-west-1:${PRINCIPAL_ACCOUNT}:ecsnet-ec2-events`;
  const p = iamPolicy(SCOPE, { ...DEFAULT_FEATURES, eventsQueueArn: queue });
  for (const action of sent) {
    expect(EVENTS_QUEUE_ACTIONS).toContain(action);
    expect(
      (await decide(p, { action, type: "queue", resource: queue, context: { "aws:RequestedRegion": "eu-west-1" } }))
        .result,
    ).toBe("Allowed");
    const other = queue.replace("ecsnet-ec2-events", "payments");
    expect(
      (await decide(p, { action, type: "queue", resource: other, context: { "aws:RequestedRegion": "eu-west-1" } }))
        .result,
    ).not.toBe("Allowed");
  }
  // GetQueueAttributes is granted for operators' own checks of the queue (aws sqs get-queue-attributes).
  expect(EVENTS_QUEUE_ACTIONS.filter((a) => !sent.includes(a))).toEqual(["sqs:GetQueueAttributes"]);
});
