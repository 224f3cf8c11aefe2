/**
 * Watch streams: newline-delimited JSON events `{type, object}` on a chunked 200 response.
 * - resourceVersion empty or "0": synthetic ADDED for every current object, then live events.
 * - resourceVersion N: events after N replayed from history, then live; N older than the kept history →
 *   one ERROR event carrying a 410 Expired Status, then the stream ends (client-node relists on it).
 * - allowWatchBookmarks: BOOKMARK events every bookmark interval with the latest resourceVersion.
 * - timeoutSeconds: the server ends the stream cleanly after that long.
 * - Selectors: an object that stops matching arrives as DELETED, one that starts matching as ADDED.
 */
import type { ServerResponse } from "node:http";
import { present, type Target } from "./crud.js";
import { apiVersionOf } from "./resources.js";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";
import { ApiError } from "./status.js";
import type { KubeObject, Store, StoreEvent } from "./store.js";
import { toTable } from "./table.js";

/** Query parameters a watch honours. */
export interface WatchQuery {
  readonly resourceVersion?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly allowWatchBookmarks?: boolean;
  readonly timeoutSeconds?: number;
  /** Wrap each object in a one-row meta.k8s.io/v1 Table (kubectl get -w). */
  readonly table?: boolean;
}

/** The set of open watches, so the admin can drop them all. */
export class WatchHub {
  private readonly open = new Set<{ end: (abrupt: boolean) => void; silence: () => void }>();

  constructor(
    private readonly store: Store,
    private readonly bookmarkIntervalMs: number,
  ) {}

  /**
   * Make every open watch go silent: the connection stays open but no event or bookmark arrives on it
   * again (a half-dead connection, what a watchdog must notice). Watches opened later are normal.
   */
  silenceAll(): void {
    for (const w of this.open) w.silence();
  }

  /** Close every open watch: cleanly (end of stream) by default, or by destroying the socket. */
  dropAll(abrupt = false): void {
    for (const w of [...this.open]) w.end(abrupt);
  }

  /** Serve one watch request on `res` until the client leaves, the timeout passes, or dropAll(). */
  serve(t: Target, q: WatchQuery, res: ServerResponse): void {
    const byLabel = parseLabelSelector(q.labelSelector);
    const byField = parseFieldSelector(q.fieldSelector, t.type.fieldLabels);
    const matches = (o: KubeObject | undefined): boolean =>
      !!o &&
      (!t.type.namespaced || t.namespace === undefined || o.metadata.namespace === t.namespace) &&
      byLabel(o) &&
      byField(o);
    const render = (o: KubeObject): object => {
      const shown = present(t.type, o);
      return q.table
        ? toTable(t.type, [shown], String(o.metadata.resourceVersion ?? ""), "Object", apiVersionOf(t.type))
        : shown;
    };
    let silent = false;
    const send = (type: string, object: object): void => {
      if (!silent && !res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
    };
    const onEvent = (e: StoreEvent): void => {
      if (e.storeKey !== t.type.storeKey) return;
      const now = matches(e.object);
      const before = e.type === "MODIFIED" && matches(e.previous);
      if (e.type === "MODIFIED" && now && !before) send("ADDED", render(e.object));
      else if (e.type === "MODIFIED" && !now && before) send("DELETED", render(e.object));
      else if (now) send(e.type, render(e.object));
    };

    const rvParam = q.resourceVersion ?? "";
    let backlog: StoreEvent[] = [];
    let initial: KubeObject[] = [];
    const since = Number(rvParam);
    if (rvParam === "" || rvParam === "0") initial = this.store.list(t.type.storeKey).filter(matches);
    else if (!Number.isFinite(since)) throw new ApiError(400, "BadRequest", `invalid resource version "${rvParam}"`);
    else {
      try {
        backlog = this.store.replay(since);
      } catch (e) {
        if (!(e instanceof ApiError) || e.code !== 410) throw e;
        // the real server answers 200 and reports the expiry as an ERROR event on the stream
        res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache" });
        send("ERROR", e.status);
        res.end();
        return;
      }
    }
    res.writeHead(200, {
      "Content-Type": "application/json",
      "Cache-Control": "no-cache",
      "Transfer-Encoding": "chunked",
    });
    res.flushHeaders();
    for (const o of initial) send("ADDED", render(o));
    for (const e of backlog) onEvent(e);
    const unsubscribe = this.store.subscribe(onEvent);

    const timers: NodeJS.Timeout[] = [];
    const entry = {
      silence: (): void => {
        silent = true;
      },
      end: (abrupt: boolean): void => {
        this.open.delete(entry);
        unsubscribe();
        timers.forEach((x) => clearTimeout(x));
        if (abrupt) res.destroy();
        else if (!res.writableEnded) res.end();
      },
    };
    this.open.add(entry);
    if (q.allowWatchBookmarks) {
      const bookmark = (): void => {
        const metadata = { resourceVersion: String(this.store.resourceVersion) };
        send("BOOKMARK", { kind: t.type.kind, apiVersion: apiVersionOf(t.type), metadata });
      };
      const iv = setInterval(bookmark, this.bookmarkIntervalMs);
      iv.unref();
      timers.push(iv);
    }
    if (q.timeoutSeconds && q.timeoutSeconds > 0) {
      const to = setTimeout(() => entry.end(false), q.timeoutSeconds * 1000);
      to.unref();
      timers.push(to);
    }
    res.on("close", () => entry.end(false));
  }
}
