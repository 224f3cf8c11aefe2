/**
 * Server-side apply (PATCH with `application/apply-patch+yaml`), after kube-apiserver's
 * (k8s.io/apiserver pkg/endpoints/handlers/fieldmanager, sigs.k8s.io/structured-merge-diff):
 *
 * - `fieldManager` is required; the applied configuration must name apiVersion, kind and metadata.name;
 * - absent object: created from the configuration (201), owned by the manager;
 * - present object: the configuration is merged into it (maps field by field; lists by their
 *   `x-kubernetes-list-type`: `map` by the list-map keys, `set` as a union, atomic lists replaced), and
 *   the fields this manager applied before but no longer names are removed unless another manager
 *   owns them;
 * - a field the configuration sets to a value different from the live one, owned by another manager,
 *   is a conflict: 409 `Apply failed with N conflict(s): conflict with "<manager>": .spec.x`, unless
 *   `force=true`, which takes the field over. Fields of an object never applied to (no managedFields)
 *   belong to "before-first-apply", as on the real server.
 *
 * Ownership is recorded in `metadata.managedFields` as FieldsV1 (`f:spec`, `k:{"type":"Ready"}`). Only
 * apply records it; other writes keep what is there. Built-in kinds have no schema in the sandbox, so
 * their lists are atomic (a real server merges e.g. `containers` by name).
 */
import { isDeepStrictEqual } from "node:util";
import type { Crud, Target } from "./crud.js";
import { copyJson } from "./json.js";
import { apiVersionOf } from "./resources.js";
import { ApiError, badRequest } from "./status.js";
import type { KubeObject, Store } from "./store.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

/** One owned field: the path of keys from the object's root (`f:` names, `k:` list-map keys, `v:` set values). */
type FieldPath = readonly string[];
const keyOf = (p: FieldPath): string => p.join("\u0000");

const SERVER_FIELDS = new Set([
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "managedFields",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "selfLink",
]);

function childSchema(s: Obj | undefined, key: string): Obj | undefined {
  if (!s) return undefined;
  if (isObj(s.properties) && isObj((s.properties as Obj)[key])) return (s.properties as Obj)[key] as Obj;
  if (isObj(s.additionalProperties)) return s.additionalProperties;
  return undefined;
}
const itemSchema = (s: Obj | undefined): Obj | undefined => (s && isObj(s.items) ? s.items : undefined);
const listType = (s: Obj | undefined): string => String(s?.["x-kubernetes-list-type"] ?? "atomic");
const mapKeys = (s: Obj | undefined): string[] =>
  Array.isArray(s?.["x-kubernetes-list-map-keys"]) ? (s["x-kubernetes-list-map-keys"] as string[]) : [];
const itemKey = (item: unknown, keys: readonly string[]): string =>
  `k:${JSON.stringify(Object.fromEntries(keys.map((k) => [k, isObj(item) ? item[k] : undefined])))}`;

/** The fields a configuration sets: leaves, atomic lists and empty maps are owned whole. */
function fieldsOf(v: unknown, s: Obj | undefined, path: FieldPath, out: FieldPath[], root = false): void {
  if (isObj(v)) {
    const entries = Object.entries(v).filter(([k]) => !(root && (k === "apiVersion" || k === "kind")));
    if (entries.length === 0 && !root) out.push(path);
    for (const [k, x] of entries) {
      if (root && k === "metadata" && isObj(x)) {
        for (const [mk, mv] of Object.entries(x)) {
          if (mk === "name" || mk === "namespace" || SERVER_FIELDS.has(mk)) continue;
          fieldsOf(mv, undefined, [...path, "f:metadata", `f:${mk}`], out);
        }
        continue;
      }
      fieldsOf(x, childSchema(s, k), [...path, `f:${k}`], out);
    }
    return;
  }
  if (Array.isArray(v) && listType(s) === "map") {
    const keys = mapKeys(s);
    for (const item of v) fieldsOf(item, itemSchema(s), [...path, itemKey(item, keys)], out);
    if (v.length === 0) out.push(path);
    return;
  }
  if (Array.isArray(v) && listType(s) === "set") {
    for (const item of v) out.push([...path, `v:${JSON.stringify(item)}`]);
    if (v.length === 0) out.push(path);
    return;
  }
  out.push(path);
}

