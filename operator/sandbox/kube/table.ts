/**
 * meta.k8s.io/v1 Table output (what `kubectl get` asks for with `Accept: ...;as=Table;v=v1;g=meta.k8s.io`):
 * a Name column, then the type's printer columns evaluated with JSONPath. As the real server does
 * (apiextensions' table convertor), `date` cells are rendered as a human age ("5m12s"); kubectl prints
 * cells as they come. Built-in columns marked `raw` (the CRD's "Created At") keep the timestamp.
 */
import { JSONPath } from "jsonpath-plus";
import type { PrinterColumn, ResourceType } from "./resources.js";
import type { KubeObject } from "./store.js";

/** True when the Accept header prefers a v1 Table over plain JSON. */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  const first = accept.split(",")[0] ?? "";
  return /as=Table/.test(first) && /g=meta\.k8s\.io/.test(first) && /v=v1(;|$|\s)/.test(first);
}

/** Kubernetes JSONPath (`.status.conditions[?(@.type=="Ready")].status`) → jsonpath-plus (`$.status...`). */
export function toJsonPathPlus(path: string): string {
  const p = path.trim().replace(/^\{/, "").replace(/\}$/, "");
  return p.startsWith("$") ? p : `$${p.startsWith(".") || p.startsWith("[") ? "" : "."}${p}`;
}

/** apimachinery's duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  const withRest = (big: number, bigUnit: string, small: number, smallUnit: string): string =>
    small === 0 ? `${big}${bigUnit}` : `${big}${bigUnit}${small}${smallUnit}`;
  if (minutes < 10) return withRest(minutes, "m", seconds % 60, "s");
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return withRest(hours, "h", minutes % 60, "m");
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return withRest(Math.floor(hours / 24), "d", hours % 24, "h");
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) return withRest(Math.floor(hours / 24 / 365), "y", Math.floor(hours / 24) % 365, "d");
  return `${Math.floor(hours / 24 / 365)}y`;
}

function cell(o: KubeObject, c: PrinterColumn): unknown {
  let found: unknown[];
  try {
    found = JSONPath({ path: toJsonPathPlus(c.jsonPath), json: o, wrap: true }) as unknown[];
  } catch {
    return null;
  }
  if (!found || found.length === 0) return null;
  const v =
    found.length === 1 ? found[0] : found.map((x) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join(",");
  if (v === undefined || v === null) return null;
  if (typeof v === "object") return JSON.stringify(v);
  if (c.type === "date" && !c.raw) {
    const at = typeof v === "string" ? Date.parse(v) : NaN;
    return Number.isNaN(at) ? "<invalid>" : humanDuration(Date.now() - at);
  }
  if (c.type === "integer" && typeof v === "number") return Math.trunc(v);
  if (c.type === "string") return String(v);
  return v;
}

function columnDefs(t: ResourceType): object[] {
  const name = {
    name: "Name",
    type: "string",
    format: "name",
    description: "Name must be unique within a namespace.",
    priority: 0,
  };
  return [
    name,
    ...t.columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? "",
      description: c.description ?? "",
      priority: c.priority ?? 0,
    })),
  ];
}

/**
 * A Table for `objects`. Rows carry PartialObjectMetadata (includeObject=Metadata, the default) or
 * the full object (includeObject=Object), or nothing (None).
 */
export function toTable(
  t: ResourceType,
  objects: readonly KubeObject[],
  resourceVersion: string,
  includeObject = "Metadata",
  apiVersion = "",
): object {
  const rows = objects.map((o) => {
    const row: Record<string, unknown> = { cells: [o.metadata.name, ...t.columns.map((c) => cell(o, c))] };
    if (includeObject === "Object") row.object = { ...o, ...(apiVersion ? { apiVersion } : {}) };
    else if (includeObject !== "None")
      row.object = { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
    return row;
  });
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { resourceVersion },
    columnDefinitions: columnDefs(t),
    rows,
  };
}
