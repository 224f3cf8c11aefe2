/**
 * The Kubernetes API as ecsnet uses it: a few typed verbs with options objects, generic over a
 * {@link ResourceRef} descriptor (so this file knows no kinds), built on client-node's
 * CustomObjectsApi (any API group other than the core "" group).
 *
 * Every patch sets its Content-Type explicitly: client-node would otherwise pick a default that
 * custom resources may reject (415 for strategic merge). Status patches go to the /status
 * subresource as JSON merge patches; metadata patches as JSON merge patches or JSON patches.
 *
 * Errors: 409 (and 422 from a failed JSON-patch `test`) become {@link ConflictError}; every other
 * failure becomes {@link KubeApiError} carrying the HTTP status.
 */
import { statSync } from "node:fs";
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type Cluster,
  type User,
} from "@kubernetes/client-node";
import { ConflictError } from "../runtime/result.js";

export { KubeConfig };

/** Identifies a resource type: enough to build its URLs. Kinds are defined elsewhere (api/group.ts). */
export interface ResourceRef {
  /** API group, e.g. "ecsnet.dev" or "coordination.k8s.io". Of the core "" group only Namespaces are served (list). */
  readonly group: string;
  readonly version: string;
  /** Lower-case plural used in URLs, e.g. "privateecsnetworks". */
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** The metadata fields ecsnet reads or writes. */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  deletionTimestamp?: string;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** Any Kubernetes object, as plain JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** One JSON-patch (RFC 6902) operation. */
export type JsonPatchOp =
  | { readonly op: "add" | "replace" | "test"; readonly path: string; readonly value: unknown }
  | { readonly op: "remove"; readonly path: string };

/** An API call failed with an HTTP status other than a conflict. `status` is 0 when no response came. */
export class KubeApiError extends Error {
  override readonly name = "KubeApiError";
  constructor(
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Where to read the kubeconfig from. */
export type KubeConfigSource =
  | { readonly inCluster: true }
  | { readonly path: string }
  | { readonly yaml: string }
  /** KUBECONFIG / ~/.kube/config / in-cluster, as kubectl does (client-node `loadFromDefault`). */
  | { readonly default: true };

type RequestContext = Parameters<KubeConfig["applySecurityAuthentication"]>[0];
type Dispatcher = NonNullable<ReturnType<RequestContext["getDispatcher"]>>;

/**
 * A KubeConfig whose requests share connections. client-node 2 builds a new undici Agent, with a connection
 * pool of its own, for every request to a cluster with any TLS setting (a CA, a client certificate or
 * skip-verify: every real cluster, in-cluster config included), so no connection is ever reused: a TCP and TLS
 * handshake per API call, and idle sockets piling up in memory until the server drops them. Here the first
 * Agent built for a cluster/user TLS identity serves every later request with that identity. The identity
 * includes the certificate files' modification times, so a rotated certificate gets a fresh pool. Bearer
 * tokens travel as headers per request and are unaffected.
 */
export class PooledKubeConfig extends KubeConfig {
  private readonly dispatchers = new Map<string, Dispatcher>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const built = context.getDispatcher();
    if (!built) return;
    const key = tlsIdentity(this.getCurrentCluster(), this.getCurrentUser());
    const shared = this.dispatchers.get(key);
    if (shared) context.setDispatcher(shared);
    else this.dispatchers.set(key, built);
  }
}

function tlsIdentity(cluster: Cluster | null, user: User | null): string {
  const mtime = (file: string | undefined) => {
    try {
      return file ? statSync(file).mtimeMs : 0;
    } catch {
      return -1;
    }
  };
  return JSON.stringify([
    cluster?.server,
    cluster?.caData,
    cluster?.caFile,
    mtime(cluster?.caFile),
    cluster?.skipTLSVerify,
    cluster?.tlsServerName,
    cluster?.proxyUrl,
    user?.certData,
    user?.certFile,
    mtime(user?.certFile),
    user?.keyData,
    user?.keyFile,
    mtime(user?.keyFile),
  ]);
}

/** Load a KubeConfig from one source. Throws what client-node throws for an unreadable config. */
export function loadKubeConfig(source: KubeConfigSource): KubeConfig {
  const kc = new PooledKubeConfig();
  if ("inCluster" in source) kc.loadFromCluster();
  else if ("path" in source) kc.loadFromFile(source.path);
  else if ("yaml" in source) kc.loadFromString(source.yaml);
  else kc.loadFromDefault();
  return kc;
}

/**
 * Translate a client-node failure into ConflictError / KubeApiError (the only errors this file
 * throws besides TypeError for a misuse). `testOps`: the request carried JSON-patch `test` ops, so a
 * 422 means a precondition failed (we lost a race), not an invalid request.
 */
export function toKubeError(err: unknown, what: string, opts: { testOps?: boolean } = {}): Error {
  if (err instanceof TypeError) return err;
  const status = statusOf(err);
  if (status === 409) return new ConflictError(`${what}: conflict`, { cause: err });
  if (status === 422 && opts.testOps) return new ConflictError(`${what}: precondition failed`, { cause: err });
  return new KubeApiError(`${what} failed: HTTP ${status}`, status, { cause: err });
}

/** HTTP status of a client-node error (ApiException `code`, Watch `statusCode`), or 0. */
export function statusOf(err: unknown): number {
  if (typeof err !== "object" || err === null) return 0;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === "number") return e.code;
  if (typeof e.statusCode === "number") return e.statusCode;
  return 0;
}

const merge = () => setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const jsonPatch = () => setHeaderOptions("Content-Type", PatchStrategy.JsonPatch);

/** Typed adapter over CustomObjectsApi. One per KubeConfig; cheap to share. */
export class KubeClient {
  readonly kubeConfig: KubeConfig;
  private readonly api: CustomObjectsApi;
  private readonly core: CoreV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.kubeConfig = kubeConfig;
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  /** The object, or `undefined` if it does not exist (404). */
  async get<T extends KubeObject = KubeObject>(o: {
    resource: ResourceRef;
    namespace?: string;
    name: string;
  }): Promise<T | undefined> {
    try {
      return (await (o.resource.namespaced
        ? this.api.getNamespacedCustomObject({ ...coords(o.resource), namespace: ns(o), name: o.name })
        : this.api.getClusterCustomObject({ ...coords(o.resource), name: o.name }))) as T;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw toKubeError(err, `get ${o.resource.plural} ${o.name}`);
    }
  }

