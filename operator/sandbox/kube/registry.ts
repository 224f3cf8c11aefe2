/**
 * Which resource types are served right now: the built-ins plus one per served version of each stored
 * CustomResourceDefinition. Registering or removing a CRD changes discovery and routing at once.
 */
import { BUILTIN_TYPES, typesFromCrd, type ResourceType } from "./resources.js";
import { crdSchemaErrors } from "./crd-validation.js";
import { invalid, type StatusCause } from "./status.js";
import type { KubeObject } from "./store.js";

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});

/** The served types, keyed by CRD name for the custom ones. */
export class Registry {
  private readonly custom = new Map<string, ResourceType[]>();

  /** Every served type: built-ins first, then CRD types in registration order. */
  all(): ResourceType[] {
    return [...BUILTIN_TYPES, ...[...this.custom.values()].flat()];
  }

  /** The type at group/version/plural, or undefined (the router answers 404). */
  resolve(group: string, version: string, plural: string): ResourceType | undefined {
    return this.all().find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  /** Serve (or re-serve, on update) the types of a stored CRD. */
  register(crd: KubeObject): void {
    this.custom.set(String(crd.metadata.name), typesFromCrd(crd));
  }

  /** Stop serving a CRD's types. */
  unregister(name: string): void {
    this.custom.delete(name);
  }
}

const COLUMN_TYPES = ["boolean", "date", "integer", "number", "string"];
const COLUMN_FORMATS = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"];

/** validation.go ValidateCustomResourceColumnDefinition. */
function printerColumnErrors(versions: Obj[]): StatusCause[] {
  const out: StatusCause[] = [];
  versions.forEach((v, i) => {
    const cols = Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns.map(asObj) : [];
    cols.forEach((c, j) => {
      const at = `spec.versions[${i}].additionalPrinterColumns[${j}]`;
      if (!c.name) out.push({ reason: "FieldValueRequired", field: `${at}.name`, message: "Required value" });
      if (!COLUMN_TYPES.includes(String(c.type)))
        out.push({
          reason: c.type ? "FieldValueInvalid" : "FieldValueRequired",
          field: `${at}.type`,
          message: `${c.type ? `Invalid value: ${JSON.stringify(c.type)}` : "Required value"}: must be one of ${COLUMN_TYPES.join(",")}`,
        });
      if (c.format !== undefined && !COLUMN_FORMATS.includes(String(c.format)))
        out.push({
          reason: "FieldValueInvalid",
          field: `${at}.format`,
          message: `Invalid value: ${JSON.stringify(c.format)}: must be one of ${COLUMN_FORMATS.join(",")}`,
        });
      if (!c.jsonPath) out.push({ reason: "FieldValueRequired", field: `${at}.JSONPath`, message: "Required value" });
    });
  });
  return out;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Check a CRD manifest the way the real server rejects the mistakes that matter here (names, group,
 * versions, exactly one storage version, a schema per version) and fill in its status as the real
 * server does once the names are accepted (NamesAccepted and Established True, storedVersions).
 * Throws a 422 ApiError when invalid; mutates `crd` otherwise.
 */
export function admitCrd(crd: KubeObject, old?: KubeObject): void {
  const spec = asObj(crd.spec);
  const names = asObj(spec.names);
  const causes: StatusCause[] = [];
  const group = String(spec.group ?? "");
  const plural = String(names.plural ?? "");
  if (!group.includes("."))
    causes.push({
      reason: "FieldValueInvalid",
      field: "spec.group",
      message: `Invalid value: "${group}": should be a domain with at least one dot`,
    });
  if (!DNS_LABEL.test(plural))
    causes.push({
      reason: "FieldValueInvalid",
      field: "spec.names.plural",
      message: `Invalid value: "${plural}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`,
    });
  if (!names.kind) causes.push({ reason: "FieldValueRequired", field: "spec.names.kind", message: "Required value" });
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster")
    causes.push({
      reason: "FieldValueNotSupported",
      field: "spec.scope",
      message: `Unsupported value: "${String(spec.scope)}": supported values: "Cluster", "Namespaced"`,
    });
  const versions = Array.isArray(spec.versions) ? spec.versions.map(asObj) : [];
  if (versions.length === 0)
    causes.push({
      reason: "FieldValueRequired",
      field: "spec.versions",
      message: "Required value: must have exactly one version marked as storage version",
    });
  const storage = versions.filter((v) => v.storage === true);
  if (versions.length && storage.length !== 1)
    causes.push({
      reason: "FieldValueInvalid",
      field: "spec.versions",
      message: `Invalid value: ${JSON.stringify(versions.map((v) => v.name))}: must have exactly one version marked as storage version`,
    });
  versions.forEach((v, i) => {
    if (!asObj(asObj(v.schema).openAPIV3Schema).type)
      causes.push({
        reason: "FieldValueRequired",
        field: `spec.versions[${i}].schema.openAPIV3Schema`,
        message: "Required value: schemas are required",
      });
  });
  causes.push(...printerColumnErrors(versions));
  if (causes.length === 0) causes.push(...crdSchemaErrors(crd, old));
  if (crd.metadata.name !== `${plural}.${group}`)
    causes.push({
      reason: "FieldValueInvalid",
      field: "metadata.name",
      message: `Invalid value: "${String(crd.metadata.name)}": must be spec.names.plural+"."+spec.group`,
    });
  if (causes.length)
    throw invalid("CustomResourceDefinition", "apiextensions.k8s.io", String(crd.metadata.name ?? ""), causes);
  const kind = String(names.kind);
  const acceptedNames = { singular: kind.toLowerCase(), listKind: `${kind}List`, ...names };
  spec.names = acceptedNames;
  // conditions keep their transition time across updates, as on the real server
  const previous = asObj(old?.status).conditions;
  const now = Array.isArray(previous)
    ? String(asObj(previous[0]).lastTransitionTime)
    : new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const cond = (type: string, reason: string, message: string) => ({
    type,
    status: "True",
    lastTransitionTime: now,
    reason,
    message,
  });
  crd.status = {
    acceptedNames,
    conditions: [
      cond("NamesAccepted", "NoConflicts", "no conflicts found"),
      cond("Established", "InitialNamesAccepted", "the initial names have been accepted"),
    ],
    storedVersions: [String(storage[0]?.name)],
  };
}
