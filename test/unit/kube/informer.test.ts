import type { KubeClient, KubeObject } from "../../../operator/kube/client.js";
import { Informer, type RestartReason, type WatchTransport } from "../../../operator/kube/informer.js";
import { ManualClock } from "../../../operator/runtime/clock.js";

const RESOURCE = { group: "ecsnet.dev", version: "v1alpha1", plural: "widgets", kind: "Widget", namespaced: true };
const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};
const obj = (name: string, rv: string): KubeObject => ({ metadata: { name, namespace: "ns", resourceVersion: rv } });

/** An in-memory API: a list that can fail, and watches the test drives by hand. */
class FakeApi {
  items: KubeObject[] = [];
  rv = "10";
  listFailures = 0;
  lists = 0;
  watches: { query: Record<string, string>; event: (t: string, o: unknown) => void; done: (e: unknown) => void }[] = [];
  client = {
    list: async () => {
      this.lists++;
      if (this.listFailures > 0) {
        this.listFailures--;
        throw Object.assign(new Error("down"), { code: 503 });
      }
      return { items: [...this.items], resourceVersion: this.rv };
    },
  } as unknown as KubeClient;
  transport: WatchTransport = {
    watch: async (_path, query, onEvent, onDone) => {
      this.watches.push({ query, event: onEvent, done: onDone });
      return new AbortController();
    },
  };
  get current() {
    return this.watches[this.watches.length - 1]!;
  }
}

function setup(opts: { watchdogMs?: number; random?: () => number } = {}) {
  const clock = new ManualClock();
  const api = new FakeApi();
  const restarts: { reason: RestartReason; delayMs: number }[] = [];
  const keys: string[] = [];
  const inf = new Informer({
    client: api.client,
    resource: RESOURCE,
    clock,
    watch: api.transport,
    random: opts.random ?? (() => 0),
    onRestart: ({ reason, delayMs }) => restarts.push({ reason, delayMs }),
    ...(opts.watchdogMs ? { watchdogMs: opts.watchdogMs } : {}),
  });
  inf.onKey((k) => keys.push(k));
  return { clock, api, restarts, keys, inf };
}

describe("Informer recovery", () => {
  it("backs off failed lists 1 s, 2 s, 4 s … capped at 30 s", async () => {
    const { clock, api, restarts, inf } = setup();
    api.listFailures = 7;
    inf.start();
    await flush();
    for (let i = 0; i < 7; i++) {
      clock.advance(restarts[restarts.length - 1]!.delayMs);
      await flush();
    }
    expect(restarts.map((r) => r.delayMs)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(inf.hasSynced()).toBe(true);
    await inf.stop();
  });

  it("adds at most 20% jitter to the backoff", async () => {
    const { api, restarts, inf } = setup({ random: () => 0.999 });
    api.listFailures = 1;
    inf.start();
    await flush();
    expect(restarts[0]!.delayMs).toBeGreaterThan(1_000);
    expect(restarts[0]!.delayMs).toBeLessThan(1_200);
    await inf.stop();
  });

  it("starts the backoff over once the list succeeds again", async () => {
    const { clock, api, restarts, inf } = setup();
    api.listFailures = 2;
    inf.start();
    await flush();
    clock.advance(1_000);
    await flush();
    clock.advance(2_000);
    await flush();
    api.current.done(Object.assign(new Error("reset"), { code: "ECONNRESET" }));
    await flush();
    expect(restarts.map((r) => r.delayMs)).toEqual([1_000, 2_000, 1_000]);
    await inf.stop();
  });

  it("resumes a cleanly closed watch at once from the last resourceVersion, without relisting", async () => {
    const { clock, api, inf } = setup();
    inf.start();
    await flush();
    api.current.event("ADDED", obj("a", "11"));
    clock.advance(5_000);
    api.current.done(null);
    await flush();
    expect(api.lists).toBe(1);
    expect(api.current.query.resourceVersion).toBe("11");
    expect(api.current.query.allowWatchBookmarks).toBe("true");
    await inf.stop();
  });

  it("relists after a 410 ERROR event and emits the keys of objects deleted meanwhile", async () => {
    const { clock, api, keys, inf } = setup();
    api.items = [obj("a", "1"), obj("b", "2")];
    inf.start();
    await flush();
    api.items = [obj("b", "2"), obj("c", "12")];
    api.rv = "12";
    keys.length = 0;
    api.current.event("ERROR", { code: 410 });
    api.current.done(null);
    clock.advance(0); // the relist is scheduled at once (delay 0)
    await flush();
    expect(api.lists).toBe(2);
    expect(keys.sort()).toEqual(["ns/a", "ns/c"]);
    expect(inf.keys().sort()).toEqual(["ns/b", "ns/c"]);
    await inf.stop();
  });

  it("treats a watch that closes as soon as it opens as an error, so it cannot spin", async () => {
    const { api, restarts, inf } = setup();
    inf.start();
    await flush();
    api.current.done(null);
    await flush();
    expect(restarts).toEqual([{ reason: "error", delayMs: 1_000 }]);
    await inf.stop();
  });

  it("restarts a silent watch after the watchdog limit, but bookmarks keep it alive", async () => {
    const { clock, api, restarts, inf } = setup({ watchdogMs: 60_000 });
    inf.start();
    await flush();
    for (let t = 0; t < 180_000; t += 30_000) {
      api.current.event("BOOKMARK", { metadata: { resourceVersion: String(20 + t) } });
      clock.advance(30_000);
      await flush();
    }
    expect(restarts).toEqual([]);
    clock.advance(60_000);
    await flush();
    expect(restarts.map((r) => r.reason)).toEqual(["watchdog"]);
    expect(api.lists).toBe(1);
    await inf.stop();
  });

  it("ignores events of a watch it has already replaced", async () => {
    const { clock, api, inf } = setup({ watchdogMs: 30_000 });
    inf.start();
    await flush();
    const old = api.current;
    clock.advance(30_000);
    await flush();
    expect(api.watches.length).toBe(2);
    old.event("ADDED", obj("ghost", "99"));
    old.done(new Error("aborted"));
    await flush();
    expect(inf.get("ns", "ghost")).toBeUndefined();
    expect(api.watches.length).toBe(2);
    await inf.stop();
  });
});

describe("Informer cache", () => {
  it("caches objects without metadata.managedFields, the rest of the object as the server sent it", async () => {
    const { api, inf } = setup();
    const managedFields = [
      { manager: "kubectl", operation: "Apply", fieldsType: "FieldsV1", fieldsV1: { "f:spec": {} } },
    ];
    api.items = [{ metadata: { name: "a", namespace: "ns", resourceVersion: "1", managedFields }, spec: { x: 1 } }];
    inf.start();
    await flush();
    api.current.event("MODIFIED", {
      metadata: { name: "b", namespace: "ns", resourceVersion: "11", labels: { l: "v" }, managedFields },
      spec: { y: 2 },
    });
    expect(inf.get("ns", "a")).toEqual({
      metadata: { name: "a", namespace: "ns", resourceVersion: "1" },
      spec: { x: 1 },
    });
    expect(inf.get("ns", "b")).toEqual({
      metadata: { name: "b", namespace: "ns", resourceVersion: "11", labels: { l: "v" } },
      spec: { y: 2 },
    });
    await inf.stop();
  });
});
