/**
 * The EgressReady part evaluation: the NAT gateways the spec asks for (one per AZ, or one) and the
 * 0.0.0.0/0 routes that send the private subnets through them. Pure; used by `evaluateParts`
 * (status-parts.ts).
 */
import { Reason } from "../api/conditions.js";
import type { DesiredNetwork, ObservedNetwork } from "./model.js";
import { bad, ok, type Finding } from "./status-findings.js";
import { cmp } from "./order.js";

/**
 * EgressReady. `NotRequired` with egress mode None. Otherwise, per desired NAT gateway (key order): missing
 * (or just created, by `created`: key → id), pending, failed (ecsnet replaces it) or another non-available
 * state; then per desired route: missing, blackholed, or pointing elsewhere. A route pointing at a NAT
 * that is not ours needs a person unless `replaceExistingDefaultRoute` is set. Never empty.
 *
 * `created` maps action keys to ids made in this reconcile (observe ran before apply, so they are not in
 * `o` yet). Only NATs we own count; a route through someone else's NAT is never reported as ours. Progressing
 * findings are the ones ecsnet resolves by itself on a later reconcile (pending, failed-and-replaced, a route
 * of ours to move); the only non-progressing one is a foreign route we are not allowed to replace.
 */
export function egressFindings(d: DesiredNetwork, o: ObservedNetwork, created: ReadonlyMap<string, string>): Finding[] {
  if (d.natGateways.size === 0)
    return [ok(Reason.NotRequired, "egress mode None: AWS services are reached through the endpoints only")];
  const out: Finding[] = [];
  const natId = new Map<string, string>();
  for (const dn of [...d.natGateways.values()].sort((a, b) => cmp(a.key, b.key))) {
    // An available NAT wins over duplicates or a failed predecessor still listed for the same key, so a
    // working key never reads as failed while its replacement's leftovers are cleaned up.
    const mine = o.natGateways.filter((n) => n.owned && n.component === dn.key);
    const n = mine.find((x) => x.state === "available") ?? mine[0];
    const id = n?.id ?? created.get(dn.key);
    if (id) natId.set(dn.key, id);
    if (!n) {
      out.push(
        id
          ? bad(Reason.NatGatewayPending, `${id} in ${dn.az} was just created`, true)
          : bad(Reason.Progressing, `the NAT gateway for ${dn.az} does not exist yet`, true),
      );
    } else if (n.state === "pending") {
      out.push(bad(Reason.NatGatewayPending, `${n.id} in ${dn.az} is pending`, true));
    } else if (n.state === "failed") {
      // Still progressing: plan-nat deletes it and creates anew with a salted token; the failure code
      // (e.g. Gateway.NotAttached, aws-facts §3.6) is shown because a repeat failure needs a person.
      const why = [n.failureCode, n.failureMessage].filter(Boolean).join(": ") || "no reason given";
      out.push(bad(Reason.NatGatewayFailed, `${n.id} in ${dn.az} failed (${why}): ecsnet replaces it`, true));
    } else if (n.state !== "available") {
      out.push(bad(Reason.Progressing, `${n.id} in ${dn.az} is ${n.state}`, true));
    }
  }
  // Routes: judged against the NAT chosen above for the route's key (a route waits for that NAT, so a
  // missing target just means nothing to compare yet).
  const ownedNats = new Set(o.natGateways.filter((n) => n.owned).map((n) => n.id));
  for (const dr of [...d.routes.values()].sort((a, b) => cmp(a.key, b.key))) {
    const r = o.routeTables.find((t) => t.id === dr.routeTableId)?.routes.find((x) => x.destination === dr.destination);
    const target = natId.get(dr.natKey);
    const where = `${dr.destination} in ${dr.routeTableId}`;
    if (!r) {
      out.push(bad(Reason.RouteMissing, `${where} is missing: its subnets have no internet egress`, true));
    } else if (r.state === "blackhole") {
      // Its NAT was deleted (DeleteNatGateway leaves routes behind, §3.6): plan-routes replaces ours.
      out.push(bad(Reason.RouteBlackholed, `${where} is blackholed: its target ${r.target.id} no longer exists`, true));
    } else if (target && r.target.id !== target) {
      const ours = ownedNats.has(r.target.id);
      out.push(
        ours || dr.replaceExisting
          ? bad(Reason.Progressing, `${where} points at ${r.target.id}, not ${target}`, true)
          : bad(
              Reason.RouteTargetsOther,
              `${where} points at ${r.target.id}, not at ecsnet's ${target}: remove that route, or set spec.egress.natGateway.replaceExistingDefaultRoute: true`,
              false,
            ),
      );
    }
  }
  return out.length > 0
    ? out
    : [
        ok(
          Reason.Converged,
          `${[...natId.values()].join(", ")} available; ${d.routes.size} route table(s) route ${"0.0.0.0/0"} through them`,
        ),
      ];
}
