/**
 * Discovery documents (/version, /api, /apis, /api/v1, /apis/<group>/<version>) in the non-aggregated
 * form. Clients asking for aggregated discovery (apidiscovery.k8s.io/v2) get this form with
 * `Content-Type: application/json`, which client-go (kubectl) recognises and falls back from.
 */
import { type ResourceType } from "./resources.js";

/** GET /version. */
export function versionInfo(): object {
  return {
    major: "1",
    minor: "32",
    gitVersion: "v1.32.0-ecsnet-sandbox",
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2026-01-01T00:00:00Z",
    goVersion: "go1.23",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

/** GET /api (APIVersions). */
export function coreVersions(serverAddress: string): object {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

/** Groups and their versions, in first-seen order; the preferred version is the first served one. */
function groupsOf(types: readonly ResourceType[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const t of types) {
    if (!t.group) continue;
    const versions = groups.get(t.group) ?? [];
    if (!versions.includes(t.version)) versions.push(t.version);
    groups.set(t.group, versions);
  }
  return groups;
}

function groupDoc(name: string, versions: readonly string[]): object {
  const vs = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

/** GET /apis (APIGroupList). */
export function groupList(types: readonly ResourceType[]): object {
  const groups = [...groupsOf(types)].map(([name, versions]) => groupDoc(name, versions));
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

/** GET /apis/<group> (APIGroup), or undefined when the group is not served. */
export function group(types: readonly ResourceType[], name: string): object | undefined {
  const versions = groupsOf(types).get(name);
  return versions ? { kind: "APIGroup", apiVersion: "v1", ...groupDoc(name, versions) } : undefined;
}

const CUSTOM_VERBS = ["delete", "get", "list", "patch", "create", "update", "watch"];
const BUILTIN_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"];

/** GET /api/v1 or /apis/<group>/<version> (APIResourceList), or undefined when not served. */
export function resourceList(types: readonly ResourceType[], group: string, version: string): object | undefined {
  const served = types.filter((t) => t.group === group && t.version === version);
  if (served.length === 0) return undefined;
  const resources: object[] = [];
  for (const t of served) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.custom ? CUSTOM_VERBS : BUILTIN_VERBS,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length ? { categories: t.categories } : {}),
    });
    if (t.hasStatus) {
      resources.push({
        name: `${t.plural}/status`,
        singularName: "",
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: ["get", "patch", "update"],
      });
    }
  }
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}
