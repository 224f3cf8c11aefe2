import { Informer, type RestartReason } from "../../../operator/kube/informer.js";
import { eventually, startWorld, WIDGET, type World } from "./world.js";

let world: World;
const informers: Informer[] = [];
beforeAll(async () => {
  world = await startWorld({ watchBookmarkIntervalMs: 100 });
});
afterEach(async () => {
  await Promise.all(informers.splice(0).map((i) => i.stop()));
});
afterAll(() => world.sandbox.close());

/** Start an informer on widgets with a label (so each test sees only its own objects), recording keys. */
async function watchWidgets(label: string, opts: { watchdogMs?: number } = {}) {
  const keys: string[] = [];
  const restarts: RestartReason[] = [];
  const inf = new Informer({
    client: world.client,
    resource: WIDGET,
    labelSelector: `test=${label}`,
    backoff: { initialMs: 50, maxMs: 200 },
    onRestart: ({ reason }) => restarts.push(reason),
    ...opts,
  });
  informers.push(inf);
  inf.onKey((k) => keys.push(k));
  inf.start();
  await inf.synced();
  return { inf, keys, restarts };
}

const patchSize = (name: string, size: number) =>
  world.client.jsonPatch({
    resource: WIDGET,
    namespace: "default",
    name,
    ops: [{ op: "replace", path: "/spec/size", value: size }],
  });
const remove = (name: string) => world.client.delete({ resource: WIDGET, namespace: "default", name });
const size = (inf: Informer, name: string) => (inf.get("default", name)?.spec as { size?: number } | undefined)?.size;

describe("Informer", () => {
  it("fills its cache from the first list and emits the key of each object", async () => {
    await world.widget("pre-1", 1, { test: "initial" });
    await world.widget("pre-2", 1, { test: "initial" });
    const { inf, keys } = await watchWidgets("initial");
    expect(inf.hasSynced()).toBe(true);
    expect(keys.sort()).toEqual(["default/pre-1", "default/pre-2"]);
    expect(inf.list()).toHaveLength(2);
  });

  it("emits keys on add, update and delete and keeps the cache in step", async () => {
    const { inf, keys } = await watchWidgets("crud");
    await world.widget("w1", 1, { test: "crud" });
    await eventually(() => inf.get("default", "w1") !== undefined, "w1 is cached");
    await patchSize("w1", 2);
    await eventually(() => size(inf, "w1") === 2, "w1 update is cached");
    await remove("w1");
    await eventually(() => inf.get("default", "w1") === undefined, "w1 is gone from the cache");
    expect(keys.filter((k) => k === "default/w1").length).toBeGreaterThanOrEqual(3);
  });

  it("only sees objects matching its label selector", async () => {
    const { inf } = await watchWidgets("mine");
    await world.widget("not-mine", 1, { test: "theirs" });
    await world.widget("mine", 1, { test: "mine" });
    await eventually(() => inf.get("default", "mine") !== undefined, "mine is cached");
    expect(inf.get("default", "not-mine")).toBeUndefined();
  });

  it("misses no change when the server drops its watch cleanly or abruptly", async () => {
    const { inf } = await watchWidgets("drop");
    await world.widget("d1", 1, { test: "drop" });
    await eventually(() => inf.get("default", "d1") !== undefined, "d1 is cached");
    world.sandbox.admin.dropWatches();
    await patchSize("d1", 7);
    await world.widget("d2", 1, { test: "drop" });
    await eventually(
      () => size(inf, "d1") === 7 && inf.get("default", "d2") !== undefined,
      "changes after a clean drop",
    );
    world.sandbox.admin.dropWatches({ abrupt: true });
    await remove("d1");
    await patchSize("d2", 9);
    await eventually(
      () => inf.get("default", "d1") === undefined && size(inf, "d2") === 9,
      "changes after a connection reset",
    );
  });

  it("relists after compaction (410 Gone) and still reports objects deleted in the gap", async () => {
    const { inf, keys, restarts } = await watchWidgets("gone");
    await world.widget("g-doomed", 1, { test: "gone" });
    await world.widget("g-kept", 1, { test: "gone" });
    await eventually(() => inf.list().length === 2, "both cached");
    await inf.stop();
    await remove("g-doomed");
    await patchSize("g-kept", 5);
    await world.widget("g-new", 1, { test: "gone" });
    world.sandbox.admin.compact();
    keys.length = 0;
    inf.start();
    await eventually(
      () => inf.get("default", "g-doomed") === undefined && size(inf, "g-kept") === 5 && !!inf.get("default", "g-new"),
      "the cache matches the server after the relist",
    );
    expect(restarts).toContain("gone");
    expect(keys).toEqual(expect.arrayContaining(["default/g-doomed", "default/g-kept", "default/g-new"]));
  });

  it("restarts with backoff after the server answers a watch with an error", async () => {
    const { inf, restarts } = await watchWidgets("errors");
    world.sandbox.admin.failNext({ verb: "watch", resource: WIDGET.plural, status: 500, count: 2 });
    world.sandbox.admin.dropWatches();
    await world.widget("e1", 1, { test: "errors" });
    await eventually(() => inf.get("default", "e1") !== undefined, "e1 arrives after the failed watches");
    expect(restarts.filter((r) => r === "error")).toHaveLength(2);
  });

  it("restarts a watch that stays silent past the watchdog limit, but not one that gets bookmarks", async () => {
    const { restarts } = await watchWidgets("watchdog", { watchdogMs: 400 });
    // The sandbox sends a bookmark every 100 ms: activity, so no restart.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(restarts).not.toContain("watchdog");
  });

  it("restarts a watch that stays silent past the watchdog limit and keeps receiving changes", async () => {
    // A second server that sends no bookmarks: an idle watch there is silent.
    const quiet = await startWorld({ watchBookmarkIntervalMs: 600_000 });
    const restarts: RestartReason[] = [];
    const inf = new Informer({
      client: quiet.client,
      resource: WIDGET,
      watchdogMs: 300,
      onRestart: ({ reason }) => restarts.push(reason),
    });
    try {
      inf.start();
      await inf.synced();
      await eventually(() => restarts.includes("watchdog"), "the watchdog restarts the silent watch");
      await quiet.widget("after-watchdog");
      await eventually(() => inf.get("default", "after-watchdog") !== undefined, "changes still arrive");
    } finally {
      await inf.stop();
      await quiet.sandbox.close();
    }
  });
});
