/**
 * ECS ARNs in the long format (the default for every account since 2021):
 *   arn:aws:ecs:REGION:ACCOUNT:cluster/NAME
 *   arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME
 *   arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION
 *   arn:aws:ecs:REGION:ACCOUNT:container-instance/CLUSTER/ID
 * and the parsers that turn "name or ARN" request members into names.
 */
import { invalidParameter } from "./errors.js";

/** Region and account an ARN is minted in. */
export interface ArnScope {
  readonly region: string;
  readonly accountId: string;
}

const prefix = (s: ArnScope): string => `arn:aws:ecs:${s.region}:${s.accountId}:`;

/** The cluster's ARN. */
export const clusterArn = (s: ArnScope, name: string): string => `${prefix(s)}cluster/${name}`;

/** The service's ARN (long format: it names the cluster). */
export const serviceArn = (s: ArnScope, cluster: string, name: string): string =>
  `${prefix(s)}service/${cluster}/${name}`;

/** The ARN of one task definition revision. */
export const taskDefinitionArn = (s: ArnScope, family: string, revision: number): string =>
  `${prefix(s)}task-definition/${family}:${revision}`;

/** The container instance's ARN (long format: it names the cluster). */
export const containerInstanceArn = (s: ArnScope, cluster: string, id: string): string =>
  `${prefix(s)}container-instance/${cluster}/${id}`;

/** The resource part of an ECS ARN ("service/apps/web"), or undefined when `ref` is not an ECS ARN. */
export function arnResource(ref: string): string | undefined {
  const m = /^arn:aws[a-z-]*:ecs:[^:]*:[^:]*:(.+)$/.exec(ref);
  return m?.[1];
}

/** The cluster name from a cluster name or ARN; the default cluster when `ref` is absent. */
export function clusterNameOf(ref: string | undefined): string {
  if (ref === undefined || ref === "") return "default";
  const resource = arnResource(ref);
  if (resource === undefined) return ref;
  const m = /^cluster\/(.+)$/.exec(resource);
  if (!m?.[1]) throw invalidParameter("Invalid cluster identifier.");
  return m[1];
}

/**
 * A service name or ARN → its name and, for a long ARN, the cluster it names.
 * A short (old-format) ARN `service/NAME` names no cluster.
 */
export function serviceRefOf(ref: string): { name: string; cluster?: string } {
  const resource = arnResource(ref);
  if (resource === undefined) return { name: ref };
  const m = /^service\/(?:([^/]+)\/)?([^/]+)$/.exec(resource);
  if (!m?.[2]) throw invalidParameter("Invalid service identifier.");
  return m[1] === undefined ? { name: m[2] } : { name: m[2], cluster: m[1] };
}

/** A container instance ID or ARN → its ID (the last path segment). */
export function containerInstanceIdOf(ref: string): string {
  const resource = arnResource(ref);
  if (resource === undefined) return ref;
  const m = /^container-instance\/(?:[^/]+\/)?([^/]+)$/.exec(resource);
  if (!m?.[1]) throw invalidParameter("Invalid container instance identifier.");
  return m[1];
}

/**
 * A task definition reference ("family", "family:revision" or an ARN) → family and, when given,
 * revision. Returns undefined when the text is none of those forms.
 */
export function taskDefinitionRefOf(ref: string): { family: string; revision?: number } | undefined {
  const resource = arnResource(ref);
  const text = resource === undefined ? ref : /^task-definition\/(.+)$/.exec(resource)?.[1];
  if (text === undefined) return undefined;
  const m = /^([A-Za-z0-9_-]{1,255})(?::(\d+))?$/.exec(text);
  if (!m?.[1]) return undefined;
  // An ARN always carries a revision; a bare family means "latest ACTIVE".
  if (resource !== undefined && m[2] === undefined) return undefined;
  return m[2] === undefined ? { family: m[1] } : { family: m[1], revision: Number(m[2]) };
}
