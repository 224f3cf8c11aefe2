/**
 * References checked before any mutation: every AWS id the spec names that ecsnet does not create (the
 * endpoints' given security groups, the task security groups it admits, the given Elastic IPs) must exist in
 * the VPC and must not belong to another ecsnet object. Subnets and route tables are checked earlier, against
 * the topology (blocking desired issues). One missing or foreign reference blocks the whole plan: acting on
 * the rest would leave a half-made change that a person then has to finish or undo (a security group rule
 * to a group that does not exist fails only after the endpoints, NAT gateways and routes were made).
 */
import { TagKey } from "../api/group.js";
import type { Blocked } from "./actions.js";
import type { DesiredNetwork, ObservedNetwork } from "./model.js";
import { key } from "./model.js";

/**
 * The references of `d` that `o` shows missing or foreign, as Blocked items naming the id and what to do.
 * Empty when every reference is usable, and whenever `o` carries no inventory of the VPC's security groups
 * (`securityGroupIds` absent: then only the given groups, which observe always reads, are checked).
 * Pure; never looks at resources ecsnet creates.
 */
export function missingReferences(d: DesiredNetwork, o: ObservedNetwork): Blocked[] {
  const out: Blocked[] = [];
  const known = new Set([...(o.securityGroupIds ?? []), ...o.securityGroups.map((g) => g.id)]);
  if (d.securityGroup.mode === "given") {
    for (const id of d.securityGroup.givenGroupIds) {
      if (!known.has(id))
        out.push({
          key: key(`ref:${id}`),
          reason: "SecurityGroupNotFound",
          message: `security group ${id} (securityGroup.groupIds) does not exist in ${d.vpcId}: create it or remove it from the spec`,
          resourceId: id,
        });
    }
  }
  // Task security groups admitted by the endpoints' group: a rule naming a group that does not exist fails
  // (InvalidGroup.NotFound) only after everything else was made.
  if (o.securityGroupIds !== undefined) {
    const sources = new Set(d.securityGroup.ingress.flatMap((r) => r.sourceSecurityGroupId ?? []));
    for (const id of [...sources].sort()) {
      if (!known.has(id))
        out.push({
          key: key(`ref:${id}`),
          reason: "SecurityGroupNotFound",
          message: `security group ${id} (securityGroup.allowFromSecurityGroupIds) does not exist in ${d.vpcId}: create it, or remove it from the spec`,
          resourceId: id,
        });
    }
  }
  for (const eip of d.elasticIps.values()) {
    const id = eip.givenAllocationId;
    if (id === undefined) continue;
    const addr = o.addresses.find((a) => a.allocationId === id);
    const holder = addr?.tags[TagKey.OwnerUid];
    if (!addr)
      out.push({
        key: key(`ref:${id}`),
        reason: "ElasticIpNotFound",
        message: `Elastic IP ${id} (egress.natGateway.elasticIpAllocationIds) does not exist: allocate it or remove it from the spec`,
        resourceId: id,
      });
    else if (holder !== undefined && holder !== d.owner.uid)
      out.push({
        key: key(`ref:${id}`),
        reason: "ElasticIpNotOurs",
        message: `Elastic IP ${id} belongs to another ecsnet object (${addr.tags[TagKey.Owner] ?? holder}): give this network its own`,
        resourceId: id,
      });
  }
  return out;
}
