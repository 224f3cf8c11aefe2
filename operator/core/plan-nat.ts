/**
 * Planner for egress through NAT gateways: Elastic IPs, NAT gateways and the private route tables'
 * 0.0.0.0/0 routes, with replacement ordering that never leaves a route table without egress longer than needed.
 *
 * Order of one NAT's life: AllocateAddress → CreateNatGateway (allocation by Ref) → [NAT `available`,
 * a later reconcile] → CreateRoute / ReplaceRoute. Routes are pointed only at `available` NATs: while a new
 * NAT is `pending` the old route keeps working (or, when there is none, the route waits: nothing is lost).
 * Retiring a NAT (misplaced, duplicate, not desired): its routes move or go first, then DeleteNatGateway;
 * its allocated EIP is released only once the NAT is gone (AWS keeps it associated while `deleting`).
 * Routes (planned in plan-routes.ts): ours to change when they point at one of our NATs (even deleted:
 * blackholed); anything else (internet gateway, someone's NAT, a transit gateway…) only with
 * `replaceExistingDefaultRoute`, else blocked.
 */
import type { Ref } from "./actions.js";
import type { DesiredNetwork, Key, ObservedNatGateway, ObservedNetwork } from "./model.js";
import { key } from "./model.js";
import { isOurs, nextIntent, recordedNatIds } from "./ownership.js";
import { pickKeeper } from "./plan-endpoints.js";
import { DEFAULT, planRoutes, type NatTarget } from "./plan-routes.js";
import { opKey, type Draft } from "./waves.js";

/**
 * NAT states in which it holds its Elastic IP (a failed NAT never got its interface; a deleted one let go).
 * `deleting` is included on purpose: DeleteNatGateway disassociates the EIP only as the NAT goes, and releasing
 * it earlier fails with a misleading AuthFailure (aws-facts §3.6).
 */
const HOLDS_EIP = new Set(["pending", "available", "deleting"]);

/**
 * Plan EIPs, NAT gateways and default routes into `draft`; see the module doc. Returns nothing: actions,
 * pending and blocked items are recorded on the draft.
 *
 * Contract:
 * - Never plans an action on an unowned NAT gateway or Elastic IP. A user-given EIP (`givenAllocationId`) is
 *   used, never allocated or released; when something not ours holds it the NAT is blocked (ElasticIpInUse).
 * - Never plans a route to a NAT that is not `available` (the route waits, see plan-routes.ts), and never
 *   deletes a NAT while an active route that this plan does not move still points at it.
 * - Releases an EIP only when no NAT holds it, including `deleting` ones: DeleteNatGateway does not release the
 *   EIP and keeps it associated until the NAT is gone (aws-facts §3.6).
 * - CreateNatGateway always carries a ClientToken (house rule 6, aws-facts §3.6): a crash between create and
 *   the next observe replays the token and gets the same NAT back instead of a second one.
 * - A `pending` NAT is recorded as pending (requeue soon), never waited for inside the reconcile (rule 5).
 */
