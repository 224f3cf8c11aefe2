/**
 * The EndpointsReady and S3GatewayReady part evaluations: for each desired interface endpoint and the S3
 * gateway endpoint, the owned endpoint that stands for it, its state, and whether it matches the spec
 * (private DNS, subnets, route tables). Pure; used by `evaluateParts` (status-parts.ts).
 */
import { Reason } from "../api/conditions.js";
import type { DesiredNetwork, ObservedEndpoint, ObservedNetwork } from "./model.js";
import { bad, ok, type Finding } from "./status-findings.js";
import { cmp } from "./order.js";

/**
 * The owned endpoint for a desired key; an available one wins over duplicates. Never returns an unowned
 * endpoint (an adoptable one is not ours until tagged) nor a `deleted` one; undefined when there is none.
 */
function ownedEndpoint(o: ObservedNetwork, k: string): ObservedEndpoint | undefined {
  // A `deleted` endpoint is history (it only salts the re-create's ClientToken): it is not the endpoint.
  const mine = o.endpoints.filter((e) => e.owned && e.component === k && e.state !== "deleted");
  return mine.find((e) => e.state === "available") ?? mine[0];
}

/**
 * A finding for an endpoint's state, or null when it is available. Every non-available state is progressing:
 * pending ones settle by themselves, deleting ones finish, and failed/rejected ones are deleted and created
 * anew by plan-endpoints. An unknown state reads as failed, the safe side for a person looking at status.
 */
function endpointState(name: string, e: ObservedEndpoint): Finding | null {
  if (e.state === "available") return null;
  if (e.state === "pending" || e.state === "pendingAcceptance")
    return bad(Reason.EndpointPending, `${name} ${e.id} is ${e.state}`, true);
  if (e.state === "deleting") return bad(Reason.Progressing, `${name} ${e.id} is being deleted`, true);
  return bad(
    Reason.EndpointFailed,
    `${name} ${e.id} is ${e.state}: ecsnet replaces it; if it keeps failing, check the service and subnets`,
    true,
  );
}

/**
 * EndpointsReady, interface endpoints in short-name order: missing (or just created, by `created`: key →
 * id), not available, private DNS off when wanted, subnets other than desired. One `True` finding
 * (`Converged`, or `NotRequired` when none is asked for) when nothing is wrong. Never empty.
 */
export function endpointFindings(
  d: DesiredNetwork,
  o: ObservedNetwork,
  created: ReadonlyMap<string, string>,
): Finding[] {
  const out: Finding[] = [];
  const wanted = [...d.interfaceEndpoints.values()].sort((a, b) => cmp(a.shortName, b.shortName));
  for (const de of wanted) {
    const e = ownedEndpoint(o, de.key);
    if (!e) {
      const id = created.get(de.key);
      out.push(
        id
          ? bad(Reason.EndpointPending, `${de.shortName} ${id} was just created`, true)
          : bad(Reason.EndpointMissing, `${de.shortName} endpoint does not exist yet`, true),
      );
      continue;
    }
    const state = endpointState(de.shortName, e);
    if (state) out.push(state);
    // Available but without private DNS: tasks still resolve the public name and go around the endpoint
    // (through NAT, or nowhere), so this is not ready even though AWS says `available` (aws-facts §3.4).
    if (de.privateDns && !e.privateDns) {
      out.push(
        bad(
          Reason.EndpointPrivateDnsDisabled,
          `${de.shortName} ${e.id} has private DNS off: traffic to ${de.serviceName} does not use the endpoint`,
          true,
        ),
      );
    }
    // Compared as sorted sets: AWS does not promise an order for SubnetIds.
    const subnets = [...e.subnetIds].sort().join(",");
    if (subnets !== [...de.subnetIds].sort().join(",")) {
      out.push(
        bad(
          Reason.EndpointSubnetsDrifted,
          `${de.shortName} ${e.id} is in ${subnets || "no subnet"}, not ${de.subnetIds.join(",")}`,
          true,
        ),
      );
    }
  }
  if (out.length > 0) return out;
  const names = wanted.map((e) => e.shortName).join(", ");
  return [
    ok(
      wanted.length > 0 ? Reason.Converged : Reason.NotRequired,
      wanted.length > 0 ? `${names} are available` : "no interface endpoints are asked for",
    ),
  ];
}

/**
 * S3GatewayReady: `NotRequired` when spec.s3Gateway is off; else the owned gateway endpoint must exist, be
 * available and be associated with every desired route table. Never empty.
 * Extra associations (tables the spec does not name) are not reported here: plan-gateway-endpoint decides
 * whether they are ours to remove. A missing association means those subnets fetch ECR image layers from S3
 * through NAT or not at all (aws-facts §3.1, §3.3).
 */
export function s3Findings(d: DesiredNetwork, o: ObservedNetwork, created: ReadonlyMap<string, string>): Finding[] {
  const g = d.s3Gateway;
  if (!g) return [ok(Reason.NotRequired, "spec.s3Gateway.enabled is false")];
  const e = ownedEndpoint(o, g.key);
  if (!e) {
    const id = created.get(g.key);
    return [
      id
        ? bad(Reason.EndpointPending, `s3 gateway ${id} was just created`, true)
        : bad(Reason.EndpointMissing, "s3 gateway endpoint does not exist yet", true),
    ];
  }
  const out: Finding[] = [];
  const state = endpointState("s3 gateway", e);
  if (state) out.push(state);
  for (const t of g.routeTableIds.filter((t) => !e.routeTableIds.includes(t))) {
    out.push(
      bad(
        Reason.RouteTableNotAssociated,
        `${t} is not associated with the s3 gateway ${e.id}: its subnets reach S3 another way or not at all`,
        true,
      ),
    );
  }
  return out.length > 0 ? out : [ok(Reason.Converged, `${e.id} is on ${g.routeTableIds.join(", ")}`)];
}
