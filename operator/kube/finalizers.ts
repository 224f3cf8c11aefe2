/**
 * Our finalizer on an object, added and removed with JSON patches that carry a `test` precondition
 * on `metadata.resourceVersion`: the patch applies only to the exact version we decided on, so we
 * never drop someone else's finalizer that was added meanwhile, nor remove ours from an object we
 * have not seen. A lost race (409, or 422 from the failed `test`) is a {@link ConflictError}: the
 * controller requeues quietly and the next run sees the fresh object.
 */
import type { JsonPatchOp, KubeClient, KubeObject, ResourceRef } from "./client.js";

/** Options of {@link addFinalizer} / {@link removeFinalizer}. */
export interface FinalizerOptions<T extends KubeObject> {
  readonly client: KubeClient;
  readonly resource: ResourceRef;
  /** The object as read (its name, namespace and resourceVersion are used). */
  readonly object: T;
  /** e.g. "ecsnet.dev/finalizer" (the name is defined in api/group.ts). */
  readonly finalizer: string;
}

/** True if `object` carries `finalizer`. */
export function hasFinalizer(object: KubeObject, finalizer: string): boolean {
  return object.metadata.finalizers?.includes(finalizer) ?? false;
}

/**
 * Ensure `finalizer` is on the object. Returns the updated object, or `object` itself if it already
 * had it (no API call). Throws ConflictError if the object changed since it was read.
 */
export async function addFinalizer<T extends KubeObject>(o: FinalizerOptions<T>): Promise<T> {
  if (hasFinalizer(o.object, o.finalizer)) return o.object;
  const ops: JsonPatchOp[] = [resourceVersionTest(o.object)];
  // "add" at /metadata/finalizers/- needs the array to exist; create it when the object has none.
  if (o.object.metadata.finalizers === undefined)
    ops.push({ op: "add", path: "/metadata/finalizers", value: [o.finalizer] });
  else ops.push({ op: "add", path: "/metadata/finalizers/-", value: o.finalizer });
  return o.client.jsonPatch<T>({ ...target(o), ops });
}

/**
 * Remove `finalizer` from the object. Returns the updated object, or `object` itself if it was not
 * there (no API call). Throws ConflictError if the object changed since it was read.
 */
export async function removeFinalizer<T extends KubeObject>(o: FinalizerOptions<T>): Promise<T> {
  const index = o.object.metadata.finalizers?.indexOf(o.finalizer) ?? -1;
  if (index < 0) return o.object;
  const path = `/metadata/finalizers/${index}`;
  // The test on the element guards the index as well as the resourceVersion does.
  const ops: JsonPatchOp[] = [
    resourceVersionTest(o.object),
    { op: "test", path, value: o.finalizer },
    { op: "remove", path },
  ];
  return o.client.jsonPatch<T>({ ...target(o), ops });
}

function resourceVersionTest(object: KubeObject): JsonPatchOp {
  const rv = object.metadata.resourceVersion;
  if (rv === undefined) throw new TypeError("finalizer patch needs the object's metadata.resourceVersion");
  return { op: "test", path: "/metadata/resourceVersion", value: rv };
}

function target<T extends KubeObject>(o: FinalizerOptions<T>) {
  const name = o.object.metadata.name;
  if (name === undefined) throw new TypeError("finalizer patch needs the object's metadata.name");
  return {
    resource: o.resource,
    name,
    ...(o.object.metadata.namespace === undefined ? {} : { namespace: o.object.metadata.namespace }),
  };
}
