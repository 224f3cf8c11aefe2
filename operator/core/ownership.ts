/**
 * Ownership: the tags that make a resource ours, the test for them, and the deterministic names and
 * ClientTokens that make creation idempotent across crashes (style.md house rule 6).
 *
 * Pure: the hash is FNV-1a 64 over UTF-8 implemented here, so core needs no `node:crypto`.
 * It is not a security primitive; it only has to be stable and spread well enough that two different
 * create inputs practically never share a token.
 */
import { TagKey } from "../api/group.js";
import type { Key, ObservedMeta, OwnerRef, Tags } from "./model.js";
import { key as asKey } from "./model.js";

/** Maximum length of an EC2 ClientToken (aws-facts §3.6: "up to 64 ASCII characters"). */
export const CLIENT_TOKEN_MAX = 64;

/** Maximum length of a security group name (EC2 limit). */
export const SECURITY_GROUP_NAME_MAX = 255;

/** Maximum length of an EC2 tag value; longer Name tags are cut to this. */
const TAG_VALUE_MAX = 256;

/**
 * The tags ecsnet writes (at creation, via TagSpecifications) on a resource for `component`.
 * `extra` (spec.tags) comes first so that the user can never override an ownership tag; its keys are listed in
 * `ecsnet.dev/tag-keys`, so that a later spec without one of them removes exactly that tag and no other.
 * `Name` is `ecsnet-<name>-<key with ':' replaced by '-'>`, e.g. `ecsnet-prod-endpoint-ecr.dkr`,
 * unless the user set a `Name` in `extra` (then theirs is kept: it is only a label for people).
 */
export function ownerTags(owner: OwnerRef, component: Key, extra: Tags = {}): Tags {
  const name = `ecsnet-${owner.name}-${component.replace(/[:/]/g, "-")}`.slice(0, TAG_VALUE_MAX);
  const userKeys = Object.keys(extra).sort();
  return {
    Name: name,
    ...extra,
    // Which keys came from spec.tags: only these are ever removed when the spec drops them (plan-tags.ts).
    ...(userKeys.length > 0 ? { [TagKey.UserTagKeys]: userKeys.join(",").slice(0, TAG_VALUE_MAX) } : {}),
    [TagKey.OwnerUid]: owner.uid,
    [TagKey.Owner]: `${owner.namespace}/${owner.name}`,
    [TagKey.Component]: component,
    [TagKey.ManagedBy]: "ecsnet",
  };
}

/** True when `tags` carry `ecsnet.dev/owner-uid` equal to `owner.uid`. Nothing else makes a resource ours. */
export function isOwnedBy(tags: Tags, owner: Pick<OwnerRef, "uid">): boolean {
  return tags[TagKey.OwnerUid] === owner.uid;
}

/**
 * True when an observed resource is ours: observe said so (`owned`) AND its owner-uid tag is `owner`'s.
 * Planners use this, so ownership is checked twice (house rule 7).
 */
export const isOurs = (r: ObservedMeta, owner: OwnerRef): boolean => r.owned && isOwnedBy(r.tags, owner);

/** The `ecsnet.dev/component` tag as a {@link Key}, or null when absent or empty. Says nothing about ownership. */
export function componentOf(tags: Tags): Key | null {
  const c = tags[TagKey.Component];
  return c ? asKey(c) : null;
}

/**
 * The endpoint security group's name: `ecsnet-<ns>-<name>-<uid first 8>`, cut to 255 characters.
 * Deterministic so that a retry after a crash finds (and does not duplicate) the group.
 */
export function securityGroupName(owner: OwnerRef): string {
  return `ecsnet-${owner.namespace}-${owner.name}-${owner.uid.slice(0, 8)}`.slice(0, SECURITY_GROUP_NAME_MAX);
}

