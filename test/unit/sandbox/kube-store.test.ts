/** The in-memory store's history and resourceVersions, merge patch, and the protobuf envelope kubectl sends. */
import { mergePatch } from "../../../operator/sandbox/kube/patch.js";
import { decodeProtobufObject } from "../../../operator/sandbox/kube/protobuf.js";
import { Store, type KubeObject } from "../../../operator/sandbox/kube/store.js";

function put(store: Store, name: string): KubeObject {
  const o = { metadata: { name, namespace: "default", resourceVersion: String(store.nextResourceVersion()) } };
  store.put("g/things", o);
  return o;
}

describe("store history", () => {
  test("replay returns the events after a resourceVersion, in order", () => {
    const store = new Store(10);
    const a = put(store, "a");
    put(store, "b");
    put(store, "a");
    expect(
      store.replay(Number(a.metadata.resourceVersion)).map((e) => `${e.type} ${String(e.object.metadata.name)}`),
    ).toEqual(["ADDED b", "MODIFIED a"]);
  });

  test("a resourceVersion older than the kept history is 410 Expired", () => {
    const store = new Store(2);
    for (const n of ["a", "b", "c", "d"]) put(store, n);
    expect(() => store.replay(1)).toThrow(expect.objectContaining({ code: 410, reason: "Expired" }));
    expect(store.replay(2).map((e) => e.object.metadata.name)).toEqual(["c", "d"]);
  });

  test("compaction expires every older resourceVersion but not the latest", () => {
    const store = new Store(10);
    put(store, "a");
    const b = put(store, "b");
    store.compact();
    expect(() => store.replay(1)).toThrow(expect.objectContaining({ code: 410 }));
    expect(store.replay(Number(b.metadata.resourceVersion))).toEqual([]);
  });

  test("subscribers see every change, and a throwing subscriber does not break writes", () => {
    const store = new Store(10);
    const seen: string[] = [];
    store.subscribe(() => {
      throw new Error("broken connection");
    });
    store.subscribe((e) => seen.push(e.type));
    const a = put(store, "a");
    store.remove("g/things", {
      ...a,
      metadata: { ...a.metadata, resourceVersion: String(store.nextResourceVersion()) },
    });
    expect(seen).toEqual(["ADDED", "DELETED"]);
    expect(store.list("g/things")).toEqual([]);
  });
});

describe("merge patch (RFC 7386)", () => {
  test.each([
    [{ a: 1, b: { c: 2, d: 3 } }, { b: { c: null, e: 4 } }, { a: 1, b: { d: 3, e: 4 } }],
    [{ list: [1, 2] }, { list: [3] }, { list: [3] }],
    [{ a: 1 }, { a: { nested: true } }, { a: { nested: true } }],
  ])("%j patched with %j is %j", (target, patch, result) => {
    expect(mergePatch(target, patch)).toEqual(result);
  });
});

describe("protobuf envelope", () => {
  const field = (n: number, payload: Buffer): Buffer =>
    Buffer.concat([Buffer.from([(n << 3) | 2, payload.length]), payload]);
  const s = (v: string): Buffer => Buffer.from(v);
  test("a Namespace as kubectl create namespace sends it decodes to its name and labels", () => {
    const labels = field(11, Buffer.concat([field(1, s("team")), field(2, s("a"))]));
    const meta = Buffer.concat([field(1, s("platform")), labels]);
    const typeMeta = Buffer.concat([field(1, s("v1")), field(2, s("Namespace"))]);
    const raw = Buffer.concat([field(1, meta), field(2, Buffer.alloc(0))]);
    const body = Buffer.concat([Buffer.from("k8s\0", "latin1"), field(1, typeMeta), field(2, raw)]);
    expect(decodeProtobufObject(body)).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "platform", labels: { team: "a" } },
    });
  });

  test("a body without the envelope is a 400", () => {
    expect(() => decodeProtobufObject(Buffer.from("{}"))).toThrow(expect.objectContaining({ code: 400 }));
  });
});
