/**
 * The sandbox Kubernetes API refuses the CRDs kube-apiserver refuses, with its field paths and words.
 * Each case names the code it ports (kubernetes/kubernetes, staging/src/k8s.io/apiextensions-apiserver):
 * - pkg/apiserver/schema/defaulting/validation.go: a default is validated literally (pruned, schema,
 *   then the CEL rules of its node, with no nested defaults applied first);
 * - pkg/apis/apiextensions/validation/validation.go: structural rules, CEL compilation, oldSelf only
 *   where values correlate, StaticEstimatedCostLimit per rule and StaticEstimatedCRDCostLimit per CRD;
 * - pkg/apiserver/schema/cel/validation.go: "<err> evaluating rule: <message>".
 * Requests go over HTTP, as `kubectl apply -f crds/` sends them.
 */
import { allCrds, privateEcsNetworkCrd } from "../../../operator/api/all-crds.js";
import { assertInstallable } from "../../../operator/cli/crds.js";
import { schemaErrors } from "../../../operator/sandbox/kube/crd-validation.js";
import { startKubeSandbox, type KubeSandbox } from "../../../operator/sandbox/kube/server.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let sandbox: KubeSandbox;
beforeAll(async () => {
  sandbox = await startKubeSandbox();
});
afterAll(() => sandbox.close());

const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
async function post(crd: object): Promise<{ code: number; body: Obj }> {
  const r = await fetch(`${sandbox.url}${CRDS}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(crd),
  });
  return { code: r.status, body: (await r.json()) as Obj };
}
const causes = (body: Obj): string[] =>
  (body.details?.causes ?? []).map((c: Obj) => `${String(c.field)}: ${String(c.message)}`);

let n = 0;
/** A one-version CRD of a fresh name whose spec has the given schema. */
function crdWithSpec(spec: Obj): Obj {
  n += 1;
  const plural = `things${n}`;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.fidelity.ecsnet.dev` },
    spec: {
      group: "fidelity.ecsnet.dev",
      scope: "Namespaced",
      names: { plural, singular: `thing${n}`, kind: `Thing${n}`, listKind: `Thing${n}List` },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", properties: { spec } } },
        },
      ],
    },
  };
}
const SPEC = "spec.validation.openAPIV3Schema.properties[spec]";
const unboundedStrings = { type: "array", items: { type: "string" } };

