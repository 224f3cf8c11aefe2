/**
 * EC2 throttling against the sandbox's token buckets (sized as AWS publishes them). Time is compressed on
 * both sides: the sandbox's clock and the limiter's clock run SPEED× fast, so a burst that takes 20 s
 * against AWS takes about a second here, with the same bucket sizes and refill rates.
 */
import { CreateVpcEndpointCommand } from "@aws-sdk/client-ec2";
import { TagKey } from "../../../operator/api/group.js";
import { apply } from "../../../operator/aws/apply.js";
import type { AwsCallRecord } from "../../../operator/aws/clients.js";
import { createAwsClients } from "../../../operator/aws/clients.js";
import { createEc2Port } from "../../../operator/aws/ec2-sdk.js";
import { observe } from "../../../operator/aws/observe.js";
import { Ec2Limiter } from "../../../operator/aws/throttle.js";
import type { LimiterClock } from "../../../operator/aws/throttle.js";
import { resolveTopology } from "../../../operator/aws/topology.js";
import type { Ec2Port } from "../../../operator/aws/ec2-port.js";
import type { Action } from "../../../operator/core/actions.js";
import { key } from "../../../operator/core/model.js";
import { clientToken, ownerTags } from "../../../operator/core/ownership.js";
import type { TwoAzVpc } from "../../helpers/aws-sandbox.js";
import { itWithAdmin, NEEDS_ADMIN } from "../../helpers/aws-sandbox.js";
import type { World } from "./aws-world.js";
import * as world from "./aws-world.js";
import { planOf } from "./plans.js";

const SPEED = 8;
const t0 = Date.now();
const fastNow = (): number => t0 + (Date.now() - t0) * SPEED;
const fastClock: LimiterClock = { now: fastNow, setTimer: (fn, ms) => setTimeout(fn, Math.ceil(ms / SPEED)) };

const SERVICES = [
  "ecr.api",
  "ecr.dkr",
  "logs",
  "ecs",
  "ecs-agent",
  "ecs-telemetry",
  "ssm",
  "ssmmessages",
  "kms",
  "sts",
];

let w: World;
beforeAll(async () => {
  w = await world.startWorld({ now: fastNow });
});
afterAll(async () => {
  await w.close();
});

/** Ten CreateInterfaceEndpoint actions with no dependencies: one wave, all in parallel. */
function burst(owner: ReturnType<typeof world.anOwner>, vpc: TwoAzVpc): Action[] {
  return SERVICES.map((s) => {
    const k = key(`endpoint:${s}`);
    const serviceName = `com.amazonaws.${w.target.region}.${s}`;
    const input = { vpcId: vpc.vpcId, serviceName, subnetIds: [vpc.privateSubnetIds[0]!], privateDns: false };
    const clientTokenFor = clientToken(owner.uid, k, input);
    return {
      ...{ key: k, reason: "Missing", detail: `create ${s}`, kind: "CreateInterfaceEndpoint" },
      ...{
        ...input,
        securityGroupIds: [],
        policy: null,
        clientToken: clientTokenFor,
        generation: 0,
        tags: ownerTags(owner, k),
      },
    } as const;
  });
}

/** Resolve, observe and apply the burst with ecsnet's clients; `beforeBurst` runs right before apply. */
async function applyBurst(vpc: TwoAzVpc, calls: AwsCallRecord[], beforeBurst?: (ec2: Ec2Port) => Promise<void>) {
  const owner = world.anOwner();
  const clients = createAwsClients({
    endpoint: w.target.endpoint,
    region: w.target.region,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    limiter: new Ec2Limiter({ clock: fastClock }),
    onCall: (r) => calls.push(r),
  });
  const ec2 = createEc2Port(clients.ec2);
  const topology = await resolveTopology(ec2, { vpcId: vpc.vpcId, region: w.target.region });
  const observed = await observe(ec2, { owner, vpcId: vpc.vpcId, topology });
  await beforeBurst?.(ec2);
  const started = fastNow();
  const results = await apply(ec2, planOf(burst(owner, vpc)), { owner, observed });
  const spanMs = fastNow() - started;
  clients.destroy();
  const ours = (await world.endpointsIn(w.raw, vpc.vpcId)).filter(
    (e) => world.tagMap(e.Tags)[TagKey.OwnerUid] === owner.uid,
  );
  return { results, ours, spanMs, creates: calls.filter((c) => c.operation === "CreateVpcEndpoint") };
}

