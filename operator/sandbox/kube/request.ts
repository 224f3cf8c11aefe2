/**
 * Reading a request: the body (JSON, YAML, or kubectl's protobuf for built-in creates), the resource
 * path (`/api/v1/...`, `/apis/<group>/<version>/...`, namespaced or not, legacy `/watch/`, subresource),
 * the verb, and writing a JSON response.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { decodeProtobufObject, isProtobuf } from "./protobuf.js";
import { ApiError, badRequest, unsupportedMediaType } from "./status.js";

const MAX_BODY = 3 * 1024 * 1024;

/** Write `body` as JSON with `code` (or just end a response already streaming). */
export function send(res: ServerResponse, code: number, body: unknown): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** The decoded body, undefined when empty; 400 when it does not decode, 413 past 3 MiB. */
export async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new ApiError(413, "RequestEntityTooLarge", "request body too large");
    chunks.push(c);
  }
  const raw = Buffer.concat(chunks);
  if (isProtobuf(req.headers["content-type"])) {
    // kubectl sends built-in objects as protobuf: metadata-only creates and DeleteOptions are understood
    if (req.method === "DELETE") return undefined;
    if (req.method === "POST") return decodeProtobufObject(raw);
    throw unsupportedMediaType("application/vnd.kubernetes.protobuf", ["application/json", "application/yaml"]);
  }
  const text = raw.toString("utf8");
  if (!text.trim()) return undefined;
  const yaml = /yaml/i.test(req.headers["content-type"] ?? "");
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw badRequest(`cannot decode the request body: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The parts of a resource path. */
export interface Parsed {
  readonly group: string;
  readonly version: string;
  readonly namespace?: string;
  readonly plural: string;
  readonly name?: string;
  readonly sub?: string;
  readonly legacyWatch: boolean;
}

/** Split a resource path; undefined when it is not one. */
export function parsePath(path: string): Parsed | undefined {
  const segs = path.split("/").filter(Boolean).map(decodeURIComponent);
  let group = "";
  let rest: string[];
  if (segs[0] === "api" && segs.length >= 3) rest = segs.slice(2);
  else if (segs[0] === "apis" && segs.length >= 4) {
    group = segs[1] ?? "";
    rest = segs.slice(3);
  } else return undefined;
  const version = (segs[0] === "api" ? segs[1] : segs[2]) ?? "";
  const legacyWatch = rest[0] === "watch";
  if (legacyWatch) rest = rest.slice(1);
  const nsSub =
    group === "" && rest[0] === "namespaces" && rest.length === 3 && (rest[2] === "status" || rest[2] === "finalize");
  if (rest[0] === "namespaces" && rest.length >= 3 && !nsSub) {
    const [, namespace, plural, name, sub] = rest;
    return { group, version, namespace, plural: plural ?? "", name, sub, legacyWatch };
  }
  const [plural, name, sub] = rest;
  return { group, version, plural: plural ?? "", name, sub, legacyWatch };
}

/** The Kubernetes verb of a request (get, list, watch, create, update, patch, delete). */
export function verbOf(method: string, p: Parsed, watch: boolean): string {
  if (method === "GET") return watch ? "watch" : p.name ? "get" : "list";
  return (
    ({ POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" } as Record<string, string>)[method] ??
    method.toLowerCase()
  );
}
