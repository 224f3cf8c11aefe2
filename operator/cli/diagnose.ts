/**
 * `ecsnet diagnose --vpc VPC [--subnets a,b] [--launch-type FARGATE|EC2] [--cluster C --service S …]
 * [--region R] [-o table|json]`: the path checks (core/checks.ts) against a live VPC, with read-only calls
 * only (topology, observe with a synthetic owner, optional ECS discovery, security group rules). Needs no
 * cluster and changes nothing. Prints ✓/✗ per check and the fix of each failure; exits 1 when any fails.
 */
import { Command, Option } from "commander";
import { createAwsClients } from "../aws/clients.js";
import { assumeRoleCredentials, cliRole } from "../aws/targets.js";
import { discoverWorkloads, fetchSecurityGroups } from "../aws/discover.js";
import { createEc2Port } from "../aws/ec2-sdk.js";
import type { Ec2Port } from "../aws/ec2-port.js";
import { createEcsPort } from "../aws/ecs-sdk.js";
import type { EcsPort } from "../aws/ecs-port.js";
import { observe } from "../aws/observe.js";
import { resolveTopology } from "../aws/topology.js";
import { runChecks, type Check } from "../core/checks.js";
import type { OwnerRef } from "../core/model.js";
import { baselineNeeds, workloadNeeds, type WorkloadNeeds } from "../core/workload-needs.js";

/** What to diagnose. */
export interface DiagnoseOptions {
  readonly vpcId: string;
  /** Task subnets; default: the ECS services' subnets with `cluster`, else every private subnet of the VPC. */
  readonly subnets?: readonly string[];
  /** Default FARGATE (EC2 adds the ecs, ecs-agent, ecs-telemetry endpoints). */
  readonly launchType?: "FARGATE" | "EC2";
  /** Discover needs from this ECS cluster's services. */
  readonly cluster?: string;
  /** With `cluster`: only these services (default all). */
  readonly services?: readonly string[];
  /** Default: the EC2 client's region. */
  readonly region?: string;
}

/** The ports diagnose reads through. `ecs` is needed only with `cluster`. */
export interface DiagnoseClients {
  readonly ec2: Ec2Port;
  readonly ecs?: EcsPort;
}

/** The outcome: every check, the needs they were checked against, and the process exit code. */
export interface DiagnoseResult {
  readonly vpcId: string;
  readonly region: string;
  readonly needs: WorkloadNeeds;
  readonly checks: readonly Check[];
  /** 0 when every check passes, 1 when any fails. */
  readonly exitCode: 0 | 1;
}

/** Thrown for input diagnose cannot work with (a subnet outside the VPC, --cluster without ECS client). */
export class DiagnoseInputError extends Error {
  override readonly name = "DiagnoseInputError";
}

/** Observe needs an owner; this one owns nothing, so every observed resource reads as unowned. */
const DIAGNOSE_OWNER: OwnerRef = { namespace: "ecsnet-diagnose", name: "diagnose", uid: "ecsnet-diagnose" };

/**
 * Run the checks against the VPC. Read-only. Rejects with `VpcNotFoundError` (topology), `ClusterNotFoundError`
 * (discovery), {@link DiagnoseInputError}, or the SDK's error on a failed call.
 */
export async function runDiagnose(opts: DiagnoseOptions, clients: DiagnoseClients): Promise<DiagnoseResult> {
  const region = opts.region ?? (await clients.ec2.region());
  const { vpcId } = opts;
  const topology = await resolveTopology(clients.ec2, { vpcId, region });
  const inVpc = new Set(topology.subnets.map((s) => s.id));
  const unknown = (opts.subnets ?? []).filter((s) => !inVpc.has(s));
  if (unknown.length) throw new DiagnoseInputError(`subnets ${unknown.join(", ")} are not in ${vpcId}`);
  const privateSubnets = topology.subnets.filter((s) => !s.isPublic).map((s) => s.id);

  let needs: WorkloadNeeds;
  if (opts.cluster) {
    if (!clients.ecs) throw new DiagnoseInputError("--cluster needs an ECS client");
    const discovered = await discoverWorkloads(clients.ecs, {
      cluster: opts.cluster,
      ...(opts.services?.length ? { services: opts.services } : {}),
    });
    needs = workloadNeeds(discovered, { region });
    const subnets = opts.subnets?.length ? opts.subnets : needs.taskSubnets.length ? needs.taskSubnets : privateSubnets;
    needs = { ...needs, taskSubnets: [...subnets].sort() };
  } else {
    needs = baselineNeeds({
      launchTypes: [opts.launchType ?? "FARGATE"],
      taskSubnets: opts.subnets?.length ? opts.subnets : privateSubnets,
    });
  }

  const observed = await observe(clients.ec2, { owner: DIAGNOSE_OWNER, vpcId, topology });
  const groupIds = [
    ...new Set([...observed.endpoints.flatMap((e) => e.securityGroupIds), ...needs.taskSecurityGroups]),
  ];
  const securityGroups = await fetchSecurityGroups(clients.ec2, { vpcId, groupIds });
  const checks = runChecks({
    topology,
    observed,
    needs,
    securityGroups,
    ...(opts.launchType ? { launchType: opts.launchType } : {}),
  });
  return { vpcId, region, needs, checks, exitCode: checks.some((c) => !c.ok) ? 1 : 0 };
}