/** FieldsV1 (`{"f:spec": {"f:vpcId": {}}}`) of a set of paths, and back. */
function toFieldsV1(paths: readonly FieldPath[]): Obj {
  const root: Obj = {};
  for (const p of paths) {
    let cur = root;
    for (const seg of p) {
      cur[seg] = isObj(cur[seg]) ? cur[seg] : {};
      cur = cur[seg] as Obj;
    }
    if (p.length > 0 && Object.keys(cur).length > 0) cur["."] = {};
  }
  return root;
}
function fromFieldsV1(f: unknown, path: FieldPath = [], out: FieldPath[] = []): FieldPath[] {
  if (!isObj(f)) return out;
  const keys = Object.keys(f);
  if (keys.length === 0 && path.length > 0) out.push(path);
  for (const k of keys) {
    if (k === ".") out.push(path);
    else fromFieldsV1(f[k], [...path, k], out);
  }
  return out;
}

/** The value at a field path, or undefined. */
function valueAt(o: unknown, path: FieldPath): unknown {
  let cur: unknown = o;
  for (const seg of path) {
    if (seg.startsWith("f:")) cur = isObj(cur) ? cur[seg.slice(2)] : undefined;
    else if (seg.startsWith("k:")) {
      const key = JSON.parse(seg.slice(2)) as Obj;
      cur = Array.isArray(cur)
        ? cur.find((i) => isObj(i) && Object.entries(key).every(([k, v]) => isDeepStrictEqual(i[k], v)))
        : undefined;
    } else if (seg.startsWith("v:")) {
      const want: unknown = JSON.parse(seg.slice(2));
      cur = Array.isArray(cur) && cur.some((i) => isDeepStrictEqual(i, want)) ? want : undefined;
    } else return undefined;
  }
  return cur;
}

/** Remove the field at `path` from `o` (in place). */
function removeAt(o: unknown, path: FieldPath): void {
  if (path.length === 0) return;
  const parent = valueAt(o, path.slice(0, -1));
  const last = path[path.length - 1] as string;
  if (last.startsWith("f:") && isObj(parent)) delete parent[last.slice(2)];
  else if (Array.isArray(parent)) {
    const idx = parent.findIndex((i) => isDeepStrictEqual(i, valueAt(parent, [last])));
    if (idx >= 0) parent.splice(idx, 1);
  }
}

/** Merge the applied configuration `cfg` into `live` (structured merge, by the schema's list types). */
function merge(live: unknown, cfg: unknown, s: Obj | undefined): unknown {
  if (isObj(cfg)) {
    const out: Obj = isObj(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(cfg)) out[k] = merge(out[k], v, childSchema(s, k));
    return out;
  }
  if (Array.isArray(cfg) && Array.isArray(live) && listType(s) === "map") {
    const keys = mapKeys(s);
    const out = [...live];
    for (const item of cfg) {
      const k = itemKey(item, keys);
      const i = out.findIndex((x) => itemKey(x, keys) === k);
      if (i >= 0) out[i] = merge(out[i], item, itemSchema(s));
      else out.push(copyJson(item));
    }
    return out;
  }
  if (Array.isArray(cfg) && Array.isArray(live) && listType(s) === "set") {
    const out = [...live];
    for (const item of cfg) if (!out.some((x) => isDeepStrictEqual(x, item))) out.push(item);
    return out;
  }
  return copyJson(cfg);
}

interface ManagedEntry extends Obj {
  manager: string;
  operation: string;
  fieldsV1?: Obj;
}

