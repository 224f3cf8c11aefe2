/**
 * An Ec2Port that reports each write to a {@link Progress} as it is made, so `ecsnet apply` shows an
 * endpoint as "creating" while its call waits for EC2's request rate and "pending" the moment AWS took it,
 * instead of only after the whole round. Reads pass through untouched; the port's behaviour is unchanged.
 */
import { TagKey } from "../api/group.js";
import type { Ec2Port } from "../aws/ec2-port.js";
import type { Tags } from "../core/model.js";
import type { Progress } from "./progress.js";

/** States in which a create's answer is an earlier, finished resource rather than the one being made. */
const USED_UP = new Set(["deleting", "deleted", "failed", "rejected"]);

/** Wrap `port` so that its writes update `progress`. */
export function trackedPort(port: Ec2Port, progress: Progress): Ec2Port {
  const byTags = (tags: Tags, fallback: string) => tags[TagKey.Component] ?? fallback;
  const byId = (id: string) => progress.keyOf(id) ?? id;
  /** Run `call` with `key` in `during`, then `after` (with the id the call returned, if any). */
  async function track<T>(
    key: string,
    during: string,
    after: string | null,
    call: () => Promise<T>,
    id?: string,
  ): Promise<T> {
    const before = progress.stateOf(key);
    progress.set(key, during, id);
    try {
      const out = await call();
      // Creates with a ClientToken answer with the resource the token made: one already gone means that
      // creation intent is used up and apply tries the next one, so the resource is still being created.
      const made =
        typeof out === "object" && out !== null && "id" in out ? (out as { id: string; state?: string }) : null;
      if (made && USED_UP.has(made.state ?? "")) return out;
      progress.set(key, after ?? before ?? during, typeof out === "string" ? out : (made?.id ?? id));
      return out;
    } catch (err) {
      progress.set(key, "failed");
      throw err;
    }
  }
  const mine = (tags: Tags) => tags[TagKey.OwnerUid] === progress.owner && tags[TagKey.Component] !== undefined;
  const key = (tags: Tags) => tags[TagKey.Component]!;
  const route = (i: { routeTableId: string; destination: string }) => `route:${i.routeTableId}:${i.destination}`;
  return {
    region: () => port.region(),
    describeVpc: (id) => port.describeVpc(id),
    describeVpcs: (i) => port.describeVpcs(i),
    describeVpcAttribute: (i) => port.describeVpcAttribute(i),
    describeSubnets: (i) => port.describeSubnets(i),
    describeRouteTables: async (i) => {
      const tables = await port.describeRouteTables(i);
      const nats = progress.natIds();
      const routes = tables.flatMap((t) =>
        t.routes
          .filter((r) => r.target.kind === "nat" && nats.has(r.target.id))
          .map((r) => ({
            key: route({ routeTableId: t.id, destination: r.destination }),
            id: r.target.id,
            state: r.state,
          })),
      );
      if (i.routeTableIds === undefined) progress.described("route:", routes);
      return tables;
    },
    describeInternetGateways: (i) => port.describeInternetGateways(i),
    describeInternetGatewaysByVpc: (i) => port.describeInternetGatewaysByVpc(i),
    describeEndpointServices: (i) => port.describeEndpointServices(i),
    describeSecurityGroups: async (i) => {
      const groups = await port.describeSecurityGroups(i);
      const ours = groups.filter((g) => mine(g.tags)).map((g) => ({ key: key(g.tags), id: g.id, state: "available" }));
      progress.described("sg:", ours);
      return groups;
    },
    describeSecurityGroupRules: (i) => port.describeSecurityGroupRules(i),
    describeVpcEndpoints: async (i) => {
      const eps = await port.describeVpcEndpoints(i);
      // AWS keeps deleted endpoints visible for a while: only the ones this run saw alive tell a state.
      const ours = eps.filter((e) => mine(e.tags) && (e.state !== "deleted" || progress.keyOf(e.id) !== undefined));
      progress.described(
        "endpoint:",
        ours.map((e) => ({ key: key(e.tags), id: e.id, state: e.state })),
      );
      return eps;
    },
    describeNatGateways: async (i) => {
      const nats = await port.describeNatGateways(i);
      // Likewise NAT gateways, about an hour after their deletion.
      const ours = nats.filter((n) => mine(n.tags) && (n.state !== "deleted" || progress.keyOf(n.id) !== undefined));
      progress.described(
        "nat:",
        ours.map((n) => ({ key: key(n.tags), id: n.id, state: n.state })),
      );
      return nats;
    },
    describeAddresses: async (i) => {
      const eips = await port.describeAddresses(i);
      const ours = eips
        .filter((a) => mine(a.tags))
        .map((a) => ({ key: key(a.tags), id: a.allocationId, state: "allocated" }));
      progress.described("eip:", ours);
      return eips;
    },
    createSecurityGroup: (i) =>
      track(byTags(i.tags, i.groupName), "creating", "available", () => port.createSecurityGroup(i)),
    deleteSecurityGroup: (id) => track(byId(id), "deleting", "deleted", () => port.deleteSecurityGroup(id)),
    authorizeIngress: (i) => port.authorizeIngress(i),
    revokeRules: (i) => port.revokeRules(i),
    createVpcEndpoint: (i) =>
      track(byTags(i.tags, i.serviceName), "creating", i.type === "Gateway" ? "available" : "pending", () =>
        port.createVpcEndpoint(i),
      ),
    modifyVpcEndpoint: (i) => track(byId(i.endpointId), "modifying", null, () => port.modifyVpcEndpoint(i)),
    deleteVpcEndpoint: (id) => track(byId(id), "deleting", "deleting", () => port.deleteVpcEndpoint(id)),
    allocateAddress: (i) => track(byTags(i.tags, "eip"), "allocating", "allocated", () => port.allocateAddress(i)),
    releaseAddress: (id) => track(byId(id), "releasing", "released", () => port.releaseAddress(id)),
    createNatGateway: (i) =>
      track(byTags(i.tags, `nat:${i.subnetId}`), "creating", "pending", () => port.createNatGateway(i)),
    deleteNatGateway: (id) => track(byId(id), "deleting", "deleting", () => port.deleteNatGateway(id)),
    createRoute: (i) => track(route(i), "creating", "active", () => port.createRoute(i), i.natGatewayId),
    replaceRoute: (i) => track(route(i), "modifying", "active", () => port.replaceRoute(i), i.natGatewayId),
    deleteRoute: (i) => track(route(i), "deleting", "deleted", () => port.deleteRoute(i)),
    modifyVpcAttribute: (i) => port.modifyVpcAttribute(i),
    createTags: (i) => port.createTags(i),
    deleteTags: (i) => port.deleteTags(i),
  };
}
