/**
 * deploy/aws/events.yaml, read as CloudFormation reads it (short-form intrinsic functions `!Ref`, `!GetAtt`
 * as tags): a queue, a queue policy that lets only the rule send (principal events.amazonaws.com,
 * aws:SourceArn = the rule, as https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sqs-permissions
 * shows), and a rule on EC2's CloudTrail events whose event names are exactly the ones the operator maps.
 */
import { readFileSync } from "node:fs";
import { parse, type CollectionTag, type ScalarTag } from "yaml";
import { WATCHED_EC2_EVENTS } from "../../../operator/events/cloudtrail.js";

const scalar = (tag: string, key: string): ScalarTag => ({
  tag,
  resolve: (v: string) => ({ [key]: key === "Fn::GetAtt" ? v.split(".") : v }),
});
const seq = (tag: string, key: string): CollectionTag => ({
  tag,
  collection: "seq",
  resolve: (v) => ({ [key]: (v as { toJSON(): unknown }).toJSON() }),
});
const CFN_TAGS = [
  scalar("!Ref", "Ref"),
  scalar("!GetAtt", "Fn::GetAtt"),
  scalar("!Sub", "Fn::Sub"),
  seq("!Join", "Fn::Join"),
  seq("!Select", "Fn::Select"),
];

type Resource = { Type: string; Properties: Record<string, unknown> };
const template = parse(readFileSync(new URL("../../../deploy/aws/events.yaml", import.meta.url), "utf8"), {
  customTags: CFN_TAGS,
}) as { Resources: Record<string, Resource>; Outputs: Record<string, { Value: unknown }> };
const byType = (t: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === t);

it("has one queue, one queue policy and one rule", () => {
  expect(byType("AWS::SQS::Queue")).toHaveLength(1);
  expect(byType("AWS::SQS::QueuePolicy")).toHaveLength(1);
  expect(byType("AWS::Events::Rule")).toHaveLength(1);
});

it("the rule matches EC2's CloudTrail events for exactly the calls the operator maps, and targets the queue", () => {
  const [queueId] = byType("AWS::SQS::Queue")[0]!;
  const rule = byType("AWS::Events::Rule")[0]![1].Properties as {
    EventPattern: { source: string[]; "detail-type": string[]; detail: { eventName: string[]; eventSource: string[] } };
    Targets: { Arn: unknown }[];
  };
  expect(rule.EventPattern.source).toEqual(["aws.ec2"]);
  expect(rule.EventPattern["detail-type"]).toEqual(["AWS API Call via CloudTrail"]);
  expect(rule.EventPattern.detail.eventSource).toEqual(["ec2.amazonaws.com"]);
  expect([...rule.EventPattern.detail.eventName].sort()).toEqual([...WATCHED_EC2_EVENTS].sort());
  expect(rule.Targets).toEqual([expect.objectContaining({ Arn: { "Fn::GetAtt": [queueId, "Arn"] } })]);
});

it("the queue policy lets only events.amazonaws.com, from this rule, send to this queue", () => {
  const [queueId] = byType("AWS::SQS::Queue")[0]!;
  const [ruleId] = byType("AWS::Events::Rule")[0]!;
  const policy = byType("AWS::SQS::QueuePolicy")[0]![1].Properties as {
    Queues: unknown[];
    PolicyDocument: { Statement: Record<string, unknown>[] };
  };
  expect(policy.Queues).toEqual([{ Ref: queueId }]);
  expect(policy.PolicyDocument.Statement).toEqual([
    {
      Sid: expect.any(String),
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sqs:SendMessage",
      Resource: { "Fn::GetAtt": [queueId, "Arn"] },
      Condition: { ArnEquals: { "aws:SourceArn": { "Fn::GetAtt": [ruleId, "Arn"] } } },
    },
  ]);
});

it("outputs the queue URL (Ref of a queue) and ARN", () => {
  const [queueId] = byType("AWS::SQS::Queue")[0]!;
  expect(template.Outputs.QueueUrl!.Value).toEqual({ Ref: queueId });
  expect(template.Outputs.QueueArn!.Value).toEqual({ "Fn::GetAtt": [queueId, "Arn"] });
});