describe("defaults are validated as kube-apiserver does (defaulting/validation.go)", () => {
  test("regression: the CRD with `egress: {default: {}}` and a rule reading self.mode is refused with the real message", async () => {
    const old = privateEcsNetworkCrd() as unknown as Obj;
    const spec = old.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties;
    spec.egress.default = {};
    spec.securityGroup.default = {};
    const r = await post(old);
    expect(r.code).toBe(422);
    expect(r.body.message).toMatch(
      /^CustomResourceDefinition\.apiextensions\.k8s\.io "privateecsnetworks\.ecsnet\.dev" is invalid: /,
    );
    expect(causes(r.body).sort()).toEqual([
      `${SPEC}.properties[egress].default: Invalid value: "object": no such key: mode evaluating rule: egress.mode NatGateway needs natGateway.publicSubnetIds: the public subnets (with a route to an internet gateway) that host the NAT gateways`,
      `${SPEC}.properties[securityGroup].default: Invalid value: "object": no such key: allowFromPrivateSubnets evaluating rule: the endpoint security group would admit nobody: keep allowFromPrivateSubnets true, or list allowFromCidrs or allowFromSecurityGroupIds, or give groupIds`,
    ]);
  });

  test("the generated CRDs are accepted, and every defaulted object carries its children's defaults", async () => {
    for (const crd of allCrds()) expect(await post(crd)).toMatchObject({ code: 201 });
    const spec = (privateEcsNetworkCrd() as unknown as Obj).spec.versions[0].schema.openAPIV3Schema.properties.spec;
    expect(spec.properties.egress.default).toEqual({ mode: "None" });
    expect(spec.properties.securityGroup.default).toMatchObject({ allowFromPrivateSubnets: true });
  });

  test("a default is checked against its node's schema, and must already be pruned", async () => {
    const bad = await post(
      crdWithSpec({
        type: "object",
        properties: {
          mode: { type: "string", enum: ["A", "B"], default: "C" },
          box: { type: "object", properties: { a: { type: "string" } }, default: { a: "x", junk: 1 } },
        },
      }),
    );
    expect(bad.code).toBe(422);
    expect(causes(bad.body).sort()).toEqual([
      `${SPEC}.properties[box].default: Invalid value: {"a":"x","junk":1}: must not have unknown fields`,
      `${SPEC}.properties[mode].default: Unsupported value: "C": supported values: "A", "B"`,
    ]);
  });

  test("a transition rule is checked on a default with oldSelf = the default (it passes), a plain rule literally", async () => {
    const ok = await post(
      crdWithSpec({
        type: "object",
        properties: {
          id: { type: "string", default: "a", "x-kubernetes-validations": [{ rule: "self == oldSelf" }] },
          box: {
            type: "object",
            default: { n: 1 },
            properties: { n: { type: "integer" } },
            "x-kubernetes-validations": [{ rule: "self.n > 2", message: "n must be over 2" }],
          },
        },
      }),
    );
    expect(ok.code).toBe(422);
    expect(causes(ok.body)).toEqual([`${SPEC}.properties[box].default: Invalid value: "object": n must be over 2`]);
  });
});

describe("schemas and rules (apis/apiextensions/validation/validation.go, schema/validation.go)", () => {
  test("a node without a type, and properties next to additionalProperties, are refused", async () => {
    const r = await post(
      crdWithSpec({
        type: "object",
        properties: {
          loose: { description: "no type" },
          both: { type: "object", properties: { a: { type: "string" } }, additionalProperties: { type: "string" } },
        },
      }),
    );
    expect(r.code).toBe(422);
    expect(causes(r.body).sort()).toEqual([
      `${SPEC}.properties[both].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
      `${SPEC}.properties[loose].type: Required value: must not be empty for specified object fields`,
    ]);
  });

  test("a rule that does not compile, or names a field the schema lacks, is refused", async () => {
    const r = await post(
      crdWithSpec({
        type: "object",
        properties: { a: { type: "string" } },
        "x-kubernetes-validations": [{ rule: "self.a ++" }, { rule: "self.b == 'x'" }],
      }),
    );
    expect(r.code).toBe(422);
    const got = causes(r.body);
    expect(got).toHaveLength(2);
    expect(got[0]).toMatch(
      /^spec\.validation\.openAPIV3Schema\.properties\[spec\]\.x-kubernetes-validations\[0\]\.rule: Invalid value: "self\.a \+\+": compilation failed: ERROR: <input>:1:\d+: /,
    );
    expect(got[1]).toMatch(
      /x-kubernetes-validations\[1\]\.rule: Invalid value: "self\.b == 'x'": compilation failed: ERROR: <input>:1:\d+: undefined field 'b'$/,
    );
  });

  test("oldSelf inside the items of a list that is not a map list is refused", async () => {
    const r = await post(
      crdWithSpec({
        type: "object",
        properties: {
          ids: {
            type: "array",
            maxItems: 4,
            items: { type: "string", maxLength: 8, "x-kubernetes-validations": [{ rule: "self == oldSelf" }] },
          },
        },
      }),
    );
    expect(causes(r.body)).toEqual([
      `${SPEC}.properties[ids].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within ${SPEC}.properties[ids]`,
    ]);
  });

  test("an unknown reason and a fieldPath that names no field are refused", async () => {
    const r = await post(
      crdWithSpec({
        type: "object",
        properties: { a: { type: "string", maxLength: 4 } },
        "x-kubernetes-validations": [{ rule: "has(self.a)", reason: "Nope", fieldPath: ".zz" }],
      }),
    );
    expect(causes(r.body).sort()).toEqual([
      `${SPEC}.x-kubernetes-validations[0].fieldPath: Invalid value: ".zz": fieldPath must be a valid path`,
      `${SPEC}.x-kubernetes-validations[0].reason: Unsupported value: "Nope": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"`,
    ]);
  });
});

