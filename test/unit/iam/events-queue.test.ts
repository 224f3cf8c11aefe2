/** `ecsnet iam-policy --events-queue-arn`: the events consumer's rights on its queue, and nothing by default. */
import { EVENTS_QUEUE_ACTIONS, grantedActions, iamPolicy } from "../../../operator/iam/policy.js";
import { DEFAULT_FEATURES, PLACEHOLDER_SCOPE } from "../../../operator/iam/scope.js";

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
