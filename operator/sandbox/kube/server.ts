/**
 * The sandbox Kubernetes API: a small HTTP server on 127.0.0.1 for this operator's resources (any
 * registered CRD, Namespaces, Leases, core and events.k8s.io Events, CustomResourceDefinitions),
 * wire-compatible with client-node and kubectl for what they use. It is not a Kubernetes: no auth,
 * no RBAC, no admission webhooks, no garbage collection by ownerReferences (docs/sandbox-fidelity.md).
 */
import { copyJson } from "./json.js";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Crud } from "./crud.js";
import { kubeconfigFor, writeKubeconfigFile } from "./kubeconfig.js";
import { Registry } from "./registry.js";
import { BUILTIN_TYPES } from "./resources.js";
import { route, type Injection } from "./router.js";
import { Store } from "./store.js";
import { WatchHub } from "./watch.js";

/** How to start a sandbox. */
export interface KubeSandboxOptions {
  /** TCP port on 127.0.0.1; 0 (default) = ephemeral. */
  port?: number;
  /** CRD manifests (apiextensions.k8s.io/v1 CustomResourceDefinition) to register at start. */
  crds?: readonly object[];
  /** Interval of BOOKMARK events on watches that allow them; default 10 s. */
  watchBookmarkIntervalMs?: number;
  /** How many watch events are kept; a watch from an older resourceVersion gets 410 Gone. Default 1000. */
  historyLimit?: number;
  /**
   * How long after a namespace's DELETE its content is deleted (the namespace is Terminating meanwhile),
   * as kube-apiserver's namespace controller does it asynchronously. Default 500 ms; 0 = at once.
   */
  namespaceCleanupDelayMs?: number;
  /** Receives one line per request and per error; default: log nothing. */
  log?: (line: string) => void;
}

/** Test and demo controls over a running sandbox. */
export interface KubeSandboxAdmin {
  /**
   * Close every open watch connection so clients must reconnect. By default the stream ends cleanly
   * (as the real server does at a watch timeout); `{abrupt: true}` destroys the sockets instead
   * (a connection reset, which client-node reports as an error).
   */
  dropWatches(opts?: { abrupt?: boolean }): void;
  /**
   * Make every open watch go silent without closing it (no events, no bookmarks), as a half-dead
   * connection does; watches opened afterwards work normally. For testing an informer's watchdog.
   */
  silenceWatches(): void;
  /** Forget watch history: any watch from a resourceVersion older than now gets 410 Gone. */
  compact(): void;
  /**
   * Answer the next `count` (default 1) requests matching verb + resource (+ subresource) with a
   * Status of code `status` instead of serving them. Verbs: get, list, watch, create, update, patch, delete.
   * A 403 reads as RBAC's answer (`... is forbidden: User "system:serviceaccount:ecsnet-system:ecsnet" cannot
   * list resource ...`), so a large `count` simulates a missing grant.
   */
  failNext(f: {
    verb: "update" | "patch" | "get" | "list" | "watch" | "create" | "delete";
    resource: string;
    subresource?: "status";
    status: number;
    count?: number;
  }): void;
  /** Requests served so far by `"<VERB> <plural>[/<sub>]"`, VERB one of GET LIST WATCH POST PUT PATCH DELETE (e.g. "PATCH privateecsnetworks/status"). */
  requestCounts(): Record<string, number>;
  /** Current objects of a resource (plural, any group), all namespaces, as stored. */
  objects(resource: string): object[];
}

/** A running sandbox. */
export interface KubeSandbox {
  /** http://127.0.0.1:<port> */
  url: string;
  /** YAML text of a kubeconfig for this server, context "ecsnet-sandbox". */
  kubeconfig: string;
  /** Write `kubeconfig` to a file (mode 0600). */
  writeKubeconfig(path: string): Promise<void>;
  admin: KubeSandboxAdmin;
  /** Stop serving: ends open watches, closes connections; resolves when the port is released. */
  close(): Promise<void>;
}

/**
 * Start a sandbox on 127.0.0.1 with namespaces "default" and "kube-system" and the given CRDs
 * registered. Rejects when the port cannot be bound or a CRD is invalid (with its 422 message).
 */
export async function startKubeSandbox(opts: KubeSandboxOptions = {}): Promise<KubeSandbox> {
  const store = new Store(opts.historyLimit ?? 1000);
  const registry = new Registry();
  const crud = new Crud(store, registry, opts.namespaceCleanupDelayMs ?? 500);
  const watches = new WatchHub(store, opts.watchBookmarkIntervalMs ?? 10_000);
  const injections: Injection[] = [];
  const counts = new Map<string, number>();
  const nsType = BUILTIN_TYPES.find((t) => t.plural === "namespaces");
  const crdType = BUILTIN_TYPES.find((t) => t.plural === "customresourcedefinitions");
  for (const name of ["default", "kube-system"]) crud.create({ type: nsType! }, { metadata: { name } });
  for (const crd of opts.crds ?? []) crud.create({ type: crdType! }, crd as Record<string, unknown>);

  const deps = { store, registry, crud, watches, injections, counts, ...(opts.log ? { log: opts.log } : {}) };
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => void route(deps, req, res));
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("clientError", (_e, s) => s.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const admin: KubeSandboxAdmin = {
    dropWatches: (o) => watches.dropAll(o?.abrupt ?? false),
    silenceWatches: () => watches.silenceAll(),
    compact: () => store.compact(),
    failNext: (f) =>
      injections.push({
        verb: f.verb,
        resource: f.resource,
        status: f.status,
        count: f.count ?? 1,
        ...(f.subresource ? { subresource: f.subresource } : {}),
      }),
    requestCounts: () => Object.fromEntries(counts),
    objects: (resource) => {
      const type = registry.all().find((x) => x.plural === resource);
      return type ? store.list(type.storeKey).map((o) => copyJson(o)) : [];
    },
  };
  return {
    url,
    kubeconfig: kubeconfigFor(url),
    writeKubeconfig: (path) => writeKubeconfigFile(path, url),
    admin,
    close: () =>
      new Promise<void>((resolve) => {
        watches.dropAll(false);
        crud.close();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
