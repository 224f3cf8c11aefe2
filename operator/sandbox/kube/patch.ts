/**
 * PATCH: JSON merge patch (RFC 7386) and JSON patch (RFC 6902, fast-json-patch) applied to the stored
 * object, then written through the same update path as PUT (so validation, generation, status
 * subresource and finalizer rules are the same). A resourceVersion in the patched object is a
 * precondition (409 when stale), as with the real server. Strategic merge patch is refused with 415
 * on custom resources (as the real server does) and applied as a merge patch on the built-in types
 * (an approximation: lists are replaced, `$patch` directives are not understood). Server-side apply
 * (`application/apply-patch+yaml`) is apply.ts's.
 */
import { copyJson } from "./json.js";
import jsonPatch from "fast-json-patch";
import type { Crud, Target } from "./crud.js";
import { ApiError, badRequest, conflict, notFound, unsupportedMediaType } from "./status.js";
import type { KubeObject, Store } from "./store.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

/** The patch media types. */
export const PatchType = {
  Merge: "application/merge-patch+json",
  Json: "application/json-patch+json",
  Strategic: "application/strategic-merge-patch+json",
  Apply: "application/apply-patch+yaml",
} as const;
export type PatchType = (typeof PatchType)[keyof typeof PatchType];

/** RFC 7386: objects merge recursively, null deletes, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return copyJson(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Apply a patch body of `contentType` to the object at `t`; `status` = the status subresource. */
export function applyPatch(
  crud: Crud,
  store: Store,
  t: Target,
  contentType: string,
  body: unknown,
  status: boolean,
): KubeObject {
  const type = t.type;
  const media = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  const accepted = type.custom
    ? [PatchType.Json, PatchType.Merge]
    : [PatchType.Json, PatchType.Merge, PatchType.Strategic];
  if (!(accepted as string[]).includes(media)) throw unsupportedMediaType(media, accepted);
  const old = store.get(type.storeKey, t.namespace ?? "", t.name ?? "");
  if (!old) throw notFound(type.group, type.plural, t.name ?? "");
  const base = copyJson({ ...old, apiVersion: old.apiVersion, kind: type.kind });
  let patched: unknown;
  if (media === PatchType.Json) {
    if (!Array.isArray(body)) throw badRequest("json patch must be an array of operations");
    try {
      patched = jsonPatch.applyPatch(base, body as jsonPatch.Operation[], true, true).newDocument;
    } catch (e) {
      const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
      // a failed `test` op (and any op that cannot apply) is a 422, as the real server answers
      throw new ApiError(422, "Invalid", `the server rejected our request due to an error in our request: ${msg}`);
    }
  } else {
    if (!isObj(body)) throw badRequest("merge patch must be a JSON object");
    patched = mergePatch(base, body);
  }
  if (!isObj(patched)) throw badRequest("the patch produced something that is not an object");
  const md = (isObj(patched.metadata) ? patched.metadata : {}) as Obj;
  patched.metadata = md;
  if (md.resourceVersion !== undefined && md.resourceVersion !== old.metadata.resourceVersion) {
    throw conflict(type.group, type.plural, t.name ?? "");
  }
  md.resourceVersion = old.metadata.resourceVersion;
  return crud.update(t, patched, status);
}
