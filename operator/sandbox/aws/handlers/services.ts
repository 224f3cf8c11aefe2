/**
 * The AWS services an endpoint can point at in the sandbox's region (DescribeVpcEndpointServices) and the
 * AWS-managed prefix lists of the gateway services (DescribePrefixLists, DescribeManagedPrefixLists).
 * Private DNS names follow the ones AWS publishes per service (docs "AWS services that integrate with
 * AWS PrivateLink"); prefix-list ids for us-east-1 are AWS's, other regions get stable made-up ids.
 */
import { createHash } from "node:crypto";
import type * as T from "@aws-sdk/client-ec2";
import { Ec2ApiError } from "../errors.js";
import { applyFilters, paginate } from "../filters.js";
import type { HandlerTable } from "../handler.js";
import { op } from "../handler.js";
import type { Ctx } from "../state.js";
import { zonesOf } from "./vpc.js";

/** One offering: a service name may be offered both as Interface and Gateway (s3). */
export interface ServiceOffering {
  short: string;
  type: "Interface" | "Gateway";
  dns?: (region: string) => string;
}

const dns = (prefix: string) => (r: string) => `${prefix}.${r}.amazonaws.com`;

/** The offerings the sandbox knows, by short name (`com.amazonaws.<region>.<short>`). */
export const SERVICE_CATALOGUE: readonly ServiceOffering[] = [
  { short: "ecr.api", type: "Interface", dns: (r) => `api.ecr.${r}.amazonaws.com` },
  { short: "ecr.dkr", type: "Interface", dns: (r) => `*.dkr.ecr.${r}.amazonaws.com` },
  { short: "s3", type: "Gateway" },
  { short: "s3", type: "Interface", dns: (r) => `*.s3.${r}.amazonaws.com` },
  { short: "dynamodb", type: "Gateway" },
  { short: "logs", type: "Interface", dns: dns("logs") },
  { short: "ecs", type: "Interface", dns: dns("ecs") },
  { short: "ecs-agent", type: "Interface", dns: dns("ecs-a-*") },
  { short: "ecs-telemetry", type: "Interface", dns: dns("ecs-t-*") },
  { short: "ssm", type: "Interface", dns: dns("ssm") },
  { short: "ssmmessages", type: "Interface", dns: dns("ssmmessages") },
  { short: "ec2messages", type: "Interface", dns: dns("ec2messages") },
  { short: "secretsmanager", type: "Interface", dns: dns("secretsmanager") },
  { short: "kms", type: "Interface", dns: dns("kms") },
  { short: "sts", type: "Interface", dns: dns("sts") },
  { short: "elasticfilesystem", type: "Interface", dns: dns("elasticfilesystem") },
  { short: "monitoring", type: "Interface", dns: dns("monitoring") },
  { short: "xray", type: "Interface", dns: dns("xray") },
];

/** The short name of `com.amazonaws.<region>.<short>`, or undefined for another region/shape. */
export function shortNameOf(ctx: Ctx, serviceName: string): string | undefined {
  const p = `com.amazonaws.${ctx.region}.`;
  return serviceName.startsWith(p) ? serviceName.slice(p.length) : undefined;
}

/** The offering for a service name and endpoint type, if the region has it. */
export function findOffering(ctx: Ctx, serviceName: string, type: string): ServiceOffering | undefined {
  const short = shortNameOf(ctx, serviceName);
  return SERVICE_CATALOGUE.find((o) => o.short === short && o.type === type);
}

/** The AZs a service is offered in now (all zones unless restricted through the admin API). */
export function serviceAzs(ctx: Ctx, short: string): string[] {
  return ctx.world.serviceAzs.get(short) ?? zonesOf(ctx.region);
}

const KNOWN_PREFIX_LISTS: Record<string, { id: string; cidrs: string[] }> = {
  "us-east-1.s3": {
    id: "pl-63a5400a",
    cidrs: ["16.15.192.0/18", "16.182.0.0/16", "3.5.0.0/19", "52.216.0.0/15", "54.231.0.0/16"],
  },
  "us-east-1.dynamodb": {
    id: "pl-02cd2c6b",
    cidrs: ["3.218.180.0/22", "3.218.184.0/22", "52.94.0.0/22", "52.119.224.0/20"],
  },
};

/** The managed prefix list of a gateway service (s3, dynamodb), or undefined for other services. */
export function prefixListFor(
  ctx: Ctx,
  serviceName: string,
): { id: string; name: string; cidrs: string[] } | undefined {
  const short = shortNameOf(ctx, serviceName);
  if (short !== "s3" && short !== "dynamodb") return undefined;
  const known = KNOWN_PREFIX_LISTS[`${ctx.region}.${short}`];
  const id = known?.id ?? `pl-${createHash("sha1").update(`${ctx.region}.${short}`).digest("hex").slice(0, 8)}`;
  return { id, name: serviceName, cidrs: known?.cidrs ?? ["52.0.0.0/15"] };
}

