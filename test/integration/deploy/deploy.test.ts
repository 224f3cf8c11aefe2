/**
 * What deploy/ ships stays true to the code: the IAM policy grants exactly the AWS actions the adapters
 * call, the Deployment's arguments are flags `ecsnet run` accepts, and the kustomization renders.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { runCommand } from "../../../operator/cli/run.js";
import { hasKubectl } from "../../helpers/tools.js";

const AWS_DIR = "operator/aws";
/** Files whose SDK commands are ECS's; every other adapter file speaks EC2. */
const ECS_FILES = new Set(["ecs-sdk.ts"]);
/** Files whose SDK commands are STS's (AwsAccount roles, aws/targets.ts). */
const STS_FILES = new Set(["targets.ts"]);
/**
 * Calls no IAM permission covers: sts:GetCallerIdentity ("No permissions are required to perform this
 * operation", STS API reference, API_GetCallerIdentity.html). sts:AssumeRole of AwsAccount roles is granted
 * only with `ecsnet iam-policy --assume-role` (test/unit/iam/assume-roles.test.ts), never by default.
 */
const NO_PERMISSION = new Set(["sts:GetCallerIdentity"]);
/**
 * Adapters of opt-in features the default policy does not grant: the events queue's SQS calls
 * (aws/event-queue.ts) come only with `ecsnet iam-policy --events-queue-arn`, checked on that queue alone by
 * test/unit/iam/events-queue.test.ts.
 */
const OPT_IN_FILES = new Set(["event-queue.ts"]);
/** Permissions AWS checks on our behalf without a call of that name (documented dependent actions). */
const DEPENDENT = new Set(["route53:AssociateVPCWithHostedZone"]);

function actionsCalled(): Set<string> {
  const out = new Set<string>();
  for (const f of readdirSync(AWS_DIR).filter((n) => n.endsWith(".ts") && !OPT_IN_FILES.has(n))) {
    const text = readFileSync(join(AWS_DIR, f), "utf8");
    const prefix = ECS_FILES.has(f) ? "ecs" : STS_FILES.has(f) ? "sts" : "ec2";
    for (const m of text.matchAll(/new ([A-Z][A-Za-z]+)Command\b|paginate([A-Z][A-Za-z]+)\(/g)) {
      const action = `${prefix}:${m[1] ?? m[2]}`;
      if (!NO_PERMISSION.has(action)) out.add(action);
    }
  }
  return out;
}

function actionsGranted(): Set<string> {
  const policy = JSON.parse(readFileSync("deploy/iam-policy.json", "utf8")) as {
    Statement: { Action: string | string[] }[];
  };
  return new Set(policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
}

describe("deploy/iam-policy.json", () => {
  it("grants every AWS action the adapters call", () => {
    const granted = actionsGranted();
    expect([...actionsCalled()].filter((a) => !granted.has(a)).sort()).toEqual([]);
  });
  it("grants nothing the adapters do not call (apart from AWS's documented dependent actions)", () => {
    const called = actionsCalled();
    expect([...actionsGranted()].filter((a) => !called.has(a) && !DEPENDENT.has(a)).sort()).toEqual([]);
  });
});

describe("deploy/deployment.yaml", () => {
  it("passes only flags that ecsnet run accepts", () => {
    const docs = parseAllDocuments(readFileSync("deploy/deployment.yaml", "utf8")).map((d) => d.toJS());
    const args = docs[0].spec.template.spec.containers[0].args as string[];
    expect(args[0]).toBe("run");
    const { unknown } = runCommand().parseOptions(args.slice(1));
    expect(unknown).toEqual([]);
  });
});

(hasKubectl ? describe : describe.skip)("deploy/ with kubectl kustomize [skipped without kubectl]", () => {
  it("renders the CRDs, namespace, RBAC and the Deployment", () => {
    const out = execFileSync("kubectl", ["kustomize", "deploy"], { encoding: "utf8" });
    const kinds = parseAllDocuments(out).map((d) => `${d.toJS().kind}/${d.toJS().metadata.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        "CustomResourceDefinition/privateecsnetworks.ecsnet.dev",
        "CustomResourceDefinition/ecraccesses.ecsnet.dev",
        "Namespace/ecsnet-system",
        "ServiceAccount/ecsnet",
        "ClusterRole/ecsnet",
        "Role/ecsnet-leader-election",
        "Deployment/ecsnet",
      ]),
    );
    expect(parse(readFileSync("deploy/kustomization.yaml", "utf8")).namespace).toBe("ecsnet-system");
  });
});
