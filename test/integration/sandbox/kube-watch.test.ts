/**
 * Watches and informers through the real client-node: replay from a resourceVersion, bookmarks, 410
 * for an expired resourceVersion, and ListWatch recovery after dropped connections and compaction.
 */
import {
  CoordinationV1Api,
  CustomObjectsApi,
  KubeConfig,
  makeInformer,
  Watch,
  type KubernetesObject,
} from "@kubernetes/client-node";
import type { KubeSandbox } from "../../../operator/sandbox/kube/server.js";
import {
  startKubeForTests,
  TEST_GROUP as group,
  TEST_KIND,
  TEST_PLURAL as plural,
  TEST_VERSION as version,
} from "../../helpers/kube-sandbox.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Seen {
  type: string;
  object: Obj;
}

let sandbox: KubeSandbox;
let kc: KubeConfig;
let api: CustomObjectsApi;
const path = `/apis/${group}/${version}/namespaces/default/${plural}`;

const network = (name: string): Obj => ({
  apiVersion: `${group}/${version}`,
  kind: TEST_KIND,
  metadata: { name },
  spec: { vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0a"] },
});
const create = (name: string): Promise<Obj> =>
  api.createNamespacedCustomObject({
    group,
    version,
    namespace: "default",
    plural,
    body: network(name),
  }) as Promise<Obj>;
const remove = (name: string): Promise<unknown> =>
  api.deleteNamespacedCustomObject({ group, version, namespace: "default", plural, name });

/** Poll until `check` holds (the informer works asynchronously); fails after 3 s. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** Open a raw watch, collecting events until `done`. */
async function openWatch(
  query: Record<string, string>,
): Promise<{ events: Seen[]; ended: () => boolean; abort: () => void }> {
  const events: Seen[] = [];
  let ended = false;
  const ctl = await new Watch(kc).watch(
    path,
    query,
    (type, object) => events.push({ type, object }),
    () => (ended = true),
  );
  return { events, ended: () => ended, abort: () => ctl.abort() };
}

beforeAll(async () => {
  sandbox = await startKubeForTests("test/no-crds-here", { watchBookmarkIntervalMs: 100, historyLimit: 20 });
  kc = new KubeConfig();
  kc.loadFromString(sandbox.kubeconfig);
  api = kc.makeApiClient(CustomObjectsApi);
});
afterAll(() => sandbox.close());

describe("watch", () => {
  test("a watch from a resourceVersion replays what came after it, then streams live changes", async () => {
    const first = await create("w-first");
    await create("w-second");
    const w = await openWatch({ resourceVersion: first.metadata.resourceVersion });
    await remove("w-first");
    await eventually(() => w.events.length >= 2, "the replayed ADDED and the live DELETED arrive");
    w.abort();
    expect(w.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED w-second", "DELETED w-first"]);
    expect(Number(w.events[1]?.object.metadata.resourceVersion)).toBeGreaterThan(
      Number(first.metadata.resourceVersion),
    );
  });

  test("a watch from resourceVersion 0 starts with every current object as ADDED", async () => {
    const w = await openWatch({ resourceVersion: "0" });
    await eventually(() => w.events.some((e) => e.object.metadata.name === "w-second"), "the current objects arrive");
    w.abort();
    expect(w.events.every((e) => e.type === "ADDED")).toBe(true);
  });

  test("bookmarks arrive with the latest resourceVersion when allowed", async () => {
    const created = await create("w-bookmark");
    const w = await openWatch({ resourceVersion: created.metadata.resourceVersion, allowWatchBookmarks: "true" });
    await eventually(() => w.events.some((e) => e.type === "BOOKMARK"), "a bookmark arrives");
    w.abort();
    const bookmark = w.events.find((e) => e.type === "BOOKMARK");
    expect(bookmark?.object).toMatchObject({ kind: TEST_KIND, apiVersion: `${group}/${version}` });
    expect(Number(bookmark?.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(
      Number(created.metadata.resourceVersion),
    );
  });

  test("a resourceVersion older than the history gets an ERROR event with a 410 Status and the stream ends", async () => {
    const old = await create("w-old");
    await create("w-newer");
    sandbox.admin.compact();
    await create("w-after-compaction");
    const w = await openWatch({ resourceVersion: old.metadata.resourceVersion });
    await eventually(() => w.ended(), "the server ends the stream");
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toMatchObject({
      type: "ERROR",
      object: { kind: "Status", status: "Failure", code: 410, reason: "Expired" },
    });
  });

  test("a silenced watch stays open but receives nothing, while a new watch works", async () => {
    const quiet = await openWatch({
      resourceVersion: String((await create("w-before-silence")).metadata.resourceVersion),
    });
    sandbox.admin.silenceWatches();
    const fresh = await openWatch({ resourceVersion: "0" });
    await create("w-during-silence");
    await eventually(
      () => fresh.events.some((e) => e.object.metadata.name === "w-during-silence"),
      "the new watch sees the object",
    );
    await new Promise((r) => setTimeout(r, 150));
    expect(quiet.ended()).toBe(false); // silence is not a close: still open
    quiet.abort();
    fresh.abort();
    expect(quiet.events).toEqual([]);
    // client-node 2 reports the end of an aborted watch asynchronously
    await eventually(() => quiet.ended(), "our abort ends it");
  });

  test("with a label selector, an object relabelled out of it arrives as DELETED and back in as ADDED", async () => {
    const created = await create("w-labelled");
    const merge = { headers: { "content-type": "application/merge-patch+json" } };
    const w = await openWatch({ resourceVersion: created.metadata.resourceVersion, labelSelector: "shard=a" });
    const relabel = (shard: string) =>
      fetch(`${sandbox.url}${path}/w-labelled`, {
        method: "PATCH",
        ...merge,
        body: JSON.stringify({ metadata: { labels: { shard } } }),
      });
    await relabel("a");
    await relabel("b");
    await relabel("a");
    await eventually(() => w.events.length >= 3, "three events arrive");
    w.abort();
    expect(w.events.map((e) => e.type)).toEqual(["ADDED", "DELETED", "ADDED"]);
  });

  test("timeoutSeconds ends the stream cleanly", async () => {
    const w = await openWatch({ resourceVersion: "0", timeoutSeconds: "1" });
    await eventually(() => w.ended(), "the stream ends after its timeout");
    expect(w.ended()).toBe(true);
  });
});

describe("ListWatch (makeInformer) recovery", () => {
  const listFn = () => api.listNamespacedCustomObject({ group, version, namespace: "default", plural }) as never;

  test("after dropped watches it reconnects from its resourceVersion without relisting", async () => {
    const informer = makeInformer<KubernetesObject>(kc, path, listFn);
    const added: string[] = [];
    informer.on("add", (o) => added.push(o.metadata?.name ?? ""));
    await informer.start();
    const lists = (): number => sandbox.admin.requestCounts()[`LIST ${plural}`] ?? 0;
    const listsBefore = lists();
    sandbox.admin.dropWatches();
    await eventually(
      () => (sandbox.admin.requestCounts()[`WATCH ${plural}`] ?? 0) >= 2,
      "the informer re-opens its watch",
    );
    await create("lw-after-drop");
    await eventually(() => added.includes("lw-after-drop"), "the informer sees the new object");
    expect(lists()).toBe(listsBefore);
    await informer.stop();
  });

  test("an abrupt drop reaches it as an error (client-node then stops, so the operator must restart it)", async () => {
    const informer = makeInformer<KubernetesObject>(kc, path, listFn);
    const errors: unknown[] = [];
    informer.on("error", (e) => errors.push(e));
    await informer.start();
    sandbox.admin.dropWatches({ abrupt: true });
    await eventually(() => errors.length > 0, "the informer reports the reset connection");
    await informer.stop();
  });

  test("after a 410 it relists and misses no change made while it was away", async () => {
    const informer = makeInformer<KubernetesObject>(kc, path, listFn);
    const deleted: string[] = [];
    const added: string[] = [];
    informer.on("add", (o) => added.push(o.metadata?.name ?? ""));
    informer.on("delete", (o) => deleted.push(o.metadata?.name ?? ""));
    informer.on("error", () => undefined);
    await create("lw-doomed");
    await informer.start();
    await eventually(
      () => informer.list("default").some((o) => o.metadata?.name === "lw-doomed"),
      "the informer lists the object",
    );
    // the next watch connection fails: client-node's ListWatch reports the error and stops
    sandbox.admin.failNext({ verb: "watch", resource: plural, status: 500 });
    sandbox.admin.dropWatches();
    await new Promise((r) => setTimeout(r, 200));
    await remove("lw-doomed");
    await create("lw-while-away");
    sandbox.admin.compact();
    await create("lw-after-compaction");
    await informer.start(); // what the operator's informer does after an error; its resourceVersion is now expired
    await eventually(
      () => deleted.includes("lw-doomed") && added.includes("lw-while-away") && added.includes("lw-after-compaction"),
      "the relist reconciles the cache",
    );
    expect(informer.list("default").map((o) => o.metadata?.name)).not.toContain("lw-doomed");
    await informer.stop();
  });
});

describe("leases", () => {
  test("a lease is created, renewed, and a stale renewal is 409", async () => {
    const leases = kc.makeApiClient(CoordinationV1Api);
    const body = {
      metadata: { name: "ecsnet-leader", namespace: "kube-system" },
      spec: { holderIdentity: "pod-a", leaseDurationSeconds: 15, renewTime: new Date() },
    };
    const created = await leases.createNamespacedLease({ namespace: "kube-system", body });
    const renewed = await leases.replaceNamespacedLease({
      name: "ecsnet-leader",
      namespace: "kube-system",
      body: { ...created, spec: { ...created.spec, renewTime: new Date(Date.now() + 1000) } },
    });
    expect(Number(renewed.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));
    const stale = { ...created, spec: { ...created.spec, holderIdentity: "pod-b" } };
    await expect(
      leases.replaceNamespacedLease({ name: "ecsnet-leader", namespace: "kube-system", body: stale }),
    ).rejects.toMatchObject({ code: 409 });
    expect(
      (await leases.readNamespacedLease({ name: "ecsnet-leader", namespace: "kube-system" })).spec?.holderIdentity,
    ).toBe("pod-a");
  });
});