describe("estimated rule cost (validation.go StaticEstimatedCostLimit = 10M, StaticEstimatedCRDCostLimit = 100M)", () => {
  const HINT =
    "(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)";

  test("a rule over an unbounded list of unbounded strings is refused; the same rule with maxItems and maxLength passes", async () => {
    const rule = [{ rule: "self.all(c, c.contains('x'))" }];
    const r = await post(
      crdWithSpec({ type: "object", properties: { names: { ...unboundedStrings, "x-kubernetes-validations": rule } } }),
    );
    expect(r.code).toBe(422);
    expect(causes(r.body)).toContain(
      `${SPEC}.properties[names].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x ${HINT}`,
    );
    const bounded = {
      type: "array",
      maxItems: 64,
      items: { type: "string", maxLength: 64 },
      "x-kubernetes-validations": rule,
    };
    expect(await post(crdWithSpec({ type: "object", properties: { names: bounded } }))).toMatchObject({ code: 201 });
  });

  test("rules each within the per-rule budget are refused together past the per-CRD budget", async () => {
    const properties: Obj = {};
    // each costs about 4.2M over an unbounded list of strings (a million items): 25 of them pass 100M
    for (let i = 0; i < 25; i++)
      properties[`l${i}`] = {
        ...unboundedStrings,
        "x-kubernetes-validations": [{ rule: "self.all(c, !c.endsWith('/0'))" }],
      };
    const r = await post(crdWithSpec({ type: "object", properties }));
    expect(r.code).toBe(422);
    const got = causes(r.body);
    expect(got.filter((c) => c.includes("estimated rule cost exceeds"))).toEqual([]);
    expect(got.find((c) => c.startsWith("spec.validation.openAPIV3Schema: Forbidden:"))).toMatch(
      /x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of 1\.0\d{5}x /,
    );
    expect(
      got.filter((c) =>
        c.endsWith("contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema"),
      ),
    ).toHaveLength(4);
  });
});

test("an update that keeps a version's schema is not refused for that schema's per-rule cost (suppressPerExpressionCost)", () => {
  const schema = {
    type: "object",
    properties: {
      spec: {
        type: "object",
        properties: {
          names: { ...unboundedStrings, "x-kubernetes-validations": [{ rule: "self.all(c, c.contains('x'))" }] },
        },
      },
    },
  };
  expect(schemaErrors(schema, "spec.validation.openAPIV3Schema").map((c) => c.message)).toContainEqual(
    expect.stringMatching(/^Forbidden: estimated rule cost exceeds budget/),
  );
  expect(
    schemaErrors(schema, "spec.validation.openAPIV3Schema", true).filter((c) =>
      c.message.startsWith("Forbidden: estimated rule cost"),
    ),
  ).toEqual([]);
});

describe("npm run gen:crds refuses what kube-apiserver refuses", () => {
  test("the CRDs ecsnet generates pass", () => {
    expect(() => assertInstallable(allCrds())).not.toThrow();
  });

  test("a CRD with a default that fails its own rule is refused with the apiserver's lines", () => {
    const bad = privateEcsNetworkCrd() as unknown as Obj;
    bad.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.egress.default = {};
    expect(() => assertInstallable([bad as never])).toThrow(
      `The CustomResourceDefinition "privateecsnetworks.ecsnet.dev" is invalid:\n* ${SPEC}.properties[egress].default: Invalid value: "object": no such key: mode evaluating rule: egress.mode NatGateway needs`,
    );
  });
});
