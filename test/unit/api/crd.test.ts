import { Type } from "@sinclair/typebox";
import { allCrds, privateEcsNetworkCrd } from "../../../operator/api/all-crds.js";
import { structuralSchema, toCrd, type JsonSchema } from "../../../operator/api/crd.js";
import { GROUP, Kinds, VERSION } from "../../../operator/api/group.js";

/** Every schema node of a CRD schema with its path. */
function* nodes(schema: JsonSchema, path = ""): Generator<[string, JsonSchema]> {
  yield [path, schema];
  for (const [k, v] of Object.entries((schema["properties"] as Record<string, JsonSchema>) ?? {}))
    yield* nodes(v, `${path}.${k}`);
  if (schema["items"]) yield* nodes(schema["items"] as JsonSchema, `${path}[]`);
  if (typeof schema["additionalProperties"] === "object")
    yield* nodes(schema["additionalProperties"] as JsonSchema, `${path}.*`);
}

const crd = privateEcsNetworkCrd();
const version = crd.spec.versions[0]!;
const root = version.schema.openAPIV3Schema;
const spec = (root["properties"] as Record<string, JsonSchema>)["spec"]!;

describe("the PrivateEcsNetwork CRD", () => {
  it("is named <plural>.<group> and serves and stores v1alpha1", () => {
    expect(crd.metadata.name).toBe(`privateecsnetworks.${GROUP}`);
    expect(crd.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([[VERSION, true, true]]);
    expect(crd.spec.scope).toBe("Namespaced");
  });

  it("has a structural schema: every node has a type, and no $id, const, anyOf or symbol survives", () => {
    for (const [path, node] of nodes(root)) {
      expect([path, typeof node["type"]]).toEqual([path, "string"]);
      expect(Object.getOwnPropertySymbols(node)).toEqual([]);
      for (const banned of ["$id", "$schema", "const", "anyOf", "oneOf", "allOf", "patternProperties"]) {
        expect([path, banned, node[banned]]).toEqual([path, banned, undefined]);
      }
      // Structural schemas forbid properties and additionalProperties on the same node.
      expect(node["properties"] !== undefined && node["additionalProperties"] !== undefined).toBe(false);
    }
  });

  it("describes every spec field, so kubectl explain reads well", () => {
    const undocumented = [...nodes(spec, "spec")]
      .filter(([path, n]) => !path.endsWith("[]") && !path.endsWith(".*") && typeof n["description"] !== "string")
      .map(([path]) => path);
    expect(undocumented).toEqual([]);
  });

  it("turns unions of literals into enums and keeps defaults out of required", () => {
    const egress = (spec["properties"] as Record<string, JsonSchema>)["egress"]!;
    const mode = (egress["properties"] as Record<string, JsonSchema>)["mode"]!;
    expect(mode).toMatchObject({ type: "string", enum: ["None", "NatGateway"], default: "None" });
    expect(spec["required"]).toEqual(["vpcId", "privateSubnets"]);
  });

  it("carries the CEL rules and marks id lists as sets", () => {
    const rules = [...nodes(spec, "spec")].flatMap(
      ([, n]) => (n["x-kubernetes-validations"] as { rule: string }[]) ?? [],
    );
    expect(rules.map((r) => r.rule)).toEqual(
      expect.arrayContaining([
        "self == oldSelf",
        "has(self.ids) != has(self.selector)",
        "self.all(c, !c.endsWith('/0'))",
      ]),
    );
    const ids = [...nodes(spec, "spec")].find(([p]) => p === "spec.privateSubnets.ids")![1];
    expect(ids["x-kubernetes-list-type"]).toBe("set");
  });

  it("has the status subresource, a conditions list keyed by type, and an int64 observedGeneration", () => {
    expect(version.subresources).toEqual({ status: {} });
    const status = (root["properties"] as Record<string, JsonSchema>)["status"]!;
    const props = status["properties"] as Record<string, JsonSchema>;
    expect(props["conditions"]).toMatchObject({
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["type"],
    });
    expect(props["observedGeneration"]).toMatchObject({ type: "integer", format: "int64" });
  });

  it("shows Ready, Reason, VPC, Egress, Endpoints and Age in kubectl get", () => {
    expect(version.additionalPrinterColumns.map((c) => [c.name, c.jsonPath, c.priority ?? 0])).toEqual([
      ["Ready", '.status.conditions[?(@.type=="Ready")].status', 0],
      ["Reason", '.status.conditions[?(@.type=="Ready")].reason', 1],
      ["VPC", ".spec.vpcId", 0],
      ["Egress", ".spec.egress.mode", 0],
      ["Endpoints", ".status.readyEndpoints", 0],
      ["Age", ".metadata.creationTimestamp", 0],
    ]);
  });

  it("takes short names from group.ts and lists itself under the ecsnet and aws categories", () => {
    expect(crd.spec.names).toMatchObject({
      kind: "PrivateEcsNetwork",
      listKind: "PrivateEcsNetworkList",
      shortNames: [...Kinds.PrivateEcsNetwork.shortNames],
      categories: ["ecsnet", "aws"],
    });
  });

  it("is listed by allCrds next to the AwsAccount and EcrAccess CRDs, sorted by name", () => {
    expect(allCrds().map((c) => c.metadata.name)).toEqual([
      "awsaccounts.ecsnet.dev",
      "ecraccesses.ecsnet.dev",
      crd.metadata.name,
    ]);
  });
});

describe("toCrd", () => {
  it("emits any kind's schemas, turning records into additionalProperties", () => {
    const out = toCrd(Kinds.EcrAccess, {
      specSchema: Type.Object({ labels: Type.Record(Type.String(), Type.Integer()) }, { description: "s" }),
      statusSchema: Type.Object({}),
      printerColumns: [],
      categories: ["ecsnet"],
    });
    const s = (out.spec.versions[0]!.schema.openAPIV3Schema["properties"] as Record<string, JsonSchema>)["spec"]!;
    expect(s).toEqual({
      description: "s",
      type: "object",
      required: ["labels"],
      properties: { labels: { type: "object", additionalProperties: { type: "integer", format: "int64" } } },
    });
    expect(out.metadata.name).toBe("ecraccesses.ecsnet.dev");
  });

  it("refuses a schema node it cannot express structurally", () => {
    expect(() => structuralSchema(Type.Object({ x: Type.Any() }))).toThrow(/\.x .*no type/);
  });
});

describe("the CEL rules of every CRD", () => {
  /** Functions and macros of the base CEL library, which every supported Kubernetes version (1.32+) has. */
  const BASE = new Set([
    "has",
    "size",
    "all",
    "exists",
    "exists_one",
    "map",
    "filter",
    "endsWith",
    "startsWith",
    "contains",
    "matches",
  ]);
  it("call only the base CEL library, available in every supported Kubernetes version", () => {
    const used = new Set<string>();
    for (const crd of allCrds())
      for (const [, node] of nodes(crd.spec.versions[0]!.schema.openAPIV3Schema))
        for (const r of (node["x-kubernetes-validations"] as { rule: string }[] | undefined) ?? [])
          for (const m of r.rule.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)) used.add(m[1]!);
    expect([...used].filter((f) => !BASE.has(f))).toEqual([]);
    expect(used.size).toBeGreaterThan(0);
  });
});

describe("the spec schemas", () => {
  it("bound every list, map and free string, so kube-apiserver costs their CEL rules against small sizes", () => {
    const unbounded: string[] = [];
    for (const c of allCrds()) {
      const spec = (c.spec.versions[0]!.schema.openAPIV3Schema["properties"] as Record<string, JsonSchema>)["spec"]!;
      for (const [path, n] of nodes(spec, c.spec.names.kind)) {
        const free = n["type"] === "string" && n["maxLength"] === undefined && n["enum"] === undefined;
        const list = n["type"] === "array" && n["maxItems"] === undefined;
        const map = n["type"] === "object" && n["additionalProperties"] && n["maxProperties"] === undefined;
        if (free || list || map) unbounded.push(path);
      }
    }
    expect(unbounded).toEqual([]);
  });
});
