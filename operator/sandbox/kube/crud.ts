/**
 * The verbs (create, get, list, update, delete) with the real API server's semantics for the rules
 * operators depend on: resourceVersion as a global counter, 409 on a stale one, generation bumped on
 * spec changes only, the status subresource, finalizers with deletionTimestamp, namespace existence,
 * schema validation of custom resources, and no-op writes that change nothing (no new resourceVersion).
 */
import { copyJson } from "./json.js";
import { randomUUID, randomInt } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { admitCrd, type Registry } from "./registry.js";
import { apiVersionOf, type ResourceType } from "./resources.js";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";
import { alreadyExists, ApiError, badRequest, conflict, invalid, notFound } from "./status.js";
import { assertNamespaceOpen, defaultNamespace, finishNamespace, markTerminating } from "./namespaces.js";
import type { KubeObject, Store } from "./store.js";
import { isSpecChange, mergeUpdate } from "./update-rules.js";
import { admit } from "./validation.js";
import { recordUpdate } from "./apply.js";

/** Where a request points: a type, and optionally a namespace and a name. */
export interface Target {
  readonly type: ResourceType;
  readonly namespace?: string;
  readonly name?: string;
  /** The request's fieldValidation: Strict → unknown fields are a 400; Warn (default) → warnings; Ignore. */
  readonly fieldValidation?: string;
  /** The request's fieldManager (ownership of what a write changes, server-side apply). */
  readonly fieldManager?: string;
  /** Set by server-side apply, which records ownership itself. */
  readonly applying?: boolean;
  /** Collects warnings for the response's Warning headers. */
  readonly warnings?: string[];
}

type Obj = Record<string, unknown>;
const clone = copyJson;
const nowStamp = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const SUFFIX_CHARS = "bcdfghjklmnpqrstvwxz2456789";

/** The object as the client sees it at this type's apiVersion. */
export function present(t: ResourceType, o: KubeObject): KubeObject {
  return { ...o, apiVersion: apiVersionOf(t), kind: t.kind };
}

/** CRUD over the store for every served type. */
export class Crud {
  private readonly cleanups = new Set<ReturnType<typeof setTimeout>>();

