/** Custom resource admission: pruning, defaulting, schema errors worded as the real server, CEL rules. */
import { evaluateRules } from "../../../operator/sandbox/kube/cel.js";
import { admit, fieldPath, pruneAndDefault } from "../../../operator/sandbox/kube/validation.js";

const schema = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      required: ["vpcId"],
      "x-kubernetes-validations": [{ rule: "self.replicas <= 3", message: "at most 3 replicas" }],
      properties: {
        vpcId: {
          type: "string",
          pattern: "^vpc-[0-9a-f]+$",
          "x-kubernetes-validations": [{ rule: "self == oldSelf", message: "immutable" }],
        },
        replicas: { type: "integer", default: 1 },
        mode: { type: "string", enum: ["A", "B"] },
        nested: { type: "object", properties: { keep: { type: "string", default: "yes" } } },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        labels: { type: "object", additionalProperties: { type: "string" } },
        items: { type: "array", items: { type: "object", properties: { id: { type: "string" } } } },
        nullableText: { type: "string", nullable: true },
      },
    },
  },
};
const withSpec = (spec: Record<string, unknown>): Record<string, unknown> => ({
  apiVersion: "x.dev/v1",
  kind: "X",
  metadata: { name: "n", extra: 1 },
  spec,
});

describe("pruning and defaulting", () => {
  test("unknown fields are removed except under preserve-unknown-fields and maps, and metadata is untouched", () => {
    const o = withSpec({
      vpcId: "vpc-1",
      junk: 1,
      free: { any: { thing: 1 } },
      labels: { a: "b" },
      items: [{ id: "1", junk: 2 }],
      nested: {},
    });
    pruneAndDefault(schema, o, true);
    expect(o).toEqual({
      apiVersion: "x.dev/v1",
      kind: "X",
      metadata: { name: "n", extra: 1 },
      spec: {
        vpcId: "vpc-1",
        replicas: 1,
        free: { any: { thing: 1 } },
        labels: { a: "b" },
        items: [{ id: "1" }],
        nested: { keep: "yes" },
      },
    });
  });

  test("defaults apply only to absent fields", () => {
    const o = withSpec({ vpcId: "vpc-1", replicas: 2 });
    pruneAndDefault(schema, o, true);
    expect((o.spec as Record<string, unknown>).replicas).toBe(2);
  });
});

describe("schema errors", () => {
  test.each([
    [
      { vpcId: "nope" },
      {
        reason: "FieldValueInvalid",
        field: "spec.vpcId",
        message: `Invalid value: "nope": spec.vpcId in body should match '^vpc-[0-9a-f]+$'`,
      },
    ],
    [{}, { reason: "FieldValueRequired", field: "spec.vpcId", message: "Required value" }],
    [
      { vpcId: "vpc-1", mode: "C" },
      {
        reason: "FieldValueNotSupported",
        field: "spec.mode",
        message: `Unsupported value: "C": supported values: "A", "B"`,
      },
    ],
    [
      { vpcId: "vpc-1", replicas: "two" },
      {
        reason: "FieldValueInvalid",
        field: "spec.replicas",
        message: `Invalid value: "string": spec.replicas in body must be of type integer: "string"`,
      },
    ],
  ])("%j is refused with %j", (spec, cause) => {
    expect(admit(schema, withSpec(spec))).toContainEqual(cause);
  });

  test("a valid object has no causes and null is accepted where nullable", () => {
    expect(admit(schema, withSpec({ vpcId: "vpc-1", nullableText: null }))).toEqual([]);
  });

  test("JSON pointers become the real server's field paths", () => {
    expect(fieldPath("/spec/items/0/id")).toBe("spec.items[0].id");
    expect(fieldPath("")).toBe("");
  });
});

describe("CEL rules", () => {
  test("a rule sees integers as CEL ints and reports its message at its field", () => {
    expect(evaluateRules(schema, withSpec({ vpcId: "vpc-1", replicas: 4 }))).toEqual([
      { reason: "FieldValueInvalid", field: "spec", message: 'Invalid value: "object": at most 3 replicas' },
    ]);
    expect(evaluateRules(schema, withSpec({ vpcId: "vpc-1", replicas: 3 }))).toEqual([]);
  });

  test("a transition rule runs only on update, against the old value", () => {
    expect(evaluateRules(schema, withSpec({ vpcId: "vpc-2", replicas: 1 }))).toEqual([]);
    expect(
      evaluateRules(schema, withSpec({ vpcId: "vpc-2", replicas: 1 }), withSpec({ vpcId: "vpc-2", replicas: 1 })),
    ).toEqual([]);
    expect(
      evaluateRules(schema, withSpec({ vpcId: "vpc-2", replicas: 1 }), withSpec({ vpcId: "vpc-1", replicas: 1 })),
    ).toEqual([{ reason: "FieldValueInvalid", field: "spec.vpcId", message: 'Invalid value: "vpc-2": immutable' }]);
  });

  test("a rule that cannot be evaluated is reported as kube-apiserver does (schema/cel/validation.go), not thrown", () => {
    const bad = {
      type: "object",
      "x-kubernetes-validations": [{ rule: "self.missing > 1", message: "needs missing" }],
    };
    expect(evaluateRules(bad, {})).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "",
        message: 'Invalid value: "object": no such key: missing evaluating rule: needs missing',
      },
    ]);
  });

  test("a rule without a message reports the failed rule, with the rule's reason and fieldPath", () => {
    const s = {
      type: "object",
      "x-kubernetes-validations": [{ rule: "has(self.a)", reason: "FieldValueRequired", fieldPath: ".a" }],
    };
    expect(evaluateRules(s, {})).toEqual([
      { reason: "FieldValueRequired", field: "a", message: "Required value: failed rule: has(self.a)" },
    ]);
  });
});