/** Apply `body` (already decoded from YAML/JSON) for `manager`; `force` takes conflicting fields over. */
export function serverSideApply(
  crud: Crud,
  store: Store,
  t: Target,
  body: unknown,
  opts: { fieldManager?: string; force?: boolean; status: boolean },
): { code: number; object: KubeObject } {
  const type = t.type;
  const manager = opts.fieldManager ?? "";
  if (!manager)
    throw new ApiError(
      422,
      "Invalid",
      `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`,
    );
  if (!isObj(body)) throw badRequest("the applied configuration must be an object");
  const cfg = copyJson(body);
  const md = isObj(cfg.metadata) ? cfg.metadata : {};
  if (cfg.apiVersion === undefined || cfg.kind === undefined)
    throw badRequest(`invalid object type: ${String(cfg.apiVersion ?? "")}, Kind=${String(cfg.kind ?? "")}`);
  if (md.name !== undefined && md.name !== t.name)
    throw badRequest(
      `the name of the object (${String(md.name)}) does not match the name on the URL (${String(t.name)})`,
    );
  const schema = type.schema;
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const applied: FieldPath[] = [];
  fieldsOf(cfg, schema, [], applied, true);
  const entry = (fields: readonly FieldPath[]): ManagedEntry => ({
    manager,
    operation: "Apply",
    apiVersion: apiVersionOf(type),
    time: now,
    fieldsType: "FieldsV1",
    fieldsV1: toFieldsV1(fields),
    ...(opts.status ? { subresource: "status" } : {}),
  });
  const old = store.get(type.storeKey, t.namespace ?? "", t.name ?? "");
  if (!old) {
    if (opts.status) throw new ApiError(404, "NotFound", `${type.plural} "${String(t.name)}" not found`);
    const created = crud.create(t, { ...cfg, metadata: { ...md, name: t.name } }, [entry(applied)]);
    return { code: 201, object: created };
  }
  const live = copyJson(old);
  const managed: ManagedEntry[] = Array.isArray(live.metadata.managedFields)
    ? (live.metadata.managedFields as ManagedEntry[])
    : [
        {
          manager: "before-first-apply",
          operation: "Update",
          apiVersion: apiVersionOf(type),
          time: now,
          fieldsType: "FieldsV1",
          fieldsV1: toFieldsV1(livePaths(live, schema)),
        },
      ];
  const mine = managed.find((m) => m.manager === manager && m.operation === "Apply" && !m.subresource === !opts.status);
  const others = managed.filter((m) => m !== mine);
  const appliedKeys = new Set(applied.map(keyOf));
  // conflicts: another manager owns a field this configuration sets to another value
  // structured-merge-diff names an Update manager with its apiVersion: `"kubectl-patch" using apps/v1`
  const conflicts: { manager: string; field: string }[] = [];
  for (const p of applied) {
    const value = valueAt(cfg, p);
    if (isDeepStrictEqual(valueAt(live, p), value)) continue;
    for (const m of others) {
      if (fromFieldsV1(m.fieldsV1).some((q) => keyOf(q) === keyOf(p)))
        conflicts.push({
          manager: m.operation === "Update" ? `"${m.manager}" using ${String(m.apiVersion)}` : `"${m.manager}"`,
          field: dotted(p),
        });
    }
  }
  if (conflicts.length && !opts.force) {
    const lines = conflicts.map((c) => `conflict with ${c.manager}: ${c.field}`);
    throw new ApiError(
      409,
      "Conflict",
      `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? "s" : ""}: ${lines.join("\n")}`,
      {
        name: String(t.name),
        group: type.group,
        kind: type.plural,
        causes: conflicts.map((c) => ({
          reason: "FieldManagerConflict",
          message: `conflict with ${c.manager}`,
          field: c.field,
        })),
      },
    );
  }
  // forced: the others lose the fields taken over
  const rest = others.map((m) => {
    const kept = fromFieldsV1(m.fieldsV1).filter(
      (q) => !(opts.force && appliedKeys.has(keyOf(q)) && conflicts.some((c) => c.field === dotted(q))),
    );
    return { ...m, fieldsV1: toFieldsV1(kept) };
  });
  let next = merge(live, { ...cfg, metadata: { ...md } }, schema) as KubeObject;
  // fields this manager applied before and no longer names go, unless someone else owns them
  const ownedByOthers = new Set(rest.flatMap((m) => fromFieldsV1(m.fieldsV1).map(keyOf)));
  for (const p of fromFieldsV1(mine?.fieldsV1)) {
    if (!appliedKeys.has(keyOf(p)) && !ownedByOthers.has(keyOf(p))) removeAt(next, p);
  }
  const unchanged =
    isDeepStrictEqual(
      { ...next, metadata: { ...next.metadata, managedFields: undefined } },
      {
        ...live,
        metadata: { ...live.metadata, managedFields: undefined },
      },
    ) && isDeepStrictEqual(mine?.fieldsV1, toFieldsV1(applied));
  // a no-op apply changes nothing, not even managedFields' times (so no new resourceVersion)
  if (unchanged && Array.isArray(old.metadata.managedFields)) return { code: 200, object: crud.get(t) };
  next = {
    ...next,
    metadata: {
      ...next.metadata,
      managedFields: [...rest.filter((m) => fromFieldsV1(m.fieldsV1).length > 0), entry(applied)],
      resourceVersion: old.metadata.resourceVersion,
    },
  };
  return { code: 200, object: crud.update({ ...t, applying: true }, next as never, opts.status) };
}

