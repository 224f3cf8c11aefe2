/**
 * Planner for interface endpoints, and the endpoint life cycle it shares with the S3 gateway endpoint's
 * planner (plan-gateway-endpoint.ts): triage of broken and duplicate owned endpoints, re-create tokens, and
 * retiring owned endpoints no longer desired.
 *
 * - Missing → create (ClientToken from the desired input; salted by the ids of failed/deleting predecessors
 *   so a re-create never replays the failed one's token).
 * - Owned with drift → one Modify with every difference. Subnet swaps within an AZ go in the same
 *   ModifyVpcEndpoint call (Add + Remove): AWS applies them together, whereas adding first in a separate call
 *   fails with `DuplicateSubnetsInSameZone` (aws-facts §3.6) and removing first would cut the AZ off.
 * - `failed`/`rejected` → delete and create anew; two owned for one key → delete the newer (DuplicateCreated);
 *   owned but no longer desired → delete (NotDesired); `pending` → wait.
 * - Unowned endpoint of a desired service: adopt it (tag, then modify) only when asked; else, when it holds
 *   the service's private DNS, creating ours would fail, so it is blocked (PrivateDnsConflict) and named.
 */
import { TagKey } from "../api/group.js";
import type { Ref } from "./actions.js";
import type {
  DesiredInterfaceEndpoint,
  DesiredNetwork,
  Key,
  ObservedEndpoint,
  ObservedNetwork,
  OwnerRef,
} from "./model.js";
import { clientToken, isOurs } from "./ownership.js";
import { policyMatches } from "./policy.js";
import type { SecurityGroupOutcome } from "./plan-security-group.js";
import type { DnsOutcome } from "./plan.js";
import { opKey, type Draft } from "./waves.js";

const GONE = new Set(["deleting", "deleted"]);
const BROKEN = new Set(["failed", "rejected"]);
/** Endpoint states that mean "wait": it is being created or waits for the service owner's acceptance. */
export const WAITING: ReadonlySet<string> = new Set(["pending", "pendingAcceptance"]);

/** True when another ecsnet object's owner tag is on `e` (not ours, and never adoptable). */
export const ownedByAnother = (e: ObservedEndpoint): boolean => !e.owned && Boolean(e.tags[TagKey.OwnerUid]);

/** Usable or becoming usable: not gone and not broken. */
export const isLive = (e: ObservedEndpoint): boolean => !GONE.has(e.state) && !BROKEN.has(e.state);

/** Of several owned endpoints for one key, the one to keep: available first, then oldest, then lowest id. */
export function pickKeeper<T extends { id: string; state: string; createdAt?: string }>(
  xs: readonly T[],
): T | undefined {
  const rank = (x: T): string => `${x.state === "available" ? 0 : 1}|${x.createdAt ?? "~"}|${x.id}`;
  return [...xs].sort((a, b) => (rank(a) < rank(b) ? -1 : 1))[0];
}

/** The ClientToken for (re)creating `k`: the desired one, salted by the ids of failed/deleting predecessors. */
export function recreateToken(owner: OwnerRef, k: Key, base: string, predecessors: readonly string[]): string {
  return predecessors.length === 0 ? base : clientToken(owner.uid, k, { base, replaces: [...predecessors].sort() });
}

/** The owned endpoints that belong to desired item `k` (component tag, or same service when untagged). */
export function ownedFor(
  o: ObservedNetwork,
  owner: OwnerRef,
  k: Key,
  type: ObservedEndpoint["type"],
  serviceName: string,
): ObservedEndpoint[] {
  return o.endpoints.filter(
    (e) =>
      isOurs(e, owner) &&
      e.type === type &&
      (e.component === k || (e.component === null && e.serviceName === serviceName)),
  );
}

/**
 * Delete broken and duplicate owned endpoints of `k`; return the live one to keep (if any) and the keys of
 * the delete actions plus the ids a re-create token must be salted with.
 */
