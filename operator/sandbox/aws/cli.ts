/**
 * `ecsnet sandbox aws`: runs the AWS sandbox in the foreground, prints where it listens, the environment
 * to point an AWS SDK or CLI at it, and what a user needs to write a PrivateEcsNetwork for the seeded VPC
 * (the VPC, each subnet with its AZ, CIDR and whether it is public, the route tables, the security groups),
 * writes a ready-to-apply example file, and stops on SIGINT/SIGTERM.
 */
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { WATCHED_EC2_EVENTS } from "../../events/cloudtrail.js";
import type { AwsSandboxOptions } from "./server.js";
import { startAwsSandbox } from "./server.js";
import type { RouteRec, RouteTableRec, SgRec, SubnetRec, VpcRec } from "./state.js";
import { cmp } from "../../core/order.js";

/** Options of the foreground command (a subset of AwsSandboxOptions, plus the example file and throttling). */
export type ForegroundOptions = Pick<AwsSandboxOptions, "port" | "seed" | "latency" | "timeScale" | "region"> & {
  /** EC2's request throttling buckets (RequestLimitExceeded past them). Default on. */
  readonly throttling?: boolean;
  /** Where to write the example PrivateEcsNetwork for the seeded VPC; "" or absent writes none. */
  readonly examplePath?: string;
  /** Create the queue `ecsnet-events`, deliver the watched EC2 calls' events to it, print its URL. */
  readonly events?: boolean;
};

interface Dump {
  ec2: {
    vpcs: Record<string, VpcRec>;
    subnets: Record<string, SubnetRec>;
    routeTables: Record<string, RouteTableRec>;
    sgs: Record<string, SgRec>;
  };
}

/** The seeded VPC as a user needs it to write a spec. */
export interface VpcLayout {
  readonly vpc: VpcRec;
  readonly subnets: readonly { rec: SubnetRec; public: boolean; routeTableId: string }[];
  readonly routeTables: readonly { id: string; main: boolean; routes: readonly RouteRec[] }[];
  readonly securityGroups: readonly SgRec[];
}

/** Reads the layout of `vpcId` from the sandbox's state dump. */
export function layoutOf(dump: unknown, vpcId: string): VpcLayout {
  const w = (dump as Dump).ec2;
  const vpc = w.vpcs[vpcId]!;
  const tables = Object.values(w.routeTables).filter((t) => t.vpcId === vpcId);
  const main = tables.find((t) => t.main);
  const tableOf = (subnetId: string) => tables.find((t) => t.associations.some((a) => a.subnetId === subnetId)) ?? main;
  const subnets = Object.values(w.subnets)
    .filter((s) => s.vpcId === vpcId)
    .map((rec) => {
      const t = tableOf(rec.id);
      const isPublic = (t?.routes ?? []).some(
        (r) => r.DestinationCidrBlock === "0.0.0.0/0" && r.GatewayId?.startsWith("igw-"),
      );
      return { rec, public: isPublic, routeTableId: t?.id ?? "-" };
    })
    .sort((a, b) => Number(b.public) - Number(a.public) || cmp(a.rec.az, b.rec.az));
  return {
    vpc,
    subnets,
    routeTables: tables.map((t) => ({ id: t.id, main: t.main, routes: t.routes })),
    securityGroups: Object.values(w.sgs).filter((g) => g.vpcId === vpcId),
  };
}

/** The lines describing `l` for a person writing a spec. */
export function describeLayout(l: VpcLayout): string[] {
  const lines = [
    `Seeded two-az-vpc: vpc ${l.vpc.id}  ${l.vpc.cidr}  DNS support ${l.vpc.dnsSupport ? "on" : "off"}, DNS hostnames ${l.vpc.dnsHostnames ? "on" : "off"}`,
    `  zones           ${[...new Set(l.subnets.map((s) => s.rec.az))].sort().join(" ")}`,
    "  subnets:",
  ];
  for (const s of l.subnets)
    lines.push(
      `    ${s.rec.id}  ${s.rec.az}  ${s.rec.cidr.padEnd(14)}  ${s.public ? "public " : "private"}  route table ${s.routeTableId}`,
    );
  lines.push("  route tables:");
  for (const t of l.routeTables) {
    const routes = t.routes.map(
      (r) => `${r.DestinationCidrBlock} → ${r.GatewayId ?? r.NatGatewayId ?? r.VpcEndpointId ?? "?"}`,
    );
    lines.push(`    ${t.id}${t.main ? " (main)" : ""}  ${routes.join(", ") || "local only"}`);
  }
  lines.push("  security groups:");
  for (const g of l.securityGroups) lines.push(`    ${g.id}  ${g.name}${g.isDefault ? " (the VPC's default)" : ""}`);
  return lines;
}

