/**
 * The rules of an update (PUT, or a patch's result) against the stored object, as the real server
 * applies them: optimistic concurrency on metadata.resourceVersion (custom resources must send one),
 * server-owned metadata kept, status only through the status subresource (when the type has one),
 * no new finalizers once deleting, and generation bumped only by changes outside metadata and status.
 */
import { isDeepStrictEqual } from "node:util";
import { copyJson as clone } from "./json.js";
import type { ResourceType } from "./resources.js";
import { conflict, invalid } from "./status.js";
import type { KubeObject } from "./store.js";

type Obj = Record<string, unknown>;
const SERVER_OWNED = [
  "uid",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "generation",
  "namespace",
  "name",
];

/**
 * The object to store for update body `o` over `old`: 409 on a stale resourceVersion, 422 when a
 * custom resource sends none or a deleting object gains a finalizer. `status` = the status subresource
 * (only `status` of the body is taken).
 */
export function mergeUpdate(type: ResourceType, old: KubeObject, o: KubeObject, status: boolean): KubeObject {
  const rv = o.metadata.resourceVersion;
  if (rv === undefined || rv === "") {
    if (type.custom)
      throw invalid(type.kind, type.group, String(old.metadata.name), [
        {
          reason: "FieldValueInvalid",
          field: "metadata.resourceVersion",
          message: "Invalid value: 0x0: must be specified for an update",
        },
      ]);
  } else if (String(rv) !== old.metadata.resourceVersion)
    throw conflict(type.group, type.plural, String(old.metadata.name));
  const next: KubeObject = status ? { ...clone(old), status: o.status } : o;
  if (!status) {
    for (const k of SERVER_OWNED) {
      if (old.metadata[k] === undefined) delete next.metadata[k];
      else next.metadata[k] = old.metadata[k];
    }
    if (type.hasStatus) {
      if (old.status === undefined) delete next.status;
      else next.status = clone(old.status);
    }
  }
  // a write that sends no managedFields keeps the recorded ones (server-side apply's ownership)
  if (next.metadata.managedFields === undefined && old.metadata.managedFields !== undefined)
    next.metadata.managedFields = clone(old.metadata.managedFields);
  if (old.metadata.deletionTimestamp) {
    const before = new Set((old.metadata.finalizers as string[] | undefined) ?? []);
    const added = ((next.metadata.finalizers as string[] | undefined) ?? []).filter((f) => !before.has(f));
    if (added.length)
      throw invalid(type.kind, type.group, String(old.metadata.name), [
        {
          reason: "FieldValueForbidden",
          field: "metadata.finalizers",
          message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"${added.join('", "')}"}`,
        },
      ]);
  }
  return next;
}

/** The parts of an object whose change bumps metadata.generation. */
function specPart(t: ResourceType, o: KubeObject): Obj {
  const { metadata: _m, status, apiVersion: _a, kind: _k, ...rest } = o;
  return t.hasStatus ? rest : { ...rest, status };
}

/** True when `next` differs from `old` outside metadata (and outside status when the type has the subresource). */
export function isSpecChange(type: ResourceType, old: KubeObject, next: KubeObject): boolean {
  return !isDeepStrictEqual(specPart(type, next), specPart(type, old));
}
