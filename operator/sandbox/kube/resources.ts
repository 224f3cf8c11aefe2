/**
 * The resource types the sandbox serves: the built-in ones (Namespaces, Leases, both Events APIs,
 * CustomResourceDefinitions) and one entry per served version of every registered CRD.
 */

/** A printer column (the CRD's additionalPrinterColumns entry, or a built-in equivalent). */
export interface PrinterColumn {
  readonly name: string;
  readonly type: string;
  readonly jsonPath: string;
  readonly description?: string;
  readonly format?: string;
  readonly priority?: number;
  /** A date cell sent as the raw timestamp instead of an age (the built-in CRD "Created At"). */
  readonly raw?: boolean;
}

/** Everything the server needs to serve one group/version/resource. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly listKind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** True when the type is backed by a CRD (custom resource rules: generation, 415 on SMP, required RV on PUT). */
  readonly custom: boolean;
  readonly hasStatus: boolean;
  /** openAPIV3Schema of this version, for custom resources. */
  readonly schema?: Record<string, unknown>;
  readonly columns: readonly PrinterColumn[];
  /** The store key shared by every version of the same group/plural. */
  readonly storeKey: string;
  /** Field labels a fieldSelector may use besides metadata.name and metadata.namespace. */
  readonly fieldLabels?: readonly string[];
}

/** `group/plural`, the storage identity (all versions of a resource share objects). */
export function storeKeyOf(group: string, plural: string): string {
  return `${group}/${plural}`;
}

/** `apiVersion` string of a type ("v1" for the core group). */
export function apiVersionOf(t: Pick<ResourceType, "group" | "version">): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

function builtin(
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced: boolean,
  shortNames: string[],
  columns: PrinterColumn[],
): ResourceType {
  return {
    group,
    version,
    plural,
    singular: kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    namespaced,
    shortNames,
    categories: [],
    custom: false,
    hasStatus: ["namespaces", "customresourcedefinitions", "deployments", "services", "poddisruptionbudgets"].includes(
      plural,
    ),
    columns,
    storeKey: storeKeyOf(group, plural),
    ...(FIELD_LABELS[plural] ? { fieldLabels: FIELD_LABELS[plural] } : {}),
  };
}

const EVENT_OBJECT = ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"];
/** The field labels the real server supports per built-in resource (beyond metadata.name/namespace). */
const FIELD_LABELS: Record<string, string[]> = {
  namespaces: ["status.phase"],
  events: [
    ...EVENT_OBJECT.map((f) => `involvedObject.${f}`),
    ...EVENT_OBJECT.map((f) => `regarding.${f}`),
    "reason",
    "reportingComponent",
    "reportingController",
    "source",
    "type",
  ],
};

const age: PrinterColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" };

