/**
 * Reading resources from a file for the cluster-less commands (`ecsnet plan/apply/destroy -f`).
 * Without a cluster there is no server-assigned uid, so the owner uid is `metadata.uid` when the file
 * has one (to act on behalf of an object that lives in a cluster), else a stable uid derived from
 * `namespace/name`: the same file always owns the same AWS resources.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { parseAllDocuments } from "yaml";
import { API_VERSION, Kinds } from "../api/group.js";
import type { OwnerRef } from "../core/model.js";

/** A PrivateEcsNetwork read from a file: its owner identity and its raw (unvalidated) spec. */
export interface NetworkManifest {
  readonly owner: OwnerRef;
  readonly generation: number;
  readonly rawSpec: unknown;
}

/** Thrown when the file cannot be read or holds no usable PrivateEcsNetwork; the message says which. */
export class ManifestError extends Error {
  override readonly name = "ManifestError";
}

/** A uid (UUID-shaped) derived from `namespace/name`, stable across runs and machines. */
export function fileOwnerUid(namespace: string, name: string): string {
  const h = createHash("sha256").update(`ecsnet-file:${namespace}/${name}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

interface Meta {
  name?: unknown;
  namespace?: unknown;
  uid?: unknown;
  generation?: unknown;
}

/** Every PrivateEcsNetwork in a YAML (multi-document) or JSON text. Other kinds are ignored. */
export function parseNetworks(text: string, source: string): NetworkManifest[] {
  const out: NetworkManifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new ManifestError(`${source}: ${doc.errors[0]?.message ?? "invalid YAML"}`);
    const obj = doc.toJS() as { apiVersion?: unknown; kind?: unknown; metadata?: Meta; spec?: unknown } | null;
    if (!obj || obj.kind !== Kinds.PrivateEcsNetwork.kind) continue;
    if (obj.apiVersion !== API_VERSION)
      throw new ManifestError(`${source}: apiVersion must be ${API_VERSION}, got ${String(obj.apiVersion)}`);
    const name = obj.metadata?.name;
    if (typeof name !== "string" || name === "") throw new ManifestError(`${source}: metadata.name is required`);
    const namespace = typeof obj.metadata?.namespace === "string" ? obj.metadata.namespace : "default";
    const uid = typeof obj.metadata?.uid === "string" ? obj.metadata.uid : fileOwnerUid(namespace, name);
    const generation = typeof obj.metadata?.generation === "number" ? obj.metadata.generation : 1;
    out.push({ owner: { namespace, name, uid }, generation, rawSpec: obj.spec });
  }
  return out;
}

/** Read `path` and return its PrivateEcsNetworks; at least one, else {@link ManifestError}. */
export async function readNetworks(path: string): Promise<NetworkManifest[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new ManifestError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const networks = parseNetworks(text, path);
  if (networks.length === 0) throw new ManifestError(`${path}: no ${Kinds.PrivateEcsNetwork.kind} found`);
  return networks;
}
