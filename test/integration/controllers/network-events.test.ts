/**
 * The PrivateEcsNetwork reconciler's Events and drift metric against the AWS sandbox: Created while the
 * network is first made, Updated for a spec change, Repaired (and counted as drift) only when AWS changed
 * after the network had converged, Deleted for the teardown.
 */
import { DeleteVpcEndpointsCommand, DescribeVpcEndpointsCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { FINALIZER } from "../../../operator/api/group.js";
import { Registry } from "prom-client";
import type { PrivateEcsNetwork } from "../../../operator/api/private-ecs-network.js";
import { networkReconciler } from "../../../operator/controllers/private-ecs-network.js";
import type { KubeClient } from "../../../operator/kube/client.js";
import type { EventRecorder } from "../../../operator/kube/events.js";
import { createMetrics } from "../../../operator/observability/metrics.js";
import type { ReconcileContext } from "../../../operator/runtime/controller.js";
import { freshVpc, network, startWorld, type World } from "../reconcile/world.js";

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

describe("events and the drift metric", () => {
  it("say Created, then Updated for a spec change, Repaired only for drift, and Deleted", async () => {
    const vpc = await freshVpc(w);
    const m = network(vpc, { tags: { team: "a" } });
    let obj = {
      metadata: {
        namespace: m.owner.namespace,
        name: m.owner.name,
        uid: m.owner.uid,
        generation: 1,
        resourceVersion: "1",
        finalizers: [FINALIZER],
      },
      spec: m.rawSpec,
    } as unknown as PrivateEcsNetwork;
    const kube = {
      patchStatus: async (o: { status: PrivateEcsNetwork["status"] }) => (obj = { ...obj, status: o.status }),
      jsonPatch: async (o: { ops: { op: string; path: string; value?: unknown }[] }) => {
        const fin = o.ops.find((x) => x.path.startsWith("/metadata/finalizers"));
        obj = {
          ...obj,
          metadata: { ...obj.metadata, finalizers: fin?.op === "remove" ? [] : [FINALIZER] },
        } as PrivateEcsNetwork;
        return obj;
      },
    } as unknown as KubeClient;
    const events: { reason: string; message: string }[] = [];
    const metrics = createMetrics(new Registry());
    const reconcile = networkReconciler({
      cache: { get: () => obj, list: () => [obj] },
      kube,
      events: {
        record: async (e: { reason: string; message: string }) => void events.push(e),
      } as unknown as EventRecorder,
      aws: w.deps(),
      contributions: { contributionsFor: () => [] },
      requeue: { resyncMs: 300_000, pendingRequeueMs: 15_000 },
      metrics,
      rand: () => 0,
    });
    const key = `${m.owner.namespace}/${m.owner.name}`;
    const ready = () => obj.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    const untilReady = async () => {
      for (let i = 0; i < 20 && !(await reconcile(key, ctx), ready()); i++) w.target.sandbox?.admin.settle();
    };
    const reasons = () => [
      ...new Set(
        events
          .splice(0)
          .filter((e) => e.reason !== "Stalled")
          .map((e) => e.reason),
      ),
    ];
    const drift = async () =>
      (await metrics.registry.getSingleMetricAsString("ecsnet_drift_repairs_total")).match(/ [1-9]\d*$/gm)?.length ?? 0;

    await untilReady();
    expect(reasons()).toEqual(["Created"]);

    obj = {
      ...obj,
      metadata: { ...obj.metadata, generation: 2 },
      spec: { ...(m.rawSpec as object), tags: { team: "b" } },
    } as unknown as PrivateEcsNetwork;
    await untilReady();
    expect(reasons()).toEqual(["Updated"]);
    expect(await drift()).toBe(0);

    const eps = await w.raw.send(
      new DescribeVpcEndpointsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc.vpcId] }] }),
    );
    const victim = eps.VpcEndpoints!.find((e) => e.VpcEndpointType === "Interface")!.VpcEndpointId!;
    await w.raw.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [victim] }));
    w.target.sandbox?.admin.settle();
    await untilReady();
    expect(reasons()).toEqual(["Repaired"]);
    expect(await drift()).toBeGreaterThan(0);

    obj = { ...obj, metadata: { ...obj.metadata, deletionTimestamp: new Date().toISOString() } } as PrivateEcsNetwork;
    for (let i = 0; i < 20 && (obj.metadata.finalizers?.length ?? 0) > 0; i++) {
      await reconcile(key, ctx);
      w.target.sandbox?.admin.settle();
    }
    expect(reasons()).toEqual(["Deleted"]);
  }, 60_000);
});
