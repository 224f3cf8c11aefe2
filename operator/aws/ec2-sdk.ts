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
  paginateDescribeVpcs,
} from "@aws-sdk/client-ec2";
import type { EC2Client, Filter, ServiceDetail, Vpc } from "@aws-sdk/client-ec2";
import type { ObservedSecurityGroupRule } from "../core/model.js";
import { MAX_FILTER_VALUES, selectsAddress, vpcIdsOf, type Ec2Port, type VpcRecord } from "./ec2-port.js";
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

/**
 * Every item of every page of an SDK paginator, each converted by `to` as its page arrives (`to` may drop an item
 * by returning null). Only the small converted records are kept: a page of 1,000 SDK objects (tags, DNS entries,
 * policy documents) becomes garbage as soon as the next page is asked for, so a sweep over 1,000 VPCs never holds
 * all of its raw pages at once.
 */
async function all<P, I, T>(
  pages: AsyncIterable<P>,
  pick: (page: P) => readonly I[] | undefined,
  to: (item: I) => T | null,
): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) {
    for (const item of pick(page) ?? []) {
      const t = to(item);
      if (t !== null) out.push(t);
    }
  }
  return out;
}

/** `values` in chunks of at most {@link MAX_FILTER_VALUES} (EC2's limit per filter); none for an empty list. */
function chunks(values: readonly string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < values.length; i += MAX_FILTER_VALUES) out.push(values.slice(i, i + MAX_FILTER_VALUES));
  return out;
}

/**
 * `read` once per chunk of `values`, results concatenated in chunk order. Chunks are read one after another, not
 * in parallel: the calls are the same, and only one response (up to 1,000 items of XML, its parse tree and its SDK
 * objects) is in memory at a time. Parallel chunks made a 1,000-VPC sweep hold five at once per resource type.
 */
async function perChunk<T>(values: readonly string[], read: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (const chunk of chunks([...new Set(values)])) out.push(...(await read(chunk)));
  return out;
}

function toVpcRecord(vpc: Vpc, fallbackId: string): VpcRecord {
  const extra = (vpc.CidrBlockAssociationSet ?? [])
    .filter((a) => a.CidrBlockState?.State === undefined || a.CidrBlockState.State === "associated")
    .flatMap((a) => (a.CidrBlock && a.CidrBlock !== vpc.CidrBlock ? [a.CidrBlock] : []));
  return { vpcId: vpc.VpcId ?? fallbackId, cidrs: [...(vpc.CidrBlock ? [vpc.CidrBlock] : []), ...extra] };
}

