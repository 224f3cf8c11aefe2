import { KubeApiError } from "../../../operator/kube/client.js";
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
