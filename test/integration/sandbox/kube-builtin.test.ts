/**
 * The sandbox's built-in APIs and controls: Namespaces, both Events APIs, CRD registration over the
 * API, discovery documents, Table output, injected failures and request counts, and the product's
 * own CRDs from crds/ when they exist.
 */
import { existsSync } from "node:fs";
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, EventsV1Api, KubeConfig } from "@kubernetes/client-node";
import type { KubeSandbox } from "../../../operator/sandbox/kube/server.js";
import { eventually } from "../../helpers/aws-sandbox.js";
import { startKubeForTests, TEST_CRD, TEST_GROUP, TEST_PLURAL, TEST_VERSION } from "../../helpers/kube-sandbox.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let sandbox: KubeSandbox;
let kc: KubeConfig;
const getJson = async (path: string, accept = "application/json"): Promise<{ code: number; body: Obj }> => {
  const res = await fetch(`${sandbox.url}${path}`, { headers: { accept } });
  return { code: res.status, body: (await res.json()) as Obj };
};

beforeAll(async () => {
  sandbox = await startKubeForTests("test/no-crds-here");
  kc = new KubeConfig();
  kc.loadFromString(sandbox.kubeconfig);
});
afterAll(() => sandbox.close());

describe("namespaces and events", () => {
  test("default and kube-system exist at start, and a created namespace is Active", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const names = (await core.listNamespace()).items.map((n) => n.metadata?.name);
    expect(names).toEqual(expect.arrayContaining(["default", "kube-system"]));
    const ns = await core.createNamespace({ body: { metadata: { name: "team-a" } } });
    expect(ns.status?.phase).toBe("Active");
  });

  test("deleting a namespace deletes what it holds", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: "short-lived" } } });
    await core.createNamespacedEvent({
      namespace: "short-lived",
      body: { metadata: { generateName: "e-" }, involvedObject: { name: "x" }, reason: "Test", message: "m" },
    });
    const deleted = await core.deleteNamespace({ name: "short-lived" });
    // as on a real server, the DELETE answers with the namespace Terminating; its controller empties it later
    expect((deleted as { status?: { phase?: string } }).status?.phase).toBe("Terminating");
    await eventually(async () => {
      const left = (await core.listEventForAllNamespaces()).items.filter(
        (e) => e.metadata?.namespace === "short-lived",
      );
      expect(left).toEqual([]);
      await expect(core.readNamespace({ name: "short-lived" })).rejects.toMatchObject({ code: 404 });
    });
  });

  test("a namespace whose objects still have finalizers stays Terminating until they are gone", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    await core.createNamespace({ body: { metadata: { name: "finalizing" } } });
    const body = {
      apiVersion: `${TEST_GROUP}/${TEST_VERSION}`,
      kind: "TestNetwork",
      metadata: { name: "held", finalizers: ["ecsnet.dev/cleanup"] },
      spec: { vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0a"] },
    };
    const target = { group: TEST_GROUP, version: TEST_VERSION, namespace: "finalizing", plural: TEST_PLURAL };
    await custom.createNamespacedCustomObject({ ...target, body });
    await core.deleteNamespace({ name: "finalizing" });
    expect((await core.readNamespace({ name: "finalizing" })).status?.phase).toBe("Terminating");
    await expect(
      custom.createNamespacedCustomObject({ ...target, body: { ...body, metadata: { name: "late" } } }),
    ).rejects.toMatchObject({ code: 403 });
    await custom.patchNamespacedCustomObject({
      ...target,
      name: "held",
      body: [{ op: "remove", path: "/metadata/finalizers" }],
    });
    await eventually(() => expect(core.readNamespace({ name: "finalizing" })).rejects.toMatchObject({ code: 404 }));
  });

  test("core and events.k8s.io events are created and listed with their fields", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const created = await core.createNamespacedEvent({
      namespace: "default",
      body: {
        metadata: { generateName: "net-a." },
        involvedObject: { kind: "PrivateEcsNetwork", name: "net-a", namespace: "default" },
        reason: "Repaired",
        message: "route restored",
        type: "Normal",
        count: 1,
      },
    });
    expect(created.metadata?.name).toMatch(/^net-a\.[a-z0-9]{5}$/);
    const listed = await core.listNamespacedEvent({
      namespace: "default",
      fieldSelector: `metadata.name=${created.metadata?.name}`,
    });
    expect(listed.items.map((e) => e.reason)).toEqual(["Repaired"]);
    const events = kc.makeApiClient(EventsV1Api);
    const ev = await events.createNamespacedEvent({
      namespace: "default",
      body: {
        metadata: { name: "net-a.1" },
        eventTime: new Date(),
        reportingController: "ecsnet.dev/operator",
        reportingInstance: "pod-a",
        action: "Reconcile",
        reason: "Stalled",
        regarding: { name: "net-a" },
        note: "cannot create",
        type: "Warning",
      },
    });
    expect((await events.readNamespacedEvent({ name: "net-a.1", namespace: "default" })).note).toBe(ev.note);
  });
});

