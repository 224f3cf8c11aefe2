/**
 * Planner for interface endpoints, and the endpoint life cycle it shares with the S3 gateway endpoint's
 * planner (plan-gateway-endpoint.ts): triage of broken and duplicate owned endpoints, re-create tokens, and
 * retiring owned endpoints no longer desired.
 *
 * - Missing → create, as the next creation intent of its key (ADR 0004): a crash-retry replays the same
 *   ClientToken, a re-create after the previous endpoint went (at any age) never does.
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
import { isOurs, nextIntent } from "./ownership.js";
import { policyMatches } from "./policy.js";
import type { SecurityGroupOutcome } from "./plan-security-group.js";
import type { DnsOutcome } from "./plan.js";
import { opKey, type Draft } from "./waves.js";

// Gone: AWS keeps deleted endpoints visible for a while (aws-facts §3.6), so a `deleted` one is history,
// never a live endpoint to keep, modify or delete again.
const GONE = new Set(["deleting", "deleted"]);
// Broken: AWS never brings a `failed` or `rejected` endpoint back to `available`; the only repair is a new one.
const BROKEN = new Set(["failed", "rejected"]);
/**
 * Endpoint states that mean "wait": it is being created or waits for the service owner's acceptance.
 * An endpoint in one of these states is recorded as pending (requeue soon), never modified: its drift is
 * judged once it settles, so a half-created endpoint is never "repaired" mid-creation.
 */
export const WAITING: ReadonlySet<string> = new Set(["pending", "pendingAcceptance"]);

/**
 * True when another ecsnet object's owner tag is on `e` (not ours, and never adoptable).
 * False for endpoints with no owner tag at all (those are the user's, adoptable only when asked) and for ours.
 */
export const ownedByAnother = (e: ObservedEndpoint): boolean => !e.owned && Boolean(e.tags[TagKey.OwnerUid]);

/**
 * Usable or becoming usable: not gone and not broken. `pending`, `pendingAcceptance` and `available` are live;
 * an unknown future state counts as live too, so a new AWS state never makes us delete or duplicate an endpoint.
 */
export const isLive = (e: ObservedEndpoint): boolean => !GONE.has(e.state) && !BROKEN.has(e.state);

/**
 * Of several owned endpoints for one key, the one to keep: available first, then oldest, then lowest id.
 * Returns undefined only for an empty list. Pure and total: the same set yields the same keeper whatever its
 * order, so two reconciles (or two replicas) never disagree about which duplicate to delete. A missing
 * `createdAt` sorts last ("~" is after every ISO-8601 date). Shared with plan-nat.ts for NAT duplicates.
 */
export function pickKeeper<T extends { id: string; state: string; createdAt?: string }>(
  xs: readonly T[],
): T | undefined {
  const rank = (x: T): string => `${x.state === "available" ? 0 : 1}|${x.createdAt ?? "~"}|${x.id}`;
  return [...xs].sort((a, b) => (rank(a) < rank(b) ? -1 : 1))[0];
}

/**
 * The owned endpoints that belong to desired item `k` (component tag, or same service when untagged).
 * Includes every state (broken and gone ones too: their intent tags give the next creation intent). Never returns an
 * endpoint that lacks our owner tags; untagged-component endpoints match by service so ones made by an older
 * release (before the component tag) are still recognised rather than duplicated.
 */
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
 * the delete actions plus the creation intent a re-create starts from.
 *
 * Precondition: `mine` holds only endpoints we own (from {@link ownedFor}); triage never plans an action on
 * an unowned endpoint. `deletes` holds only the keys of deletes of broken endpoints: a re-create must follow
 * those (the broken one may still hold the private DNS name), but not the duplicate deletes, which only
 * tidy up after a create that was retried without its token. Gone (`deleting`/`deleted`) endpoints get no
 * action; with the broken ones they give `generation`, the first creation intent a re-create tries (ADR 0004).
 */
export function triage(
  draft: Draft,
  k: Key,
  mine: readonly ObservedEndpoint[],
): { keep?: ObservedEndpoint; deletes: Key[]; generation: number } {
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
  // Of the live ones keep exactly one; the rest are duplicates, e.g. from a create that AWS accepted but
  // whose response was lost before the token made the retry idempotent.
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
  return { ...(keep ? { keep } : {}), deletes, generation: nextIntent(mine) };
}

/**
 * Plan every interface endpoint (desired and owned-but-not-desired) into `draft`. Returns nothing: actions,
 * pending and blocked items are recorded on the draft.
 *
 * - Never plans an action on an endpoint we do not own, except the TagResource of an adoption the user
 *   asked for (`endpoints.adoptExisting`), and never adopts one another ecsnet object owns.
 * - Never creates a second private-DNS endpoint for a service: AWS allows one per service per VPC
 *   (aws-facts §3.4), so an unowned holder blocks with PrivateDnsConflict instead.
 * - Creates are ordered after the security group (`sg.after`), the VPC DNS attribute changes (`dns.after`,
 *   only for private DNS: §3.4 needs enableDnsSupport and enableDnsHostnames first) and the deletes of
 *   broken predecessors.
 * - Never creates when the security group is unusable or DNS is blocked: those are already recorded as
 *   blocked by their planners, so nothing here would succeed.
 */
export function planInterfaceEndpoints(
  d: DesiredNetwork,
  o: ObservedNetwork,
  draft: Draft,
  sg: SecurityGroupOutcome,
  dns: DnsOutcome,
): void {
  for (const want of d.interfaceEndpoints.values()) {
    const t = triage(draft, want.key, ownedFor(o, d.owner, want.key, "Interface", want.serviceName));
    // Unowned live endpoints of the same service, sorted by id so the adoptee is the same every reconcile.
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
      // Tag first, modify after: if the modify fails the endpoint is already ours and the next reconcile
      // repairs it as owned drift; modifying an endpoint we have not yet claimed would break rule 7.
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
    // Creating ours beside an unowned private-DNS holder would fail with InvalidParameter (§3.4); say who
    // holds it so the user can delete it or opt in to adoption. Without private DNS two can coexist.
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
        clientToken: want.clientToken,
        generation: t.generation,
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

/**
 * One ModifyInterfaceEndpoint with every difference between `want` and `e`, if any; nothing when converged.
 * Precondition: `e` is ours, or is being adopted (then `after` holds the adopting TagResource, and the reason
 * is "Adopt"). Never turns private DNS on while it would fail (blocked instead), and never removes a
 * security group when ours is unusable (the group that should replace it cannot be added yet).
 */
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
  // Converged: no action, so the plan stays empty (the convergence property of house rule 2).
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

/**
 * Delete owned endpoints of `type` that no desired item claims; wait for owned ones already deleting.
 *
 * `services` and `keys` name what the desired network still claims (by service for untagged-component
 * endpoints, by component key otherwise). Never touches an unowned endpoint (adopting does not make the
 * user's other endpoints ours), never deletes a claimed one (triage handles duplicates), and never re-deletes
 * a `deleted` one (AWS keeps it visible, §3.6). A `deleting` one is pending, so the requeue sees it gone.
 */
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
