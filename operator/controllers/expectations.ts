/**
 * What this process created recently and has not seen listed yet, per owner: the input of
 * core/plan-expectations.ts. Kept in memory only: it spares a running process from re-creating what EC2's
 * eventual consistency hides for a few seconds; after a restart, ClientTokens (endpoints, NAT gateways),
 * the security group's name and the planner's duplicate clean-up cover the same window.
 */
import type { Action } from "../core/actions.js";
import type { ActionResult } from "../core/errors.js";
import type { Key, ObservedNetwork } from "../core/model.js";
import { CREATE_KINDS } from "../core/plan-expectations.js";

/** How long a creation is expected to become visible; past it, Describe is believed again. */
export const EXPECTATION_TTL_MS = 60_000;

export class CreationExpectations {
  private readonly byOwner = new Map<string, Map<Key, { id: string; at: number }>>();

  /** Remember the resources `results` created (creates that are `done` with an id). */
  record(ownerUid: string, actions: readonly Action[], results: readonly ActionResult[], now: number): void {
    const kinds = new Map(actions.map((a) => [a.key, a.kind]));
    for (const r of results) {
      const kind = kinds.get(r.key);
      if (r.outcome !== "done" || r.id === undefined || kind === undefined || !CREATE_KINDS.has(kind)) continue;
      let m = this.byOwner.get(ownerUid);
      if (!m) this.byOwner.set(ownerUid, (m = new Map()));
      m.set(r.key, { id: r.id, at: now });
    }
  }

  /**
   * The recent creations of `ownerUid` that `observed` does not list yet (key → id). Forgets those it lists
   * and those older than {@link EXPECTATION_TTL_MS}.
   */
  unseen(ownerUid: string, observed: ObservedNetwork, now: number): Map<Key, string> {
    const m = this.byOwner.get(ownerUid);
    const out = new Map<Key, string>();
    if (!m) return out;
    const listed = new Set<string>([
      ...observed.securityGroups.map((g) => g.id),
      ...observed.endpoints.map((e) => e.id),
      ...observed.natGateways.map((n) => n.id),
      ...(observed.deletedNatGateways ?? []).map((n) => n.id),
      ...observed.addresses.map((a) => a.allocationId),
    ]);
    for (const [k, e] of m) {
      if (listed.has(e.id) || now - e.at > EXPECTATION_TTL_MS) m.delete(k);
      else out.set(k, e.id);
    }
    if (m.size === 0) this.byOwner.delete(ownerUid);
    return out;
  }
}

/** The process's expectations (one per process, like the informer cache it stands beside). */
export const processExpectations = new CreationExpectations();
