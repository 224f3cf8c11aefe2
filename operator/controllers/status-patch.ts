/**
 * The body of a status write. Status goes out as a JSON merge patch (RFC 7386), where a field left out is
 * left alone: only `null` removes it. So every top-level field the previous status had and the new one
 * lacks (the last contributor gone, NAT gateways after egress None, a check list emptied) is sent as null,
 * or the API server would keep the stale value forever (and every reconcile would write it again).
 */

/** `next`, plus `null` for each top-level key of `prev` that `next` does not have. Never mutates its inputs. */
export function statusPatch<T extends object>(prev: object | undefined, next: T): T | Record<string, unknown> {
  const gone = Object.keys(prev ?? {}).filter((k) => !(k in next));
  if (gone.length === 0) return next;
  return { ...next, ...Object.fromEntries(gone.map((k) => [k, null])) };
}
