/**
 * OpenAPI documents for the served custom resources, shaped as kube-apiserver publishes them
 * (apiextensions-apiserver pkg/controller/openapi/builder/builder.go): one schema per kind named by the
 * reversed group (`dev.ecsnet.v1alpha1.PrivateEcsNetwork`) carrying `x-kubernetes-group-version-kind`,
 * `metadata` as a reference to ObjectMeta, a List kind, and the resource's paths with their
 * operations (each PATCH/POST/PUT lists the `fieldValidation` query parameter, which is how kubectl
 * learns that the server validates fields itself).
 *
 * - `GET /openapi/v3`: the index, `{"paths": {"apis/<group>/<version>": {"serverRelativeURL": ...}}}`;
 * - `GET /openapi/v3/apis/<group>/<version>`: the OpenAPI 3.0 document of that group/version;
 * - `GET /openapi/v2`: one Swagger 2.0 document of every custom resource, as JSON or as the gnostic
 *   protobuf (openapi_v2.Document) kubectl asks for.
 *
 * `kubectl explain privateecsnetwork.spec.egress.natGateway` reads the v3 document; `kubectl explain
 * --output plaintext-openapiv2` reads v2. Built-in kinds have no schema here (kubectl skips client-side
 * validation of a kind it finds no schema for).
 */
import { createHash } from "node:crypto";
import { apiVersionOf, type ResourceType } from "./resources.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

/** `ecsnet.dev` + `v1alpha1` + `PrivateEcsNetwork` → `dev.ecsnet.v1alpha1.PrivateEcsNetwork`. */
export function definitionName(t: Pick<ResourceType, "group" | "version">, kind: string): string {
  return `${t.group.split(".").reverse().join(".")}.${t.version}.${kind}`;
}

const str = (description: string): Obj => ({ description, type: "string" });
const dateTime = (description: string): Obj => ({ description, type: "string", format: "date-time" });
const strMap = (description: string): Obj => ({
  description,
  type: "object",
  additionalProperties: { type: "string", default: "" },
});

/** ObjectMeta and ListMeta as the real documents describe them (the fields kubectl explain shows). */
function metaSchemas(ref: (name: string) => string): Record<string, Obj> {
  return {
    [`${META}.ObjectMeta`]: {
      description:
        "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
      type: "object",
      properties: {
        annotations: strMap(
          "Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata. They are not queryable and should be preserved when modifying objects.",
        ),
        creationTimestamp: dateTime(
          "CreationTimestamp is a timestamp representing the server time when this object was created. Populated by the system. Read-only.",
        ),
        deletionGracePeriodSeconds: {
          description:
            "Number of seconds allowed for this object to gracefully terminate before it will be removed from the system.",
          type: "integer",
          format: "int64",
        },
        deletionTimestamp: dateTime(
          "DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted. Set by the server when a graceful deletion is requested by the user. Read-only.",
        ),
        finalizers: {
          description:
            "Must be empty before the object is deleted from the registry. Each entry is an identifier for the responsible component that will remove the entry from the list.",
          type: "array",
          items: { type: "string", default: "" },
          "x-kubernetes-list-type": "set",
        },
        generateName: str(
          "GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided.",
        ),
        generation: {
          description:
            "A sequence number representing a specific generation of the desired state. Populated by the system. Read-only.",
          type: "integer",
          format: "int64",
        },
        labels: strMap(
          "Map of string keys and values that can be used to organize and categorize (scope and select) objects. May match selectors of replication controllers and services.",
        ),
        managedFields: {
          description:
            "ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow. This is mostly for internal housekeeping, and users typically shouldn't need to set or understand this field.",
          type: "array",
          items: { default: {}, allOf: [{ $ref: ref(`${META}.ManagedFieldsEntry`) }] },
          "x-kubernetes-list-type": "atomic",
        },
        name: str(
          "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Cannot be updated.",
        ),
        namespace: str(
          'Namespace defines the space within which each name must be unique. An empty namespace is equivalent to the "default" namespace. Cannot be updated.',
        ),
        resourceVersion: str(
          "An opaque value that represents the internal version of this object that can be used by clients to determine when objects have changed. Populated by the system. Read-only.",
        ),
        uid: str(
          "UID is the unique in time and space value for this object. It is typically generated by the server on successful creation of a resource and is not allowed to change on PUT operations.",
        ),
      },
    },
    [`${META}.ListMeta`]: {
      description:
        "ListMeta describes metadata that synthetic resources must have, including lists and various status objects.",
      type: "object",
      properties: {
        continue: str("continue may be set if the user set a limit on the number of items returned."),
        remainingItemCount: {
          description: "The number of subsequent items in the list.",
          type: "integer",
          format: "int64",
        },
        resourceVersion: str("String that identifies the server's internal version of this object."),
      },
    },
    [`${META}.ManagedFieldsEntry`]: {
      description:
        "ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.",
      type: "object",
      properties: {
        apiVersion: str("APIVersion defines the version of this resource that this field set applies to."),
        fieldsType: str("FieldsType is the discriminator for the different fields format and version."),
        fieldsV1: { description: "FieldsV1 holds the first JSON version format.", type: "object" },
        manager: str("Manager is an identifier of the workflow managing these fields."),
        operation: str("Operation is the type of operation which lead to this ManagedFieldsEntry being created."),
        subresource: str("Subresource is the name of the subresource used to update that object."),
        time: dateTime("Time is the timestamp of when the ManagedFields entry was added."),
      },
    },
    [`${META}.Status`]: {
      description: "Status is a return value for calls that don't return other objects.",
      type: "object",
      properties: {
        code: {
          description: "Suggested HTTP return code for this status, 0 if not set.",
          type: "integer",
          format: "int32",
        },
        message: str("A human-readable description of the status of this operation."),
        reason: str('A machine-readable description of why this operation is in the "Failure" status.'),
        status: str('Status of the operation. One of: "Success" or "Failure".'),
      },
    },
  };
}

