/**
 * Hand-written plans for the apply integration tests: object literals built the way the planner builds
 * them (owner tags, deterministic group name, ClientTokens from owner uid + key + input), no planner needed.
 */
import type { Action, Plan } from "../../../operator/core/actions.js";
import type { Key, OwnerRef } from "../../../operator/core/model.js";
import { key } from "../../../operator/core/model.js";
import { clientToken, ownerTags, securityGroupName } from "../../../operator/core/ownership.js";
import type { TwoAzVpc } from "../../helpers/aws-sandbox.js";

/** A plan from actions and `[action, dependsOn...]` pairs. */
export function planOf(actions: Action[], deps: [string, ...string[]][] = []): Plan {
  const dependsOn = new Map<Key, Key[]>(deps.map(([a, ...ds]) => [key(a), ds.map(key)]));
  return { actions, dependsOn, pending: [], blocked: [] };
}

const base = (k: string) => ({ key: key(k), reason: "Missing" as const, detail: `create ${k}` });

/** The keys the full plan uses. */
export const K = {
  sg: "sg:endpoints",
  ingress: "sg:endpoints:ingress",
  dkr: "endpoint:ecr.dkr",
  s3: "endpoint:s3",
  eip: "eip:a",
  nat: "nat:a",
  route: "route:a:0.0.0.0/0",
} as const;

/**
 * CreateSecurityGroup → AuthorizeIngress(Ref) → CreateInterfaceEndpoint(Ref SG) → CreateGatewayEndpoint, and
 * AllocateAddress → CreateNatGateway(Ref) → CreateRoute(Ref), for `owner` in `vpc`.
 */
export function fullPlan(owner: OwnerRef, vpc: TwoAzVpc, region: string): Plan {
  const tags = (k: string) => ownerTags(owner, key(k), { team: "payments" });
  const dkr = {
    vpcId: vpc.vpcId,
    serviceName: `com.amazonaws.${region}.ecr.dkr`,
    subnetIds: vpc.privateSubnetIds,
    privateDns: true,
  };
  const s3 = { vpcId: vpc.vpcId, serviceName: `com.amazonaws.${region}.s3`, routeTableIds: vpc.privateRouteTableIds };
  const nat = { subnetId: vpc.publicSubnetIds[0]!, eip: K.eip };
  return planOf(
    [
      {
        ...base(K.sg),
        kind: "CreateSecurityGroup",
        vpcId: vpc.vpcId,
        groupName: securityGroupName(owner),
        description: "ecsnet endpoints",
        tags: tags(K.sg),
      },
      {
        ...base(K.ingress),
        kind: "AuthorizeIngress",
        groupId: { ref: key(K.sg) },
        rules: ["10.0.10.0/24", "10.0.11.0/24"].map((cidr) => ({
          key: key(`sg-rule:tcp:443:${cidr}`),
          protocol: "tcp" as const,
          fromPort: 443,
          toPort: 443,
          cidr,
          description: `https from ${cidr}`,
        })),
      },
      {
        ...base(K.dkr),
        kind: "CreateInterfaceEndpoint",
        ...dkr,
        securityGroupIds: [{ ref: key(K.sg) }],
        policy: null,
        clientToken: clientToken(owner.uid, key(K.dkr), dkr),
        generation: 0,
        tags: tags(K.dkr),
      },
      {
        ...base(K.s3),
        kind: "CreateGatewayEndpoint",
        ...s3,
        policy: null,
        clientToken: clientToken(owner.uid, key(K.s3), s3),
        generation: 0,
        tags: tags(K.s3),
      },
      { ...base(K.eip), kind: "AllocateAddress", tags: tags(K.eip) },
      {
        ...base(K.nat),
        kind: "CreateNatGateway",
        subnetId: nat.subnetId,
        allocationId: { ref: key(K.eip) },
        clientToken: clientToken(owner.uid, key(K.nat), nat),
        generation: 0,
        tags: tags(K.nat),
      },
      {
        ...base(K.route),
        kind: "CreateRoute",
        routeTableId: vpc.privateRouteTableIds[0]!,
        destination: "0.0.0.0/0",
        natGatewayId: { ref: key(K.nat) },
      },
    ],
    [
      [K.ingress, K.sg],
      [K.dkr, K.ingress],
      [K.s3, K.dkr],
      [K.nat, K.eip],
      [K.route, K.nat],
    ],
  );
}
