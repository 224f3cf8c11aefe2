/**
 * One action → the EC2 calls that perform it, with the benign outcomes of each kind mapped to success:
 * NotFound on a delete/revoke/release (already gone), `InvalidPermission.Duplicate` on authorize (already
 * there), `RouteAlreadyExists` when the route already targets the NAT gateway we wanted. Everything else
 * rejects with the SDK error for `apply` to classify once. Never waits for a resource to become available.
 */
import { TagKey } from "../api/group.js";
import type { Action, Ref } from "../core/actions.js";
import type { DesiredIngressRule, Tags } from "../core/model.js";
import { intentToken } from "../core/ownership.js";
import type { CreatedResource, Ec2Port, IngressPermission } from "./ec2-port.js";
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

/** States of a resource that a replayed token hands back when its creation intent is used up. */
const USED_UP = new Set(["deleting", "deleted", "failed", "rejected"]);

/** How many creation intents one create steps through before giving up (each step is one create call). */
export const MAX_INTENT_STEPS = 32;

/**
 * Create through a ClientToken as creation intent `from`, or the first later intent that is not used up
 * (ADR 0004). Intent n's token is `intentToken(seed, input, n)`, so every retry and restart of one intent
 * sends the same token and EC2 answers with the resource it already made. EC2 says an intent is used up in
 * one of two ways: it hands back the resource that token made, now gone (`deleted`, `deleting`, `failed`:
 * the resource was deleted, by us or out of band, possibly long ago and already out of Describe); or it
 * answers IdempotentParameterMismatch (the token was used with other parameters). Either way the next
 * intent is tried. The intent is also written on the resource (`ecsnet.dev/intent`), so the planner's next
 * starting point is known while the resource is visible.
 */
async function createAsIntent(
  seed: string,
  input: unknown,
  from: number,
  tags: Tags,
  create: (token: string, tags: Tags) => Promise<CreatedResource>,
): Promise<string> {
  for (let n = from; n < from + MAX_INTENT_STEPS; n++) {
    try {
      const r = await create(intentToken(seed, input, n), { ...tags, [TagKey.Intent]: String(n) });
      if (!USED_UP.has(r.state)) return r.id;
    } catch (err) {
      if (!isCode(err, "IdempotentParameterMismatch")) throw err;
    }
  }
  throw Object.assign(new Error(`creation intents ${from}..${from + MAX_INTENT_STEPS - 1} are all used up`), {
    name: "IdempotentParameterMismatch",
  });
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
    case "CreateInterfaceEndpoint": {
      const input = {
        type: "Interface" as const,
        vpcId: a.vpcId,
        serviceName: a.serviceName,
        subnetIds: a.subnetIds,
        securityGroupIds: a.securityGroupIds.map(id),
        privateDns: a.privateDns,
        policy: a.policy,
      };
      const made = await createAsIntent(a.clientToken, input, a.generation, a.tags, (clientToken, tags) =>
        ec2.createVpcEndpoint({ ...input, clientToken, tags }),
      );
      return { id: made };
    }
    case "ModifyInterfaceEndpoint":
      await ec2.modifyVpcEndpoint({ ...a, addSecurityGroupIds: a.addSecurityGroupIds.map(id) });
      return { id: a.endpointId };
    case "CreateGatewayEndpoint": {
      const input = {
        type: "Gateway" as const,
        vpcId: a.vpcId,
        serviceName: a.serviceName,
        routeTableIds: a.routeTableIds,
        policy: a.policy,
      };
      const made = await createAsIntent(a.clientToken, input, a.generation, a.tags, (clientToken, tags) =>
        ec2.createVpcEndpoint({ ...input, clientToken, tags }),
      );
      return { id: made };
    }
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
      const input = { subnetId: a.subnetId, allocationId: id(a.allocationId) };
      const made = await createAsIntent(a.clientToken, input, a.generation, a.tags, (clientToken, tags) =>
        ec2.createNatGateway({ ...input, clientToken, tags }),
      );
      return { id: made };
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
    case "TagResources":
      await ec2.createTags({ resourceIds: a.resourceIds, tags: a.tags });
      return { id: a.resourceIds.join(",") };
    case "UntagResources":
      await ec2.deleteTags({ resourceIds: a.resourceIds, keys: a.keys });
      return { id: a.resourceIds.join(",") };
  }
}
