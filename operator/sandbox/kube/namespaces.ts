/**
 * Namespace lifecycle: new content only in an existing, non-terminating namespace (404 / 403 as the
 * real server); a deleted namespace whose objects still have finalizers stays Terminating and goes
 * away when its last object does.
 */
import type { Registry } from "./registry.js";
import type { ResourceType } from "./resources.js";
import { ApiError, notFound, qualifiedResource } from "./status.js";
import type { KubeObject, Store } from "./store.js";

const NAMESPACES = "/namespaces";
const nowStamp = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

/** 404 when namespace `ns` does not exist; 403 when it is being terminated. */
export function assertNamespaceOpen(store: Store, type: ResourceType, ns: string, name: string): void {
  const nsObj = store.get(NAMESPACES, "", ns);
  if (!nsObj) throw notFound("", "namespaces", ns);
  if (nsObj.metadata.deletionTimestamp) {
    const what = `${qualifiedResource(type.group, type.plural)} "${name}"`;
    const msg = `${what} is forbidden: unable to create new content in namespace ${ns} because it is being terminated`;
    throw new ApiError(403, "Forbidden", msg);
  }
}

/** What the real server fills in on a new Namespace: the kubernetes finalizer, phase Active, the name label. */
export function defaultNamespace(o: KubeObject): void {
  o.spec = { finalizers: ["kubernetes"] };
  o.status = { phase: "Active" };
  o.metadata.labels = {
    ...(o.metadata.labels as Record<string, string>),
    "kubernetes.io/metadata.name": String(o.metadata.name),
  };
}

/** Store `old` (a Namespace) as Terminating with a deletionTimestamp, once; returns what is stored. */
export function markTerminating(store: Store, old: KubeObject): KubeObject {
  if (old.metadata.deletionTimestamp) return old;
  const rv = String(store.nextResourceVersion());
  const next: KubeObject = {
    ...old,
    metadata: { ...old.metadata, deletionTimestamp: nowStamp(), resourceVersion: rv },
    status: { phase: "Terminating" },
  };
  store.put(NAMESPACES, next);
  return next;
}

/** After an object left namespace `ns`: remove the namespace if it is Terminating and now empty. */
export function finishNamespace(store: Store, registry: Registry, ns: unknown): void {
  const nsObj = typeof ns === "string" ? store.get(NAMESPACES, "", ns) : undefined;
  if (!nsObj?.metadata.deletionTimestamp) return;
  if (registry.all().some((x) => x.namespaced && store.list(x.storeKey, String(ns)).length > 0)) return;
  const rv = String(store.nextResourceVersion());
  store.remove(NAMESPACES, { ...nsObj, metadata: { ...nsObj.metadata, resourceVersion: rv } });
}
