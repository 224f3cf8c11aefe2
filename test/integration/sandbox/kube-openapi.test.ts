/**
 * OpenAPI for the custom resources, as kube-apiserver publishes it (apiextensions-apiserver
 * pkg/controller/openapi/builder/builder.go; the v3 index and group/version documents of
 * k8s.io/kube-openapi pkg/handler3): `kubectl explain` reads it, and so does kubectl's check of
 * whether the server validates fields itself (the `fieldValidation` parameter of each PATCH).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { privateEcsNetworkCrd } from "../../../operator/api/all-crds.js";
import { loadCrdDir } from "../../../operator/sandbox/kube/crd-files.js";
import { startKubeSandbox, type KubeSandbox } from "../../../operator/sandbox/kube/server.js";
import { hasKubectl } from "../../helpers/tools.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let sandbox: KubeSandbox;
let dir: string;
beforeAll(async () => {
  sandbox = await startKubeSandbox({ crds: await loadCrdDir("crds") });
  dir = await mkdtemp(join(tmpdir(), "ecsnet-openapi-"));
  await sandbox.writeKubeconfig(join(dir, "kubeconfig"));
});
afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

const get = async (path: string, accept = "application/json"): Promise<{ status: number; body: Obj }> => {
  const r = await fetch(`${sandbox.url}${path}`, { headers: { accept } });
  return { status: r.status, body: (await r.json()) as Obj };
};

/** Every field path below a schema node, with the node (`spec.egress.natGateway.placement`). */
function* fields(node: Obj, path: string): Generator<[string, Obj]> {
  for (const [k, v] of Object.entries((node.properties ?? {}) as Record<string, Obj>)) {
    yield [`${path}.${k}`, v];
    yield* fields(v, `${path}.${k}`);
    if (v.items) yield* fields(v.items as Obj, `${path}.${k}`);
  }
}

describe("OpenAPI v3", () => {
  test("the index lists the group/version with a serverRelativeURL, and that document has the kind", async () => {
    const index = await get("/openapi/v3");
    const entry = index.body.paths["apis/ecsnet.dev/v1alpha1"];
    expect(entry.serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/ecsnet\.dev\/v1alpha1\?hash=[0-9A-F]+$/);
    const doc = await get(entry.serverRelativeURL);
    expect(doc.body.openapi).toBe("3.0.0");
    const kind = doc.body.components.schemas["dev.ecsnet.v1alpha1.PrivateEcsNetwork"];
    expect(kind["x-kubernetes-group-version-kind"]).toEqual([
      { group: "ecsnet.dev", kind: "PrivateEcsNetwork", version: "v1alpha1" },
    ]);
    expect(kind.properties.metadata.allOf).toEqual([
      { $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" },
    ]);
    expect(doc.body.components.schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]).toBeDefined();
    // kubectl learns from this that the server validates fields (and sends fieldValidation=Strict)
    const patch = doc.body.paths["/apis/ecsnet.dev/v1alpha1/namespaces/{namespace}/privateecsnetworks/{name}"].patch;
    expect(patch.parameters.map((p: Obj) => p.name)).toContain("fieldValidation");
    expect(patch["x-kubernetes-group-version-kind"]).toEqual({
      group: "ecsnet.dev",
      version: "v1alpha1",
      kind: "PrivateEcsNetwork",
    });
  });

  test("the served schema is the CRD's: every spec field with its description", async () => {
    const doc = await get("/openapi/v3/apis/ecsnet.dev/v1alpha1");
    const served = doc.body.components.schemas["dev.ecsnet.v1alpha1.PrivateEcsNetwork"].properties.spec;
    const crd = (privateEcsNetworkCrd() as unknown as Obj).spec.versions[0].schema.openAPIV3Schema.properties.spec;
    const want = [...fields(crd, "spec")].map(([p, n]) => [p, n.description]);
    expect([...fields(served, "spec")].map(([p, n]) => [p, n.description])).toEqual(want);
    expect(want.length).toBeGreaterThan(20);
  });

  test("a group/version that is not served is a 404", async () => {
    expect((await get("/openapi/v3/apis/nope.dev/v1")).status).toBe(404);
  });
});

describe("OpenAPI v2", () => {
  test("JSON carries the definitions of every custom resource, with #/definitions references", async () => {
    const doc = await get("/openapi/v2");
    expect(doc.body.swagger).toBe("2.0");
    const kind = doc.body.definitions["dev.ecsnet.v1alpha1.EcrAccess"];
    expect(kind["x-kubernetes-group-version-kind"]).toEqual([
      { group: "ecsnet.dev", kind: "EcrAccess", version: "v1alpha1" },
    ]);
    expect(kind.properties.metadata.allOf[0].$ref).toBe(
      "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
    );
  });
});

(hasKubectl ? describe : describe.skip)("kubectl explain [skipped without kubectl]", () => {
  const kubectl = (...args: string[]): Promise<string> =>
    new Promise((resolve, reject) =>
      execFile(
        "kubectl",
        ["--kubeconfig", join(dir, "kubeconfig"), "--cache-dir", join(dir, "cache"), ...args],
        { timeout: 30_000 },
        (err, out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out)),
      ),
    );
  const natGateway = (privateEcsNetworkCrd() as unknown as Obj).spec.versions[0].schema.openAPIV3Schema.properties.spec
    .properties.egress.properties.natGateway;

  test("explain privateecsnetwork.spec.egress.natGateway prints the node's and every field's description (v3)", async () => {
    const out = (await kubectl("explain", "privateecsnetwork.spec.egress.natGateway")).replace(/\s+/g, " ");
    expect(out).toContain("KIND: PrivateEcsNetwork");
    expect(out).toContain(natGateway.description);
    for (const [name, field] of Object.entries(natGateway.properties as Record<string, Obj>)) {
      expect(out).toContain(name);
      expect(out).toContain(String(field.description).replace(/\s+/g, " "));
    }
  });

  test("explain --recursive lists every field of the kind, down to the leaves", async () => {
    const out = await kubectl("explain", "privateecsnetwork", "--recursive");
    const crd = (privateEcsNetworkCrd() as unknown as Obj).spec.versions[0].schema.openAPIV3Schema;
    for (const [path] of fields(crd.properties.spec, "spec")) {
      const leaf = path.split(".").pop()!;
      expect([path, out.includes(`${leaf}\t`) || out.includes(`${leaf} `)]).toEqual([path, true]);
    }
  });

  test("explain --output plaintext-openapiv2 reads the v2 document (protobuf)", async () => {
    const out = await kubectl("explain", "ecraccess.spec.networkRef", "--output", "plaintext-openapiv2");
    expect(out).toContain("The PrivateEcsNetwork this access goes through.");
  });
});
