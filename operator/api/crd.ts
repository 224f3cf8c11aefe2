/**
 * Turns a kind's TypeBox schemas into an apiextensions.k8s.io/v1 CustomResourceDefinition. Generic: every
 * ecsnet kind calls {@link toCrd} with its own descriptor and schemas (see `privateEcsNetworkCrd` in
 * all-crds.ts), and `ecsnet crds` prints what {@link ./all-crds.js} collects.
 *
 * The output is a structural schema (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/
 * custom-resource-definitions/#specifying-a-structural-schema): TypeBox's symbols and `$id` are stripped,
 * a union of string literals becomes `enum`, a record becomes `additionalProperties`, and a property with a
 * `default` is left out of `required` (the API server defaults before it validates).
 */
import type { TSchema } from "@sinclair/typebox";
import type { ResourceDescriptor } from "./group.js";
import { cmp } from "../core/order.js";

/** A JSON schema node as it appears in a CRD (plain JSON, no symbols). */
export type JsonSchema = { [key: string]: unknown };

/** One `additionalPrinterColumns` entry. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: "string" | "integer" | "number" | "boolean" | "date";
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
  readonly format?: string;
}

/** The apiextensions.k8s.io/v1 CustomResourceDefinition ecsnet emits (only the fields it sets). */
export interface CustomResourceDefinition {
  readonly apiVersion: "apiextensions.k8s.io/v1";
  readonly kind: "CustomResourceDefinition";
  readonly metadata: { readonly name: string; readonly labels: Readonly<Record<string, string>> };
  readonly spec: {
    readonly group: string;
    readonly names: {
      readonly kind: string;
      readonly listKind: string;
      readonly plural: string;
      readonly singular: string;
      readonly shortNames: readonly string[];
      readonly categories: readonly string[];
    };
    readonly scope: "Namespaced" | "Cluster";
    readonly versions: readonly {
      readonly name: string;
      readonly served: boolean;
      readonly storage: boolean;
      readonly schema: { readonly openAPIV3Schema: JsonSchema };
      readonly subresources: { readonly status: Record<string, never> };
      readonly additionalPrinterColumns: readonly PrinterColumn[];
    }[];
  };
}

/** What a kind gives {@link toCrd}. */
export interface CrdOptions {
  readonly specSchema: TSchema;
  readonly statusSchema: TSchema;
  readonly printerColumns: readonly PrinterColumn[];
  readonly categories: readonly string[];
  /** One sentence about the kind, shown by `kubectl explain <kind>`. */
  readonly description?: string;
}

/** Keywords kept in a structural schema; everything else (TypeBox symbols, `$id`, `const`, ...) is dropped. */
const KEPT = new Set([
  "description",
  "type",
  "format",
  "properties",
  "required",
  "items",
  "enum",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "minProperties",
  "maxProperties",
  "default",
  "nullable",
  "additionalProperties",
]);

/** True for `anyOf: [{const: "A"}, {const: "B"}]`, TypeBox's shape for a union of string literals. */
function isLiteralUnion(node: JsonSchema): node is JsonSchema & { anyOf: { const: string }[] } {
  const anyOf = node["anyOf"];
  return (
    Array.isArray(anyOf) &&
    anyOf.length > 0 &&
    anyOf.every((s: unknown) => typeof s === "object" && s !== null && typeof (s as JsonSchema)["const"] === "string")
  );
}

/**
 * Converts one TypeBox schema (or any JSON schema object) into a structural CRD schema node.
 * Pure; never mutates its input. Throws when a node has no `type` (structural schemas require one).
 */