/** `.spec.vpcId`, `.status.conditions[type="Ready"]` as the real conflict messages print field paths. */
function dotted(p: FieldPath): string {
  return p
    .map((seg) => {
      if (seg.startsWith("f:")) return `.${seg.slice(2)}`;
      if (seg.startsWith("k:")) {
        const key = JSON.parse(seg.slice(2)) as Obj;
        return `[${Object.entries(key)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(",")}]`;
      }
      return `[${seg.slice(2)}]`;
    })
    .join("");
}

/** Every field of a live object (its owner before the first apply), metadata's server fields aside. */
function livePaths(live: KubeObject, schema: Obj | undefined): FieldPath[] {
  const out: FieldPath[] = [];
  const { status: _s, ...rest } = live;
  fieldsOf(rest, schema, [], out, true);
  return out;
}

/**
 * Ownership after a non-apply write (PUT, merge/JSON/strategic patch) of an object that has managedFields:
 * the writing manager (its `fieldManager`, else "unknown") takes every field whose value changed, as the
 * real server's Update operation does, so a later apply that sets another value conflicts with it.
 * Objects never applied to keep no managedFields here. Mutates `next`.
 */
export function recordUpdate(
  old: KubeObject,
  next: KubeObject,
  manager: string | undefined,
  schema: Obj | undefined,
  apiVersion: string,
  subresource: boolean,
): void {
  if (!Array.isArray(old.metadata.managedFields)) return;
  const before = livePaths(old, schema);
  const after = livePaths(next, schema);
  const changed = after.filter((p) => !isDeepStrictEqual(valueAt(old, p), valueAt(next, p)));
  const gone = new Set(before.filter((p) => valueAt(next, p) === undefined).map(keyOf));
  if (changed.length === 0 && gone.size === 0) return;
  const name = manager || "unknown";
  const changedKeys = new Set(changed.map(keyOf));
  const entries = (old.metadata.managedFields as ManagedEntry[]).map((m) => {
    const kept = fromFieldsV1(m.fieldsV1).filter((q) => !changedKeys.has(keyOf(q)) && !gone.has(keyOf(q)));
    return { ...m, fieldsV1: toFieldsV1(kept) };
  });
  const mineIdx = entries.findIndex((m) => m.manager === name && m.operation === "Update");
  const previous = mineIdx >= 0 ? fromFieldsV1(entries[mineIdx]?.fieldsV1) : [];
  const owned = [...previous, ...changed.filter((p) => !previous.some((q) => keyOf(q) === keyOf(p)))];
  const entry: ManagedEntry = {
    manager: name,
    operation: "Update",
    apiVersion,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    fieldsType: "FieldsV1",
    fieldsV1: toFieldsV1(owned),
    ...(subresource ? { subresource: "status" } : {}),
  };
  const rest = entries.filter((m, i) => i !== mineIdx && fromFieldsV1(m.fieldsV1).length > 0);
  next.metadata.managedFields = [...rest, entry];
}