/** The built-in types, served from start. */
export const BUILTIN_TYPES: readonly ResourceType[] = [
  builtin(
    "",
    "v1",
    "namespaces",
    "Namespace",
    false,
    ["ns"],
    [{ name: "Status", type: "string", jsonPath: ".status.phase" }, age],
  ),
  builtin(
    "",
    "v1",
    "events",
    "Event",
    true,
    ["ev"],
    [
      { name: "Last Seen", type: "date", jsonPath: ".lastTimestamp" },
      { name: "Type", type: "string", jsonPath: ".type" },
      { name: "Reason", type: "string", jsonPath: ".reason" },
      { name: "Object", type: "string", jsonPath: ".involvedObject.name" },
      { name: "Message", type: "string", jsonPath: ".message" },
    ],
  ),
  builtin(
    "events.k8s.io",
    "v1",
    "events",
    "Event",
    true,
    ["ev"],
    [
      { name: "Type", type: "string", jsonPath: ".type" },
      { name: "Reason", type: "string", jsonPath: ".reason" },
      { name: "Object", type: "string", jsonPath: ".regarding.name" },
      { name: "Note", type: "string", jsonPath: ".note" },
    ],
  ),
  builtin(
    "coordination.k8s.io",
    "v1",
    "leases",
    "Lease",
    true,
    [],
    [{ name: "Holder", type: "string", jsonPath: ".spec.holderIdentity" }, age],
  ),
  // Served generically (stored as sent, no schema), so `kubectl apply -k deploy/` can install the
  // operator's namespace, RBAC and Deployment as on a cluster. Nothing acts on them.
  builtin("", "v1", "serviceaccounts", "ServiceAccount", true, ["sa"], [age]),
  builtin("", "v1", "configmaps", "ConfigMap", true, ["cm"], [age]),
  builtin("", "v1", "secrets", "Secret", true, [], [{ name: "Type", type: "string", jsonPath: ".type" }, age]),
  builtin(
    "",
    "v1",
    "services",
    "Service",
    true,
    ["svc"],
    [
      { name: "Type", type: "string", jsonPath: ".spec.type" },
      { name: "Cluster-IP", type: "string", jsonPath: ".spec.clusterIP" },
      age,
    ],
  ),
  builtin(
    "apps",
    "v1",
    "deployments",
    "Deployment",
    true,
    ["deploy"],
    [
      { name: "Ready", type: "string", jsonPath: ".status.readyReplicas" },
      { name: "Up-to-date", type: "integer", jsonPath: ".status.updatedReplicas" },
      { name: "Available", type: "integer", jsonPath: ".status.availableReplicas" },
      age,
    ],
  ),
  builtin(
    "rbac.authorization.k8s.io",
    "v1",
    "clusterroles",
    "ClusterRole",
    false,
    [],
    [{ name: "Created At", type: "date", jsonPath: ".metadata.creationTimestamp", raw: true }],
  ),
  builtin(
    "rbac.authorization.k8s.io",
    "v1",
    "clusterrolebindings",
    "ClusterRoleBinding",
    false,
    [],
    [{ name: "Role", type: "string", jsonPath: ".roleRef.name" }, age],
  ),
  builtin(
    "rbac.authorization.k8s.io",
    "v1",
    "roles",
    "Role",
    true,
    [],
    [{ name: "Created At", type: "date", jsonPath: ".metadata.creationTimestamp", raw: true }],
  ),
  builtin(
    "rbac.authorization.k8s.io",
    "v1",
    "rolebindings",
    "RoleBinding",
    true,
    [],
    [{ name: "Role", type: "string", jsonPath: ".roleRef.name" }, age],
  ),
  builtin("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, ["pdb"], [age]),
  builtin("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, ["netpol"], [age]),
  builtin(
    "apiextensions.k8s.io",
    "v1",
    "customresourcedefinitions",
    "CustomResourceDefinition",
    false,
    ["crd", "crds"],
    [{ name: "Created At", type: "date", jsonPath: ".metadata.creationTimestamp", raw: true }],
  ),
];

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const asArr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strs = (v: unknown): string[] => asArr(v).filter((s): s is string => typeof s === "string");

/**
 * The resource types a CRD manifest serves: one per `served: true` version. Printer columns default
 * to a single Age column when the version declares none (as the real server does).
 */
export function typesFromCrd(crd: object): ResourceType[] {
  const spec = asObj((crd as Obj).spec);
  const names = asObj(spec.names);
  const group = String(spec.group ?? "");
  const plural = String(names.plural ?? "");
  const kind = String(names.kind ?? "");
  return asArr(spec.versions)
    .map(asObj)
    .filter((v) => v.served !== false)
    .map((v) => {
      const declared = asArr(v.additionalPrinterColumns).map(asObj);
      const columns: PrinterColumn[] = declared.length
        ? declared.map((c) => ({
            name: String(c.name),
            type: String(c.type ?? "string"),
            jsonPath: String(c.jsonPath ?? ""),
            ...(c.description !== undefined ? { description: String(c.description) } : {}),
            ...(c.format !== undefined ? { format: String(c.format) } : {}),
            ...(typeof c.priority === "number" ? { priority: c.priority } : {}),
          }))
        : [age];
      const schema = asObj(asObj(v.schema).openAPIV3Schema);
      return {
        group,
        version: String(v.name),
        plural,
        singular: String(names.singular ?? kind.toLowerCase()),
        kind,
        listKind: String(names.listKind ?? `${kind}List`),
        namespaced: spec.scope !== "Cluster",
        shortNames: strs(names.shortNames),
        categories: strs(names.categories),
        custom: true,
        hasStatus: asObj(v.subresources).status !== undefined,
        schema,
        columns,
        storeKey: storeKeyOf(group, plural),
      };
    });
}
