/**
 * Which PrivateEcsNetwork objects an EC2 call touches, from what the operator already knows: each cached
 * object's spec (vpcId, subnets, route tables, given security groups, public subnets) and status (the ids of
 * everything it manages: security group, endpoints, S3 gateway endpoint and its route tables, NAT gateways
 * and their Elastic IPs, the 0.0.0.0/0 routes' tables). PURE: plain objects in, keys out.
 */
import type { PrivateEcsNetwork } from "../api/private-ecs-network.js";
import { idsIn, touchedIds, type Ec2ApiCall } from "./cloudtrail.js";

/** One network as the matcher sees it. */
export interface NetworkIds {
  /** `namespace/name`, the work-queue key. */
  readonly key: string;
  /** The spec's region, else the operator's default. */
  readonly region: string;
  /** Every id the spec and status name. */
  readonly ids: ReadonlySet<string>;
}

/** The ids a network's spec and status name (see the module doc). */
export function networkIds(n: PrivateEcsNetwork, defaultRegion: string): NetworkIds {
  return {
    key: `${n.metadata.namespace ?? ""}/${n.metadata.name}`,
    region: n.spec?.region ?? defaultRegion,
    ids: new Set(idsIn([n.spec, n.status ?? null])),
  };
}

/**
 * The keys of the networks `call` touches, sorted: every network naming one of the call's ids, and, for a
 * call that names only an association id, every network of its region.
 */
export function networksTouched(call: Ec2ApiCall, networks: readonly NetworkIds[]): string[] {
  const t = touchedIds(call);
  const keys = new Set<string>();
  for (const n of networks) {
    if (t.regionWide && n.region === call.region) keys.add(n.key);
    else if (t.ids.some((id) => n.ids.has(id))) keys.add(n.key);
  }
  return [...keys].sort();
}