/** Build an {@link Ec2Port} on `ec2` (whose middleware already carries the limiter and call recorder). */
export function createEc2Port(ec2: EC2Client): Ec2Port {
  const cfg = { client: ec2, pageSize: PAGE };
  const internetGatewaysByVpc: Ec2Port["describeInternetGatewaysByVpc"] = async ({ vpcIds }) => {
    const byVpc = new Map<string, string[]>(vpcIds.map((id) => [id, []]));
    const attachments = await perChunk(vpcIds, async (ids) => {
      const pages = paginateDescribeInternetGateways(cfg, { Filters: [filter("attachment.vpc-id", ids)] });
      return all(
        pages,
        (p) => p.InternetGateways,
        (g) => ({ id: g.InternetGatewayId, vpcIds: (g.Attachments ?? []).map((a) => a.VpcId ?? "") }),
      );
    });
    for (const g of attachments) {
      for (const vpcId of g.vpcIds) {
        if (g.id) byVpc.get(vpcId)?.push(g.id);
      }
    }
    for (const ids of byVpc.values()) ids.sort();
    return byVpc;
  };

  return {
    region: () => ec2.config.region(),

    async describeVpc(vpcId) {
      try {
        const out = await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
        const vpc = out.Vpcs?.[0];
        return vpc === undefined ? null : toVpcRecord(vpc, vpcId);
      } catch (err) {
        if (classifyAwsError(err).code === "InvalidVpcID.NotFound") return null;
        throw err;
      }
    },

    async describeVpcs({ vpcIds }) {
      // A filter, not VpcIds: an id that does not exist is then absent instead of failing the whole call.
      return perChunk(vpcIds, async (ids) => {
        const pages = paginateDescribeVpcs(cfg, { Filters: [filter("vpc-id", ids)] });
        return all(
          pages,
          (p) => p.Vpcs,
          (v) => toVpcRecord(v, ""),
        );
      });
    },

    async describeVpcAttribute({ vpcId, attribute }) {
      const out = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: attribute }));
      const v = attribute === "enableDnsSupport" ? out.EnableDnsSupport : out.EnableDnsHostnames;
      return v?.Value === true;
    },

    async describeSubnets(scope) {
      return perChunk(vpcIdsOf(scope), async (ids) => {
        const pages = paginateDescribeSubnets(cfg, { Filters: [filter("vpc-id", ids)] });
        return all(
          pages,
          (p) => p.Subnets,
          (n) => ({ ...toSubnetRecord(n), vpcId: n.VpcId ?? "" }),
        );
      });
    },

    async describeRouteTables(input) {
      const { routeTableIds } = input;
      return perChunk(vpcIdsOf(input), async (ids) => {
        const filters = [filter("vpc-id", ids)];
        // A filter, not RouteTableIds: EC2 refuses ids together with MaxResults.
        if (routeTableIds !== undefined) filters.push(filter("route-table-id", routeTableIds));
        // DescribeRouteTables pages hold at most 100 (EC2 rejects more).
        const pages = paginateDescribeRouteTables({ ...cfg, pageSize: 100 }, { Filters: filters });
        return all(
          pages,
          (p) => p.RouteTables,
          (t) => ({ ...toRouteTable(t), vpcId: t.VpcId ?? "" }),
        );
      });
    },

    async describeInternetGateways({ vpcId }) {
      return (await internetGatewaysByVpc({ vpcIds: [vpcId] })).get(vpcId) ?? [];
    },

    describeInternetGatewaysByVpc: internetGatewaysByVpc,

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

    async describeSecurityGroups(scope) {
      return perChunk(vpcIdsOf(scope), async (ids) => {
        const pages = paginateDescribeSecurityGroups(cfg, { Filters: [filter("vpc-id", ids)] });
        return all(pages, (p) => p.SecurityGroups, toSecurityGroupRecord);
      });
    },

    async describeSecurityGroupRules({ groupIds }) {
      const byGroup = new Map<string, ObservedSecurityGroupRule[]>(groupIds.map((id) => [id, []]));
      if (groupIds.length === 0) return byGroup;
      const rules = await perChunk(groupIds, (ids) =>
        all(
          paginateDescribeSecurityGroupRules(cfg, { Filters: [filter("group-id", ids)] }),
          (p) => p.SecurityGroupRules,
          (r) => ({ groupId: r.GroupId ?? "", rule: toSecurityGroupRule(r) }),
        ),
      );
      for (const { groupId, rule } of rules) byGroup.get(groupId)?.push(rule);
      return byGroup;
    },

    async describeVpcEndpoints(scope) {
      return perChunk(vpcIdsOf(scope), async (ids) => {
        const pages = paginateDescribeVpcEndpoints(cfg, { Filters: [filter("vpc-id", ids)] });
        return all(
          pages,
          (p) => p.VpcEndpoints,
          (e) => {
            const endpoint = toEndpoint(e);
            return endpoint === null ? null : { ...endpoint, vpcId: e.VpcId ?? "" };
          },
        );
      });
    },

    async describeNatGateways(scope) {
      return perChunk(vpcIdsOf(scope), async (ids) => {
        const pages = paginateDescribeNatGateways(cfg, { Filter: [filter("vpc-id", ids)] });
        return all(
          pages,
          (p) => p.NatGateways,
          (n) => ({ ...toNatGateway(n), vpcId: n.VpcId ?? "" }),
        );
      });
    },

    async describeAddresses(input) {
      const { tagKey, tagValue, allocationIds } = input;
      const given = new Set(allocationIds ?? []);
      // Filters AND together: to get "ours OR given" in one call, ask for the VPC domain and select here.
      // DescribeAddresses has no pagination: it answers every match at once.
      const byTag = tagValue === undefined ? filter("tag-key", [tagKey]) : filter(`tag:${tagKey}`, [tagValue]);
      const filters = given.size > 0 ? [filter("domain", ["vpc"])] : [byTag];
      const out = await ec2.send(new DescribeAddressesCommand({ Filters: filters }));
      return (out.Addresses ?? []).map(toAddress).filter((a) => selectsAddress(input, given, a));
    },

    ...ec2Writes(ec2),
  };
}
