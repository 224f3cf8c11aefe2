/**
 * HTTP → verbs. Parses `/api/v1/...` and `/apis/<group>/<version>/...` paths (namespaced, cluster and
 * all-namespaces forms, the legacy `/watch/` prefix, `/status`), answers discovery, counts requests,
 * applies injected failures, and turns every thrown error into a metav1.Status. Never throws.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Crud, Target } from "./crud.js";
import { coreVersions, group as groupDoc, groupList, resourceList, versionInfo } from "./discovery.js";
import { openApiV2Document, openApiV2Protobuf, openApiV3Document, openApiV3Index } from "./openapi.js";
import { serverSideApply } from "./apply.js";
import { applyPatch } from "./patch.js";
import type { Registry } from "./registry.js";
import { parsePath, readBody, send, verbOf } from "./request.js";
import { apiVersionOf } from "./resources.js";
import { ApiError, badRequest, failureStatus, forbidden, methodNotAllowed, reasonForCode } from "./status.js";
import type { Store } from "./store.js";
import { toTable, wantsTable } from "./table.js";
import type { WatchHub } from "./watch.js";

/** The user an injected 403 names (the sandbox has no authentication). */
const SANDBOX_USER = "system:serviceaccount:ecsnet-system:ecsnet";

/** An injected failure (see KubeSandboxAdmin.failNext). */
export interface Injection {
  verb: string;
  resource: string;
  subresource?: string;
  status: number;
  count: number;
}

/** What the router needs from the server. */
export interface RouterDeps {
  readonly store: Store;
  readonly registry: Registry;
  readonly crud: Crud;
  readonly watches: WatchHub;
  readonly injections: Injection[];
  readonly counts: Map<string, number>;
  readonly log?: (line: string) => void;
}

/** Handle one request; every failure becomes a Status response, never an exception. */
export async function route(deps: RouterDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    await dispatch(deps, req, res);
  } catch (e) {
    const err =
      e instanceof ApiError
        ? e
        : new ApiError(500, "InternalError", `internal error: ${e instanceof Error ? e.message : String(e)}`);
    deps.log?.(`${req.method} ${req.url} → ${err.code} ${err.message}`);
    send(res, err.code, err.status);
  }
}

