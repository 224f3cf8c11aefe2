import { KubeApiError, type KubeObject } from "../../../operator/kube/client.js";
import { addFinalizer, hasFinalizer, removeFinalizer } from "../../../operator/kube/finalizers.js";
import { ConflictError } from "../../../operator/runtime/result.js";
import { startWorld, WIDGET, type World } from "./world.js";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.sandbox.close());

const read = (name: string) => world.client.get({ resource: WIDGET, namespace: "default", name });

describe("KubeClient", () => {
  it("gets an object, and undefined for one that does not exist", async () => {
    await world.widget("get-me", 3);
    expect((await read("get-me"))?.spec).toEqual({ size: 3 });
    expect(await read("absent")).toBeUndefined();
  });

  it("lists by label selector across namespaces with the list's resourceVersion", async () => {
    await world.widget("shard-a", 1, { shard: "a" });
    await world.widget("shard-b", 1, { shard: "b" });
    const list = await world.client.list({ resource: WIDGET, labelSelector: "shard=a" });
    expect(list.items.map((i) => i.metadata.name)).toEqual(["shard-a"]);
    expect(list.resourceVersion).not.toBe("");
  });

  it("writes status through the status subresource, leaving spec untouched", async () => {
    await world.widget("status-me", 5);
    await world.client.patchStatus({
      resource: WIDGET,
      namespace: "default",
      name: "status-me",
      status: { phase: "Ready", observedGeneration: 1 },
    });
    const now = await read("status-me");
    expect(now?.status).toEqual({ phase: "Ready", observedGeneration: 1 });
    expect(now?.spec).toEqual({ size: 5 });
  });

  it("refuses a status write on a stale resourceVersion with a ConflictError", async () => {
    const o = await world.widget("stale-status");
    await world.client.patchMeta({ resource: WIDGET, namespace: "default", name: "stale-status", labels: { x: "1" } });
    await expect(
      world.client.patchStatus({
        resource: WIDGET,
        namespace: "default",
        name: "stale-status",
        status: { phase: "Old" },
        resourceVersion: o.metadata.resourceVersion,
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect((await read("stale-status"))?.status).toBeUndefined();
  });

  it("turns a 409 from the server into a ConflictError and other failures into KubeApiError", async () => {
    await world.widget("flaky");
    world.sandbox.admin.failNext({ verb: "patch", resource: WIDGET.plural, subresource: "status", status: 409 });
    const patch = () =>
      world.client.patchStatus({ resource: WIDGET, namespace: "default", name: "flaky", status: { phase: "X" } });
    await expect(patch()).rejects.toBeInstanceOf(ConflictError);
    world.sandbox.admin.failNext({ verb: "patch", resource: WIDGET.plural, subresource: "status", status: 500 });
    await expect(patch()).rejects.toBeInstanceOf(KubeApiError);
    await patch();
    expect((await read("flaky"))?.status).toEqual({ phase: "X" });
  });

  it("sets and removes labels and annotations with a merge patch", async () => {
    await world.widget("meta", 1, { keep: "yes", drop: "yes" });
    await world.client.patchMeta({
      resource: WIDGET,
      namespace: "default",
      name: "meta",
      labels: { drop: null, added: "1" },
      annotations: { "ecsnet.dev/note": "hi" },
    });
    const m = (await read("meta"))!.metadata;
    expect(m.labels).toEqual({ keep: "yes", added: "1" });
    expect(m.annotations).toEqual({ "ecsnet.dev/note": "hi" });
  });
});

describe("finalizers", () => {
  const finalizer = "ecsnet.dev/test-finalizer";
  const opts = (object: KubeObject) => ({ client: world.client, resource: WIDGET, object, finalizer });

  it("adds the finalizer to an object without any, then removes it", async () => {
    const o = await world.widget("fin-a");
    const added = await addFinalizer(opts(o));
    expect((await read("fin-a"))!.metadata.finalizers).toEqual([finalizer]);
    await removeFinalizer(opts(added));
    expect((await read("fin-a"))!.metadata.finalizers ?? []).toEqual([]);
  });

  it("keeps other controllers' finalizers when adding and removing ours", async () => {
    await world.widget("fin-b");
    const other = await world.client.jsonPatch({
      resource: WIDGET,
      namespace: "default",
      name: "fin-b",
      ops: [{ op: "add", path: "/metadata/finalizers", value: ["other.io/keep"] }],
    });
    const ours = await addFinalizer(opts(other));
    expect(ours.metadata.finalizers).toEqual(["other.io/keep", finalizer]);
    await removeFinalizer(opts(ours));
    expect((await read("fin-b"))!.metadata.finalizers).toEqual(["other.io/keep"]);
  });

  it("does nothing when the finalizer is already there, or already gone", async () => {
    const o = await addFinalizer(opts(await world.widget("fin-c")));
    expect(await addFinalizer(opts(o))).toBe(o);
    const removed = await removeFinalizer(opts(o));
    expect(hasFinalizer(removed, finalizer)).toBe(false);
    expect(await removeFinalizer(opts(removed))).toBe(removed);
  });

  it("refuses to patch an object that changed since it was read, with a ConflictError", async () => {
    const o = await world.widget("fin-d");
    await world.client.patchMeta({ resource: WIDGET, namespace: "default", name: "fin-d", labels: { changed: "1" } });
    await expect(addFinalizer(opts(o))).rejects.toBeInstanceOf(ConflictError);
    expect((await read("fin-d"))!.metadata.finalizers ?? []).toEqual([]);
  });

  it("removing ours from a stale read never removes a finalizer someone added meanwhile", async () => {
    const withOurs = await addFinalizer(opts(await world.widget("fin-e")));
    await world.client.jsonPatch({
      resource: WIDGET,
      namespace: "default",
      name: "fin-e",
      ops: [{ op: "add", path: "/metadata/finalizers/0", value: "other.io/first" }],
    });
    await expect(removeFinalizer(opts(withOurs))).rejects.toBeInstanceOf(ConflictError);
    expect((await read("fin-e"))!.metadata.finalizers).toEqual(["other.io/first", finalizer]);
  });
});
