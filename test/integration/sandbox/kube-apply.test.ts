/**
 * Server-side apply on the sandbox (PATCH application/apply-patch+yaml), held to kube-apiserver's
 * behaviour (k8s.io/apiserver pkg/endpoints/handlers/fieldmanager and sigs.k8s.io/structured-merge-diff):
 * create on first apply, ownership in managedFields, removal of what a manager stops applying,
 * list-type set union across managers, conflicts (409) with another manager's field unless forced,
 * and the required fieldManager. Requests are plain HTTP, as any client sends them.
 */
import { loadCrdDir } from "../../../operator/sandbox/kube/crd-files.js";
import { startKubeSandbox, type KubeSandbox } from "../../../operator/sandbox/kube/server.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let sandbox: KubeSandbox;
beforeAll(async () => {
  sandbox = await startKubeSandbox({ crds: await loadCrdDir("crds") });
});
afterAll(() => sandbox.close());

const PATH = "/apis/ecsnet.dev/v1alpha1/namespaces/default/privateecsnetworks";
const network = (name: string, spec: Obj): Obj => ({
  apiVersion: "ecsnet.dev/v1alpha1",
  kind: "PrivateEcsNetwork",
  metadata: { name },
  spec: { vpcId: "vpc-0123456789abcdef0", privateSubnets: { ids: ["subnet-0123456789abcdef0"] }, ...spec },
});

async function apply(
  name: string,
  body: Obj,
  query = "fieldManager=ops&fieldValidation=Strict",
): Promise<{ code: number; body: Obj }> {
  const r = await fetch(`${sandbox.url}${PATH}/${name}?${query}`, {
    method: "PATCH",
    headers: { "content-type": "application/apply-patch+yaml" },
    body: JSON.stringify(body),
  });
  return { code: r.status, body: (await r.json()) as Obj };
}
async function mergePatch(name: string, body: Obj, manager: string): Promise<Obj> {
  const r = await fetch(`${sandbox.url}${PATH}/${name}?fieldManager=${manager}`, {
    method: "PATCH",
    headers: { "content-type": "application/merge-patch+json" },
    body: JSON.stringify(body),
  });
  expect(r.status).toBe(200);
  return (await r.json()) as Obj;
}

test("the first apply creates the object (201), owned by the manager; applying it again changes nothing", async () => {
  const first = await apply("ssa-a", network("ssa-a", { vpcDns: "Enforce" }));
  expect(first.code).toBe(201);
  expect(first.body.spec.vpcDns).toBe("Enforce");
  expect(first.body.metadata.managedFields).toEqual([
    expect.objectContaining({ manager: "ops", operation: "Apply", fieldsType: "FieldsV1" }),
  ]);
  expect(first.body.metadata.managedFields[0].fieldsV1["f:spec"]["f:vpcDns"]).toEqual({});
  const again = await apply("ssa-a", network("ssa-a", { vpcDns: "Enforce" }));
  expect(again.code).toBe(200);
  expect(again.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
});

test("a field the manager stops applying is removed (and defaulted again where the schema says so)", async () => {
  await apply("ssa-b", network("ssa-b", { region: "eu-west-1", vpcDns: "Enforce" }));
  const next = await apply("ssa-b", network("ssa-b", { region: "eu-west-1" }));
  expect(next.code).toBe(200);
  expect(next.body.spec.vpcDns).toBe("Check"); // removed, then the schema's default
});

test("list-type set fields from two managers are merged as a union", async () => {
  await apply("ssa-c", network("ssa-c", { endpoints: { extra: ["kms"] } }));
  const other = await apply("ssa-c", network("ssa-c", { endpoints: { extra: ["sts"] } }), "fieldManager=team");
  expect(other.code).toBe(200);
  expect([...other.body.spec.endpoints.extra].sort()).toEqual(["kms", "sts"]);
});

test("setting another manager's field to another value is a 409 conflict naming both; force takes it over", async () => {
  await apply("ssa-d", network("ssa-d", { managementMode: "Managed" }));
  await mergePatch("ssa-d", { spec: { managementMode: "ObserveOnly" } }, "kubectl-patch");
  const conflict = await apply("ssa-d", network("ssa-d", { managementMode: "Managed" }));
  expect(conflict.code).toBe(409);
  expect(conflict.body).toMatchObject({
    reason: "Conflict",
    message:
      'Apply failed with 1 conflict: conflict with "kubectl-patch" using ecsnet.dev/v1alpha1: .spec.managementMode',
    details: {
      causes: [
        {
          reason: "FieldManagerConflict",
          field: ".spec.managementMode",
          message: 'conflict with "kubectl-patch" using ecsnet.dev/v1alpha1',
        },
      ],
    },
  });
  const forced = await apply(
    "ssa-d",
    network("ssa-d", { managementMode: "Managed" }),
    "fieldManager=ops&force=true&fieldValidation=Strict",
  );
  expect(forced.code).toBe(200);
  expect(forced.body.spec.managementMode).toBe("Managed");
  const owners = (forced.body.metadata.managedFields as Obj[]).filter(
    (m) => m.fieldsV1?.["f:spec"]?.["f:managementMode"] !== undefined,
  );
  expect(owners.map((m) => m.manager)).toEqual(["ops"]);
});

test("apply without a fieldManager is refused; an unknown field is refused under fieldValidation=Strict", async () => {
  const noManager = await apply("ssa-e", network("ssa-e", {}), "");
  expect(noManager.code).toBe(422);
  expect(noManager.body.message).toContain("fieldManager: Required value: is required for apply patch");
  const unknown = await apply("ssa-e", network("ssa-e", { bogus: 1 }));
  expect(unknown.code).toBe(400);
  expect(unknown.body.message).toContain('unknown field "spec.bogus"');
});

test("the schema and CEL rules hold for applied objects as for any write", async () => {
  const bad = await apply("ssa-f", network("ssa-f", { egress: { mode: "NatGateway" } }));
  expect(bad.code).toBe(422);
  expect(JSON.stringify(bad.body.details.causes)).toContain("egress.mode NatGateway needs natGateway.publicSubnetIds");
});