export function triage(
  draft: Draft,
  k: Key,
  mine: readonly ObservedEndpoint[],
): { keep?: ObservedEndpoint; deletes: Key[]; predecessors: string[] } {
  const deletes: Key[] = [];
  for (const e of mine.filter((x) => BROKEN.has(x.state))) {
    deletes.push(
      draft.add({
        kind: "DeleteEndpoint",
        key: opKey(k, "delete", e.id),
        reason: "EndpointFailed",
        detail: `delete ${e.id} (${e.state}) so ${k} can be created anew`,
        endpointId: e.id,
      }),
    );
  }
  const live = mine.filter(isLive);
  const keep = pickKeeper(live);
  for (const e of live.filter((x) => x !== keep)) {
    draft.add({
      kind: "DeleteEndpoint",
      key: opKey(k, "delete", e.id),
      reason: "DuplicateCreated",
      detail: `delete ${e.id}: a duplicate of ${keep?.id} for ${k}`,
      endpointId: e.id,
    });
  }
  const predecessors = mine.filter((x) => BROKEN.has(x.state) || GONE.has(x.state)).map((x) => x.id);
  return { ...(keep ? { keep } : {}), deletes, predecessors };
}

/** Plan every interface endpoint (desired and owned-but-not-desired). */
export function planInterfaceEndpoints(
  d: DesiredNetwork,
  o: ObservedNetwork,
  draft: Draft,
  sg: SecurityGroupOutcome,
  dns: DnsOutcome,
): void {
  for (const want of d.interfaceEndpoints.values()) {
    const t = triage(draft, want.key, ownedFor(o, d.owner, want.key, "Interface", want.serviceName));
    const unowned = o.endpoints
      .filter((e) => !e.owned && e.type === "Interface" && e.serviceName === want.serviceName && isLive(e))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const dnsHolder = unowned.find((e) => e.privateDns);
    // Ours already: wait while pending, else repair drift in place.
    if (t.keep) {
      if (WAITING.has(t.keep.state))
        draft.wait(want.key, "EndpointPending", `${t.keep.id} for ${want.shortName} is ${t.keep.state}`);
      else modifyInterface(draft, want, t.keep, sg, dns, dnsHolder, []);
      continue;
    }
    // Adopt the one holding private DNS if any (adopting another would leave the DNS conflict in place);
    // never one that another ecsnet object owns: re-tagging it would start a tug of war between owners.
    const adoptable = unowned.filter((e) => !ownedByAnother(e));
    const adoptee = want.adopt ? (adoptable.find((e) => e === dnsHolder) ?? adoptable[0]) : undefined;
    if (adoptee) {
      const tag = draft.add({
        kind: "TagResource",
        key: `${want.key}#adopt` as Key,
        reason: "Adopt",
        detail: `adopt ${adoptee.id} for ${want.shortName} (adoptExisting): tag it as ours`,
        resourceId: adoptee.id,
        tags: want.tags,
      });
      modifyInterface(draft, want, adoptee, sg, dns, undefined, [tag]);
      continue;
    }
    if (want.privateDns && dnsHolder) {
      draft.block(
        want.key,
        "PrivateDnsConflict",
        `endpoint ${dnsHolder.id} (not ours) already holds private DNS for ${want.shortName}: set endpoints.adoptExisting or delete it`,
        dnsHolder.id,
      );
      continue;
    }
    // Creating needs a usable security group and, for private DNS, the VPC DNS attributes.
    if (!sg.usable || (want.privateDns && dns.blocked)) continue; // already blocked, with the reason
    draft.add(
      {
        kind: "CreateInterfaceEndpoint",
        key: want.key,
        reason: "Missing",
        detail: `create the ${want.shortName} interface endpoint in ${want.subnetIds.join(", ")}`,
        vpcId: d.vpcId,
        serviceName: want.serviceName,
        subnetIds: want.subnetIds,
        securityGroupIds: sg.groupIds,
        privateDns: want.privateDns,
        policy: want.policy,
        clientToken: recreateToken(d.owner, want.key, want.clientToken, t.predecessors),
        tags: want.tags,
      },
      [...sg.after, ...(want.privateDns ? dns.after : []), ...t.deletes],
    );
  }
  retireNotDesired(
    d,
    o,
    draft,
    "Interface",
    new Set([...d.interfaceEndpoints.values()].map((e) => e.serviceName)),
    new Set(d.interfaceEndpoints.keys()),
  );
}