export function planNat(d: DesiredNetwork, o: ObservedNetwork, draft: Draft): void {
  // Only ours take part in keep/replace/retire; other NATs matter only as EIP holders and route targets.
  const mine = o.natGateways.filter((n) => isOurs(n, d.owner));
  // Deleted NATs stay visible in Describe (§3.6); they are kept apart so routes still pointing at them
  // (now blackholes) count as ours to repair, and so their intent tags tell a re-create which intent is next.
  const deletedMine = (o.deletedNatGateways ?? []).filter((n) => isOurs(n, d.owner));
  // Plus the NATs our Elastic IPs record (ecsnet.dev/nat-gateways): a NAT deleted out of band leaves Describe
  // after about an hour, but the route it blackholed is still ours to repair, whatever its age.
  const recorded = o.addresses.filter((a) => isOurs(a, d.owner)).flatMap((a) => recordedNatIds(a.tags));
  const ourNatIds = new Set([...mine, ...deletedMine].map((n) => n.id).concat(recorded));
  const targets = new Map<Key, NatTarget>();
  const kept = new Set<ObservedNatGateway>();
  const chosenEips = new Set<string>();
  const retireNow = new Set<ObservedNatGateway>();

  for (const want of d.natGateways.values()) {
    // Our NATs for this key: failed ones are deleted (and replaced), one in place is kept, the others retire below.
    const forKey = mine.filter((n) => n.component === want.key);
    const failedDeletes: Key[] = [];
    for (const n of forKey.filter((x) => x.state === "failed")) {
      failedDeletes.push(
        draft.add({
          kind: "DeleteNatGateway",
          key: opKey(want.key, "delete", n.id),
          reason: "NatGatewayFailed",
          detail: `delete ${n.id}, failed (${n.failureCode ?? "unknown"}): ${want.key} is created anew`,
          natGatewayId: n.id,
        }),
      );
    }
    // In place = in the desired subnet and, when the user gives the EIP, holding that one (a NAT's primary
    // EIP cannot be changed: another one means a replacement NAT).
    const givenEip = d.elasticIps.get(want.eipKey)?.givenAllocationId;
    const inPlace = (n: ObservedNatGateway): boolean =>
      n.subnetId === want.subnetId && (!givenEip || n.allocationIds.includes(givenEip));
    // A pending NAT in place is kept too: replacing it would waste the creation already under way.
    const keep = pickKeeper(forKey.filter((n) => inPlace(n) && (n.state === "pending" || n.state === "available")));
    if (keep) {
      kept.add(keep);
      targets.set(want.key, { id: keep.id, available: keep.state === "available" });
      if (keep.state === "pending")
        draft.wait(want.key, "NatGatewayPending", `${keep.id} in ${want.subnetId} is pending`);
      continue;
    }
    // Create: find the Elastic IP first. AllocateAddress has no ClientToken, so an allocation made before a
    // crash is found again below by its component tag rather than allocated twice.
    const eip = d.elasticIps.get(want.eipKey);
    const holders = (alloc: string): ObservedNatGateway[] =>
      o.natGateways.filter((n) => HOLDS_EIP.has(n.state) && n.allocationIds.includes(alloc));
    let allocationId: string | Ref;
    const after: Key[] = [...failedDeletes];
    // The EIP: the user's (checked, never allocated or released), or ours: a free one we already own for this
    // key (a crash after AllocateAddress must not leak it), else a new allocation, passed to the NAT by Ref.
    if (eip?.givenAllocationId) {
      const given = eip.givenAllocationId;
      const addr = o.addresses.find((a) => a.allocationId === given);
      const held = holders(given);
      // Blocked, not pending: a missing allocation will not appear by waiting; the user must fix the spec.
      if (!addr) {
        draft.block(want.eipKey, "ElasticIpNotFound", `Elastic IP ${given} not found`, given);
        continue;
      }
      // A failed NAT of ours may still list the EIP while it is being cleaned up: wait for it, do not block.
      const ourFailed = mine.filter((n) => n.state === "failed" && n.allocationIds.includes(given));
      if (held.length === 0 && addr.associationId && ourFailed.length > 0) {
        draft.wait(want.key, "ElasticIpBusy", `${want.key} waits for failed ${ourFailed[0]?.id} to release ${given}`);
        continue;
      }
      // Held by a NAT not ours, or associated with something else (an instance, an ENI): taking it would cut
      // someone's traffic, so the user must free it; we never disassociate what we do not own.
      if (held.some((n) => !isOurs(n, d.owner)) || (held.length === 0 && addr.associationId)) {
        draft.block(
          want.eipKey,
          "ElasticIpInUse",
          `Elastic IP ${given} is associated with something that is not ours`,
          given,
        );
        continue;
      }
      if (held.length > 0) {
        // Our misplaced NAT holds the given EIP: it must go first (a short egress gap is unavoidable).
        for (const n of held) if (n.state !== "deleting") retireNow.add(n);
        draft.wait(
          want.key,
          "ElasticIpBusy",
          `${want.key} waits for ${held.map((n) => n.id).join(", ")} to release ${given}`,
        );
        continue;
      }
      allocationId = given;
    } else {
      const free = o.addresses
        .filter(
          (a) =>
            isOurs(a, d.owner) &&
            a.component === want.eipKey &&
            !a.associationId &&
            holders(a.allocationId).length === 0,
        )
        .sort((a, b) => (a.allocationId < b.allocationId ? -1 : 1))[0];
      if (free) allocationId = free.allocationId;
      else {
        const eipKey = draft.add({
          kind: "AllocateAddress",
          key: want.eipKey,
          reason: "Missing",
          detail: `allocate an Elastic IP for ${want.key}`,
          tags: eip?.tags ?? {},
        });
        allocationId = { ref: eipKey };
        after.push(eipKey);
      }
    }
    // Remember the EIPs now promised to a create, so releaseAddresses below never frees one in the same plan.
    if (typeof allocationId === "string") chosenEips.add(allocationId);
    // The next creation intent of this key (ADR 0004): one past every earlier NAT of ours still observed for
    // it (failed, deleting, deleted); apply steps further past intents EC2 says are used up.
    const generation = nextIntent([...forKey, ...deletedMine.filter((n) => n.component === want.key)]);
    const natKey = draft.add(
      {
        kind: "CreateNatGateway",
        key: want.key,
        reason: "Missing",
        detail: `create a NAT gateway in ${want.subnetId} for ${want.az}`,
        subnetId: want.subnetId,
        allocationId,
        clientToken: want.clientToken,
        generation,
        tags: want.tags,
      },
      after,
    );
    targets.set(want.key, { id: { ref: natKey }, available: false });
  }

  // Order matters: routes first, because retiring a NAT depends on knowing which route actions move its
  // traffic away (retireNats orders each delete after them); EIPs last, because only then is it known which
  // NATs are kept and which EIPs were chosen for creates.
  const moved = planRoutes(d, o, draft, targets, ourNatIds);
  retireNats(d, draft, mine, kept, retireNow, moved, o);
  releaseAddresses(d, o, draft, chosenEips, kept);
}

