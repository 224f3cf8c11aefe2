/**
 * The vocabulary of part conditions: which parts a PrivateEcsNetwork reports on ({@link PartType}), one
 * fact about a part ({@link Finding}), which part a desired/plan key concerns ({@link partOfKey}), and the
 * small constructors and ordering the per-part evaluations (status-parts.ts, status-endpoints.ts,
 * status-egress.ts) share. Pure data and functions; no clock.
 */
import type { ConditionStatus } from "../api/conditions.js";
import { ConditionType } from "../api/conditions.js";
import type { DesiredNetwork } from "./model.js";

/** The part conditions of a PrivateEcsNetwork. */
export type PartType =
  | typeof ConditionType.SecurityGroupReady
  | typeof ConditionType.EndpointsReady
  | typeof ConditionType.S3GatewayReady
  | typeof ConditionType.EgressReady
  | typeof ConditionType.DnsReady;

/** One fact about a part. `progressing`: ecsnet is fixing it or waiting for AWS (else a person must act). */
export interface Finding {
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
  readonly progressing: boolean;
}

/**
 * The part a desired/plan key belongs to: `sg:`/`sg-rule:` → SecurityGroupReady; the S3 gateway's key →
 * S3GatewayReady; `endpoint:` → EndpointsReady; `nat:`/`eip:`/`route:` → EgressReady; `vpc:` → DnsReady;
 * anything else (subnets, AZs) → null (it shows on Ready/Stalled only).
 */
export function partOfKey(k: string, desired: DesiredNetwork | null): PartType | null {
  if (k.startsWith("sg:") || k.startsWith("sg-rule:")) return ConditionType.SecurityGroupReady;
  if (k === (desired?.s3Gateway?.key ?? "endpoint:s3")) return ConditionType.S3GatewayReady;
  if (k.startsWith("endpoint:")) return ConditionType.EndpointsReady;
  if (k.startsWith("nat:") || k.startsWith("eip:") || k.startsWith("route:")) return ConditionType.EgressReady;
  if (k.startsWith("vpc:")) return ConditionType.DnsReady;
  return null;
}

/** A finding that the part is right: `status: "True"`, never progressing. */
export const ok = (reason: string, message: string): Finding => ({
  status: "True",
  reason,
  message,
  progressing: false,
});
/**
 * A finding that something is not right: `status: "False"`. `progressing: true` when ecsnet is fixing it
 * or waiting for AWS; `false` when only a person can fix it (then the network ends up Stalled).
 */
export const bad = (reason: string, message: string, progressing: boolean): Finding => ({
  status: "False",
  reason,
  message,
  progressing,
});
/**
 * Most important first: what needs a person, then what ecsnet is working on. Stable otherwise.
 * Returns a new array; `list` is not reordered.
 */
export const byUrgency = (list: Finding[]): Finding[] =>
  list
    .map((f, i) => [f, i] as const)
    .sort((a, b) => Number(a[0].progressing) - Number(b[0].progressing) || a[1] - b[1])
    .map(([f]) => f);