function serviceDetail(ctx: Ctx, o: ServiceOffering): T.ServiceDetail {
  const name = `com.amazonaws.${ctx.region}.${o.short}`;
  const azs = serviceAzs(ctx, o.short);
  const hex = createHash("sha1").update(`${name}:${o.type}`).digest("hex").slice(0, 17);
  return {
    ServiceName: name,
    ServiceId: `vpce-svc-${hex}`,
    ServiceType: [{ ServiceType: o.type }],
    ServiceRegion: ctx.region,
    AvailabilityZones: azs,
    Owner: "amazon",
    BaseEndpointDnsNames: [`${o.short}.${ctx.region}.vpce.amazonaws.com`],
    PrivateDnsName: o.dns?.(ctx.region),
    PrivateDnsNames: o.dns ? [{ PrivateDnsName: o.dns(ctx.region) }] : undefined,
    VpcEndpointPolicySupported: true,
    AcceptanceRequired: false,
    ManagesVpcEndpoints: false,
    PrivateDnsNameVerificationState: o.dns ? "verified" : undefined,
    SupportedIpAddressTypes: ["ipv4"],
  };
}

function describeServices(ctx: Ctx, i: T.DescribeVpcEndpointServicesRequest): T.DescribeVpcEndpointServicesResult {
  let offers = [...SERVICE_CATALOGUE];
  if (i.ServiceNames?.length) {
    const unknown = i.ServiceNames.filter((n) => !offers.some((o) => `com.amazonaws.${ctx.region}.${o.short}` === n));
    if (unknown.length)
      throw new Ec2ApiError("InvalidServiceName", `The Vpc Endpoint Service '${unknown[0]}' does not exist`);
    offers = offers.filter((o) => i.ServiceNames!.includes(`com.amazonaws.${ctx.region}.${o.short}`));
  }
  offers = applyFilters(
    ctx,
    offers,
    i.Filters,
    {
      "service-name": (o) => `com.amazonaws.${ctx.region}.${o.short}`,
      "service-type": (o) => o.type,
      "service-region": () => ctx.region,
      owner: () => "amazon",
      "supported-ip-address-types": () => "ipv4",
    },
    (o) => `${o.short}:${o.type}`,
  );
  const { page, NextToken } = paginate(offers, i.MaxResults, i.NextToken);
  const details = page.map((o) => serviceDetail(ctx, o));
  return { ServiceNames: [...new Set(details.map((d) => d.ServiceName!))], ServiceDetails: details, NextToken };
}

function prefixLists(ctx: Ctx) {
  return ["s3", "dynamodb"].map((s) => prefixListFor(ctx, `com.amazonaws.${ctx.region}.${s}`)!);
}

function describePrefixLists(ctx: Ctx, i: T.DescribePrefixListsRequest): T.DescribePrefixListsResult {
  let pls = prefixLists(ctx);
  if (i.PrefixListIds?.length) {
    const missing = i.PrefixListIds.filter((id) => !pls.some((p) => p.id === id));
    if (missing.length)
      throw new Ec2ApiError("InvalidPrefixListID.NotFound", `The prefix list ID '${missing[0]}' does not exist`);
    pls = pls.filter((p) => i.PrefixListIds!.includes(p.id));
  }
  pls = applyFilters(
    ctx,
    pls,
    i.Filters,
    { "prefix-list-id": (p) => p.id, "prefix-list-name": (p) => p.name },
    (p) => p.id,
  );
  const { page, NextToken } = paginate(pls, i.MaxResults, i.NextToken, { min: 5, max: 1000 });
  return { PrefixLists: page.map((p) => ({ PrefixListId: p.id, PrefixListName: p.name, Cidrs: p.cidrs })), NextToken };
}

function describeManaged(ctx: Ctx, i: T.DescribeManagedPrefixListsRequest): T.DescribeManagedPrefixListsResult {
  let pls = prefixLists(ctx);
  if (i.PrefixListIds?.length) pls = pls.filter((p) => i.PrefixListIds!.includes(p.id));
  pls = applyFilters(
    ctx,
    pls,
    i.Filters,
    {
      "prefix-list-id": (p) => p.id,
      "prefix-list-name": (p) => p.name,
      "owner-id": () => "AWS",
    },
    (p) => p.id,
  );
  const { page, NextToken } = paginate(pls, i.MaxResults, i.NextToken, { min: 1, max: 100 });
  return {
    PrefixLists: page.map((p) => ({
      PrefixListId: p.id,
      PrefixListName: p.name,
      AddressFamily: "IPv4",
      State: "create-complete",
      OwnerId: "AWS",
      PrefixListArn: `arn:aws:ec2:${ctx.region}:aws:prefix-list/${p.id}`,
      Version: 1,
    })),
    NextToken,
  };
}

/** Endpoint service and prefix list operations. */
export const serviceHandlers: HandlerTable = {
  DescribeVpcEndpointServices: op(describeServices),
  DescribePrefixLists: op(describePrefixLists),
  DescribeManagedPrefixLists: op(describeManaged),
};