/**
 * The ClientToken of creation intent `generation` of an item whose base token is `seed` (from
 * {@link clientToken}), for the create parameters as sent (`resolved`: ids of resources made earlier in the
 * same apply filled in). 32 ASCII characters, `ecsnet-<owner 8 hex>-<16 hex>`.
 *
 * Why three inputs (ADR 0004): EC2 remembers a token for at least a day and answers a replay with the
 * original resource, deleted or not, or `IdempotentParameterMismatch` when the parameters differ. The same
 * (seed, parameters, generation) is sent by every retry and restart of one intent; a new intent (the previous
 * resource is gone) takes the next generation; changed parameters (a new security group or Elastic IP after
 * a re-creation) give a new token by themselves.
 */
export function intentToken(seed: string, resolved: unknown, generation: number): string {
  const owner = /^ecsnet-([0-9a-f]{8})-/.exec(seed)?.[1] ?? fnv1a64(seed).slice(0, 8);
  return `ecsnet-${owner}-${fnv1a64(`${seed}\u0000${generation}\u0000${stableJson(resolved)}`)}`;
}

/** The creation intent a resource's tags record (`ecsnet.dev/intent`); 0 when absent or unreadable. */
export function intentOf(tags: Tags): number {
  const n = Number(tags[TagKey.Intent]);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/**
 * The first creation intent to try for an item whose earlier resources (any state, as observed) are `xs`:
 * 0 when none is known, else one past the highest intent they record. Only a hint: apply steps past intents
 * that EC2 says are used up (their resource is gone, or their parameters differ), so a predecessor that has
 * already left Describe costs one extra create call, never a wrong resource.
 */
export function nextIntent(xs: readonly { readonly tags: Tags }[]): number {
  return xs.length === 0 ? 0 : Math.max(...xs.map((x) => intentOf(x.tags))) + 1;
}

/**
 * An EC2 ClientToken for creating `key` with `input`: `ecsnet-<hash(uid) 8 hex>-<hash(key + json(input)) 16 hex>`,
 * 32 ASCII characters (≤ {@link CLIENT_TOKEN_MAX}). Same owner, key and input → same token (a crash-retry is
 * deduplicated by EC2); a changed input → a new token (no `IdempotentParameterMismatch`). To force a new
 * resource for the same input (a re-creation), use {@link intentToken} with the next generation.
 */
export function clientToken(ownerUid: string, key: Key, input: unknown): string {
  const owner = fnv1a64(ownerUid).slice(0, 8);
  return `ecsnet-${owner}-${fnv1a64(`${key}\u0000${stableJson(input)}`)}`;
}

/**
 * JSON with object keys sorted at every level, so equal data always gives the same text.
 * `undefined` properties are dropped (as JSON.stringify does); Maps and Sets are written as sorted entry arrays.
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortDeep(value)) ?? "null";
}

function sortDeep(v: unknown): unknown {
  if (v instanceof Map) return [...v.entries()].map(([k, x]) => [k, sortDeep(x)]).sort(byJson);
  if (v instanceof Set) return [...v].map(sortDeep).sort(byJson);
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortDeep(x);
    }
    return out;
  }
  return v;
}

const byJson = (a: unknown, b: unknown): number => {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;

/** FNV-1a 64-bit over the UTF-8 bytes of `s`, as 16 lower-case hex digits. */
export function fnv1a64(s: string): string {
  let h = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(s)) {
    h ^= BigInt(byte);
    h = (h * FNV_PRIME) & MASK64;
  }
  return h.toString(16).padStart(16, "0");
}

/** The spec.tags keys a resource's tags say ecsnet set (`ecsnet.dev/tag-keys`); empty when none. */
export function userTagKeys(tags: Tags): string[] {
  const v = tags[TagKey.UserTagKeys];
  return v ? v.split(",").filter((k) => k !== "") : [];
}

/** How many NAT gateway ids an Elastic IP of ours remembers (`ecsnet.dev/nat-gateways`, newest last). */
export const NAT_RECORD_MAX = 8;

/** The NAT gateway ids an Elastic IP of ours records as having held it (`ecsnet.dev/nat-gateways`). */
export function recordedNatIds(tags: Tags): string[] {
  const v = tags[TagKey.NatGateways];
  return v ? v.split(" ").filter((id) => id !== "") : [];
}
