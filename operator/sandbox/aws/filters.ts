/**
 * EC2's Describe semantics shared by every handler: filters (values OR'ed, filters AND'ed, `*`/`?` wildcards,
 * `tag:<key>`, `tag-key`, `tag-value`), lookup by explicit ids, and MaxResults/NextToken pagination.
 */
import type { Filter } from "@aws-sdk/client-ec2";
import { Ec2ApiError } from "./errors.js";
import type { Ctx } from "./state.js";
import { isInvisible } from "./state.js";

/** For one resource type: filter name → the values a record has for it (an absent value matches nothing). */
export type FilterFields<T> = Record<
  string,
  (r: T) => ReadonlyArray<string | number | boolean | undefined> | string | number | boolean | undefined
>;

function globToRegExp(glob: string): RegExp {
  const esc = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${esc}$`);
}

/**
 * Values one filter may carry. EC2 answers more with `FilterLimitExceeded` ("The request uses too many
 * filters or too many filter values", EC2 API Reference, Error codes; the message AWS sends reads "The
 * maximum number of filter values specified on a single call is 200").
 */
export const MAX_FILTER_VALUES = 200;

/**
 * Keeps the records matching every filter. Throws InvalidParameterValue for a filter name the resource
 * type does not know, as EC2 does ("The filter 'x' is invalid"), and FilterLimitExceeded for a filter with
 * more than {@link MAX_FILTER_VALUES} values.
 */
export function applyFilters<T>(
  ctx: Ctx,
  items: T[],
  filters: Filter[] | undefined,
  fields: FilterFields<T>,
  idOf: (r: T) => string,
): T[] {
  if (!filters || filters.length === 0) return items;
  const preds = filters.map((f) => {
    const name = f.Name ?? "";
    if ((f.Values ?? []).length > MAX_FILTER_VALUES) {
      throw new Ec2ApiError(
        "FilterLimitExceeded",
        `The maximum number of filter values specified on a single call is ${MAX_FILTER_VALUES}`,
      );
    }
    const patterns = (f.Values ?? []).map(globToRegExp);
    let get: (r: T) => unknown;
    if (name.startsWith("tag:")) {
      const key = name.slice(4);
      get = (r) => ctx.world.tags.get(idOf(r))?.get(key);
    } else if (name === "tag-key") {
      get = (r) => [...(ctx.world.tags.get(idOf(r))?.keys() ?? [])];
    } else if (name === "tag-value") {
      get = (r) => [...(ctx.world.tags.get(idOf(r))?.values() ?? [])];
    } else if (fields[name]) {
      get = fields[name];
    } else {
      throw new Ec2ApiError("InvalidParameterValue", `The filter '${name}' is invalid`);
    }
    return (r: T) => {
      const raw = get(r);
      const values = (Array.isArray(raw) ? raw : [raw]).filter((v) => v !== undefined).map(String);
      return values.some((v) => patterns.some((p) => p.test(v)));
    };
  });
  return items.filter((r) => preds.every((p) => p(r)));
}

/**
 * Selects records by explicit ids: every id must exist (and be past eventual consistency), else the
 * resource's NotFound error naming the missing ids. No ids → all records.
 */
export function selectByIds<T>(
  ctx: Ctx,
  all: Map<string, T>,
  ids: string[] | undefined,
  onMissing: (ids: string[]) => Ec2ApiError,
): T[] {
  if (!ids || ids.length === 0) return [...all.values()];
  const missingIds = ids.filter((id) => !all.has(id) || isInvisible(ctx, id));
  if (missingIds.length > 0) throw onMissing(missingIds);
  return [...new Set(ids)].map((id) => all.get(id)!);
}

/** Limits AWS applies to MaxResults for an operation. */
export interface PageLimits {
  min: number;
  max: number;
}

/**
 * One page of `items`: NextToken is an opaque offset. Without MaxResults everything is returned, as EC2
 * does for these operations. MaxResults out of range or a foreign NextToken → InvalidParameterValue.
 */
export function paginate<T>(
  items: T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  limits: PageLimits = { min: 5, max: 1000 },
): { page: T[]; NextToken?: string } {
  let start = 0;
  if (nextToken) {
    const m = /^sbx(\d+)$/.exec(Buffer.from(nextToken, "base64url").toString());
    if (!m) throw new Ec2ApiError("InvalidParameterValue", `Invalid value '${nextToken}' for nextToken`);
    start = Number(m[1]);
  }
  if (maxResults === undefined) return { page: items.slice(start) };
  if (maxResults < limits.min || maxResults > limits.max) {
    throw new Ec2ApiError(
      "InvalidParameterValue",
      `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between ${limits.min} and ${limits.max}.`,
    );
  }
  const page = items.slice(start, start + maxResults);
  const end = start + page.length;
  return end < items.length ? { page, NextToken: Buffer.from(`sbx${end}`).toString("base64url") } : { page };
}
