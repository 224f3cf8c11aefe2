/**
 * Pagination as ECS List* operations do it: `maxResults` within 1..100 and an opaque
 * `nextToken`. Keys are listed in sorted order and the token names the last key returned
 * (not an offset), so items created or deleted between pages neither repeat nor shift the rest.
 */
import { invalidParameter } from "./errors.js";

/** One page of keys and the token for the next page (absent on the last page). */
export interface Page {
  readonly items: string[];
  readonly nextToken?: string;
}

/**
 * Returns the page of `keys` (sorted) that follows `nextToken`.
 * Throws InvalidParameterException for maxResults outside 1..100 or a token this sandbox did
 * not issue. `defaultMax` is the operation's documented default page size.
 */
export function paginate(
  keys: readonly string[],
  opts: { maxResults?: number; nextToken?: string; defaultMax: number },
): Page {
  const max = opts.maxResults ?? opts.defaultMax;
  if (max < 1 || max > 100) throw invalidParameter("maxResults must be between 1 and 100.");
  const sorted = [...keys].sort();
  let start = 0;
  if (opts.nextToken !== undefined) {
    const after = decodeToken(opts.nextToken);
    // Continue with the first key after the named one, even if that one was deleted since.
    start = sorted.findIndex((k) => k > after);
    if (start < 0) start = sorted.length;
  }
  const items = sorted.slice(start, start + max);
  const last = items[items.length - 1];
  return start + max < sorted.length && last !== undefined ? { items, nextToken: encodeToken(last) } : { items };
}

const encodeToken = (key: string): string => Buffer.from(JSON.stringify({ after: key }), "utf8").toString("base64");

function decodeToken(token: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
    if (typeof parsed === "object" && parsed !== null && typeof (parsed as { after?: unknown }).after === "string") {
      return (parsed as { after: string }).after;
    }
  } catch {
    // fall through: not one of our tokens
  }
  throw invalidParameter("Invalid nextToken.");
}
