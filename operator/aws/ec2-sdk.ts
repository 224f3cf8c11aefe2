/**
 * {@link Ec2Port} on @aws-sdk/client-ec2: the reads (pagination to the end, server-side filters) here, the
 * writes in `ec2-sdk-writes.ts`. Responses are mapped by the pure functions of `to-model.ts`.
 */
import {
  DescribeAddressesCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointServicesCommand,
  DescribeVpcsCommand,
  paginateDescribeInternetGateways,
  paginateDescribeNatGateways,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroupRules,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVpcEndpoints,
} from "@aws-sdk/client-ec2";
import type { EC2Client, Filter, ServiceDetail } from "@aws-sdk/client-ec2";
import type { ObservedSecurityGroupRule } from "../core/model.js";
import type { Ec2Port } from "./ec2-port.js";
import { classifyAwsError } from "./errors.js";
import { ec2Writes } from "./ec2-sdk-writes.js";
import {
  toAddress,
  toEndpoint,
  toEndpointServices,
  toNatGateway,
  toRouteTable,
  toSecurityGroupRecord,
  toSecurityGroupRule,
  toSubnetRecord,
} from "./to-model.js";

const PAGE = 1000;

const filter = (name: string, values: readonly string[]): Filter => ({ Name: name, Values: [...values] });

/** Collect every item of every page of an SDK paginator. */
async function all<P, T>(pages: AsyncIterable<P>, pick: (page: P) => readonly T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(pick(page) ?? []));
  return out;
}

/** Build an {@link Ec2Port} on `ec2` (whose middleware already carries the limiter and call recorder). */
export function createEc2Port(ec2: EC2Client): Ec2Port {
  const cfg = { client: ec2, pageSize: PAGE };
  return {
    region: () => ec2.config.region(),

    async describeVpc(vpcId) {
      try {
        const out = await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
        const vpc = out.Vpcs?.[0];
        if (vpc === undefined) return null;
        const extra = (vpc.CidrBlockAssociationSet ?? [])
          .filter((a) => a.CidrBlockState?.State === undefined || a.CidrBlockState.State === "associated")
          .flatMap((a) => (a.CidrBlock && a.CidrBlock !== vpc.CidrBlock ? [a.CidrBlock] : []));
        return { vpcId: vpc.VpcId ?? vpcId, cidrs: [...(vpc.CidrBlock ? [vpc.CidrBlock] : []), ...extra] };
      } catch (err) {
        if (classifyAwsError(err).code === "InvalidVpcID.NotFound") return null;
        throw err;
      }
    },

    async describeVpcAttribute({ vpcId, attribute }) {
      const out = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: attribute }));
      const v = attribute === "enableDnsSupport" ? out.EnableDnsSupport : out.EnableDnsHostnames;
      return v?.Value === true;
    },

    async describeSubnets({ vpcId }) {
      const pages = paginateDescribeSubnets(cfg, { Filters: [filter("vpc-id", [vpcId])] });
      return (await all(pages, (p) => p.Subnets)).map(toSubnetRecord);
    },

    async describeRouteTables({ vpcId, routeTableIds }) {
      const filters = [filter("vpc-id", [vpcId])];
      // A filter, not RouteTableIds: EC2 refuses ids together with MaxResults.
      if (routeTableIds !== undefined) filters.push(filter("route-table-id", routeTableIds));
      // DescribeRouteTables pages hold at most 100 (EC2 rejects more).
      const pages = paginateDescribeRouteTables({ ...cfg, pageSize: 100 }, { Filters: filters });
      return (await all(pages, (p) => p.RouteTables)).map(toRouteTable);
    },

    async describeInternetGateways({ vpcId }) {
      const pages = paginateDescribeInternetGateways(cfg, { Filters: [filter("attachment.vpc-id", [vpcId])] });
      return (await all(pages, (p) => p.InternetGateways)).flatMap((g) => g.InternetGatewayId ?? []).sort();
    },

    async describeEndpointServices({ region }) {
      const details: ServiceDetail[] = [];
      let token: string | undefined;
      do {
        const out = await ec2.send(new DescribeVpcEndpointServicesCommand({ MaxResults: PAGE, NextToken: token }));
        details.push(...(out.ServiceDetails ?? []));
        token = out.NextToken;
      } while (token);
      return toEndpointServices(details, region);
    },

    async describeSecurityGroups({ vpcId }) {
      const pages = paginateDescribeSecurityGroups(cfg, { Filters: [filter("vpc-id", [vpcId])] });
      return (await all(pages, (p) => p.SecurityGroups)).map(toSecurityGroupRecord);
    },

    async describeSecurityGroupRules({ groupIds }) {
      const byGroup = new Map<string, ObservedSecurityGroupRule[]>(groupIds.map((id) => [id, []]));
      if (groupIds.length === 0) return byGroup;
      const pages = paginateDescribeSecurityGroupRules(cfg, { Filters: [filter("group-id", groupIds)] });
      for (const r of await all(pages, (p) => p.SecurityGroupRules)) {
        byGroup.get(r.GroupId ?? "")?.push(toSecurityGroupRule(r));
      }
      return byGroup;
    },

    async describeVpcEndpoints({ vpcId }) {
      const pages = paginateDescribeVpcEndpoints(cfg, { Filters: [filter("vpc-id", [vpcId])] });
      const endpoints = (await all(pages, (p) => p.VpcEndpoints)).flatMap((e) => toEndpoint(e) ?? []);
      return endpoints;
    },

    async describeNatGateways({ vpcId }) {
      const pages = paginateDescribeNatGateways(cfg, { Filter: [filter("vpc-id", [vpcId])] });
      return (await all(pages, (p) => p.NatGateways)).map(toNatGateway);
    },

    async describeAddresses({ tagKey, tagValue, allocationIds }) {
      const given = new Set(allocationIds ?? []);
      // Filters AND together: to get "ours OR given" in one call, ask for the VPC domain and select here.
      const filters = given.size > 0 ? [filter("domain", ["vpc"])] : [filter(`tag:${tagKey}`, [tagValue])];
      const out = await ec2.send(new DescribeAddressesCommand({ Filters: filters }));
      return (out.Addresses ?? [])
        .map(toAddress)
        .filter((a) => a.tags[tagKey] === tagValue || given.has(a.allocationId));
    },

    ...ec2Writes(ec2),
  };
}