/** The human report: what was checked against, then one line per check and the fix under each failure. */
export function renderDiagnoseTable(r: DiagnoseResult): string {
  const lines: string[] = [
    `ecsnet diagnose ${r.vpcId} (${r.region})`,
    `task subnets: ${r.needs.taskSubnets.join(", ") || "(none)"}`,
  ];
  lines.push("required endpoints:");
  for (const e of r.needs.endpoints) lines.push(`  ${e.padEnd(14)} ${r.needs.reasons[e] ?? ""}`);
  if (r.needs.needsInternet.length)
    lines.push(`images needing internet egress: ${r.needs.needsInternet.map((i) => i.image).join(", ")}`);
  for (const n of r.needs.notes) lines.push(`note: ${n}`);
  lines.push("");
  const nameW = Math.max(5, ...r.checks.map((c) => c.name.length));
  const resW = Math.max(8, ...r.checks.map((c) => (c.resource ?? "").length));
  lines.push(`  ${"CHECK".padEnd(nameW)}  ${"RESOURCE".padEnd(resW)}  RESULT`);
  for (const c of r.checks) {
    lines.push(`${c.ok ? "✓" : "✗"} ${c.name.padEnd(nameW)}  ${(c.resource ?? "").padEnd(resW)}  ${c.message}`);
    if (!c.ok && c.fix) lines.push(`  ${"".padEnd(nameW)}  ${"".padEnd(resW)}  fix: ${c.fix}`);
  }
  const failed = r.checks.filter((c) => !c.ok).length;
  lines.push("", failed ? `${failed} of ${r.checks.length} checks failed` : `all ${r.checks.length} checks passed`);
  return `${lines.join("\n")}\n`;
}

const list = (v: string, prev: string[] = []): string[] => [
  ...prev,
  ...v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
];

/** The `diagnose` command. Sets `process.exitCode` to 1 when any check fails. */
export function diagnoseCommand(): Command {
  return new Command("diagnose")
    .description("check a VPC's private path for ECS tasks (read-only) and print the fix for each failure")
    .requiredOption("--vpc <id>", "the VPC (vpc-...)")
    .option("--subnets <ids>", "task subnets, comma-separated (default: the services' or all private subnets)", list)
    .addOption(new Option("--launch-type <type>", "launch type of the tasks").choices(["FARGATE", "EC2"]))
    .option("--cluster <name>", "discover the needs from this ECS cluster's services")
    .option("--service <name>", "with --cluster: a service to check (repeatable or comma-separated)", list)
    .option("--region <region>", "AWS region (default: the SDK's configuration)")
    .option("--endpoint-url <url>", "EC2 and ECS endpoint (default: the SDK's configuration, AWS_ENDPOINT_URL*)")
    .option(
      "--role-arn <arn>",
      "assume this IAM role (on top of the SDK's credentials, AWS_PROFILE included) for every AWS call",
    )
    .option("--external-id <id>", "with --role-arn: the external id the role's trust policy requires")
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table"))
    .action(
      async (o: {
        vpc: string;
        subnets?: string[];
        launchType?: "FARGATE" | "EC2";
        cluster?: string;
        service?: string[];
        region?: string;
        endpointUrl?: string;
        output: "table" | "json";
        roleArn?: string;
        externalId?: string;
      }) => {
        const role = cliRole(o.roleArn, o.externalId);
        const aws = createAwsClients({
          ...(o.region ? { region: o.region } : {}),
          ...(o.endpointUrl ? { endpoint: o.endpointUrl } : {}),
          ...(role
            ? {
                credentials: assumeRoleCredentials({
                  account: role,
                  ...(o.region ? { region: o.region } : {}),
                  ...(o.endpointUrl ? { endpoint: o.endpointUrl } : {}),
                }),
              }
            : {}),
        });
        try {
          const result = await runDiagnose(
            {
              vpcId: o.vpc,
              ...(o.subnets ? { subnets: o.subnets } : {}),
              ...(o.launchType ? { launchType: o.launchType } : {}),
              ...(o.cluster ? { cluster: o.cluster } : {}),
              ...(o.service ? { services: o.service } : {}),
              ...(o.region ? { region: o.region } : {}),
            },
            { ec2: createEc2Port(aws.ec2), ecs: createEcsPort(aws.ecs) },
          );
          process.stdout.write(
            o.output === "json" ? `${JSON.stringify(result, null, 2)}\n` : renderDiagnoseTable(result),
          );
          process.exitCode = result.exitCode;
        } finally {
          aws.destroy();
        }
      },
    );
}
