/**
 * One action → the EC2 calls that perform it, with the benign outcomes of each kind mapped to success:
 * NotFound on a delete/revoke/release (already gone), `InvalidPermission.Duplicate` on authorize (already
 * there), `RouteAlreadyExists` when the route already targets the NAT gateway we wanted. Everything else
 * rejects with the SDK error for `apply` to classify once. Never waits for a resource to become available.
 */
import type { Action, Ref } from "../core/actions.js";
import type { DesiredIngressRule } from "../core/model.js";
import type { Ec2Port, IngressPermission } from "./ec2-port.js";
import { classifyAwsError } from "./errors.js";

/** Resolves an id or a {@link Ref} to an id (apply checked beforehand that every Ref resolves). */
export type ResolveId = (v: string | Ref) => string;

/** The outcome of a successful action: the id of the resource it created or worked on. */
export interface ActionDone {
  readonly id?: string;
}

const toPermission = (r: DesiredIngressRule): IngressPermission => ({
  protocol: r.protocol,
  fromPort: r.fromPort,
  toPort: r.toPort,
  ...(r.cidr !== undefined ? { cidr: r.cidr } : {}),
  ...(r.sourceSecurityGroupId !== undefined ? { sourceSecurityGroupId: r.sourceSecurityGroupId } : {}),
  description: r.description,
});

/** Run `call`; an error of class notFound means the thing is already gone, which is what we wanted. */
async function goneIsDone(call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (classifyAwsError(err).class !== "notFound") throw err;
  }
}

const isCode = (err: unknown, code: string): boolean => classifyAwsError(err).code === code;

/**
 * EC2 rejects a whole AuthorizeSecurityGroupIngress when one of its permissions exists already, so on
 * `InvalidPermission.Duplicate` the rules are sent one by one and duplicates count as done.
 */
async function authorize(ec2: Ec2Port, groupId: string, permissions: readonly IngressPermission[]): Promise<void> {
  try {
    await ec2.authorizeIngress({ groupId, permissions });
  } catch (err) {
    if (!isCode(err, "InvalidPermission.Duplicate")) throw err;
    if (permissions.length === 1) return;
    for (const p of permissions) {
      try {
        await ec2.authorizeIngress({ groupId, permissions: [p] });
      } catch (e) {
        if (!isCode(e, "InvalidPermission.Duplicate")) throw e;
      }
    }
  }
}

/** `RouteAlreadyExists` is success only when the existing route already targets `natGatewayId`. */
async function createRoute(
  ec2: Ec2Port,
  vpcId: string,
  input: { routeTableId: string; destination: string; natGatewayId: string },
): Promise<void> {
  try {
    await ec2.createRoute(input);
  } catch (err) {
    if (!isCode(err, "RouteAlreadyExists")) throw err;
    const [table] = await ec2.describeRouteTables({ vpcId, routeTableIds: [input.routeTableId] });
    const route = table?.routes.find((r) => r.destination === input.destination);
    if (route?.target.kind === "nat" && route.target.id === input.natGatewayId && route.state === "active") return;
    throw err;
  }
}

/** Perform `a` (ownership already re-checked by apply). Resolves with the id worked on; rejects with the SDK error. */
export async function executeAction(ec2: Ec2Port, a: Action, id: ResolveId, vpcId: string): Promise<ActionDone> {
  switch (a.kind) {
    case "CreateSecurityGroup": {
      const input = { vpcId: a.vpcId, groupName: a.groupName, description: a.description, tags: a.tags };
      return { id: await ec2.createSecurityGroup(input) };
    }
    case "DeleteSecurityGroup":
      await goneIsDone(() => ec2.deleteSecurityGroup(a.groupId));
      return { id: a.groupId };
    case "AuthorizeIngress":
      await authorize(ec2, id(a.groupId), a.rules.map(toPermission));
      return { id: id(a.groupId) };
    case "RevokeRules":
      await goneIsDone(() => ec2.revokeRules(a));
      return { id: a.groupId };
    case "CreateInterfaceEndpoint":
      return {
        id: await ec2.createVpcEndpoint({
          type: "Interface",
          vpcId: a.vpcId,
          serviceName: a.serviceName,
          subnetIds: a.subnetIds,
          securityGroupIds: a.securityGroupIds.map(id),
          privateDns: a.privateDns,
          policy: a.policy,
          clientToken: a.clientToken,
          tags: a.tags,
        }),
      };
    case "ModifyInterfaceEndpoint":
      await ec2.modifyVpcEndpoint({ ...a, addSecurityGroupIds: a.addSecurityGroupIds.map(id) });
      return { id: a.endpointId };
    case "CreateGatewayEndpoint":
      return { id: await ec2.createVpcEndpoint({ type: "Gateway", ...a }) };
    case "ModifyGatewayEndpoint":
      await ec2.modifyVpcEndpoint(a);
      return { id: a.endpointId };
    case "DeleteEndpoint":
      await goneIsDone(() => ec2.deleteVpcEndpoint(a.endpointId));
      return { id: a.endpointId };
    case "AllocateAddress":
      return { id: await ec2.allocateAddress({ tags: a.tags }) };
    case "ReleaseAddress":
      await goneIsDone(() => ec2.releaseAddress(a.allocationId));
      return { id: a.allocationId };
    case "CreateNatGateway": {
      const input = { subnetId: a.subnetId, allocationId: id(a.allocationId), clientToken: a.clientToken };
      return { id: await ec2.createNatGateway({ ...input, tags: a.tags }) };
    }
    case "DeleteNatGateway":
      await goneIsDone(() => ec2.deleteNatGateway(a.natGatewayId));
      return { id: a.natGatewayId };
    case "CreateRoute":
      await createRoute(ec2, vpcId, { ...a, natGatewayId: id(a.natGatewayId) });
      return { id: a.routeTableId };
    case "ReplaceRoute":
      await ec2.replaceRoute({ ...a, natGatewayId: id(a.natGatewayId) });
      return { id: a.routeTableId };
    case "DeleteRoute":
      await goneIsDone(() => ec2.deleteRoute(a));
      return { id: a.routeTableId };
    case "ModifyVpcAttribute":
      await ec2.modifyVpcAttribute(a);
      return { id: a.vpcId };
    case "TagResource":
      await ec2.createTags({ resourceIds: [a.resourceId], tags: a.tags });
      return { id: a.resourceId };
  }
}