/** One ModifyInterfaceEndpoint with every difference between `want` and `e`, if any. */
function modifyInterface(
  draft: Draft,
  want: DesiredInterfaceEndpoint,
  e: ObservedEndpoint,
  sg: SecurityGroupOutcome,
  dns: DnsOutcome,
  dnsHolder: ObservedEndpoint | undefined,
  after: readonly Key[],
): void {
  // Subnets: one call with both lists, so a swap within an AZ never leaves the AZ without an interface.
  const addSubnetIds = want.subnetIds.filter((s) => !e.subnetIds.includes(s));
  const removeSubnetIds = e.subnetIds.filter((s) => !want.subnetIds.includes(s));
  // Groups: a Ref (our group, created in this plan) is always added; ids no longer desired (the old group
  // after switching to given groups, or one someone attached) are removed. An unusable group changes nothing.
  const wantIds = sg.groupIds.filter((g): g is string => typeof g === "string");
  const addSecurityGroupIds: (string | Ref)[] = sg.usable
    ? sg.groupIds.filter((g) => typeof g !== "string" || !e.securityGroupIds.includes(g))
    : [];
  const removeSecurityGroupIds = sg.usable ? e.securityGroupIds.filter((g) => !wantIds.includes(g)) : [];
  // Private DNS: turning it on fails while an unowned endpoint holds the service's name (aws-facts §3.4) or
  // while VPC DNS is off; then it is left as is and the reason is said (blocked) instead of failing every sync.
  let privateDns: boolean | undefined = want.privateDns !== e.privateDns ? want.privateDns : undefined;
  if (privateDns === true && (dns.blocked || dnsHolder)) {
    if (dnsHolder)
      draft.block(
        want.key,
        "PrivateDnsConflict",
        `endpoint ${dnsHolder.id} (not ours) holds private DNS for ${want.shortName}, so ${e.id} cannot take it`,
        dnsHolder.id,
      );
    privateDns = undefined;
  }
  // Policy: compared in canonical form (AWS reformats documents); desired null = AWS's full-access default.
  const policyDrift = !policyMatches(want.policy, e.policy);
  const why: [boolean, "SubnetsDrifted" | "SecurityGroupsDrifted" | "PrivateDnsDrifted" | "PolicyDrifted", string][] = [
    [
      addSubnetIds.length + removeSubnetIds.length > 0,
      "SubnetsDrifted",
      `subnets +[${addSubnetIds.join(",")}] -[${removeSubnetIds.join(",")}]`,
    ],
    [
      addSecurityGroupIds.length + removeSecurityGroupIds.length > 0,
      "SecurityGroupsDrifted",
      `security groups -[${removeSecurityGroupIds.join(",")}]`,
    ],
    [privateDns !== undefined, "PrivateDnsDrifted", `private DNS ${privateDns ? "on" : "off"}`],
    [policyDrift, "PolicyDrifted", "policy"],
  ];
  // One Modify call for every difference: ModifyVpcEndpoint has a small throttling bucket (aws-facts §3.7).
  const changes = why.filter(([on]) => on);
  if (changes.length === 0) return;
  draft.add(
    {
      kind: "ModifyInterfaceEndpoint",
      key: `${want.key}#modify` as Key,
      reason: after.length > 0 ? "Adopt" : (changes[0] as (typeof why)[number])[1],
      detail: `set ${e.id} (${want.shortName}): ${changes.map(([, , text]) => text).join("; ")}`,
      endpointId: e.id,
      addSubnetIds,
      removeSubnetIds,
      addSecurityGroupIds,
      removeSecurityGroupIds,
      ...(privateDns !== undefined ? { privateDns } : {}),
      ...(policyDrift ? { policy: want.policy } : {}),
    },
    [...after, ...(addSecurityGroupIds.length > 0 ? sg.after : []), ...(privateDns ? dns.after : [])],
  );
}

/** Delete owned endpoints of `type` that no desired item claims; wait for owned ones already deleting. */
export function retireNotDesired(
  d: DesiredNetwork,
  o: ObservedNetwork,
  draft: Draft,
  type: ObservedEndpoint["type"],
  services: ReadonlySet<string>,
  keys: ReadonlySet<Key>,
): void {
  for (const e of o.endpoints.filter((x) => isOurs(x, d.owner) && x.type === type)) {
    if (e.state === "deleting") {
      draft.wait(opKey(e.component ?? e.id, "delete", e.id), "EndpointDeleting", `${e.id} is being deleted`);
      continue;
    }
    // Claimed by a desired item (its component tag, or its service when it has no component tag).
    const claimed = e.component !== null ? keys.has(e.component) : services.has(e.serviceName);
    if (claimed || e.state === "deleted") continue;
    draft.add({
      kind: "DeleteEndpoint",
      key: opKey(e.component ?? e.id, "delete", e.id),
      reason: "NotDesired",
      detail: `delete ${e.id} (${e.serviceName}): no longer in the spec`,
      endpointId: e.id,
    });
  }
}