describe("CRDs over the API", () => {
  test("registering a CRD serves its resource and deleting it stops serving it", async () => {
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const crd = structuredClone(TEST_CRD) as unknown as Obj;
    crd.metadata.name = `widgets.${TEST_GROUP}`;
    Object.assign(crd.spec.names, {
      plural: "widgets",
      singular: "widget",
      kind: "Widget",
      listKind: "WidgetList",
      shortNames: ["wd"],
    });
    // client-node's typed model knows `x-kubernetes-int-or-string` only as xKubernetesIntOrString and drops
    // the JSON spelling, which leaves `port` without a type: a real server (and the sandbox) refuse that
    delete crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.port;
    const created = await ext.createCustomResourceDefinition({ body: crd as never });
    expect(created.status?.conditions?.find((c) => c.type === "Established")?.status).toBe("True");
    const custom = kc.makeApiClient(CustomObjectsApi);
    const list = (await custom.listNamespacedCustomObject({
      group: TEST_GROUP,
      version: TEST_VERSION,
      namespace: "default",
      plural: "widgets",
    })) as Obj;
    expect(list.kind).toBe("WidgetList");
    await ext.deleteCustomResourceDefinition({ name: `widgets.${TEST_GROUP}` });
    expect((await getJson(`/apis/${TEST_GROUP}/${TEST_VERSION}/namespaces/default/widgets`)).code).toBe(404);
  });

  test("a CRD whose name does not match its names is refused with 422", async () => {
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const crd = structuredClone(TEST_CRD) as unknown as Obj;
    crd.metadata.name = "wrong.example.dev";
    await expect(ext.createCustomResourceDefinition({ body: crd as never })).rejects.toMatchObject({ code: 422 });
  });
});

describe("discovery and tables", () => {
  test("discovery lists the group, the resource with its short names and its status subresource", async () => {
    const groups = (await getJson("/apis")).body;
    expect(groups.groups.map((g: Obj) => g.name)).toEqual(
      expect.arrayContaining([TEST_GROUP, "coordination.k8s.io", "events.k8s.io", "apiextensions.k8s.io"]),
    );
    const resources = (await getJson(`/apis/${TEST_GROUP}/${TEST_VERSION}`)).body.resources as Obj[];
    expect(resources.find((r) => r.name === TEST_PLURAL)).toMatchObject({
      namespaced: true,
      kind: "TestNetwork",
      shortNames: ["tn"],
      categories: ["ecsnet"],
    });
    expect(resources.find((r) => r.name === `${TEST_PLURAL}/status`)?.verbs).toEqual(["get", "patch", "update"]);
    expect((await getJson("/api/v1")).body.resources.map((r: Obj) => r.name)).toEqual(
      expect.arrayContaining(["namespaces", "events"]),
    );
  });

  test("a Table request gets Name plus the printer columns with the Ready condition", async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const body = {
      apiVersion: `${TEST_GROUP}/${TEST_VERSION}`,
      kind: "TestNetwork",
      metadata: { name: "tbl" },
      spec: { vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0a"] },
    };
    await custom.createNamespacedCustomObject({
      group: TEST_GROUP,
      version: TEST_VERSION,
      namespace: "default",
      plural: TEST_PLURAL,
      body,
    });
    await fetch(`${sandbox.url}/apis/${TEST_GROUP}/${TEST_VERSION}/namespaces/default/${TEST_PLURAL}/tbl/status`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: JSON.stringify({
        status: {
          conditions: [
            { type: "Reconciling", status: "False" },
            { type: "Ready", status: "True" },
          ],
        },
      }),
    });
    const table = (
      await getJson(
        `/apis/${TEST_GROUP}/${TEST_VERSION}/namespaces/default/${TEST_PLURAL}`,
        "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
      )
    ).body;
    expect(table.kind).toBe("Table");
    expect(table.columnDefinitions.map((c: Obj) => c.name)).toEqual(["Name", "VPC", "Egress", "Ready", "Age"]);
    expect(table.rows[0].cells.slice(0, 4)).toEqual(["tbl", "vpc-0123456789abcdef0", "None", "True"]);
    expect(table.rows[0].object).toMatchObject({ kind: "PartialObjectMetadata", metadata: { name: "tbl" } });
  });
});

describe("admin controls", () => {
  test("failNext answers the next matching requests with the given code, then serves normally", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    sandbox.admin.failNext({ verb: "get", resource: "namespaces", status: 500, count: 2 });
    await expect(core.readNamespace({ name: "default" })).rejects.toMatchObject({ code: 500 });
    await expect(core.readNamespace({ name: "default" })).rejects.toMatchObject({ code: 500 });
    expect((await core.readNamespace({ name: "default" })).metadata?.name).toBe("default");
  });

  test("requestCounts counts requests by verb and resource", async () => {
    const before = sandbox.admin.requestCounts()["GET namespaces"] ?? 0;
    await kc.makeApiClient(CoreV1Api).readNamespace({ name: "kube-system" });
    expect(sandbox.admin.requestCounts()["GET namespaces"]).toBe(before + 1);
  });
});

const crdsPresent = existsSync("crds");
(crdsPresent ? test : test.skip)("the product CRDs in crds/ register and their resources are served", async () => {
  const withProduct = await startKubeForTests("crds", { includeTestCrd: false });
  try {
    const crds = withProduct.admin.objects("customresourcedefinitions") as Obj[];
    expect(crds.length).toBeGreaterThan(0);
    for (const crd of crds) {
      const res = await fetch(
        `${withProduct.url}/apis/${crd.spec.group}/${crd.spec.versions[0].name}/${crd.spec.names.plural}`,
      );
      expect(res.status).toBe(200);
    }
  } finally {
    await withProduct.close();
  }
});
