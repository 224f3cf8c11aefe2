/**
 * The EcrAccess reconciler against the AWS sandbox, with in-memory caches standing in for the informers:
 * what it leaves in the ContributionStore (the state the network reconciler plans from) and which networks
 * it asks to be reconciled again.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { EcrAccess } from "../../../operator/api/ecr-access.js";
import type { PrivateEcsNetwork } from "../../../operator/api/private-ecs-network.js";
import { createEcsPort } from "../../../operator/aws/ecs-sdk.js";
import { ContributionStore, ecrAccessReconciler } from "../../../operator/controllers/ecr-access.js";
import type { ObjectCache } from "../../../operator/controllers/private-ecs-network.js";
import type { KubeClient } from "../../../operator/kube/client.js";
import type { ReconcileContext } from "../../../operator/runtime/controller.js";
import { freshVpc, startWorld, type World } from "../reconcile/world.js";

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w?.close();
});

/** A mutable stand-in for an informer cache. */
class MapCache<T extends { metadata: { namespace?: string; name?: string } }> implements ObjectCache<T> {
  readonly items = new Map<string, T>();
  put(o: T): void {
    this.items.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
  }
  get(namespace: string, name: string): T | undefined {
    return this.items.get(`${namespace}/${name}`);
  }
  list(): readonly T[] {
    return [...this.items.values()];
  }
}

const NS = "team";
const ctx = {} as ReconcileContext;

async function setup() {
  const vpc = await freshVpc(w);
  const networks = new MapCache<PrivateEcsNetwork>();
  for (const name of ["net-a", "net-b"])
    networks.put({
      metadata: { namespace: NS, name, uid: `uid-${name}`, generation: 1 },
      spec: { vpcId: vpc.vpcId, privateSubnets: { ids: vpc.privateSubnetIds } },
    } as unknown as PrivateEcsNetwork);
  const accesses = new MapCache<EcrAccess>();
  const store = new ContributionStore(accesses);
  const enqueued = new Set<string>();
  const statuses = new Map<string, unknown>();
  // Like the API server and the informer: a status write lands on the cached object with a new resourceVersion.
  let rv = 1;
  const kube = {
    patchStatus: async (o: { namespace: string; name: string; status: unknown }) => {
      statuses.set(`${o.namespace}/${o.name}`, o.status);
      const cached = accesses.get(o.namespace, o.name);
      if (cached)
        accesses.put({
          ...cached,
          metadata: { ...cached.metadata, resourceVersion: String(++rv) },
          status: o.status,
        } as EcrAccess);
      return {};
    },
  } as unknown as KubeClient;
  const reconcile = ecrAccessReconciler({
    cache: accesses,
    networks,
    store,
    kube,
    aws: w.deps(),
    ecsFor: () => createEcsPort(w.clients.ecs),
    enqueueNetwork: (k) => enqueued.add(k),
    requeue: { resyncMs: 300_000, pendingRequeueMs: 15_000 },
    rand: () => 0,
  });
  const access = (name: string, spec: Record<string, unknown>, generation = 1) =>
    accesses.put({ metadata: { namespace: NS, name, uid: `uid-${name}`, generation }, spec } as unknown as EcrAccess);
  return { store, enqueued, statuses, reconcile, access, accesses };
}

describe("the EcrAccess reconciler's contributions", () => {
  it("does not leave its network waiting forever when its ECS cluster does not exist", async () => {
    const s = await setup();
    s.access("broken", { networkRef: { name: "net-a" }, ecs: { cluster: "no-such-cluster" } });
    await s.reconcile(`${NS}/broken`, ctx);
    // The access is reported Stalled; the network must still be able to reconcile (nothing to contribute).
    expect(s.statuses.has(`${NS}/broken`)).toBe(true);
    expect(s.store.contributionsFor(NS, "net-a")).toEqual([]);
  });

  it("keeps what a broken EcrAccess contributed before it broke, so its network does not shrink", async () => {
    const s = await setup();
    s.access("apps", { networkRef: { name: "net-a" }, repositories: ["team/web"] });
    await s.reconcile(`${NS}/apps`, ctx);
    const before = s.store.contributionsFor(NS, "net-a");
    expect(before?.map((c) => c.source)).toEqual([`${NS}/apps`]);
    s.access("apps", { networkRef: { name: "net-a" }, ecs: { cluster: "no-such-cluster" } }, 2);
    await s.reconcile(`${NS}/apps`, ctx);
    expect(s.store.contributionsFor(NS, "net-a")).toEqual(before);
  });

  it("asks the network it left to reconcile when an EcrAccess moves to another network", async () => {
    const s = await setup();
    s.access("apps", { networkRef: { name: "net-a" }, repositories: ["team/web"] });
    await s.reconcile(`${NS}/apps`, ctx);
    s.enqueued.clear();
    s.access("apps", { networkRef: { name: "net-b" }, repositories: ["team/web"] }, 2);
    await s.reconcile(`${NS}/apps`, ctx);
    expect([...s.enqueued].sort()).toEqual([`${NS}/net-a`, `${NS}/net-b`]);
    expect(s.store.contributionsFor(NS, "net-a")).toEqual([]);
    expect(s.store.contributionsFor(NS, "net-b")?.map((c) => c.source)).toEqual([`${NS}/apps`]);
  });

  it("never hands a network the contribution an EcrAccess computed for the network it referenced before", async () => {
    const s = await setup();
    s.access("apps", { networkRef: { name: "net-a" }, repositories: ["team/web"] });
    await s.reconcile(`${NS}/apps`, ctx);
    // The cache already shows the move; the access has not been reconciled since.
    s.access("apps", { networkRef: { name: "net-b" }, repositories: ["team/web"] }, 2);
    expect(s.store.contributionsFor(NS, "net-b")).toBeUndefined();
  });

  it("does not write its status again when a reconcile found nothing new (each write is a watch event that runs it again)", async () => {
    const s = await setup();
    s.access("apps", { networkRef: { name: "net-a" }, repositories: ["team/web"] });
    await s.reconcile(`${NS}/apps`, ctx);
    await new Promise((r) => setTimeout(r, 5));
    const before = s.accesses.get(NS, "apps")?.metadata.resourceVersion;
    await s.reconcile(`${NS}/apps`, ctx);
    expect(s.accesses.get(NS, "apps")?.metadata.resourceVersion).toBe(before);
  });
});
