/**
 * Planner for the tags of every owned resource: spec.tags added, changed and removed, and ecsnet's own tags
 * (owner, component, Name) put back when someone changed them: tag drift is repaired like any drift.
 *
 * - Only keys ecsnet set are ever changed or removed: its own (`ecsnet.dev/*`, `Name`) and the spec.tags keys,
 *   which each resource lists in `ecsnet.dev/tag-keys`. A key someone else added is never touched, and a key
 *   dropped from spec.tags is removed only from resources that list it.
 * - Batched: one CreateTags per distinct set of tags to write and one DeleteTags per distinct set of keys
 *   to remove, each naming every resource that needs it (the CreateTags/DeleteTags bucket is generous,
 *   aws-facts §3.7, but one call per resource would still be waste).
 * - Never tags an unowned resource (adoption has its own TagResource), a resource being deleted, or one no
 *   desired item claims (it is about to be deleted anyway).
 * - An Elastic IP of ours also records the NAT gateways that held it (`ecsnet.dev/nat-gateways`): it outlives
 *   them, so a route left blackholed by one deleted out of band is still known as ours hours later.
 */
import { TagKey } from "../api/group.js";
import type { DesiredNetwork, Key, ObservedMeta, ObservedNetwork, Tags } from "./model.js";
import { key } from "./model.js";
import { NAT_RECORD_MAX, isOurs, recordedNatIds, userTagKeys } from "./ownership.js";
import type { Draft } from "./waves.js";

const GONE = new Set(["deleting", "deleted", "failed", "rejected"]);

/** One owned resource, what it carries, and what it must carry. */
interface Tagged {
  readonly id: string;
  readonly observed: Tags;
  readonly desired: Tags;
}

/** The tag changes `r` needs: keys to write (with values) and keys to remove; both empty when converged. */
export function tagChanges(r: Tagged): { set: Record<string, string>; remove: string[] } {
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.desired)) if (r.observed[k] !== v) set[k] = v;
  const wanted = new Set(Object.keys(r.desired));
  // Keys ecsnet set from spec.tags before (listed on the resource) that the spec no longer has.
  const remove = userTagKeys(r.observed).filter((k) => !wanted.has(k) && r.observed[k] !== undefined);
  // The list itself goes when no spec.tags key is left.
  if (!wanted.has(TagKey.UserTagKeys) && r.observed[TagKey.UserTagKeys] !== undefined) remove.push(TagKey.UserTagKeys);
  return { set, remove: remove.sort() };
}

/** Every owned, live, still-desired resource with the tags it must carry. */
function taggedResources(d: DesiredNetwork, o: ObservedNetwork): Tagged[] {
  const out: Tagged[] = [];
  const ours = (r: ObservedMeta & { state?: string }) => isOurs(r, d.owner) && !GONE.has(r.state ?? "");
  const add = (r: ObservedMeta, desired: Tags | undefined) => {
    if (desired) out.push({ id: r.id, observed: r.tags, desired });
  };
  if (d.securityGroup.mode === "create")
    for (const g of o.securityGroups.filter((x) => ours(x) && x.component === d.securityGroup.key))
      add(g, d.securityGroup.tags);
  for (const e of o.endpoints.filter(ours)) {
    if (e.component === null) continue;
    const want = d.interfaceEndpoints.get(e.component) ?? (d.s3Gateway?.key === e.component ? d.s3Gateway : undefined);
    add(e, want?.tags);
  }
  for (const n of o.natGateways.filter(ours)) if (n.component) add(n, d.natGateways.get(n.component)?.tags);
  for (const a of o.addresses.filter(ours)) {
    const want = a.component ? d.elasticIps.get(a.component) : undefined;
    if (!want || want.givenAllocationId) continue;
    // Record the live NAT gateways of ours holding it, after those it already records (newest last).
    const holders = o.natGateways
      .filter((n) => isOurs(n, d.owner) && !GONE.has(n.state) && n.allocationIds.includes(a.allocationId))
      .map((n) => n.id);
    const recorded = recordedNatIds(a.tags);
    const natIds = [...recorded, ...holders.filter((id) => !recorded.includes(id))].slice(-NAT_RECORD_MAX);
    add(a, { ...want.tags, ...(natIds.length > 0 ? { [TagKey.NatGateways]: natIds.join(" ") } : {}) });
  }
  return out.sort((x, y) => (x.id < y.id ? -1 : 1));
}

/**
 * Plan the tag repairs into `draft` (see the module doc): TagResources / UntagResources actions, each for
 * every resource that needs exactly that change. Returns nothing; converged resources add nothing.
 */
export function planTags(d: DesiredNetwork, o: ObservedNetwork, draft: Draft): void {
  const writes = new Map<string, { tags: Tags; ids: string[]; onlyRecord: boolean }>();
  const removes = new Map<string, { keys: string[]; ids: string[] }>();
  for (const r of taggedResources(d, o)) {
    const { set, remove } = tagChanges(r);
    if (Object.keys(set).length > 0) {
      const k = JSON.stringify(Object.entries(set).sort());
      const onlyRecord = Object.keys(set).every((x) => x === TagKey.NatGateways);
      const w = writes.get(k) ?? { tags: set, ids: [], onlyRecord };
      w.ids.push(r.id);
      writes.set(k, w);
    }
    if (remove.length > 0) {
      const k = remove.join(",");
      const x = removes.get(k) ?? { keys: remove, ids: [] };
      x.ids.push(r.id);
      removes.set(k, x);
    }
  }
  let i = 0;
  for (const w of writes.values()) {
    draft.add({
      kind: "TagResources",
      key: key(`tags:set:${i++}`) as Key,
      reason: w.onlyRecord ? "NatGatewayUnrecorded" : "TagsDrifted",
      detail: `set ${Object.entries(w.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")} on ${w.ids.join(", ")}`,
      resourceIds: w.ids,
      tags: w.tags,
    });
  }
  i = 0;
  for (const x of removes.values()) {
    draft.add({
      kind: "UntagResources",
      key: key(`tags:remove:${i++}`) as Key,
      reason: "TagsDrifted",
      detail: `remove ${x.keys.join(", ")} (no longer in spec.tags) from ${x.ids.join(", ")}`,
      resourceIds: x.ids,
      keys: x.keys,
    });
  }
}
