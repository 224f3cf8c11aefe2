/**
 * The mutating half of the SDK-backed {@link Ec2Port}. Every create sets its tags in `TagSpecifications`
 * (never a second call) and, where EC2 accepts one, the caller's ClientToken. Nothing here waits for a
 * resource to become available, and nothing retries beyond the SDK's own retry.
 */
import {
  AllocateAddressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  CreateVpcEndpointCommand,
  DeleteNatGatewayCommand,
  DeleteRouteCommand,
  DeleteSecurityGroupCommand,
  DeleteTagsCommand,
  DeleteVpcEndpointsCommand,
  ModifyVpcAttributeCommand,
  ModifyVpcEndpointCommand,
  ReleaseAddressCommand,
  ReplaceRouteCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from "@aws-sdk/client-ec2";
import type { EC2Client, IpPermission, ResourceType } from "@aws-sdk/client-ec2";
import type { Tags } from "../core/model.js";
import type { Ec2Port, IngressPermission } from "./ec2-port.js";
import { toSdkTags } from "./to-model.js";

/**
 * A per-item failure that EC2 reports inside a 200 answer (DeleteVpcEndpoints `Unsuccessful`). Carries the
 * item's `Code` and the response's `$metadata`, so `classifyAwsError` treats it like any SDK error.
 */
export class UnsuccessfulItemError extends Error {
  override readonly name = "UnsuccessfulItemError";
  readonly Code: string;
  readonly resourceId: string;
  readonly $metadata: { readonly requestId?: string; readonly httpStatusCode?: number };
  constructor(opts: { code: string; message: string; resourceId: string; $metadata: { requestId?: string } }) {
    super(opts.message);
    this.Code = opts.code;
    this.resourceId = opts.resourceId;
    this.$metadata = opts.$metadata;
  }
}

const tagSpec = (type: ResourceType, tags: Tags) => [{ ResourceType: type, Tags: toSdkTags(tags) }];

/** One SDK permission per rule, so a rule's description stays with it. */
export const toIpPermission = (p: IngressPermission): IpPermission => ({
  IpProtocol: p.protocol,
  FromPort: p.fromPort,
  ToPort: p.toPort,
  ...(p.cidr !== undefined ? { IpRanges: [{ CidrIp: p.cidr, Description: p.description }] } : {}),
  ...(p.sourceSecurityGroupId !== undefined
    ? { UserIdGroupPairs: [{ GroupId: p.sourceSecurityGroupId, Description: p.description }] }
    : {}),
});

const nonEmpty = (xs: readonly string[] | undefined): string[] | undefined =>
  xs !== undefined && xs.length > 0 ? [...xs] : undefined;

type Writes = Omit<
  Ec2Port,
  | "region"
  | "describeVpc"
  | "describeVpcs"
  | "describeVpcAttribute"
  | "describeSubnets"
  | "describeRouteTables"
  | "describeInternetGateways"
  | "describeInternetGatewaysByVpc"
  | "describeEndpointServices"
  | "describeSecurityGroups"
  | "describeSecurityGroupRules"
  | "describeVpcEndpoints"
  | "describeNatGateways"
  | "describeAddresses"
>;

/** The write methods of {@link Ec2Port} on `ec2`. */
export function ec2Writes(ec2: EC2Client): Writes {
  return {
    async createSecurityGroup({ vpcId, groupName, description, tags }) {
      const out = await ec2.send(
        new CreateSecurityGroupCommand({
          VpcId: vpcId,
          GroupName: groupName,
          Description: description,
          TagSpecifications: tagSpec("security-group", tags),
        }),
      );
      return out.GroupId ?? "";
    },
    async deleteSecurityGroup(groupId) {
      await ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
    },
    async authorizeIngress({ groupId, permissions }) {
      const perms = permissions.map(toIpPermission);
      await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: perms }));
    },
    async revokeRules({ groupId, ingressRuleIds, egressRuleIds }) {
      if (ingressRuleIds.length > 0) {
        const ids = [...ingressRuleIds];
        await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: ids }));
      }
      if (egressRuleIds.length > 0) {
        const ids = [...egressRuleIds];
        await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, SecurityGroupRuleIds: ids }));
      }
    },
    async createVpcEndpoint(i) {
      const isInterface = i.type === "Interface";
      const out = await ec2.send(
        new CreateVpcEndpointCommand({
          VpcEndpointType: i.type,
          VpcId: i.vpcId,
          ServiceName: i.serviceName,
          ClientToken: i.clientToken,
          TagSpecifications: tagSpec("vpc-endpoint", i.tags),
          ...(i.policy ? { PolicyDocument: i.policy } : {}),
          ...(isInterface
            ? { SubnetIds: nonEmpty(i.subnetIds), SecurityGroupIds: nonEmpty(i.securityGroupIds) }
            : { RouteTableIds: nonEmpty(i.routeTableIds) }),
          ...(isInterface && i.privateDns !== undefined ? { PrivateDnsEnabled: i.privateDns } : {}),
        }),
      );
      return { id: out.VpcEndpoint?.VpcEndpointId ?? "", state: String(out.VpcEndpoint?.State ?? "").toLowerCase() };
    },
    async modifyVpcEndpoint(i) {
      await ec2.send(
        new ModifyVpcEndpointCommand({
          VpcEndpointId: i.endpointId,
          AddSubnetIds: nonEmpty(i.addSubnetIds),
          RemoveSubnetIds: nonEmpty(i.removeSubnetIds),
          AddSecurityGroupIds: nonEmpty(i.addSecurityGroupIds),
          RemoveSecurityGroupIds: nonEmpty(i.removeSecurityGroupIds),
          AddRouteTableIds: nonEmpty(i.addRouteTableIds),
          RemoveRouteTableIds: nonEmpty(i.removeRouteTableIds),
          ...(i.privateDns !== undefined ? { PrivateDnsEnabled: i.privateDns } : {}),
          ...(i.policy === null ? { ResetPolicy: true } : i.policy !== undefined ? { PolicyDocument: i.policy } : {}),
        }),
      );
    },
    async deleteVpcEndpoint(endpointId) {
      const out = await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [endpointId] }));
      const failed = out.Unsuccessful?.[0];
      if (failed !== undefined) {
        throw new UnsuccessfulItemError({
          code: failed.Error?.Code ?? "UnknownError",
          message: failed.Error?.Message ?? "cannot delete vpc endpoint",
          resourceId: failed.ResourceId ?? endpointId,
          $metadata: { requestId: out.$metadata.requestId },
        });
      }
    },
    async allocateAddress({ tags }) {
      const out = await ec2.send(
        new AllocateAddressCommand({ Domain: "vpc", TagSpecifications: tagSpec("elastic-ip", tags) }),
      );
      return out.AllocationId ?? "";
    },
    async releaseAddress(allocationId) {
      await ec2.send(new ReleaseAddressCommand({ AllocationId: allocationId }));
    },
    async createNatGateway({ subnetId, allocationId, clientToken, tags }) {
      const out = await ec2.send(
        new CreateNatGatewayCommand({
          SubnetId: subnetId,
          AllocationId: allocationId,
          ConnectivityType: "public",
          ClientToken: clientToken,
          TagSpecifications: tagSpec("natgateway", tags),
        }),
      );
      return { id: out.NatGateway?.NatGatewayId ?? "", state: String(out.NatGateway?.State ?? "") };
    },
    async deleteNatGateway(natGatewayId) {
      await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: natGatewayId }));
    },
    async createRoute({ routeTableId, destination, natGatewayId }) {
      const input = { RouteTableId: routeTableId, DestinationCidrBlock: destination, NatGatewayId: natGatewayId };
      await ec2.send(new CreateRouteCommand(input));
    },
    async replaceRoute({ routeTableId, destination, natGatewayId }) {
      const input = { RouteTableId: routeTableId, DestinationCidrBlock: destination, NatGatewayId: natGatewayId };
      await ec2.send(new ReplaceRouteCommand(input));
    },
    async deleteRoute({ routeTableId, destination }) {
      await ec2.send(new DeleteRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: destination }));
    },
    async modifyVpcAttribute({ vpcId, attribute, value }) {
      const flag = { Value: value };
      const input = attribute === "enableDnsSupport" ? { EnableDnsSupport: flag } : { EnableDnsHostnames: flag };
      await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, ...input }));
    },
    async createTags({ resourceIds, tags }) {
      await ec2.send(new CreateTagsCommand({ Resources: [...resourceIds], Tags: toSdkTags(tags) }));
    },
    async deleteTags({ resourceIds, keys }) {
      await ec2.send(new DeleteTagsCommand({ Resources: [...resourceIds], Tags: keys.map((Key) => ({ Key })) }));
    },
  };
}