describe("a burst of ten CreateVpcEndpoint calls with EC2 throttling on", () => {
  itWithAdmin()(
    `is paced to EC2's refill rate by the limiter and never surfaces RequestLimitExceeded ${NEEDS_ADMIN}`,
    async () => {
      const vpc = await world.freshVpc(w);
      const admin = w.target.sandbox!.admin;
      admin.setFaults({ throttling: true });
      // Warm the SDK's CreateVpcEndpoint path with one call, then let both buckets fill up again, so the
      // burst starts with EC2's bucket and ours both full, as they are on an idle account.
      const warmUp = async (ec2: Ec2Port): Promise<void> => {
        const serviceName = `com.amazonaws.${w.target.region}.monitoring`;
        const input = { vpcId: vpc.vpcId, serviceName, subnetIds: [vpc.privateSubnetIds[1]!], privateDns: false };
        await ec2.createVpcEndpoint({ type: "Interface", ...input, clientToken: "warm-up", tags: {} });
        await new Promise((r) => setTimeout(r, 5_000 / SPEED));
        admin.resetCalls();
      };

      const { results, ours, creates, spanMs } = await applyBurst(vpc, [], warmUp);
      admin.setFaults({ throttling: false });

      expect(results.map((r) => r.outcome)).toEqual(SERVICES.map(() => "done"));
      expect(ours).toHaveLength(10);
      expect(creates.slice(1).map((c) => c.outcome)).toEqual(SERVICES.map(() => "ok"));
      // Four at once, then one per EC2 refill (0.3/s): the limiter spread the burst over at least 6 / 0.3 s.
      expect(spanMs).toBeGreaterThanOrEqual((6 / 0.3) * 1000);
      // Unpaced, six of the ten would be refused at once; paced, at most timing jitter costs a retry or two.
      expect(admin.calls()["CreateVpcEndpoint"]).toBeLessThanOrEqual(12);
    },
  );

  itWithAdmin()(
    `completes through adaptive retry when another client emptied EC2's bucket first ${NEEDS_ADMIN}`,
    async () => {
      const vpc = await world.freshVpc(w);
      const admin = w.target.sandbox!.admin;
      admin.setFaults({ throttling: true });
      // Right before the burst, another client of the account empties EC2's CreateVpcEndpoint bucket behind
      // our limiter's back; its last requests are refused, so the bucket is provably empty.
      const drain = async (): Promise<void> => {
        const services = ["monitoring", "xray", "secretsmanager", "ec2messages", "elasticfilesystem", "s3"];
        const sent = services.map((s) =>
          w.raw.send(
            new CreateVpcEndpointCommand({
              ...{
                VpcEndpointType: "Interface",
                VpcId: vpc.vpcId,
                ServiceName: `com.amazonaws.${w.target.region}.${s}`,
              },
              ...{ SubnetIds: [vpc.privateSubnetIds[1]!], PrivateDnsEnabled: false },
            }),
          ),
        );
        const settled = await Promise.allSettled(sent);
        const refused = settled.flatMap((r) => (r.status === "rejected" ? [(r.reason as Error).name] : []));
        expect(refused).toContain("RequestLimitExceeded");
        admin.resetCalls();
      };

      const { results, ours, creates } = await applyBurst(vpc, [], drain);
      admin.setFaults({ throttling: false });

      expect(results.filter((r) => r.outcome !== "done")).toEqual([]);
      expect(ours).toHaveLength(10);
      expect(creates.map((c) => c.outcome)).toEqual(SERVICES.map(() => "ok"));
      // EC2 did throttle (some creates needed more than one attempt) and the retries absorbed it.
      expect(creates.some((c) => (c.attempts ?? 1) > 1)).toBe(true);
    },
  );
});
