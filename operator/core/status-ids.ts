/**
 * The id fields of a PrivateEcsNetwork status (`securityGroupId`, `endpoints`, `s3GatewayEndpointId`,
 * `s3RouteTableIds`, `natGateways`, `routes`, `readyEndpoints`): what `deriveStatus` (status.ts) publishes so a
 * person can find the AWS resources ecsnet manages without reading tags.
 * Pure: ids come from what was observed (owned items, one per desired key) plus what this reconcile
 * created; when AWS was not observed, the previous status's ids are carried over unchanged.
 */
import type { PrivateEcsNetworkStatus } from "../api/private-ecs-network.js";
import type { ActionResult } from "./errors.js";
import type { DesiredNetwork, ObservedNetwork } from "./model.js";
import { cmp } from "./order.js";

/**
 * The id fields of a PrivateEcsNetwork status, as `deriveStatus` spreads them into the status. Every field is
 * optional: an absent field means "nothing of that kind is managed (yet)", never "unknown".
 */
export type IdFields = Pick<
  PrivateEcsNetworkStatus,
  | "securityGroupId"
  | "endpoints"
  | "s3GatewayEndpointId"
  | "s3RouteTableIds"
  | "natGateways"
  | "routes"
  | "readyEndpoints"
>;

/**
 * The id fields of the previous status, unchanged (used when AWS was not observed in this reconcile).
 * Returns `{}` without a previous status; fields absent there stay absent. Never mutates `prev`.
 */
export function carriedIds(prev: PrivateEcsNetworkStatus | undefined): IdFields {
  if (!prev) return {};
  const out: Record<string, unknown> = {};
  // Listed by name, not by spreading prev: only id fields carry over; conditions are derived afresh.
  for (const k of [
    "securityGroupId",
    "endpoints",
    "s3GatewayEndpointId",
    "s3RouteTableIds",
    "natGateways",
    "routes",
    "readyEndpoints",
  ]) {
    const v = (prev as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out as IdFields;
}

/**
 * The ids of everything managed: observed owned resources for each desired key (never one marked
 * `deleted`), plus ids created now. A route not observed is `active` when this reconcile created it, else
 * `missing`. `readyEndpoints` counts available interface endpoints with the desired private DNS setting,
 * plus the S3 gateway when it is available on every desired route table, out of all desired endpoints.
 *
 * Returns ids only for desired keys: an owned resource being retired is not listed (it is on its way out).
 * Never lists an unowned resource, even an adoptable one, except a given security group (spec groupIds,
 * which the user named). Sorted by service name so the status does not flap between reconciles.
 */
export function managedIds(d: DesiredNetwork, o: ObservedNetwork, results: readonly ActionResult[]): IdFields {
  const created = new Map(
    results.flatMap((r) => (r.outcome === "done" && r.id ? [[r.key as string, r.id] as const] : [])),
  );
  // Ours for key `k` and not `deleted`: AWS keeps deleted NATs and endpoints visible for a while (§3.6).
  const owned = <T extends { owned: boolean; component: string | null }>(
    list: readonly T[],
    k: string,
  ): T | undefined => list.find((x) => x.owned && x.component === k && (x as { state?: string }).state !== "deleted");

  const sg = owned(o.securityGroups, d.securityGroup.key);
  const securityGroupId =
    d.securityGroup.mode === "given" ? d.securityGroup.givenGroupIds[0] : (sg?.id ?? created.get(d.securityGroup.key));

  const endpoints = [...d.interfaceEndpoints.values()]
    .sort((a, b) => cmp(a.shortName, b.shortName))
    .flatMap((de) => {
      const e = owned(o.endpoints, de.key);
      if (e)
        return [
          { service: de.shortName, id: e.id, state: e.state, privateDns: e.privateDns, subnetIds: [...e.subnetIds] },
        ];
      const id = created.get(de.key);
      return id
        ? [{ service: de.shortName, id, state: "pending", privateDns: de.privateDns, subnetIds: [...de.subnetIds] }]
        : [];
    });

  const s3 = d.s3Gateway ? owned(o.endpoints, d.s3Gateway.key) : undefined;
  const s3Id = s3?.id ?? (d.s3Gateway ? created.get(d.s3Gateway.key) : undefined);
  // Observed associations when the endpoint is seen; the desired ones right after creating it.
  const s3Tables = s3 ? [...s3.routeTableIds].sort() : d.s3Gateway && s3Id ? [...d.s3Gateway.routeTableIds] : undefined;

  const natIds = new Map<string, string>();
  const natGateways = [...d.natGateways.values()].flatMap((dn) => {
    const n = owned(o.natGateways, dn.key);
    const id = n?.id ?? created.get(dn.key);
    if (!id) return [];
    natIds.set(dn.key, id);
    // The primary EIP is the first allocation; for a fresh NAT, the one allocated in this reconcile.
    const allocationId = n?.allocationIds[0] ?? created.get(dn.eipKey);
    const publicIp = o.addresses.find((a) => a.allocationId === allocationId)?.publicIp;
    return [
      {
        az: dn.az,
        id,
        state: n?.state ?? "pending",
        subnetId: n?.subnetId ?? dn.subnetId,
        ...(allocationId ? { allocationId } : {}),
        ...(publicIp ? { publicIp } : {}),
      },
    ];
  });

  const routes = [...d.routes.values()].map((dr) => {
    const r = o.routeTables.find((t) => t.id === dr.routeTableId)?.routes.find((x) => x.destination === dr.destination);
    if (r) return { routeTableId: dr.routeTableId, destination: dr.destination, target: r.target.id, state: r.state };
    // CreateRoute returns no id, so "done" is checked too; the target is then our NAT for that key.
    const createdNow = created.has(dr.key) || results.some((x) => x.key === dr.key && x.outcome === "done");
    const target = createdNow ? (natIds.get(dr.natKey) ?? "") : "";
    return {
      routeTableId: dr.routeTableId,
      destination: dr.destination,
      target,
      state: createdNow ? "active" : "missing",
    };
  });

  // Ready = usable as desired: available AND with the desired private DNS setting, since an endpoint
  // without private DNS is not used by tasks that resolve the public service name (§3.4).
  const ready = [...d.interfaceEndpoints.values()].filter((de) => {
    const e = owned(o.endpoints, de.key);
    return e?.state === "available" && e.privateDns === de.privateDns;
  }).length;
  const s3Ready =
    d.s3Gateway && s3?.state === "available" && d.s3Gateway.routeTableIds.every((t) => s3.routeTableIds.includes(t));
  const total = d.interfaceEndpoints.size + (d.s3Gateway ? 1 : 0);

  return {
    ...(securityGroupId ? { securityGroupId } : {}),
    ...(endpoints.length > 0 ? { endpoints } : {}),
    ...(s3Id ? { s3GatewayEndpointId: s3Id } : {}),
    ...(s3Tables ? { s3RouteTableIds: s3Tables } : {}),
    ...(natGateways.length > 0 ? { natGateways } : {}),
    ...(routes.length > 0 ? { routes } : {}),
    readyEndpoints: `${ready + (s3Ready ? 1 : 0)}/${total}`,
  };
}