const TYPE_META = {
  apiVersion: str(
    "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
  ),
  kind: str(
    "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
  ),
};

/** The kind's schema and its List, with metadata as a reference (builder.go buildKubeNative). */
function kindSchemas(t: ResourceType, ref: (name: string) => string): Record<string, Obj> {
  const gvk = [{ group: t.group, kind: t.kind, version: t.version }];
  const schema = structuredClone(t.schema ?? { type: "object" }) as Obj;
  const props = isObj(schema.properties) ? schema.properties : {};
  schema.properties = {
    ...props,
    ...TYPE_META,
    metadata: {
      description:
        "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
      allOf: [{ $ref: ref(`${META}.ObjectMeta`) }],
    },
  };
  schema["x-kubernetes-group-version-kind"] = gvk;
  const name = definitionName(t, t.kind);
  return {
    [name]: schema,
    [definitionName(t, t.listKind)]: {
      description: `${t.listKind} is a list of ${t.kind}`,
      type: "object",
      required: ["items"],
      properties: {
        ...TYPE_META,
        items: {
          description: `List of ${t.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
          type: "array",
          items: { $ref: ref(name) },
        },
        metadata: {
          description:
            "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
          allOf: [{ $ref: ref(`${META}.ListMeta`) }],
        },
      },
      "x-kubernetes-group-version-kind": [{ group: t.group, kind: t.listKind, version: t.version }],
    },
  };
}

const query = (name: string, description: string): Obj => ({
  name,
  in: "query",
  description,
  schema: { type: "string", uniqueItems: true },
});
const WRITE_PARAMS = [
  query("dryRun", "When present, indicates that modifications should not be persisted."),
  query("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."),
  query(
    "fieldValidation",
    "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: Ignore, Warn (the default), Strict.",
  ),
];

/** The resource's paths, v3 style (requestBody/content), for one custom type. */
function paths(t: ResourceType, ref: (name: string) => string): Record<string, Obj> {
  const gvk = { group: t.group, version: t.version, kind: t.kind };
  const base = `/apis/${t.group}/${t.version}${t.namespaced ? "/namespaces/{namespace}" : ""}/${t.plural}`;
  const body = (kind: string): Obj => ({
    content: { "application/json": { schema: { $ref: ref(definitionName(t, kind)) } } },
    required: true,
  });
  const ok = (kind: string): Obj => ({
    "200": { description: "OK", content: { "application/json": { schema: { $ref: ref(definitionName(t, kind)) } } } },
  });
  const op = (action: string, extra: Obj = {}): Obj => ({
    operationId: `${action}${t.kind}`,
    tags: [`${t.group.split(".").reverse().join("")}_${t.version}`],
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": gvk,
    responses: ok(action === "list" ? t.listKind : t.kind),
    ...extra,
  });
  const patchBody: Obj = {
    content: Object.fromEntries(
      ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json"].map((m) => [
        m,
        { schema: { type: "object" } },
      ]),
    ),
    required: true,
  };
  const nsParam = t.namespaced ? [{ name: "namespace", in: "path", required: true, schema: { type: "string" } }] : [];
  const one = (sub = ""): Obj => ({
    get: op("get"),
    put: op("put", { requestBody: body(t.kind), parameters: WRITE_PARAMS }),
    patch: op("patch", {
      requestBody: patchBody,
      parameters: [...WRITE_PARAMS, query("force", 'Force is going to "force" Apply requests.')],
    }),
    ...(sub ? {} : { delete: op("delete") }),
    parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }, ...nsParam],
  });
  return {
    [base]: {
      get: op("list"),
      post: op("post", { requestBody: body(t.kind), parameters: WRITE_PARAMS }),
      parameters: nsParam,
    },
    [`${base}/{name}`]: one(),
    ...(t.hasStatus ? { [`${base}/{name}/status`]: one("status") } : {}),
  };
}

/** The custom types of one group/version, one per kind. */
function customOf(types: readonly ResourceType[], group?: string, version?: string): ResourceType[] {
  return types.filter(
    (t) => t.custom && t.schema && (group === undefined || (t.group === group && t.version === version)),
  );
}

/** GET /openapi/v3/apis/<group>/<version>: the OpenAPI 3.0 document, or undefined when not served. */
export function openApiV3Document(types: readonly ResourceType[], group: string, version: string): Obj | undefined {
  const served = customOf(types, group, version);
  if (served.length === 0) return undefined;
  const ref = (name: string): string => `#/components/schemas/${name}`;
  const schemas: Record<string, Obj> = { ...metaSchemas(ref) };
  let allPaths: Record<string, Obj> = {};
  for (const t of served) {
    Object.assign(schemas, kindSchemas(t, ref));
    allPaths = { ...allPaths, ...paths(t, ref) };
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes CRD Swagger", version: "v0.1.0" },
    paths: allPaths,
    components: { schemas },
  };
}

/** A stable hash of a document (the `?hash=` of serverRelativeURL, as the real index carries one). */
const hashOf = (doc: unknown): string =>
  createHash("sha512").update(JSON.stringify(doc)).digest("hex").toUpperCase().slice(0, 128);

/** GET /openapi/v3: the discovery index of every group/version with a document. */
export function openApiV3Index(types: readonly ResourceType[]): Obj {
  const out: Record<string, Obj> = {};
  for (const t of customOf(types)) {
    const key = `apis/${apiVersionOf(t)}`;
    if (out[key]) continue;
    const doc = openApiV3Document(types, t.group, t.version);
    out[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hashOf(doc)}` };
  }
  return { paths: out };
}

/** v3 schema → v2 schema: `#/definitions/` references, no `nullable` (v2 has none). */
function toV2(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toV2);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === "nullable") continue;
    if (k === "$ref" && typeof x === "string") out[k] = x.replace("#/components/schemas/", "#/definitions/");
    else if (k === "default" || k === "enum" || k === "example") out[k] = x;
    else out[k] = toV2(x);
  }
  return out;
}

/** GET /openapi/v2 as JSON: swagger 2.0 with the definitions of every custom resource. */
export function openApiV2Document(types: readonly ResourceType[]): Obj {
  const ref = (name: string): string => `#/definitions/${name}`;
  const definitions: Record<string, Obj> = { ...metaSchemas(ref) };
  for (const t of customOf(types)) Object.assign(definitions, kindSchemas(t, ref));
  return {
    swagger: "2.0",
    info: { title: "Kubernetes", version: "v1.32.0" },
    paths: {},
    definitions: toV2(definitions),
  };
}

/* ---- protobuf (gnostic openapi_v2.Document, github.com/google/gnostic openapiv2/OpenAPIv2.proto) ---- */

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt(Math.max(0, Math.trunc(n)));
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}
const bytesField = (field: number, payload: Buffer): Buffer =>
  Buffer.concat([Buffer.from([...varint((field << 3) | 2), ...varint(payload.length)]), payload]);
const stringField = (field: number, s: string): Buffer => bytesField(field, Buffer.from(s, "utf8"));
const varintField = (field: number, n: number): Buffer => Buffer.from([...varint(field << 3), ...varint(n)]);
const doubleField = (field: number, n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(n);
  return Buffer.concat([Buffer.from(varint((field << 3) | 1)), b]);
};
/** openapi_v2.Any: the value as YAML text (JSON is YAML). */
const anyMessage = (v: unknown): Buffer => stringField(2, JSON.stringify(v));
const namedAny = (name: string, v: unknown): Buffer =>
  Buffer.concat([stringField(1, name), bytesField(2, anyMessage(v))]);

/** openapi_v2.Schema. */
function schemaMessage(s: Obj): Buffer {
  const parts: Buffer[] = [];
  const add = (b: Buffer | undefined): void => void (b && parts.push(b));
  if (typeof s.$ref === "string") add(stringField(1, s.$ref));
  if (typeof s.format === "string") add(stringField(2, s.format));
  if (typeof s.title === "string") add(stringField(3, s.title));
  if (typeof s.description === "string") add(stringField(4, s.description));
  if (s.default !== undefined) add(bytesField(5, anyMessage(s.default)));
  if (typeof s.multipleOf === "number") add(doubleField(6, s.multipleOf));
  if (typeof s.maximum === "number") add(doubleField(7, s.maximum));
  if (s.exclusiveMaximum === true) add(varintField(8, 1));
  if (typeof s.minimum === "number") add(doubleField(9, s.minimum));
  if (s.exclusiveMinimum === true) add(varintField(10, 1));
  if (typeof s.maxLength === "number") add(varintField(11, s.maxLength));
  if (typeof s.minLength === "number") add(varintField(12, s.minLength));
  if (typeof s.pattern === "string") add(stringField(13, s.pattern));
  if (typeof s.maxItems === "number") add(varintField(14, s.maxItems));
  if (typeof s.minItems === "number") add(varintField(15, s.minItems));
  if (s.uniqueItems === true) add(varintField(16, 1));
  if (typeof s.maxProperties === "number") add(varintField(17, s.maxProperties));
  if (typeof s.minProperties === "number") add(varintField(18, s.minProperties));
  for (const r of Array.isArray(s.required) ? s.required : []) add(stringField(19, String(r)));
  for (const e of Array.isArray(s.enum) ? s.enum : []) add(bytesField(20, anyMessage(e)));
  if (isObj(s.additionalProperties)) add(bytesField(21, bytesField(1, schemaMessage(s.additionalProperties))));
  else if (typeof s.additionalProperties === "boolean")
    add(bytesField(21, varintField(2, s.additionalProperties ? 1 : 0)));
  if (typeof s.type === "string") add(bytesField(22, stringField(1, s.type)));
  if (isObj(s.items)) add(bytesField(23, bytesField(1, schemaMessage(s.items))));
  for (const a of Array.isArray(s.allOf) ? s.allOf.filter(isObj) : []) add(bytesField(24, schemaMessage(a)));
  if (isObj(s.properties)) {
    const named = Object.entries(s.properties)
      .filter((e): e is [string, Obj] => isObj(e[1]))
      .map(([k, v]) => bytesField(1, Buffer.concat([stringField(1, k), bytesField(2, schemaMessage(v))])));
    add(bytesField(25, Buffer.concat(named)));
  }
  for (const [k, v] of Object.entries(s)) if (k.startsWith("x-")) add(bytesField(31, namedAny(k, v)));
  return Buffer.concat(parts);
}

/** GET /openapi/v2 as protobuf (what kubectl requests): the same document as {@link openApiV2Document}. */
export function openApiV2Protobuf(types: readonly ResourceType[]): Buffer {
  const doc = openApiV2Document(types);
  const info = doc.info as Obj;
  const defs = Object.entries(doc.definitions as Record<string, Obj>).map(([name, s]) =>
    bytesField(1, Buffer.concat([stringField(1, name), bytesField(2, schemaMessage(s))])),
  );
  return Buffer.concat([
    stringField(1, String(doc.swagger)),
    bytesField(2, Buffer.concat([stringField(1, String(info.title)), stringField(2, String(info.version))])),
    bytesField(8, Buffer.alloc(0)),
    bytesField(9, Buffer.concat(defs)),
  ]);
}