/**
 * Delete our NATs that are not kept, once every active route to them moves in this plan.
 *
 * Each DeleteNatGateway is ordered after the route actions that move traffic off it (`moved`), so apply never
 * deletes a NAT before its replacement carries the traffic. A NAT with stranded routes (no move planned yet,
 * usually because the replacement is still `pending`) is pending, not deleted; the exception is `retireNow`
 * (our misplaced NAT holding a user-given EIP the new NAT needs), where a short gap is unavoidable.
 * DeleteNatGateway does not delete routes pointing at the NAT (§3.6): those are plan-routes' job.
 */
function retireNats(
  d: DesiredNetwork,
  draft: Draft,
  mine: readonly ObservedNatGateway[],
  kept: ReadonlySet<ObservedNatGateway>,
  retireNow: ReadonlySet<ObservedNatGateway>,
  moved: ReadonlyMap<string, Key[]>,
  o: ObservedNetwork,
): void {
  for (const n of mine) {
    const base = n.component ?? "nat";
    if (kept.has(n) || n.state === "failed") continue; // failed ones of desired keys were handled; others below
    if (n.state === "deleting") {
      draft.wait(opKey(base, "delete", n.id), "NatGatewayDeleting", `${n.id} is being deleted`);
      continue;
    }
    const still = o.routeTables.filter((t) =>
      t.routes.some((r) => r.destination === DEFAULT && r.state === "active" && r.target.id === n.id),
    );
    const moving = moved.get(n.id) ?? [];
    // Active routes to it that no action of this plan moves: deleting it now would cut their egress.
    const stranded = still.filter((t) => !moving.includes(key(`route:${t.id}:${DEFAULT}`)));
    if (stranded.length > 0 && !retireNow.has(n)) {
      draft.wait(
        opKey(base, "delete", n.id),
        "NatGatewayReplacementPending",
        `${n.id} still carries egress for ${stranded.map((t) => t.id).join(", ")} until its replacement is available`,
      );
      continue;
    }
    // Kept another for its key → a duplicate; its key still desired → misplaced (subnet or EIP changed); else not desired.
    const why = d.natGateways.has(base as Key)
      ? mine.some((m) => kept.has(m) && m.component === base)
        ? "DuplicateCreated"
        : "NatGatewayMisplaced"
      : "NotDesired";
    draft.add(
      {
        kind: "DeleteNatGateway",
        key: opKey(base, "delete", n.id),
        reason: why,
        detail: `delete ${n.id} in ${n.subnetId} (${why})`,
        natGatewayId: n.id,
      },
      moving,
    );
  }
  // Failed NATs of keys no longer desired. A failed NAT never carried traffic, so no route ordering is
  // needed before deleting it.
  for (const n of mine.filter((x) => x.state === "failed" && !d.natGateways.has((x.component ?? "") as Key))) {
    draft.add({
      kind: "DeleteNatGateway",
      key: opKey(n.component ?? "nat", "delete", n.id),
      reason: "NotDesired",
      detail: `delete failed ${n.id}: no longer desired`,
      natGatewayId: n.id,
    });
  }
}

