/**
 * planDeletion: the finalizer path. Removes what this object owns, in dependency order, touching nothing else.
 *
 * Order (design.md "Deletion"): NAT default routes (only routes pointing at our NATs) → NAT gateways (then
 * pending until `deleted`) → the Elastic IPs we allocated (only once their NAT is gone: AWS keeps them
 * associated while it is `deleting`, aws-facts §3.6) → interface endpoints → the S3 gateway endpoint → the
 * security group (only once no endpoint uses it: DeleteSecurityGroup fails with DependencyViolation before).
 * Converged (an empty, non-pending plan) exactly when nothing we own is left; then the finalizer may go.
 * `Retain` → an empty plan: AWS is left untouched.
 */
import type { Plan } from "./actions.js";
import type { DesiredNetwork, Key, ObservedNetwork, OwnerRef } from "./model.js";
import { key } from "./model.js";
import { isOurs } from "./ownership.js";
import { Draft, opKey } from "./waves.js";

// The only route destination ecsnet manages (plan-routes.ts); the S3 prefix-list routes go with the endpoint.
const DEFAULT = "0.0.0.0/0";

/**
 * The plan that deletes everything `owner` owns in `observed`. `desired` is accepted for symmetry with
 * `plan` and may be null (the spec may be invalid at deletion time); ownership comes from tags only.
 * Never returns an action on a resource that is not ours.
 *
 * Dependencies are declared, not just listed: each DeleteNatGateway runs after the DeleteRoutes that point at
 * it. Everything that must wait for AWS to finish (a NAT `deleting`, an EIP still held, a group still used)
 * is pending, so the finalizer path requeues and the next observe moves it on (house rule 5). Something only a
 * person can free (an EIP or group used by what is not ours) is blocked, and the finalizer stays.
 */
export function planDeletion(
  _desired: DesiredNetwork | null,
  observed: ObservedNetwork,
  owner: OwnerRef,
  policy: "Delete" | "Retain",
): Plan {
  const draft = new Draft();
  // Retain: the finalizer may go at once; what we created stays, still carrying our (now orphaned) tags.
  if (policy === "Retain") return draft.build();
  const o = observed;
  const nats = o.natGateways.filter((n) => isOurs(n, owner));
  const natIds = new Set([...nats, ...(o.deletedNatGateways ?? []).filter((n) => isOurs(n, owner))].map((n) => n.id));

  // 1. Default routes to our NATs (including blackholed ones to our deleted NATs).
  const routeKeys = new Map<string, Key[]>();
  for (const t of o.routeTables) {
    for (const r of t.routes.filter(
      (x) => x.destination === DEFAULT && x.target.kind === "nat" && natIds.has(x.target.id),
    )) {
      const k = draft.add({
        kind: "DeleteRoute",
        key: key(`route:${t.id}:${DEFAULT}`),
        reason: "Deleting",
        detail: `remove ${DEFAULT} in ${t.id} to our ${r.target.id}`,
        routeTableId: t.id,
        destination: DEFAULT,
        before: r.state === "blackhole" ? `blackhole:${r.target.id}` : r.target.id,
      });
      routeKeys.set(r.target.id, [...(routeKeys.get(r.target.id) ?? []), k]);
    }
  }

  // 2. NAT gateways, after the routes that point at them.
  for (const n of nats) {
    const k = opKey(n.component ?? "nat", "delete", n.id);
    if (n.state === "deleting") draft.wait(k, "NatGatewayDeleting", `${n.id} is being deleted`);
    else
      draft.add(
        { kind: "DeleteNatGateway", key: k, reason: "Deleting", detail: `delete ${n.id}`, natGatewayId: n.id },
        routeKeys.get(n.id) ?? [],
      );
  }

  // 3. Elastic IPs we allocated, once no NAT holds them (given EIPs are not ours: never released).
  for (const a of o.addresses.filter((x) => isOurs(x, owner))) {
    const k = opKey(a.component ?? "eip", "release", a.allocationId);
    // Any NAT short of `deleted` still holds the EIP (even `failed` ones may list it until cleaned up).
    const holders = o.natGateways.filter((n) => n.state !== "deleted" && n.allocationIds.includes(a.allocationId));
    if (holders.length > 0) {
      draft.wait(
        k,
        "ElasticIpHeldByNat",
        `${a.allocationId} is released once ${holders.map((n) => n.id).join(", ")} is deleted`,
      );
    } else if (a.associationId) {
      draft.block(
        k,
        "ElasticIpAssociated",
        `${a.allocationId} is associated with ${a.networkInterfaceId ?? a.associationId}, not a NAT of ours: disassociate it`,
        a.allocationId,
      );
    } else {
      draft.add({
        kind: "ReleaseAddress",
        key: k,
        reason: "Deleting",
        detail: `release ${a.publicIp} (${a.allocationId})`,
        allocationId: a.allocationId,
      });
    }
  }

  // 4–5. Endpoints (interface, then the S3 gateway: listing order only; they are independent).
  const endpoints = o.endpoints.filter((e) => isOurs(e, owner) && e.state !== "deleted");
  const byType = [...endpoints.filter((e) => e.type === "Interface"), ...endpoints.filter((e) => e.type === "Gateway")];
  for (const e of byType) {
    const k = opKey(e.component ?? "endpoint", "delete", e.id);
    if (e.state === "deleting") draft.wait(k, "EndpointDeleting", `${e.id} is being deleted`);
    else
      draft.add({
        kind: "DeleteEndpoint",
        key: k,
        reason: "Deleting",
        detail: `delete ${e.id} (${e.serviceName})`,
        endpointId: e.id,
      });
  }

  // 6. The security group, once no endpoint (ours or not) uses it. Ours still using it → pending (their
  // deletes are in this plan or under way); someone else's → blocked, as only they can detach it.
  for (const g of o.securityGroups.filter((x) => isOurs(x, owner))) {
    const k = opKey(g.component ?? "sg", "delete", g.id);
    const users = o.endpoints.filter((e) => e.state !== "deleted" && e.securityGroupIds.includes(g.id));
    const foreign = users.filter((e) => !isOurs(e, owner));
    if (foreign.length > 0) {
      draft.block(
        k,
        "SecurityGroupInUse",
        `${g.id} is used by ${foreign.map((e) => e.id).join(", ")}, not ours: remove it there`,
        g.id,
      );
    } else if (users.length > 0) {
      draft.wait(k, "SecurityGroupInUse", `${g.id} is deleted once ${users.map((e) => e.id).join(", ")} are gone`);
    } else {
      draft.add({
        kind: "DeleteSecurityGroup",
        key: k,
        reason: "Deleting",
        detail: `delete security group ${g.id} (${g.groupName})`,
        groupId: g.id,
      });
    }
  }
  return draft.build();
}
