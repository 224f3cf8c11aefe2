/**
 * EcrAccess contributions through the whole reconcile: restricted ECR/S3 endpoint policies are valid IAM
 * JSON scoped to the repositories, and are updated in place (same endpoint, ModifyVpcEndpoint) when the
 * set of repositories changes.
 */
import { DescribeVpcEndpointsCommand } from "@aws-sdk/client-ec2";
import { reconcileNetwork } from "../../../operator/controllers/reconcile-network.js";
import type { Contribution } from "../../../operator/core/model.js";
import { toContribution, workloadNeeds } from "../../../operator/core/workload-needs.js";
import { freshVpc, network, startWorld, type World } from "./world.js";

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w.close();
});

const ACCOUNT = "123456789012";
const contribution = (repos: string[]): Contribution =>
  toContribution("apps/web", workloadNeeds({ repositories: repos }, { region: w.target.region, accountId: ACCOUNT }), {
    restrictEndpointPolicies: true,
    region: w.target.region,
  });

async function endpoints(vpcId: string) {
  const out = await w.raw.send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }));
  const live = (out.VpcEndpoints ?? []).filter((e) => !["deleted", "deleting"].includes(String(e.State)));
  return new Map(live.map((e) => [e.ServiceName!.split(".").slice(3).join("."), e]));
}

type Policy = {
  Version: string;
  Statement: { Effect: string; Action: string | string[]; Resource: string | string[] }[];
};
const resources = (p: Policy) => p.Statement.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));

it("scopes the ECR and S3 endpoint policies to the repositories, and rewrites them in place when the set changes", async () => {
  const vpc = await freshVpc(w);
  const m = network(vpc);
  const reconcileUntilReady = async (c: Contribution) => {
    for (let i = 0; i < 20; i++) {
      const out = await reconcileNetwork(w.deps(), {
        owner: m.owner,
        generation: 1,
        rawSpec: m.rawSpec,
        prevStatus: undefined,
        contributions: [c],
        deleting: false,
        dryRun: false,
      });
      if (out.status.conditions?.some((x) => x.type === "Ready" && x.status === "True")) return out;
      w.target.sandbox?.admin.settle();
      await new Promise((r) => setTimeout(r, w.target.external ? 5_000 : 50));
    }
    throw new Error("network did not become Ready");
  };

  await reconcileUntilReady(contribution(["team/web"]));
  const first = await endpoints(vpc.vpcId);
  const dkr = JSON.parse(first.get("ecr.dkr")!.PolicyDocument!) as Policy;
  expect(dkr.Version).toBe("2012-10-17");
  expect(resources(dkr)).toContain(`arn:aws:ecr:${w.target.region}:${ACCOUNT}:repository/team/web`);
  expect(resources(dkr)).not.toContain(`arn:aws:ecr:${w.target.region}:${ACCOUNT}:repository/team/api`);
  const s3 = JSON.parse(first.get("s3")!.PolicyDocument!) as Policy;
  expect(resources(s3)).toEqual([`arn:aws:s3:::prod-${w.target.region}-starport-layer-bucket/*`]);

  await reconcileUntilReady(contribution(["team/web", "team/api"]));
  const second = await endpoints(vpc.vpcId);
  expect(second.get("ecr.dkr")!.VpcEndpointId).toBe(first.get("ecr.dkr")!.VpcEndpointId);
  expect(second.get("ecr.api")!.VpcEndpointId).toBe(first.get("ecr.api")!.VpcEndpointId);
  const updated = JSON.parse(second.get("ecr.dkr")!.PolicyDocument!) as Policy;
  expect(resources(updated)).toEqual(
    expect.arrayContaining([
      `arn:aws:ecr:${w.target.region}:${ACCOUNT}:repository/team/web`,
      `arn:aws:ecr:${w.target.region}:${ACCOUNT}:repository/team/api`,
    ]),
  );
});