  /** Objects of one namespace, or of all namespaces when `namespace` is absent; with the list's resourceVersion. */
  async list<T extends KubeObject = KubeObject>(o: {
    resource: ResourceRef;
    namespace?: string;
    labelSelector?: string;
  }): Promise<{ items: T[]; resourceVersion: string }> {
    const sel = o.labelSelector === undefined ? {} : { labelSelector: o.labelSelector };
    try {
      if (o.resource.group === "" && o.resource.plural === "namespaces") {
        // Namespaces (their labels decide AwsAccount use): the one core resource the operator lists.
        const ns = await this.core.listNamespace(sel);
        return { items: ns.items as unknown as T[], resourceVersion: ns.metadata?.resourceVersion ?? "" };
      }
      const list = (await (o.namespace !== undefined && o.resource.namespaced
        ? this.api.listNamespacedCustomObject({ ...coords(o.resource), namespace: o.namespace, ...sel })
        : this.api.listClusterCustomObject({ ...coords(o.resource), ...sel }))) as {
        items?: T[];
        metadata?: { resourceVersion?: string };
      };
      return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? "" };
    } catch (err) {
      throw toKubeError(err, `list ${o.resource.plural}`);
    }
  }

  /** Create `body`. 409 (already exists) → ConflictError. */
  async create<T extends KubeObject>(o: { resource: ResourceRef; body: T }): Promise<T> {
    const r = o.resource;
    const body = { apiVersion: apiVersion(r), kind: r.kind, ...o.body };
    try {
      return (await (r.namespaced
        ? this.api.createNamespacedCustomObject({ ...coords(r), namespace: body.metadata.namespace ?? "", body })
        : this.api.createClusterCustomObject({ ...coords(r), body }))) as T;
    } catch (err) {
      throw toKubeError(err, `create ${r.plural} ${body.metadata.name}`);
    }
  }

  /** Replace (PUT) `body`; its metadata.resourceVersion is the precondition: stale → ConflictError. */
  async replace<T extends KubeObject>(o: { resource: ResourceRef; body: T }): Promise<T> {
    const r = o.resource;
    const m = o.body.metadata;
    const body = { apiVersion: apiVersion(r), kind: r.kind, ...o.body };
    try {
      return (await (r.namespaced
        ? this.api.replaceNamespacedCustomObject({
            ...coords(r),
            namespace: m.namespace ?? "",
            name: m.name ?? "",
            body,
          })
        : this.api.replaceClusterCustomObject({ ...coords(r), name: m.name ?? "", body }))) as T;
    } catch (err) {
      throw toKubeError(err, `replace ${r.plural} ${m.name}`);
    }
  }