/**
 * Release our Elastic IPs that no NAT holds and no desired NAT still needs.
 *
 * Never releases an unowned address, one chosen for a create in this plan (`chosen`), one still held by a
 * NAT (even `deleting`: the release waits, as pending, until the NAT reaches `deleted`, aws-facts §3.6), or one
 * associated with anything else. A spare of ours kept for a desired NAT that is blocked or waiting is kept
 * too: releasing it and allocating again later would change the NAT's public IP for nothing.
 */
function releaseAddresses(
  d: DesiredNetwork,
  o: ObservedNetwork,
  draft: Draft,
  chosen: ReadonlySet<string>,
  kept: ReadonlySet<ObservedNatGateway>,
): void {
  for (const a of o.addresses.filter((x) => isOurs(x, d.owner))) {
    if (chosen.has(a.allocationId)) continue;
    const holders = o.natGateways.filter((n) => HOLDS_EIP.has(n.state) && n.allocationIds.includes(a.allocationId));
    const want = a.component ? d.elasticIps.get(a.component) : undefined;
    const natKey = want ? [...d.natGateways.values()].find((n) => n.eipKey === want.key)?.key : undefined;
    const natHasOther =
      natKey !== undefined &&
      [...kept].some((n) => n.component === natKey && !n.allocationIds.includes(a.allocationId));
    // Keep an EIP its desired NAT will need (e.g. the NAT is blocked or waiting); release spares.
    const needed = want !== undefined && !want.givenAllocationId && !natHasOther;
    if (holders.length > 0) {
      if (!needed && holders.every((n) => n.state === "deleting"))
        draft.wait(
          opKey(a.component ?? "eip", "release", a.allocationId),
          "ElasticIpHeldByDeletingNat",
          `${a.allocationId} is released once ${holders.map((n) => n.id).join(", ")} is deleted`,
        );
      continue;
    }
    if (needed || a.associationId) continue; // kept for its NAT; or associated elsewhere: not ours to cut off
    draft.add({
      kind: "ReleaseAddress",
      key: opKey(a.component ?? "eip", "release", a.allocationId),
      reason: "NotDesired",
      detail: `release ${a.publicIp} (${a.allocationId}): no NAT gateway needs it`,
      allocationId: a.allocationId,
    });
  }
}