async function dispatch(deps: RouterDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const q = url.searchParams;
  const method = (req.method ?? "GET").toUpperCase();
  const path = url.pathname.replace(/\/+$/, "") || "/";
  const types = deps.registry.all();
  deps.log?.(`${method} ${url.pathname}${url.search}`);
  if (path === "/version") return send(res, 200, versionInfo());
  if (path === "/healthz" || path === "/readyz" || path === "/livez") {
    res.writeHead(200, { "Content-Type": "text/plain" });
    return void res.end("ok");
  }
  if (path === "/openapi/v2" && method === "GET") {
    // kubectl asks for protobuf (gnostic openapi_v2.Document); other clients get JSON
    const pb = /protobuf/.test(req.headers.accept ?? "");
    const body = pb ? openApiV2Protobuf(types) : Buffer.from(JSON.stringify(openApiV2Document(types)));
    const contentType = pb ? "application/com.github.proto-openapi.spec.v2.v1.0+protobuf" : "application/json";
    res.writeHead(200, { "Content-Type": contentType, "Content-Length": body.length });
    return void res.end(body);
  }
  if (path === "/openapi/v3" && method === "GET") return send(res, 200, openApiV3Index(types));
  const v3 = /^\/openapi\/v3\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (v3 && method === "GET") {
    const doc = openApiV3Document(types, v3[1] ?? "", v3[2] ?? "");
    if (doc) return send(res, 200, doc);
    return send(res, 404, failureStatus(404, "NotFound", "the server could not find the requested resource"));
  }
  if (path === "/api") return send(res, 200, coreVersions(req.headers.host ?? "127.0.0.1"));
  if (path === "/apis") return send(res, 200, groupList(types));
  const disc = /^\/api\/([^/]+)$/.exec(path) ?? /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (disc) {
    const doc = path.startsWith("/api/")
      ? resourceList(types, "", disc[1] ?? "")
      : resourceList(types, disc[1] ?? "", disc[2] ?? "");
    if (doc) return send(res, 200, doc);
  }
  const grp = /^\/apis\/([^/]+)$/.exec(path);
  if (grp) {
    const doc = groupDoc(types, grp[1] ?? "");
    if (doc) return send(res, 200, doc);
  }
  const p = parsePath(path);
  const type = p && deps.registry.resolve(p.group, p.version, p.plural);
  if (!p || !type || (p.namespace !== undefined && !type.namespaced)) {
    return send(res, 404, failureStatus(404, "NotFound", "the server could not find the requested resource"));
  }
  const watch = p.legacyWatch || q.get("watch") === "true" || q.get("watch") === "1";
  const sub = p.sub;
  const verb = verbOf(method, p, watch);
  const countKey = `${watch ? "WATCH" : method === "GET" && !p.name ? "LIST" : method} ${type.plural}${sub ? `/${sub}` : ""}`;
  deps.counts.set(countKey, (deps.counts.get(countKey) ?? 0) + 1);
  const inj = deps.injections.find(
    (i) =>
      i.verb === verb &&
      i.resource === type.plural &&
      (i.subresource ?? undefined) === (sub ?? undefined) &&
      i.count > 0,
  );
  if (inj) {
    inj.count--;
    // An injected 403 reads like RBAC's answer, so clients that explain it can be tested against it.
    if (inj.status === 403)
      throw forbidden({
        group: type.group,
        plural: type.plural,
        verb,
        user: SANDBOX_USER,
        ...(p.name ? { name: p.name } : {}),
        ...(p.namespace !== undefined ? { namespace: p.namespace } : {}),
        ...(sub ? { subresource: sub } : {}),
      });
    throw new ApiError(
      inj.status,
      reasonForCode(inj.status),
      `injected failure for ${verb} ${type.plural}${sub ? `/${sub}` : ""}`,
    );
  }
  if (sub !== undefined && !(sub === "status" && type.hasStatus)) {
    return send(res, 404, failureStatus(404, "NotFound", "the server could not find the requested resource"));
  }
  if (q.get("dryRun")) throw badRequest("dryRun is not supported by the ecsnet sandbox");
  const namespaced = type.namespaced;
  if (namespaced && p.name && p.namespace === undefined)
    throw new ApiError(404, "NotFound", "the server could not find the requested resource");
  const warnings: string[] = [];
  const reply = (code: number, body: unknown): void => {
    // RFC 7234 warnings, as the real server sends them (kubectl prints "Warning: unknown field ...")
    if (warnings.length)
      res.setHeader(
        "Warning",
        warnings.map((w) => `299 - ${JSON.stringify(w)}`),
      );
    send(res, code, body);
  };
  const t: Target = {
    type,
    ...(namespaced && p.namespace !== undefined ? { namespace: p.namespace } : {}),
    ...(p.name ? { name: p.name } : {}),
    fieldValidation: q.get("fieldValidation") ?? "Warn",
    ...(q.get("fieldManager") ? { fieldManager: q.get("fieldManager") as string } : {}),
    warnings,
  };
  const table = wantsTable(req.headers.accept);
  const status = sub === "status";

  if (method === "GET" && watch) {
    return deps.watches.serve(
      p.name ? { ...t, name: undefined } : t,
      {
        resourceVersion: q.get("resourceVersion") ?? "",
        labelSelector: q.get("labelSelector") ?? undefined,
        fieldSelector: p.name ? `metadata.name=${p.name}` : (q.get("fieldSelector") ?? undefined),
        allowWatchBookmarks: q.get("allowWatchBookmarks") === "true" || q.get("allowWatchBookmarks") === "1",
        timeoutSeconds: Number(q.get("timeoutSeconds") ?? 0) || undefined,
        table,
      },
      res,
    );
  }
  if (method === "GET" && p.name) {
    const o = deps.crud.get(t);
    return send(
      res,
      200,
      table ? toTable(type, [o], String(o.metadata.resourceVersion), q.get("includeObject") ?? "Metadata") : o,
    );
  }
  if (method === "GET") {
    const list = deps.crud.list(t, q.get("labelSelector") ?? undefined, q.get("fieldSelector") ?? undefined);
    const items = list.items as never[];
    const rv = String((list.metadata as Record<string, unknown>).resourceVersion);
    return send(
      res,
      200,
      table ? toTable(type, items, rv, q.get("includeObject") ?? "Metadata", apiVersionOf(type)) : list,
    );
  }
  if (method === "POST" && !p.name)
    return reply(201, deps.crud.create(t, (await readBody(req)) as Record<string, unknown>));
  if (method === "PUT" && p.name)
    return reply(200, deps.crud.update(t, (await readBody(req)) as Record<string, unknown>, status));
  if (method === "PATCH" && p.name && /^application\/apply-patch\+yaml/i.test(req.headers["content-type"] ?? "")) {
    const body = await readBody(req);
    const force = q.get("force") === "true" || q.get("force") === "1";
    const fieldManager = q.get("fieldManager") ?? undefined;
    const r = serverSideApply(deps.crud, deps.store, t, body, {
      ...(fieldManager ? { fieldManager } : {}),
      force,
      status,
    });
    return reply(r.code, r.object);
  }
  if (method === "PATCH" && p.name) {
    const body = await readBody(req);
    return reply(200, applyPatch(deps.crud, deps.store, t, req.headers["content-type"] ?? "", body, status));
  }
  if (method === "DELETE" && p.name && !status) {
    const opts = ((await readBody(req)) ?? {}) as Record<string, unknown>;
    const { object, gone } = deps.crud.delete(t, opts);
    if (gone && !type.custom && type.plural !== "customresourcedefinitions" && type.plural !== "namespaces") {
      const details = { name: p.name, group: type.group, kind: type.plural, uid: object.metadata.uid as string };
      return reply(200, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details });
    }
    return reply(200, object);
  }
  throw methodNotAllowed(method);
}
