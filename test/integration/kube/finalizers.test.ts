import type { KubeObject } from "../../../operator/kube/client.js";
import { addFinalizer, hasFinalizer, removeFinalizer } from "../../../operator/kube/finalizers.js";
import { ConflictError } from "../../../operator/runtime/result.js";
import { startWorld, WIDGET, type World } from "./world.js";

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.sandbox.close());

const read = (name: string) => world.client.get({ resource: WIDGET, namespace: "default", name });

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
