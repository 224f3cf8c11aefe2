/**
 * Renders EC2 Query responses as XML from SDK-shaped output objects, driven by the operation's output schema
 * (element names from `xmlName`, lists wrapped with their item element), and renders EC2 error documents.
 */
import type { RawSchema } from "./wire-schema.js";
import { kindOf, listValue, schemaTraits, structMembers } from "./wire-schema.js";

/** The EC2 API namespace the responses carry. */
export const EC2_XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/";

/** Escapes text for an XML element body. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);
}

/** `<ActionResponse xmlns=...><requestId>…</requestId>…members…</ActionResponse>` */
export function renderResponse(action: string, output: RawSchema, value: object, requestId: string): string {
  // Operations without output (a unit schema) answer `<return>true</return>`, as EC2 does.
  const body =
    kindOf(output) === "struct" ? renderMembers(output, value as Record<string, unknown>) : "<return>true</return>";
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_XMLNS}">` +
    `<requestId>${requestId}</requestId>${body}</${action}Response>`
  );
}

/** The EC2 error document; the SDK takes `Code` as the error's name. */
export function renderError(code: string, message: string, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
  );
}

function renderMembers(schema: RawSchema, value: Record<string, unknown>): string {
  let out = "";
  for (const m of structMembers(schema)) {
    const v = value[m.name];
    if (v === undefined || v === null) continue;
    const tag = m.traits.xmlName ?? m.name;
    if (kindOf(m.schema) === "list" && (m.traits.xmlFlattened || schemaTraits(m.schema).xmlFlattened)) {
      const item = listValue(m.schema);
      for (const el of v as unknown[]) out += `<${tag}>${renderValue(item.schema, el)}</${tag}>`;
      continue;
    }
    out += `<${tag}>${renderValue(m.schema, v)}</${tag}>`;
  }
  return out;
}

function renderValue(schema: RawSchema, v: unknown): string {
  switch (kindOf(schema)) {
    case "struct":
      return renderMembers(schema, v as Record<string, unknown>);
    case "list": {
      const item = listValue(schema);
      const tag = item.traits.xmlName ?? "member";
      return (v as unknown[]).map((el) => `<${tag}>${renderValue(item.schema, el)}</${tag}>`).join("");
    }
    case "timestamp":
      return v instanceof Date ? v.toISOString() : escapeXml(String(v));
    case "map":
      return "";
    default:
      return escapeXml(String(v));
  }
}
