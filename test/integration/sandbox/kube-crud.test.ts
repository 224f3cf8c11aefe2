/**
 * The sandbox Kubernetes API through the real @kubernetes/client-node: CRUD, generation, the status
 * subresource, optimistic concurrency, patches, finalizers, schema validation with CEL and defaults.
 */
import {
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import type { KubeSandbox } from "../../../operator/sandbox/kube/server.js";
import {
  startKubeForTests,
  TEST_GROUP as group,
  TEST_PLURAL as plural,
  TEST_VERSION as version,
  TEST_KIND,
} from "../../helpers/kube-sandbox.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let sandbox: KubeSandbox;
let api: CustomObjectsApi;
let objects: KubernetesObjectApi;
const namespace = "default";
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions("Content-Type", PatchStrategy.JsonPatch);

/** The Status a rejected call carried, with its HTTP code. */
async function rejection(p: Promise<unknown>): Promise<{ code: number; status: Obj }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: number; body: unknown };
    return { code: err.code, status: typeof err.body === "string" ? JSON.parse(err.body) : (err.body as Obj) };
  }
  throw new Error("the call succeeded but a rejection was expected");
}

function network(name: string, spec: Obj = {}, labels: Record<string, string> = {}): Obj {
  return {
    apiVersion: `${group}/${version}`,
    kind: TEST_KIND,
    metadata: { name, labels },
    spec: { vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0a"], ...spec },
  };
}
const create = (body: Obj, ns = namespace): Promise<Obj> =>
  api.createNamespacedCustomObject({ group, version, namespace: ns, plural, body }) as Promise<Obj>;
const get = (name: string): Promise<Obj> =>
  api.getNamespacedCustomObject({ group, version, namespace, plural, name }) as Promise<Obj>;
const patch = (name: string, body: unknown, opts = merge): Promise<Obj> =>
  api.patchNamespacedCustomObject({ group, version, namespace, plural, name, body }, opts) as Promise<Obj>;
const patchStatus = (name: string, body: unknown): Promise<Obj> =>
  api.patchNamespacedCustomObjectStatus({ group, version, namespace, plural, name, body }, merge) as Promise<Obj>;

beforeAll(async () => {
  sandbox = await startKubeForTests("test/no-crds-here");
  const kc = new KubeConfig();
  kc.loadFromString(sandbox.kubeconfig);
  api = kc.makeApiClient(CustomObjectsApi);
  objects = KubernetesObjectApi.makeApiClient(kc);
});
afterAll(() => sandbox.close());

describe("custom resources through client-node", () => {
  test("create fills uid, creationTimestamp, resourceVersion, generation 1 and the schema defaults", async () => {
    const created = await create(network("defaults"));
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(created.metadata.generation).toBe(1);
    expect(created.spec).toMatchObject({ egress: "None", deletionPolicy: "Delete", maxEndpoints: 10 });
    expect(await get("defaults")).toEqual(created);
  });

  test("generateName gives a unique name with the prefix", async () => {
    const a = await create({ ...network(""), metadata: { generateName: "gen-" } });
    const b = await create({ ...network(""), metadata: { generateName: "gen-" } });
    expect(a.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(a.metadata.name).not.toBe(b.metadata.name);
  });

  test("unknown fields are pruned and status is dropped on create when the status subresource is on", async () => {
    const created = await create({ ...network("pruned", { bogus: 1 }), status: { phase: "Fake" } });
    expect(created.spec.bogus).toBeUndefined();
    expect(created.status).toBeUndefined();
  });

  test("creating an existing name is 409 AlreadyExists and a missing namespace is 404", async () => {
    await create(network("twice"));
    const dup = await rejection(create(network("twice")));
    expect(dup.code).toBe(409);
    expect(dup.status).toMatchObject({ kind: "Status", status: "Failure", reason: "AlreadyExists" });
    const missing = await rejection(create(network("lost"), "nowhere"));
    expect(missing.code).toBe(404);
    expect(missing.status.message).toBe('namespaces "nowhere" not found');
  });

  test("creating with a resourceVersion set is refused, as the real server's storage does", async () => {
    const r = await rejection(create({ ...network("with-rv"), metadata: { name: "with-rv", resourceVersion: "5" } }));
    expect(r.code).toBe(500);
    expect(r.status.message).toContain("resourceVersion should not be set on objects to be created");
  });

  test("getting a missing object is a 404 Status naming it", async () => {
    const r = await rejection(get("ghost"));
    expect(r.code).toBe(404);
    expect(r.status).toMatchObject({
      reason: "NotFound",
      message: `${plural}.${group} "ghost" not found`,
      details: { name: "ghost" },
    });
  });

  test("generation moves on spec changes only, not on metadata or status changes", async () => {
    await create(network("gen"));
    const labelled = await patch("gen", { metadata: { labels: { a: "b" } } });
    expect(labelled.metadata.generation).toBe(1);
    const withStatus = await patchStatus("gen", { status: { observedGeneration: 1 } });
    expect(withStatus.metadata.generation).toBe(1);
    expect(Number(withStatus.metadata.resourceVersion)).toBeGreaterThan(Number(labelled.metadata.resourceVersion));
    const changed = await patch("gen", { spec: { maxEndpoints: 3 } });
    expect(changed.metadata.generation).toBe(2);
  });

  test("the main endpoint ignores status and the status endpoint ignores everything else", async () => {
    await create(network("split"));
    const viaMain = await patch("split", { status: { ready: true }, spec: { maxEndpoints: 4 } });
    expect(viaMain.status).toBeUndefined();
    expect(viaMain.spec.maxEndpoints).toBe(4);
    const viaStatus = await patchStatus("split", { status: { ready: true }, spec: { maxEndpoints: 9 } });
    expect(viaStatus.status).toEqual({ ready: true });
    expect(viaStatus.spec.maxEndpoints).toBe(4);
  });

  test("an update with a stale resourceVersion is 409 Conflict and a fresh one succeeds", async () => {
    const first = await create(network("occ"));
    await patch("occ", { spec: { maxEndpoints: 2 } });
    const stale = { ...first, spec: { ...first.spec, maxEndpoints: 5 } };
    const r = await rejection(
      api.replaceNamespacedCustomObject({ group, version, namespace, plural, name: "occ", body: stale }),
    );
    expect(r.code).toBe(409);
    expect(r.status.reason).toBe("Conflict");
    expect(r.status.message).toContain("the object has been modified");
    const fresh = await get("occ");
    const replaced = (await api.replaceNamespacedCustomObject({
      group,
      version,
      namespace,
      plural,
      name: "occ",
      body: { ...fresh, spec: { ...fresh.spec, maxEndpoints: 5 } },
    })) as Obj;
    expect(replaced.spec.maxEndpoints).toBe(5);
    expect(replaced.metadata.generation).toBe(3);
  });

  test("a status write with a stale resourceVersion is 409 too", async () => {
    const first = await create(network("occ-status"));
    await patchStatus("occ-status", { status: { n: 1 } });
    const r = await rejection(
      patchStatus("occ-status", { metadata: { resourceVersion: first.metadata.resourceVersion }, status: { n: 2 } }),
    );
    expect(r.code).toBe(409);
    expect((await get("occ-status")).status).toEqual({ n: 1 });
  });

  test("an injected 409 on the status subresource fails that write only, and the retry lands", async () => {
    await create(network("flaky"));
    sandbox.admin.failNext({ verb: "patch", resource: plural, subresource: "status", status: 409 });
    const r = await rejection(patchStatus("flaky", { status: { attempt: 1 } }));
    expect(r).toMatchObject({ code: 409, status: { reason: "Conflict" } });
    expect((await get("flaky")).status).toBeUndefined();
    expect((await patchStatus("flaky", { status: { attempt: 2 } })).status).toEqual({ attempt: 2 });
    expect(sandbox.admin.requestCounts()[`PATCH ${plural}/status`]).toBeGreaterThanOrEqual(2);
  });

  test("a write that changes nothing keeps the resourceVersion", async () => {
    const created = await create(network("noop"));
    const same = await patch("noop", { spec: { maxEndpoints: 10 } });
    expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  test("JSON patch applies its operations and a failing test op is 422", async () => {
    await create(network("jp"));
    const patched = await patch(
      "jp",
      [
        { op: "add", path: "/spec/subnetIds/-", value: "subnet-0b" },
        { op: "replace", path: "/spec/egress", value: "None" },
      ],
      jsonPatch,
    );
    expect(patched.spec.subnetIds).toEqual(["subnet-0a", "subnet-0b"]);
    const r = await rejection(
      patch(
        "jp",
        [
          { op: "test", path: "/spec/egress", value: "NatGateway" },
          { op: "remove", path: "/spec/subnetIds" },
        ],
        jsonPatch,
      ),
    );
    expect(r.code).toBe(422);
    expect((await get("jp")).spec.subnetIds).toHaveLength(2);
  });

  test("strategic merge patch on a custom resource is 415, as on a real server", async () => {
    await create(network("smp"));
    const r = await rejection(
      patch("smp", { spec: { maxEndpoints: 1 } }, setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch)),
    );
    expect(r.code).toBe(415);
    expect(r.status.reason).toBe("UnsupportedMediaType");
  });

  test("KubernetesObjectApi reads, merge-patches and deletes through discovery", async () => {
    await objects.create(network("generic") as never);
    const read = (await objects.read({
      apiVersion: `${group}/${version}`,
      kind: TEST_KIND,
      metadata: { name: "generic", namespace },
    })) as Obj;
    expect(read.spec.vpcId).toBe("vpc-0123456789abcdef0");
    const patched = (await objects.patch(
      { ...network("generic", { maxEndpoints: 7 }), metadata: { name: "generic", namespace } } as never,
      undefined,
      undefined,
      "test",
      undefined,
      PatchStrategy.MergePatch,
    )) as Obj;
    expect(patched.spec.maxEndpoints).toBe(7);
    await objects.delete(read as never);
    expect((await rejection(get("generic"))).code).toBe(404);
  });
});

describe("finalizers and deletion", () => {
  test("delete with a finalizer sets deletionTimestamp, and removing the finalizer removes the object", async () => {
    await create({ ...network("fin"), metadata: { name: "fin", finalizers: ["ecsnet.dev/cleanup"] } });
    const deleting = (await api.deleteNamespacedCustomObject({
      group,
      version,
      namespace,
      plural,
      name: "fin",
    })) as Obj;
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    expect(deleting.metadata.deletionGracePeriodSeconds).toBe(0);
    const still = await get("fin");
    expect(still.metadata.deletionTimestamp).toBe(deleting.metadata.deletionTimestamp);
    const added = await rejection(patch("fin", { metadata: { finalizers: ["ecsnet.dev/cleanup", "other/x"] } }));
    expect(added.code).toBe(422);
    await patch("fin", { metadata: { finalizers: null } });
    expect((await rejection(get("fin"))).code).toBe(404);
  });

  test("delete without finalizers removes the object at once", async () => {
    await create(network("gone"));
    await api.deleteNamespacedCustomObject({ group, version, namespace, plural, name: "gone" });
    expect(sandbox.admin.objects(plural).some((o) => (o as Obj).metadata.name === "gone")).toBe(false);
  });
});