export function structuralSchema(schema: TSchema | JsonSchema, path = "<root>"): JsonSchema {
  const node = schema as JsonSchema;
  const out: JsonSchema = {};
  for (const k of Object.keys(node)) {
    if (KEPT.has(k) || k.startsWith("x-kubernetes-")) out[k] = node[k];
  }
  if (isLiteralUnion(node)) {
    out["type"] = "string";
    out["enum"] = node.anyOf.map((s) => s.const);
  } else if (typeof node["const"] === "string") {
    out["type"] = "string";
    out["enum"] = [node["const"]];
  }
  const patternProps = node["patternProperties"] as Record<string, JsonSchema> | undefined;
  if (patternProps) {
    const values = Object.values(patternProps);
    if (values.length !== 1) throw new Error(`cannot express ${path}: a record needs exactly one value schema`);
    out["additionalProperties"] = structuralSchema(values[0] as JsonSchema, `${path}.*`);
  }
  if (typeof out["additionalProperties"] === "object" && out["additionalProperties"] !== null && !patternProps) {
    out["additionalProperties"] = structuralSchema(out["additionalProperties"] as JsonSchema, `${path}.*`);
  }
  if (out["additionalProperties"] === false) delete out["additionalProperties"];
  const props = node["properties"] as Record<string, JsonSchema> | undefined;
  if (props) {
    const converted: Record<string, JsonSchema> = {};
    for (const [name, sub] of Object.entries(props)) converted[name] = structuralSchema(sub, `${path}.${name}`);
    out["properties"] = converted;
    // A defaulted field may be omitted by the user: the API server fills it in before validating.
    const required = ((node["required"] as string[] | undefined) ?? []).filter(
      (r) => converted[r]?.["default"] === undefined,
    );
    if (required.length > 0) out["required"] = required;
    else delete out["required"];
  }
  if (node["items"] !== undefined) out["items"] = structuralSchema(node["items"] as JsonSchema, `${path}[]`);
  // kube-apiserver checks a default against its node's CEL rules as written, without applying the
  // nested defaults first: so a defaulted object carries its children's defaults in its own default.
  if (out["default"] !== undefined) out["default"] = completeDefault(out, out["default"]);
  if (out["type"] === "integer" && out["format"] === undefined) out["format"] = "int64";
  if (typeof out["type"] !== "string") throw new Error(`cannot express ${path} in a structural schema: no type`);
  return JSON.parse(JSON.stringify(ordered(out))) as JsonSchema;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * `value` with the defaults of `schema`'s properties filled in where absent, recursively: what the API
 * server stores when it applies this default, written out so the default passes its own rules literally.
 */
export function completeDefault(schema: JsonSchema, value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const props = schema["properties"] as Record<string, JsonSchema> | undefined;
  if (!props) return value;
  const out: Record<string, unknown> = { ...value };
  for (const [name, sub] of Object.entries(props)) {
    if (out[name] === undefined && sub["default"] !== undefined) out[name] = sub["default"];
    if (out[name] !== undefined) out[name] = completeDefault(sub, out[name]);
  }
  return out;
}

/** Keys in reading order: description and type first, then constraints, then nested schemas last. */
const FIRST = ["description", "type", "format", "enum", "default"];
const LAST = ["x-kubernetes-validations", "required", "properties", "additionalProperties", "items"];
function ordered(node: JsonSchema): JsonSchema {
  const rank = (k: string): number => {
    const f = FIRST.indexOf(k);
    if (f >= 0) return f;
    const l = LAST.indexOf(k);
    return l >= 0 ? 100 + l : 50;
  };
  const keys = Object.keys(node).sort((a, b) => rank(a) - rank(b) || cmp(a, b));
  return Object.fromEntries(keys.map((k) => [k, node[k]]));
}

/**
 * The CustomResourceDefinition of one kind: structural openAPIV3Schema with apiVersion/kind/metadata/spec/
 * status, the status subresource, printer columns, short names from the descriptor and the given categories.
 */
export function toCrd(descriptor: ResourceDescriptor, opts: CrdOptions): CustomResourceDefinition {
  const openAPIV3Schema: JsonSchema = {
    description: opts.description ?? `${descriptor.kind} is an ${descriptor.group} resource.`,
    type: "object",
    properties: {
      apiVersion: {
        description: "APIVersion defines the versioned schema of this representation of an object.",
        type: "string",
      },
      kind: {
        description: "Kind is a string value representing the REST resource this object represents.",
        type: "string",
      },
      metadata: { type: "object" },
      spec: structuralSchema(opts.specSchema, "spec"),
      status: structuralSchema(opts.statusSchema, "status"),
    },
    required: ["spec"],
  };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${descriptor.plural}.${descriptor.group}`,
      labels: { "app.kubernetes.io/name": "ecsnet", "app.kubernetes.io/part-of": "ecsnet" },
    },
    spec: {
      group: descriptor.group,
      names: {
        kind: descriptor.kind,
        listKind: `${descriptor.kind}List`,
        plural: descriptor.plural,
        singular: descriptor.singular,
        shortNames: [...descriptor.shortNames],
        categories: [...opts.categories],
      },
      scope: descriptor.namespaced ? "Namespaced" : "Cluster",
      versions: [
        {
          name: descriptor.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema },
          subresources: { status: {} },
          additionalPrinterColumns: opts.printerColumns.map((c) => ({ ...c })),
        },
      ],
    },
  };
}

/** The categories every ecsnet kind is listed under (`kubectl get ecsnet`). */
export const ECSNET_CATEGORIES = ["ecsnet", "aws"] as const;
