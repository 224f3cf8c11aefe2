/**
 * Admission and selection in the sandbox Kubernetes API through the real @kubernetes/client-node:
 * schema validation with CEL rules, int-or-string, and label / field selectors on lists.
 */
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
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
const namespace = "default";
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

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
const patch = (name: string, body: unknown, opts = merge): Promise<Obj> =>
  api.patchNamespacedCustomObject({ group, version, namespace, plural, name, body }, opts) as Promise<Obj>;

beforeAll(async () => {
  sandbox = await startKubeForTests("test/no-crds-here");
  const kc = new KubeConfig();
  kc.loadFromString(sandbox.kubeconfig);
  api = kc.makeApiClient(CustomObjectsApi);
});
afterAll(() => sandbox.close());

describe("validation against the CRD schema", () => {
  test("a pattern violation is 422 with the field path and the real server's wording", async () => {
    const r = await rejection(create(network("badvpc", { vpcId: "vpc-x" })));
    expect(r.code).toBe(422);
    expect(r.status.reason).toBe("Invalid");
    expect(r.status.details.causes).toContainEqual({
      reason: "FieldValueInvalid",
      field: "spec.vpcId",
      message: `Invalid value: "vpc-x": spec.vpcId in body should match '^vpc-[0-9a-f]{8,17}$'`,
    });
    expect(r.status.message).toContain(`${TEST_KIND}.${group} "badvpc" is invalid: spec.vpcId: Invalid value: "vpc-x"`);
  });

  test("missing required fields, enum and minItems violations are each reported", async () => {
    const r = await rejection(create({ ...network("many"), spec: { egress: "Teleport", subnetIds: [] } }));
    const fields = (r.status.details.causes as Obj[]).map((c) => `${c.field} ${c.reason}`);
    expect(fields).toEqual(
      expect.arrayContaining([
        "spec.vpcId FieldValueRequired",
        "spec.egress FieldValueNotSupported",
        "spec.subnetIds FieldValueInvalid",
      ]),
    );
  });

  test("a CEL rule on the spec rejects an inconsistent object", async () => {
    const r = await rejection(create(network("cel", { egress: "NatGateway" })));
    expect(r.code).toBe(422);
    expect(r.status.details.causes).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "spec",
        message: 'Invalid value: "object": egress NatGateway needs publicSubnetIds',
      },
    ]);
    const ok = await create(network("cel", { egress: "NatGateway", publicSubnetIds: ["subnet-0c"] }));
    expect(ok.spec.egress).toBe("NatGateway");
  });

  test("a CEL transition rule compares with the stored object on update", async () => {
    await create(network("immutable"));
    const r = await rejection(patch("immutable", { spec: { vpcId: "vpc-0000000000000000f" } }));
    expect(r.code).toBe(422);
    expect(r.status.details.causes[0]).toMatchObject({
      field: "spec.vpcId",
      message: 'Invalid value: "vpc-0000000000000000f": vpcId is immutable',
    });
  });

  test("int-or-string accepts both and rejects other types", async () => {
    expect((await create(network("port-int", { port: 443 }))).spec.port).toBe(443);
    expect((await create(network("port-str", { port: "https" }))).spec.port).toBe("https");
    expect((await rejection(create(network("port-bool", { port: true })))).code).toBe(422);
  });
});

describe("field validation", () => {
  test("fieldValidation=Strict refuses an unknown field with the real server's message", async () => {
    const body = network("strict", { bogus: 1 });
    const r = await rejection(
      api.createNamespacedCustomObject({ group, version, namespace, plural, body, fieldValidation: "Strict" }),
    );
    expect(r.code).toBe(400);
    expect(r.status.message).toBe(
      `${TEST_KIND} in version "${version}" cannot be handled as a ${TEST_KIND}: strict decoding error: unknown field "spec.bogus"`,
    );
  });

  test("by default an unknown field is pruned and reported in a Warning header", async () => {
    const res = await fetch(`${sandbox.url}/apis/${group}/${version}/namespaces/${namespace}/${plural}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(network("warned", { bogus: 1, subnetIds: ["subnet-0a"] })),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("warning")).toBe('299 - "unknown field \\"spec.bogus\\""');
    expect(((await res.json()) as Obj).spec.bogus).toBeUndefined();
  });
});

describe("label and field selectors", () => {
  beforeAll(async () => {
    await create(network("sel-a", {}, { tier: "app", team: "x" }));
    await create(network("sel-b", {}, { tier: "data" }));
    await create(network("sel-c", {}, { tier: "web", team: "y" }));
  });
  const names = async (labelSelector?: string, fieldSelector?: string): Promise<string[]> => {
    const list = (await api.listNamespacedCustomObject({
      group,
      version,
      namespace,
      plural,
      labelSelector,
      fieldSelector,
    })) as Obj;
    return (list.items as Obj[]).map((o) => o.metadata.name).filter((n: string) => n.startsWith("sel-"));
  };
  test.each([
    ["tier=app", ["sel-a"]],
    ["tier!=app", ["sel-b", "sel-c"]],
    ["tier in (app,data)", ["sel-a", "sel-b"]],
    ["tier notin (app,data)", ["sel-c"]],
    ["team", ["sel-a", "sel-c"]],
    ["!team", ["sel-b"]],
    ["team,tier=web", ["sel-c"]],
  ])("the label selector %s selects %j", async (selector, expected) => {
    expect(await names(selector)).toEqual(expected);
  });
  test("a field selector on metadata.name selects one object and lists carry a resourceVersion", async () => {
    expect(await names(undefined, "metadata.name=sel-b")).toEqual(["sel-b"]);
    const list = (await api.listClusterCustomObject({ group, version, plural })) as Obj;
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThan(0);
  });
});
