import { pino } from "pino";
import { Informer } from "../../../operator/kube/informer.js";
import { LeaseElector, kubeLeaseStore } from "../../../operator/kube/lease.js";
import { createMetrics } from "../../../operator/observability/metrics.js";
import { Controller } from "../../../operator/runtime/controller.js";
import { Manager } from "../../../operator/runtime/manager.js";
import { eventually, startWorld, WIDGET, type World } from "./world.js";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.sandbox.close());

const logger = pino({ level: "silent" });

/** One operator instance: reconciling a widget writes `status.handledBy = identity` (via patchStatus). */
function instance(identity: string, label: string) {
  const metrics = createMetrics(undefined, { defaultMetrics: false });
  const informer = new Informer({ client: world.client, resource: WIDGET, labelSelector: `test=${label}`, metrics });
  const controller = new Controller({
    name: "widgets",
    concurrency: 2,
    logger,
    metrics,
    reconcile: async (key) => {
      const [namespace, name] = key.split("/") as [string, string];
      const o = informer.get(namespace, name);
      if (!o) return {};
      if ((o.status as { handledBy?: string } | undefined)?.handledBy === undefined)
        await world.client.patchStatus({ resource: WIDGET, namespace, name, status: { handledBy: identity } });
      return {};
    },
  });
  const elector = new LeaseElector({
    store: kubeLeaseStore(world.client, { namespace: "default", name: `mgr-${label}` }),
    identity,
    name: "widgets",
    leaseDurationMs: 1_500,
    renewDeadlineMs: 1_000,
    retryPeriodMs: 100,
    metrics,
  });
  const manager = new Manager({
    watches: [{ source: informer, controller }],
    elector,
    logger,
    metrics,
    http: { host: "127.0.0.1", port: 0 },
    graceMs: 500,
  });
  return { manager, metrics };
}

const handledBy = async (name: string) =>
  ((await world.client.get({ resource: WIDGET, namespace: "default", name }))?.status as { handledBy?: string })
    ?.handledBy;
const http = async (port: number, path: string) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, text: await res.text() };
};

describe("Manager", () => {
  it("serves health, readiness once synced and elected, and metrics", async () => {
    const { manager } = instance("solo", "http");
    await manager.start();
    try {
      const port = manager.port!;
      expect((await http(port, "/healthz")).status).toBe(200);
      await eventually(async () => (await http(port, "/readyz")).status === 200, "ready");
      const metrics = await http(port, "/metrics");
      expect(metrics.text).toMatch(/ecsnet_leader\{name="widgets"\} 1/);
      expect(metrics.text).toMatch(/ecsnet_reconcile_total\{controller="widgets",result="success"\}/);
      expect((await http(port, "/nope")).status).toBe(404);
    } finally {
      await manager.stop();
    }
  });

  it("reconciles only on the leader, and the standby takes over the work when the leader stops", async () => {
    const a = instance("a", "ha");
    const b = instance("b", "ha");
    await a.manager.start();
    await eventually(() => a.manager.isLeading(), "a leads");
    await b.manager.start();
    try {
      await world.widget("ha-1", 1, { test: "ha" });
      await eventually(async () => (await handledBy("ha-1")) === "a", "the leader reconciled ha-1");
      expect(b.manager.isLeading()).toBe(false);
      await eventually(() => b.manager.isReady(), "the standby is ready too");

      await a.manager.stop();
      await world.widget("ha-2", 1, { test: "ha" });
      await eventually(async () => (await handledBy("ha-2")) === "b", "the new leader reconciled ha-2");
      expect(await handledBy("ha-1")).toBe("a");
    } finally {
      await Promise.all([a.manager.stop(), b.manager.stop()]);
    }
  });
});
