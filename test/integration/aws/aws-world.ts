/**
 * Shared set-up for the EC2 adapter integration tests: a target (the in-process sandbox, or AWS_ENDPOINT_URL
 * through test/helpers/aws-sandbox.ts), a fresh two-AZ VPC, ecsnet's clients and port on it, a plain SDK
 * client to read the world with, and small readers that describe what the world now holds.
 */
import { randomUUID } from "node:crypto";
import {
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcEndpointsCommand,
} from "@aws-sdk/client-ec2";
import type { EC2Client, Tag } from "@aws-sdk/client-ec2";
import type { ApplyOptions } from "../../../operator/aws/apply.js";
import { apply } from "../../../operator/aws/apply.js";
import type { AwsCallRecord, AwsClients } from "../../../operator/aws/clients.js";
import { createAwsClients } from "../../../operator/aws/clients.js";
import type { Ec2Port } from "../../../operator/aws/ec2-port.js";
import { createEc2Port } from "../../../operator/aws/ec2-sdk.js";
import { observe } from "../../../operator/aws/observe.js";
import type { Ec2Limiter } from "../../../operator/aws/throttle.js";
import { resolveTopology } from "../../../operator/aws/topology.js";
import type { Plan } from "../../../operator/core/actions.js";
import type { ActionResult } from "../../../operator/core/errors.js";
import type { ObservedNetwork, OwnerRef } from "../../../operator/core/model.js";
import type { AwsSandboxOptions } from "../../../operator/sandbox/aws/server.js";
import type { AwsTarget, TwoAzVpc } from "../../helpers/aws-sandbox.js";
import { ec2Client, targetFromEnv, twoAzVpc } from "../../helpers/aws-sandbox.js";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };

/** A target with ecsnet's clients on it and a plain client for reading the world. */
export interface World {
  readonly target: AwsTarget;
  /** A plain SDK client (no limiter, no retries) to read and to set up unowned resources. */
  readonly raw: EC2Client;
  close(): Promise<void>;
}

/** Start the target (sandbox unless AWS_ENDPOINT_URL is set). Close it in afterAll. */
export async function startWorld(opts: AwsSandboxOptions = {}): Promise<World> {
  const target = await targetFromEnv(opts);
  const raw = ec2Client(target.endpoint, { region: target.region });
  return {
    target,
    raw,
    close: async () => {
      raw.destroy();
      await target.close();
    },
  };
}

/** ecsnet's own clients and port against the world's endpoint (adaptive retry, the EC2 limiter). */
export function ecsnetPort(
  w: World,
  opts: { limiter?: Ec2Limiter; onCall?: (r: AwsCallRecord) => void } = {},
): { clients: AwsClients; ec2: Ec2Port } {
  const clients = createAwsClients({ endpoint: w.target.endpoint, region: w.target.region, credentials, ...opts });
  return { clients, ec2: createEc2Port(clients.ec2) };
}

/** Resolve and observe `vpc` for `owner` through ecsnet's own port. */
export async function observeWith(w: World, vpc: TwoAzVpc, owner: OwnerRef): Promise<ObservedNetwork> {
  const { clients, ec2 } = ecsnetPort(w);
  const topology = await resolveTopology(ec2, { vpcId: vpc.vpcId, region: w.target.region });
  const out = await observe(ec2, { owner, vpcId: vpc.vpcId, topology });
  clients.destroy();
  return out;
}

/** Apply `plan` with ecsnet's port against the snapshot `observed` (default: observe now). */
export async function applyWith(
  w: World,
  vpc: TwoAzVpc,
  owner: OwnerRef,
  plan: Plan,
  opts: ApplyOptions & { observed?: ObservedNetwork; onCall?: (r: AwsCallRecord) => void } = {},
): Promise<ActionResult[]> {
  const observed = opts.observed ?? (await observeWith(w, vpc, owner));
  const { clients, ec2 } = ecsnetPort(w, opts.onCall ? { onCall: opts.onCall } : {});
  const results = await apply(ec2, plan, { owner, observed }, opts);
  clients.destroy();
  return results;
}

/** The id an action produced; throws (failing the test) when it did not succeed. */
export const idOf = (results: readonly ActionResult[], k: string): string => {
  const r = results.find((x) => x.key === k);
  if (r?.outcome !== "done" || r.id === undefined) throw new Error(`${k} not done: ${JSON.stringify(r)}`);
  return r.id;
};

/** A fresh two-AZ VPC (the sandbox seed, or built through the SDK on an external endpoint). */
export const freshVpc = (w: World, base = 0): Promise<TwoAzVpc> => twoAzVpc(w.target, w.raw, base);

/** A new owner identity per test, so tests never see each other's resources as owned. */
export const anOwner = (name = "net"): OwnerRef => ({ namespace: "team", name, uid: randomUUID() });

const byVpc = (vpcId: string) => [{ Name: "vpc-id", Values: [vpcId] }];

/** SDK tags → record. */
export const tagMap = (tags: Tag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));

/** Every VPC endpoint of the VPC, not deleted. */
export async function endpointsIn(raw: EC2Client, vpcId: string) {
  const out = await raw.send(new DescribeVpcEndpointsCommand({ Filters: byVpc(vpcId) }));
  return (out.VpcEndpoints ?? []).filter((e) => e.State?.toLowerCase() !== "deleted");
}

/** Every NAT gateway of the VPC, not deleted. */
export async function natGatewaysIn(raw: EC2Client, vpcId: string) {
  const out = await raw.send(new DescribeNatGatewaysCommand({ Filter: byVpc(vpcId) }));
  return (out.NatGateways ?? []).filter((n) => n.State !== "deleted");
}

/** Security groups of the VPC named `name`. */
export async function groupsNamed(raw: EC2Client, vpcId: string, name: string) {
  const filters = [...byVpc(vpcId), { Name: "group-name", Values: [name] }];
  return (await raw.send(new DescribeSecurityGroupsCommand({ Filters: filters }))).SecurityGroups ?? [];
}

/** Ingress rules of a group. */
export async function ingressOf(raw: EC2Client, groupId: string) {
  const out = await raw.send(
    new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [groupId] }] }),
  );
  return (out.SecurityGroupRules ?? []).filter((r) => r.IsEgress !== true);
}

/** Elastic IPs carrying `tag:key=value`. */
export async function addressesTagged(raw: EC2Client, key: string, value: string) {
  const out = await raw.send(new DescribeAddressesCommand({ Filters: [{ Name: `tag:${key}`, Values: [value] }] }));
  return out.Addresses ?? [];
}

/** The routes of one route table. */
export async function routesOf(raw: EC2Client, routeTableId: string) {
  const out = await raw.send(new DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] }));
  return out.RouteTables?.[0]?.Routes ?? [];
}