/** A ready-to-apply PrivateEcsNetwork for `l`: EC2 + Fargate endpoints, extras, the S3 gateway, NAT per AZ. */
export function exampleNetwork(l: VpcLayout, region: string): string {
  const priv = l.subnets.filter((s) => !s.public);
  const pub = l.subnets.filter((s) => s.public);
  const list = (xs: typeof priv) => xs.map((s) => `      - ${s.rec.id} # ${s.rec.az}, ${s.rec.cidr}`).join("\n");
  return `# A PrivateEcsNetwork for the sandbox's VPC ${l.vpc.id}, written by \`ecsnet sandbox aws\`.
#   ecsnet plan -f <this file>      # what would change (exit 2: changes to make)
#   ecsnet apply -f <this file>     # make it so, and wait until Ready
#   ecsnet destroy -f <this file>   # delete what ecsnet created for it
# deploy/examples/private-ecs-network.yaml documents every field.
apiVersion: ecsnet.dev/v1alpha1
kind: PrivateEcsNetwork
metadata:
  name: sandbox
  namespace: default
spec:
  region: ${region}
  vpcId: ${l.vpc.id}
  privateSubnets:
    ids:
${list(priv)}
  launchTypes: [FARGATE, EC2] # EC2 adds the ecs, ecs-agent and ecs-telemetry endpoints
  endpoints:
    extra: [secretsmanager, ssm, ssmmessages, kms]
  s3Gateway:
    enabled: true # on the route table of every private subnet
  egress:
    mode: NatGateway
    natGateway:
      placement: OnePerAz
      publicSubnetIds:
${list(pub).replace(/^ {6}/gm, "        ")}
  deletionPolicy: Delete
`;
}

/**
 * Starts the sandbox, prints its endpoint, the env lines, the seeded VPC's layout and the example file, then
 * waits for SIGINT/SIGTERM and closes it. `print` defaults to stdout; resolves once closed.
 */
export async function runAwsSandboxForeground(
  opts: ForegroundOptions,
  print: (line: string) => void = (l) => process.stdout.write(l + "\n"),
): Promise<void> {
  const { throttling = true, examplePath = "", events = false, ...start } = opts;
  const sandbox = await startAwsSandbox({ ...start, host: "127.0.0.1" });
  if (throttling) sandbox.admin.setFaults({ throttling: true });
  const latency =
    (opts.latency ?? "none") === "realistic"
      ? `AWS's NAT/endpoint delays ×${opts.timeScale ?? 1}`
      : "NAT/endpoint delays of a few hundred ms";
  print(`AWS sandbox listening on ${sandbox.endpoint} (region ${sandbox.region})`);
  print(`  ${latency}; EC2 request throttling ${throttling ? "on (EC2's real buckets)" : "off"}`);
  print("");
  print("Point ecsnet, an AWS SDK or the AWS CLI at it (in another terminal):");
  print(`  export AWS_ENDPOINT_URL=${sandbox.endpoint}`);
  print(`  export AWS_REGION=${sandbox.region}`);
  print("  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test");
  if (sandbox.seeded) {
    const layout = layoutOf(sandbox.admin.dump(), sandbox.seeded.vpcId);
    print("");
    for (const l of describeLayout(layout)) print(l);
    if (examplePath) {
      const path = resolve(examplePath);
      await writeFile(path, exampleNetwork(layout, sandbox.region));
      print("");
      print(`Wrote a ready-to-apply example for this VPC to ${path}:`);
      print(`  ecsnet plan -f ${path}      # exit 2: changes to make`);
      print(`  ecsnet apply -f ${path}     # waits until Ready, showing each resource`);
      print(`  ecsnet plan -f ${path}      # exit 0: nothing to do`);
      print(`  ecsnet destroy -f ${path}`);
    }
  }
  if (events) {
    // The rule of deploy/aws/events.yaml: the EC2 calls the operator watches.
    const queueUrl = sandbox.sqs.create("ecsnet-events");
    sandbox.events.subscribe({ queueUrl, eventNames: [...WATCHED_EC2_EVENTS] });
    print("");
    print(`EC2 change events (CloudTrail via EventBridge) go to the SQS queue ${queueUrl}:`);
    print(`  ecsnet run --events-queue ${queueUrl}`);
  }
  print("");
  print(`Admin API: ${sandbox.endpoint}/_sandbox/{reset,seed,faults,calls,state,settle,events}. Ctrl-C stops it.`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await sandbox.close();
  print("AWS sandbox stopped");
}