  /**
   * Merge-patch `status` into the /status subresource. With `resourceVersion`, the write only succeeds
   * on that exact version (else ConflictError), so a status derived from a stale read is never written.
   */
  async patchStatus<T extends KubeObject = KubeObject>(o: {
    resource: ResourceRef;
    namespace?: string;
    name: string;
    status: unknown;
    resourceVersion?: string;
  }): Promise<T> {
    const body = { status: o.status, ...rvPrecondition(o.resourceVersion) };
    try {
      return (await (o.resource.namespaced
        ? this.api.patchNamespacedCustomObjectStatus(
            { ...coords(o.resource), namespace: ns(o), name: o.name, body },
            merge(),
          )
        : this.api.patchClusterCustomObjectStatus({ ...coords(o.resource), name: o.name, body }, merge()))) as T;
    } catch (err) {
      throw toKubeError(err, `patch status of ${o.resource.plural} ${o.name}`);
    }
  }

  /** Merge-patch labels / annotations (a `null` value removes a key), optionally on an exact resourceVersion. */
  async patchMeta<T extends KubeObject = KubeObject>(o: {
    resource: ResourceRef;
    namespace?: string;
    name: string;
    labels?: Record<string, string | null>;
    annotations?: Record<string, string | null>;
    resourceVersion?: string;
  }): Promise<T> {
    const metadata: Record<string, unknown> = { ...rvPrecondition(o.resourceVersion).metadata };
    if (o.labels) metadata.labels = o.labels;
    if (o.annotations) metadata.annotations = o.annotations;
    return this.patch<T>(o, { metadata }, merge(), `patch metadata of ${o.resource.plural} ${o.name}`);
  }

  /** Apply a JSON patch (RFC 6902) to the object. A failing `test` op → ConflictError. */
  async jsonPatch<T extends KubeObject = KubeObject>(o: {
    resource: ResourceRef;
    namespace?: string;
    name: string;
    ops: readonly JsonPatchOp[];
  }): Promise<T> {
    const testOps = o.ops.some((op) => op.op === "test");
    return this.patch<T>(o, o.ops, jsonPatch(), `json patch of ${o.resource.plural} ${o.name}`, testOps);
  }

  /** Delete the object. Absent (404) is success: returns false then, true when a delete was accepted. */
  async delete(o: { resource: ResourceRef; namespace?: string; name: string }): Promise<boolean> {
    try {
      await (o.resource.namespaced
        ? this.api.deleteNamespacedCustomObject({ ...coords(o.resource), namespace: ns(o), name: o.name })
        : this.api.deleteClusterCustomObject({ ...coords(o.resource), name: o.name }));
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw toKubeError(err, `delete ${o.resource.plural} ${o.name}`);
    }
  }

  private async patch<T>(
    o: { resource: ResourceRef; namespace?: string; name: string },
    body: unknown,
    options: ReturnType<typeof merge>,
    what: string,
    testOps = false,
  ): Promise<T> {
    try {
      return (await (o.resource.namespaced
        ? this.api.patchNamespacedCustomObject({ ...coords(o.resource), namespace: ns(o), name: o.name, body }, options)
        : this.api.patchClusterCustomObject({ ...coords(o.resource), name: o.name, body }, options))) as T;
    } catch (err) {
      throw toKubeError(err, what, { testOps });
    }
  }
}

/** "group/version" (or "version" for the core group). */
export function apiVersion(r: ResourceRef): string {
  return r.group === "" ? r.version : `${r.group}/${r.version}`;
}

/** URL path of a collection (for watches): all namespaces when `namespace` is absent. */
export function collectionPath(r: ResourceRef, namespace?: string): string {
  const base = r.group === "" ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  return r.namespaced && namespace !== undefined
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${r.plural}`
    : `${base}/${r.plural}`;
}

function coords(r: ResourceRef) {
  if (r.group === "") throw new TypeError(`KubeClient does not serve the core API group (${r.kind})`);
  return { group: r.group, version: r.version, plural: r.plural };
}

function ns(o: { resource: ResourceRef; namespace?: string }): string {
  if (o.namespace === undefined) throw new TypeError(`${o.resource.kind} is namespaced: pass a namespace`);
  return o.namespace;
}

function rvPrecondition(resourceVersion: string | undefined): { metadata?: { resourceVersion: string } } {
  return resourceVersion === undefined ? {} : { metadata: { resourceVersion } };
}
