/**
 * Just enough of the Kubernetes protobuf encoding to accept what kubectl sends as protobuf for
 * built-in types (`kubectl create namespace x`, DeleteOptions): the `k8s\0` envelope
 * (runtime.Unknown) and the object's ObjectMeta (name, generateName, namespace, labels, annotations,
 * finalizers). Everything after metadata (spec, status) is ignored, so only objects that kubectl
 * creates from metadata alone come through whole; callers should send JSON for anything else.
 */
import { badRequest } from "./status.js";

type Fields = Map<number, Buffer[]>;

function varint(buf: Buffer, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  let pos = at;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) throw badRequest("truncated protobuf body");
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, pos];
    shift += 7;
  }
}

/** Length-delimited fields of one message, by field number (other wire types are skipped). */
function fields(buf: Buffer): Fields {
  const out: Fields = new Map();
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p1] = varint(buf, pos);
    const wire = tag & 7;
    pos = p1;
    if (wire === 0) pos = varint(buf, pos)[1];
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, p2] = varint(buf, pos);
      const list = out.get(Math.floor(tag / 8)) ?? [];
      list.push(buf.subarray(p2, p2 + len));
      out.set(Math.floor(tag / 8), list);
      pos = p2 + len;
    } else throw badRequest("unsupported protobuf wire type");
  }
  return out;
}

const str = (f: Fields, n: number): string | undefined => f.get(n)?.[0]?.toString("utf8");

function map(f: Fields, n: number): Record<string, string> | undefined {
  const entries = f.get(n);
  if (!entries?.length) return undefined;
  return Object.fromEntries(entries.map((e) => fields(e)).map((kv) => [str(kv, 1) ?? "", str(kv, 2) ?? ""]));
}

/** True when a Content-Type is the Kubernetes protobuf encoding. */
export function isProtobuf(contentType: string | undefined): boolean {
  return /application\/vnd\.kubernetes\.protobuf/i.test(contentType ?? "");
}

/** Decode a protobuf body into `{apiVersion, kind, metadata}`; 400 when it is not the k8s envelope. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (body.subarray(0, 4).toString("latin1") !== "k8s\0") throw badRequest("protobuf body without the k8s envelope");
  const unknown = fields(body.subarray(4));
  const typeMeta = fields(unknown.get(1)?.[0] ?? Buffer.alloc(0));
  const raw = fields(unknown.get(2)?.[0] ?? Buffer.alloc(0));
  const meta = fields(raw.get(1)?.[0] ?? Buffer.alloc(0));
  const metadata: Record<string, unknown> = {};
  for (const [n, key] of [
    [1, "name"],
    [2, "generateName"],
    [3, "namespace"],
  ] as const) {
    const v = str(meta, n);
    if (v) metadata[key] = v;
  }
  const labels = map(meta, 11);
  const annotations = map(meta, 12);
  const finalizers = meta.get(14)?.map((b) => b.toString("utf8"));
  if (labels) metadata.labels = labels;
  if (annotations) metadata.annotations = annotations;
  if (finalizers?.length) metadata.finalizers = finalizers;
  return { apiVersion: str(typeMeta, 1), kind: str(typeMeta, 2), metadata };
}
