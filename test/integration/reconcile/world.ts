/**
 * The whole reconcile (controllers/reconcile-network.ts) against a target: the in-process sandbox, or
 * AWS_ENDPOINT_URL through test/helpers/aws-sandbox.ts. Each test gets its own two-AZ VPC and owner, and
 * reads the world back with a plain SDK client.
 */
import { randomUUID } from "node:crypto";
import {
  DescribeSubnetsCommand,
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcEndpointsCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { TagKey } from "../../../operator/api/group.js";
import { createAwsClients, type AwsClients } from "../../../operator/aws/clients.js";
import type { Ec2Port } from "../../../operator/aws/ec2-port.js";
import { createEc2Port } from "../../../operator/aws/ec2-sdk.js";
import { Ec2Buckets, Ec2Limiter } from "../../../operator/aws/throttle.js";
import { converge, type ConvergeEnd } from "../../../operator/cli/local.js";
import type { NetworkManifest } from "../../../operator/cli/manifest.js";
import type { NetworkDeps, NetworkOutcome } from "../../../operator/controllers/reconcile-network.js";
import { ec2Client, targetFromEnv, twoAzVpc, type AwsTarget, type TwoAzVpc } from "../../helpers/aws-sandbox.js";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };

export interface World {
  readonly target: AwsTarget;
  readonly raw: EC2Client;
  readonly clients: AwsClients;
  readonly ec2: Ec2Port;
  deps(port?: Ec2Port): NetworkDeps;
  close(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const target = await targetFromEnv();
  const raw = ec2Client(target.endpoint, { region: target.region });
  // The sandbox does not throttle unless asked, so tests need not pace themselves at EC2's real rates
  // (CreateVpcEndpoint: one per 3.3 s); against an external endpoint, the real limiter applies.
  const fast = Object.fromEntries(
    Object.entries(Ec2Buckets).map(([k, b]) => [
      k,
      { capacity: b.capacity * 10, refillPerSecond: b.refillPerSecond * 100 },
    ]),
  );
  const limiter = target.external ? undefined : new Ec2Limiter({ buckets: fast });
  const clients = createAwsClients({
    endpoint: target.endpoint,
    region: target.region,
    credentials,
    ...(limiter ? { limiter } : {}),
  });
  const ec2 = createEc2Port(clients.ec2);
  return {
    target,
    raw,
    clients,
    ec2,
    deps: (port = ec2) => ({ ec2For: () => port, defaultRegion: target.region, now: () => new Date() }),
    async close() {
      clients.destroy();
      raw.destroy();
      await target.close();
    },
  };
}

let vpcs = 0;
/** A fresh two-AZ VPC (its own 10.N.0.0/16, so many fit in one sandbox), with its private subnets' CIDRs. */
export async function freshVpc(w: World): Promise<TwoAzVpc & { privateCidrs: string[] }> {
  const vpc = await twoAzVpc(w.target, w.raw, ++vpcs);
  const subnets = await w.raw.send(new DescribeSubnetsCommand({ SubnetIds: vpc.privateSubnetIds }));
  return { ...vpc, privateCidrs: (subnets.Subnets ?? []).map((s) => s.CidrBlock!).sort() };
}

/** A PrivateEcsNetwork manifest for `vpc` with a fresh uid. */
export function network(vpc: TwoAzVpc, spec: Record<string, unknown> = {}): NetworkManifest {
  return {
    owner: { namespace: "it", name: `net-${vpcs}`, uid: randomUUID() },
    generation: 1,
    rawSpec: { vpcId: vpc.vpcId, privateSubnets: { ids: vpc.privateSubnetIds }, ...spec },
  };
}

export const natEgress = (vpc: TwoAzVpc) => ({
  egress: { mode: "NatGateway", natGateway: { placement: "OnePerAz", publicSubnetIds: vpc.publicSubnetIds } },
});

/** Reconcile until Ready / deleted / stalled (settling the sandbox's transitions between rounds when it can). */
export async function reconcileUntilDone(
  w: World,
  m: NetworkManifest,
  opts: { deleting?: boolean; port?: Ec2Port; timeoutMs?: number } = {},
): Promise<{ end: ConvergeEnd; outcome: NetworkOutcome }> {
  return converge(w.deps(opts.port), m, {
    deleting: opts.deleting ?? false,
    timeoutMs: opts.timeoutMs ?? (w.target.external ? 600_000 : 20_000),
    intervalMs: w.target.external ? 5_000 : 50,
    sleep: async (ms) => {
      w.target.sandbox?.admin.settle();
      await new Promise((r) => setTimeout(r, ms));
    },
  });
}

/** What the owner has in the VPC now, read with a plain client by the owner tag. */
export async function ownedWorld(w: World, vpcId: string, uid: string) {
  const byOwner = [{ Name: `tag:${TagKey.OwnerUid}`, Values: [uid] }];
  const inVpc = [{ Name: "vpc-id", Values: [vpcId] }, ...byOwner];
  const [eps, nats, sgs, eips] = await Promise.all([
    w.raw.send(new DescribeVpcEndpointsCommand({ Filters: inVpc })),
    w.raw.send(new DescribeNatGatewaysCommand({ Filter: inVpc })),
    w.raw.send(new DescribeSecurityGroupsCommand({ Filters: inVpc })),
    w.raw.send(new DescribeAddressesCommand({ Filters: byOwner })),
  ]);
  const live = <T extends { State?: string }>(xs: T[] | undefined) =>
    (xs ?? []).filter((x) => x.State !== "deleted" && x.State !== "deleting");
  return {
    endpoints: live(eps.VpcEndpoints),
    natGateways: live(nats.NatGateways),
    securityGroups: sgs.SecurityGroups ?? [],
    addresses: eips.Addresses ?? [],
  };
}

/** Mutating Ec2Port methods, for counting and for crash injection. */
export const MUTATIONS = [
  "createSecurityGroup",
  "deleteSecurityGroup",
  "authorizeIngress",
  "revokeRules",
  "createVpcEndpoint",
  "modifyVpcEndpoint",
  "deleteVpcEndpoint",
  "allocateAddress",
  "releaseAddress",
  "createNatGateway",
  "deleteNatGateway",
  "createRoute",
  "replaceRoute",
  "deleteRoute",
  "modifyVpcAttribute",
  "createTags",
  "deleteTags",
] as const;

/**
 * `port` with hooks around every method call: `before(method)` may throw to refuse the call, `after(method)`
 * runs once the call succeeded (and may throw to "lose" its result). The one place tests observe a port.
 */
export function tapPort(
  port: Ec2Port,
  hooks: { before?: (method: string) => void; after?: (method: string) => void },
): Ec2Port {
  return new Proxy(port, {
    get(target, prop, receiver) {
      const fn = Reflect.get(target, prop, receiver) as unknown;
      if (typeof fn !== "function") return fn;
      return async (...args: unknown[]) => {
        hooks.before?.(String(prop));
        const out = await (fn as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        hooks.after?.(String(prop));
        return out;
      };
    },
  });
}

const isMutation = (method: string) => (MUTATIONS as readonly string[]).includes(method);

/** `port`, counting the mutating calls made through it. */
export function countingPort(port: Ec2Port): { port: Ec2Port; count: () => number } {
  let n = 0;
  return { port: tapPort(port, { before: (m) => void (isMutation(m) && n++) }), count: () => n };
}

/** Thrown by {@link crashingPort} in place of every call after the crash point. */
export class SimulatedCrash extends Error {
  override readonly name = "SimulatedCrash";
}

/**
 * An Ec2Port that "crashes" right after its `n`-th mutating call succeeded in AWS: that call's result is
 * lost (as if the process died before recording it) and every later call fails. Reads pass through until then.
 */
export function crashingPort(
  port: Ec2Port,
  n: number,
): { port: Ec2Port; mutations: () => number; crashed: () => boolean } {
  let count = 0;
  let crashed = false;
  const wrapped = tapPort(port, {
    before: () => {
      if (crashed) throw new SimulatedCrash("process is gone");
    },
    after: (method) => {
      if (isMutation(method) && ++count >= n) {
        crashed = true;
        throw new SimulatedCrash(`crash after mutating call #${count} (${method})`);
      }
    },
  });
  return { port: wrapped, mutations: () => count, crashed: () => crashed };
}
