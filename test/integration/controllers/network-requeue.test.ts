/**
 * The PrivateEcsNetwork reconciler against the AWS sandbox, with an in-memory object standing in for the
 * informer cache: how soon it asks to look again while AWS keeps refusing the same change.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { FINALIZER } from "../../../operator/api/group.js";
import type { PrivateEcsNetwork } from "../../../operator/api/private-ecs-network.js";
import { networkReconciler } from "../../../operator/controllers/private-ecs-network.js";
import type { KubeClient } from "../../../operator/kube/client.js";
import type { EventRecorder } from "../../../operator/kube/events.js";
import type { ReconcileContext } from "../../../operator/runtime/controller.js";
import { freshVpc, network, reconcileUntilDone, startWorld, type World } from "../reconcile/world.js";

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w?.close();
});

const quiet = () => undefined;
const logger = { debug: quiet, info: quiet, warn: quiet, error: quiet } as unknown as ReconcileContext["logger"];
const ctx = { reconcileId: "r", logger, signal: new AbortController().signal } as ReconcileContext;

describe("the network reconciler's requeue on a refusal that persists", () => {
  it("waits longer after each round in which AWS refused the only change left, instead of retrying every 2 s", async () => {
    const vpc = await freshVpc(w);
    const m = network(vpc);
    const up = await reconcileUntilDone(w, m);
    expect(up.end).toBe("ready");
    const sgId = up.outcome.status.securityGroupId ?? up.outcome.observed?.securityGroups.find((g) => g.owned)?.id;
    expect(sgId).toMatch(/^sg-/);
    // Someone else's group admits traffic from ours: EC2 refuses to delete ours (DependencyViolation) for
    // as long as that rule exists.
    const foreign = await w.raw.send(
      new CreateSecurityGroupCommand({ GroupName: "tasks", Description: "tasks", VpcId: vpc.vpcId }),
    );
    await w.raw.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: foreign.GroupId!,
        IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, UserIdGroupPairs: [{ GroupId: sgId! }] }],
      }),
    );

    let obj = {
      metadata: {
        namespace: m.owner.namespace,
        name: m.owner.name,
        uid: m.owner.uid,
        generation: 1,
        deletionTimestamp: new Date().toISOString(),
        finalizers: [FINALIZER],
      },
      spec: m.rawSpec,
      status: up.outcome.status,
    } as unknown as PrivateEcsNetwork;
    const kube = {
      patchStatus: async (o: { status: PrivateEcsNetwork["status"] }) => {
        obj = { ...obj, status: o.status };
        return obj;
      },
    } as unknown as KubeClient;
    const reconcile = networkReconciler({
      cache: { get: () => obj, list: () => [obj] },
      kube,
      events: { record: async () => undefined } as unknown as EventRecorder,
      aws: w.deps(),
      contributions: { contributionsFor: () => [] },
      requeue: { resyncMs: 300_000, pendingRequeueMs: 15_000 },
      rand: () => 0,
    });
    const delays: number[] = [];
    for (let round = 0; round < 8; round++) {
      const r = await reconcile(`${m.owner.namespace}/${m.owner.name}`, ctx);
      delays.push(r.requeueAfterMs ?? 0);
      w.target.sandbox?.admin.settle();
    }
    // The world: our group is still there (the refusal persists).
    const left = await w.raw.send(new DescribeSecurityGroupsCommand({ GroupIds: [sgId!] }));
    expect(left.SecurityGroups?.map((g) => g.GroupId)).toEqual([sgId]);
    // The last rounds changed nothing and failed the same way: each waits longer than the one before.
    const tail = delays.slice(-4);
    for (let i = 1; i < tail.length; i++) expect(tail[i]!).toBeGreaterThan(tail[i - 1]!);
  });
});