  /**
   * `namespaceCleanupDelayMs`: how long after a namespace's deletion its content is deleted, as the real
   * namespace controller does it after the DELETE has returned (the namespace is Terminating meanwhile).
   */
  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
    private readonly namespaceCleanupDelayMs = 0,
  ) {}

  /** Cancel pending namespace clean-ups (the server is closing). */
  close(): void {
    for (const c of this.cleanups) clearTimeout(c);
    this.cleanups.clear();
  }

  /** GET one object; 404 when absent. */
  get(t: Target): KubeObject {
    const o = this.store.get(t.type.storeKey, t.namespace ?? "", t.name ?? "");
    if (!o) throw notFound(t.type.group, t.type.plural, t.name ?? "");
    return present(t.type, o);
  }

  /** GET a collection (namespace undefined = all namespaces), filtered by selectors. */
  list(t: Target, labelSelector?: string, fieldSelector?: string): KubeObject {
    const byLabel = parseLabelSelector(labelSelector);
    const byField = parseFieldSelector(fieldSelector, t.type.fieldLabels);
    const items = this.store
      .list(t.type.storeKey, t.type.namespaced ? t.namespace : undefined)
      .filter((o) => byLabel(o) && byField(o))
      .map((o) => present(t.type, o));
    const metadata = { resourceVersion: String(this.store.resourceVersion) };
    return { apiVersion: apiVersionOf(t.type), kind: t.type.listKind, metadata, items };
  }

  /** POST: a new object with uid, creationTimestamp, resourceVersion (and generation 1 for custom resources). */
  create(t: Target, body: Obj, managedFields?: readonly object[]): KubeObject {
    const type = t.type;
    const o = this.checkBody(t, body);
    const md = o.metadata;
    if (!md.name && typeof md.generateName === "string" && md.generateName) {
      md.name =
        md.generateName + Array.from({ length: 5 }, () => SUFFIX_CHARS[randomInt(SUFFIX_CHARS.length)]).join("");
    }
    const name = String(md.name ?? "");
    if (!name)
      throw invalid(type.kind, type.group, "", [
        {
          reason: "FieldValueRequired",
          field: "metadata.name",
          message: "Required value: name or generateName is required",
        },
      ]);
    if (!NAME.test(name) || name.length > 253) {
      throw invalid(type.kind, type.group, name, [
        {
          reason: "FieldValueInvalid",
          field: "metadata.name",
          message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
        },
      ]);
    }
    if (type.namespaced) assertNamespaceOpen(this.store, type, String(t.namespace), name);
    if (this.store.get(type.storeKey, t.namespace ?? "", name)) throw alreadyExists(type.group, type.plural, name);
    if (md.resourceVersion !== undefined && md.resourceVersion !== "") {
      // the real server's storage refuses this (as an internal error), e.g. creating from a read object
      throw new ApiError(
        500,
        "InternalError",
        "Internal error occurred: resourceVersion should not be set on objects to be created",
      );
    }
    for (const k of ["deletionTimestamp", "deletionGracePeriodSeconds", "managedFields"]) delete md[k];
    if (managedFields) md.managedFields = managedFields.map((m) => ({ ...m }));
    md.uid = randomUUID();
    md.creationTimestamp = nowStamp();
    if (type.custom || type.plural === "customresourcedefinitions" || type.plural === "deployments") md.generation = 1;
    if (type.custom && type.hasStatus) delete o.status;
    if (type.plural === "namespaces") defaultNamespace(o);
    this.admitObject(t, o);
    md.resourceVersion = String(this.store.nextResourceVersion());
    this.store.put(type.storeKey, o);
    if (type.plural === "customresourcedefinitions") this.registry.register(o);
    return present(type, o);
  }

  /** PUT (or the result of a patch): full replacement with optimistic concurrency; `status` = the status subresource. */
  update(t: Target, body: Obj, status: boolean): KubeObject {
    const type = t.type;
    const old = this.store.get(type.storeKey, t.namespace ?? "", t.name ?? "");
    const o = this.checkBody(t, body);
    if (o.metadata.name !== t.name)
      throw badRequest(
        `the name of the object (${String(o.metadata.name)}) does not match the name on the URL (${String(t.name)})`,
      );
    if (!old) {
      if (type.plural === "events" && !status)
        return this.create(t, { ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
      throw notFound(type.group, type.plural, t.name ?? "");
    }
    const next = mergeUpdate(type, old, o, status);
    this.admitObject(t, next, old);
    if (!t.applying) recordUpdate(old, next, t.fieldManager, type.schema, apiVersionOf(type), status);
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    if (isDeepStrictEqual(next, old)) return present(type, old); // a no-op write changes nothing, not even the resourceVersion
    if (typeof old.metadata.generation === "number" && isSpecChange(type, old, next)) {
      next.metadata.generation = old.metadata.generation + 1;
    }
    next.metadata.resourceVersion = String(this.store.nextResourceVersion());
    if (next.metadata.deletionTimestamp && !((next.metadata.finalizers as unknown[] | undefined) ?? []).length) {
      this.store.remove(type.storeKey, next);
      this.finishNamespace(next.metadata.namespace);
      return present(type, next);
    }
    this.store.put(type.storeKey, next);
    if (type.plural === "customresourcedefinitions") this.registry.register(next);
    return present(type, next);
  }

  /**
   * DELETE: with finalizers, set deletionTimestamp (grace 0) and bump generation, keeping the object
   * until an update empties the finalizers; without, remove it now. Returns the object and whether it
   * is gone. Preconditions (uid, resourceVersion) mismatch → 409.
   */
  delete(t: Target, options: Obj = {}): { object: KubeObject; gone: boolean } {
    const type = t.type;
    const old = this.store.get(type.storeKey, t.namespace ?? "", t.name ?? "");
    if (!old) throw notFound(type.group, type.plural, t.name ?? "");
    const pre = (options.preconditions ?? {}) as Obj;
    if (
      (pre.uid && pre.uid !== old.metadata.uid) ||
      (pre.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion)
    ) {
      throw conflict(type.group, type.plural, t.name ?? "");
    }
    if (type.plural === "namespaces" && this.namespaceCleanupDelayMs > 0) {
      // the namespace controller deletes the content later; objects still finalizing then keep the
      // namespace Terminating, and the last removal finishes it
      const ns = String(t.name);
      const terminating = markTerminating(this.store, old);
      const timer = setTimeout(() => {
        this.cleanups.delete(timer);
        if (!this.emptyNamespace(ns)) finishNamespace(this.store, this.registry, ns);
      }, this.namespaceCleanupDelayMs);
      this.cleanups.add(timer);
      return { object: present(type, terminating), gone: false };
    }
    if (type.plural === "namespaces" && this.emptyNamespace(String(t.name))) {
      // objects still finalizing keep the namespace Terminating; the last removal finishes it
      return { object: present(type, markTerminating(this.store, old)), gone: false };
    }
    const finalizers = (old.metadata.finalizers as unknown[] | undefined) ?? [];
    if (finalizers.length) {
      if (old.metadata.deletionTimestamp) return { object: present(type, old), gone: false };
      const next = clone(old);
      next.metadata.deletionTimestamp = nowStamp();
      next.metadata.deletionGracePeriodSeconds = 0;
      if (typeof next.metadata.generation === "number") next.metadata.generation += 1;
      next.metadata.resourceVersion = String(this.store.nextResourceVersion());
      this.store.put(type.storeKey, next);
      return { object: present(type, next), gone: false };
    }
    const last = {
      ...clone(old),
      metadata: { ...clone(old.metadata), resourceVersion: String(this.store.nextResourceVersion()) },
    };
    this.store.remove(type.storeKey, last);
    if (type.plural === "customresourcedefinitions") this.dropCrd(old);
    if (type.namespaced) this.finishNamespace(old.metadata.namespace);
    return { object: present(type, last), gone: true };
  }

  /** Delete everything in a namespace; true when something is still there (finalizers pending). */
  private emptyNamespace(ns: string): boolean {
    let remaining = false;
    const seen = new Set<string>();
    for (const type of this.registry.all().filter((x) => x.namespaced && !seen.has(x.storeKey))) {
      seen.add(type.storeKey);
      for (const o of this.store.list(type.storeKey, ns)) {
        if (!this.delete({ type, namespace: ns, name: String(o.metadata.name) }).gone) remaining = true;
      }
    }
    return remaining;
  }

  private finishNamespace(ns: unknown): void {
    finishNamespace(this.store, this.registry, ns);
  }

  private dropCrd(crd: KubeObject): void {
    const spec = crd.spec as Obj;
    const plural = String((spec.names as Obj).plural);
    this.store.drop(`${String(spec.group)}/${plural}`, (o) => ({
      ...o,
      metadata: { ...o.metadata, resourceVersion: String(this.store.nextResourceVersion()) },
    }));
    this.registry.unregister(String(crd.metadata.name));
  }

  private admitObject(t: Target, o: KubeObject, old?: KubeObject): void {
    const type = t.type;
    if (type.plural === "customresourcedefinitions") admitCrd(o, old);
    if (!type.custom || !type.schema) return;
    const pruned: string[] = [];
    const causes = admit(type.schema, o, old, pruned);
    const unknown = pruned.map((p) => `unknown field "${p}"`);
    // fieldValidation as the real server: Strict refuses unknown fields, Warn (the default) reports them
    if (unknown.length && t.fieldValidation === "Strict")
      // the real decoder's words: `TestNetwork in version "v1alpha1" cannot be handled as a TestNetwork: ...`
      throw badRequest(
        `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: strict decoding error: ${unknown.join(", ")}`,
      );
    if (t.fieldValidation !== "Ignore") t.warnings?.push(...unknown);
    if (causes.length) throw invalid(type.kind, type.group, String(o.metadata.name ?? ""), causes);
  }

  /** Copy the body, check apiVersion/kind and namespace against the URL, fill them in when absent. */
  private checkBody(t: Target, body: Obj): KubeObject {
    if (!body || typeof body !== "object" || Array.isArray(body))
      throw badRequest("the request body must be a JSON object");
    const o = clone(body) as KubeObject;
    const expected = apiVersionOf(t.type);
    if (o.apiVersion !== undefined && o.apiVersion !== expected)
      throw badRequest(
        `the API version in the data (${String(o.apiVersion)}) does not match the expected API version (${expected})`,
      );
    if (o.kind !== undefined && o.kind !== t.type.kind)
      throw badRequest(`the kind in the data (${String(o.kind)}) does not match the expected kind (${t.type.kind})`);
    o.apiVersion = expected;
    o.kind = t.type.kind;
    o.metadata = (o.metadata && typeof o.metadata === "object" ? o.metadata : {}) as Obj;
    if (t.type.namespaced) {
      if (o.metadata.namespace && o.metadata.namespace !== t.namespace)
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      o.metadata.namespace = t.namespace;
    } else delete o.metadata.namespace;
    return o;
  }
}
