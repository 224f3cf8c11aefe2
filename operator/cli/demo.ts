/**
 * `ecsnet demo`: the whole product on one laptop, on embedded defaults, talking only to 127.0.0.1.
 * Starts the sandbox AWS (a two-AZ VPC, an ECS app) and the sandbox Kubernetes API in process, runs the
 * operator, applies a PrivateEcsNetwork (NAT egress) and an EcrAccess (discovered from the ECS cluster),
 * shows them converge, injects four kinds of drift and times each repair, deletes everything and shows
 * the ordered teardown, then prints the AWS calls made. `--keep` leaves it running for kubectl.
 */
import { writeFile } from "node:fs/promises";
import { Command } from "commander";
import { allCrds } from "../api/all-crds.js";
import type { EcrAccess } from "../api/ecr-access.js";
import { API_VERSION, Kinds, TagKey } from "../api/group.js";
import type { PrivateEcsNetwork } from "../api/private-ecs-network.js";
import { createAwsClients } from "../aws/clients.js";
import { createEc2Port } from "../aws/ec2-sdk.js";
import type { Ec2Port } from "../aws/ec2-port.js";
import { KubeClient, loadKubeConfig, type KubeObject } from "../kube/client.js";
import { silentLogger } from "../observability/log.js";
import { startAwsSandbox, type AwsSandbox } from "../sandbox/aws/server.js";
import { seedEcsApp } from "../sandbox/aws/ecs/seeds.js";
import { startKubeSandbox, type KubeSandbox } from "../sandbox/kube/server.js";
import { LiveView, renderWorld } from "./demo-view.js";
import { startOperator, type RunningOperator } from "./operator.js";
import { cmp } from "../core/order.js";

const NS = "default";
const CREDENTIALS = { accessKeyId: "demo", secretAccessKey: "demo" };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll `check` every 200 ms until it returns a value other than false/undefined, or fail after `ms`. */
async function until<T>(
  what: string,
  ms: number,
  check: () => Promise<T | false | undefined>,
  tick?: () => Promise<void>,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    await tick?.();
    const v = await check();
    if (v !== false && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`demo: timed out after ${ms / 1000}s waiting for ${what}`);
    await sleep(200);
  }
}

interface World {
  aws: AwsSandbox;
  kubeSandbox: KubeSandbox;
  kube: KubeClient;
  ec2: Ec2Port;
  operator: RunningOperator;
  close(): Promise<void>;
}

async function boot(view: LiveView): Promise<World> {
  const aws = await startAwsSandbox({ port: 0, seed: "two-az-vpc", latency: "realistic", timeScale: 0.02 });
  const kubeSandbox = await startKubeSandbox({ port: 0, crds: allCrds() });
  const clients = createAwsClients({ region: aws.region, endpoint: aws.endpoint, credentials: CREDENTIALS });
  const ec2 = createEc2Port(clients.ec2);
  const operator = await startOperator({
    kubeconfig: { yaml: kubeSandbox.kubeconfig },
    concurrency: 4,
    resyncMs: 2_000,
    pendingRequeueMs: 500,
    defaultRegion: aws.region,
    aws: { endpoint: aws.endpoint, credentials: CREDENTIALS },
    logger: silentLogger,
  });
  view.say(
    `sandbox AWS ${aws.endpoint} (two-AZ VPC ${aws.seeded?.vpcId}), sandbox Kubernetes ${kubeSandbox.url}, operator running`,
  );
  return {
    aws,
    kubeSandbox,
    kube: new KubeClient(loadKubeConfig({ yaml: kubeSandbox.kubeconfig })),
    ec2,
    operator,
    async close() {
      await operator.stop();
      clients.destroy();
      await kubeSandbox.close();
      await aws.close();
    },
  };
}

async function applyExamples(w: World): Promise<void> {
  const s = w.aws.seeded!;
  const taskSg = await w.ec2.createSecurityGroup({
    vpcId: s.vpcId,
    groupName: "apps-tasks",
    description: "ECS tasks of the apps cluster",
    tags: { Name: "apps-tasks" },
  });
  seedEcsApp(w.aws.ecs, {
    subnets: s.privateSubnetIds,
    securityGroups: [taskSg],
    accountId: "123456789012",
    region: w.aws.region,
    kind: "fargate-app",
  });
  const network = {
    apiVersion: API_VERSION,
    kind: Kinds.PrivateEcsNetwork.kind,
    metadata: { name: "apps", namespace: NS },
    spec: {
      vpcId: s.vpcId,
      privateSubnets: { ids: s.privateSubnetIds },
      launchTypes: ["FARGATE"],
      securityGroup: { allowFromPrivateSubnets: true, allowFromSecurityGroupIds: [taskSg] },
      egress: { mode: "NatGateway", natGateway: { placement: "OnePerAz", publicSubnetIds: s.publicSubnetIds } },
      tags: { team: "platform" },
    },
  };
  const access = {
    apiVersion: API_VERSION,
    kind: Kinds.EcrAccess.kind,
    metadata: { name: "apps", namespace: NS },
    spec: { networkRef: { name: "apps" }, ecs: { cluster: "apps" }, restrictEndpointPolicies: true },
  };
  await w.kube.create({ resource: Kinds.PrivateEcsNetwork, body: network as KubeObject });
  await w.kube.create({ resource: Kinds.EcrAccess, body: access as KubeObject });
}

const getNet = (w: World) =>
  w.kube.get<PrivateEcsNetwork & KubeObject>({ resource: Kinds.PrivateEcsNetwork, namespace: NS, name: "apps" });
const getAccess = (w: World) =>
  w.kube.get<EcrAccess & KubeObject>({ resource: Kinds.EcrAccess, namespace: NS, name: "apps" });
const isTrue = (o: { status?: { conditions?: { type: string; status: string }[] } } | undefined, type: string) =>
  o?.status?.conditions?.some((c) => c.type === type && c.status === "True") ?? false;

interface Drift {
  readonly name: string;
  inject(w: World, net: PrivateEcsNetwork): Promise<string>;
  repaired(w: World, net: PrivateEcsNetwork, before: string): Promise<boolean>;
}

const ownedBy = (tags: Record<string, string>, net: PrivateEcsNetwork) => tags[TagKey.OwnerUid] === net.metadata.uid;

const DRIFTS: readonly Drift[] = [
  {
    name: "ecr.dkr endpoint deleted",
    async inject(w, net) {
      const id = net.status!.endpoints!.find((e) => e.service === "ecr.dkr")!.id;
      await w.ec2.deleteVpcEndpoint(id);
      return id;
    },
    async repaired(w, net, before) {
      const eps = await w.ec2.describeVpcEndpoints({ vpcId: net.spec.vpcId });
      return eps.some(
        (e) => e.id !== before && e.serviceName.endsWith(".ecr.dkr") && e.state === "available" && ownedBy(e.tags, net),
      );
    },
  },
  {
    name: "S3 route removed from a private route table",
    async inject(w, net) {
      const rt = net.status!.s3RouteTableIds![0]!;
      await w.ec2.modifyVpcEndpoint({ endpointId: net.status!.s3GatewayEndpointId!, removeRouteTableIds: [rt] });
      return rt;
    },
    async repaired(w, net, rt) {
      const eps = await w.ec2.describeVpcEndpoints({ vpcId: net.spec.vpcId });
      return eps.some((e) => e.id === net.status!.s3GatewayEndpointId && e.routeTableIds.includes(rt));
    },
  },
  {
    name: "tcp/443 rule revoked from the endpoint security group",
    async inject(w, net) {
      const sg = net.status!.securityGroupId!;
      const rules = (await w.ec2.describeSecurityGroupRules({ groupIds: [sg] })).get(sg) ?? [];
      const rule = rules.find((r) => !r.isEgress && r.cidr)!;
      await w.ec2.revokeRules({ groupId: sg, ingressRuleIds: [rule.ruleId], egressRuleIds: [] });
      return rule.cidr!;
    },
    async repaired(w, net, cidr) {
      const sg = net.status!.securityGroupId!;
      const rules = (await w.ec2.describeSecurityGroupRules({ groupIds: [sg] })).get(sg) ?? [];
      return rules.some((r) => !r.isEgress && r.cidr === cidr && r.fromPort === 443);
    },
  },
  {
    name: "NAT gateway deleted (its route becomes a blackhole)",
    async inject(w, net) {
      const nat = net.status!.natGateways![0]!;
      await w.ec2.deleteNatGateway(nat.id);
      return nat.id;
    },
    async repaired(w, net, before) {
      const tables = await w.ec2.describeRouteTables({ vpcId: net.spec.vpcId });
      const nats = await w.ec2.describeNatGateways({ vpcId: net.spec.vpcId });
      const available = new Set(nats.filter((n) => n.state === "available" && n.id !== before).map((n) => n.id));
      const defaults = tables.flatMap((t) =>
        t.routes.filter((r) => r.destination === "0.0.0.0/0" && r.target.kind === "nat"),
      );
      return defaults.length > 0 && defaults.every((r) => r.state === "active" && available.has(r.target.id));
    },
  },
];

async function story(w: World, view: LiveView, keep: boolean): Promise<void> {
  const started = Date.now();
  const secs = () => ((Date.now() - started) / 1000).toFixed(1);
  const show = async () => view.frame(renderWorld(await getNet(w), await getAccess(w)));

  await applyExamples(w);
  view.say(
    `[${secs()}s] applied PrivateEcsNetwork default/apps (NAT per AZ) and EcrAccess default/apps (ECS cluster "apps")`,
  );
  await until(
    "the network and the ECR path to be Ready",
    60_000,
    async () => isTrue(await getNet(w), "Ready") && isTrue(await getAccess(w), "PathVerified"),
    show,
  );
  await show();
  view.say(`[${secs()}s] converged: network Ready, every path check passes`);

  for (const d of DRIFTS) {
    const net = (await getNet(w))!;
    const before = await d.inject(w, net);
    const t0 = Date.now();
    view.say(`[${secs()}s] drift: ${d.name} (${before})`);
    await until(`repair of "${d.name}"`, 30_000, () => d.repaired(w, net, before));
    view.say(`[${secs()}s]   repaired in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
  await until("Ready after the repairs", 30_000, async () => isTrue(await getNet(w), "Ready"), show);
  await show();

  if (keep) return;
  await w.kube.delete({ resource: Kinds.EcrAccess, namespace: NS, name: "apps" });
  await w.kube.delete({ resource: Kinds.PrivateEcsNetwork, namespace: NS, name: "apps" });
  view.say(`[${secs()}s] deleted both objects; the finalizer tears AWS down in dependency order:`);
  await until("the network's finalizer to finish", 60_000, async () => (await getNet(w)) === undefined);
  const events = (
    w.kubeSandbox.admin.objects("events") as {
      reason?: string;
      message?: string;
      firstTimestamp?: string;
      eventTime?: string;
      involvedObject?: { kind?: string };
    }[]
  )
    .filter((e) => e.reason === "Deleted" && e.involvedObject?.kind === Kinds.PrivateEcsNetwork.kind)
    .sort((a, b) => cmp(String(a.firstTimestamp ?? a.eventTime), String(b.firstTimestamp ?? b.eventTime)));
  events.forEach((e, i) => view.say(`   ${String(i + 1).padStart(2)}. ${e.message}`));
  const s = w.aws.seeded!;
  const [eps, nats] = await Promise.all([
    w.ec2.describeVpcEndpoints({ vpcId: s.vpcId }),
    w.ec2.describeNatGateways({ vpcId: s.vpcId }),
  ]);
  // Deleting and deleted resources stay visible in AWS for a while; they are gone for every purpose.
  const live = (x: { state: string; tags: Readonly<Record<string, string>> }) =>
    x.tags[TagKey.ManagedBy] === "ecsnet" && !["deleting", "deleted"].includes(x.state);
  const left = eps.filter(live).length + nats.filter(live).length;
  view.say(`[${secs()}s] teardown complete: ${left} ecsnet-managed endpoints or NAT gateways left in AWS`);
  if (left > 0) throw new Error(`demo: ${left} managed resources left after deletion`);
}

function printCalls(aws: AwsSandbox): void {
  const calls = Object.entries(aws.admin.calls()).sort(([, a], [, b]) => b - a);
  const total = calls.reduce((n, [, c]) => n + c, 0);
  const mutating = calls.filter(([op]) => !/^(Describe|List|Get)/.test(op)).reduce((n, [, c]) => n + c, 0);
  process.stdout.write(`\nAWS calls made: ${total} (${mutating} mutating)\n`);
  for (const [op, n] of calls) process.stdout.write(`  ${op.padEnd(34)} ${n}\n`);
}

/**
 * The kubectl commands `demo --keep` prints (each runs in test/integration/sandbox/kube-docs-kubectl.test.ts).
 * A watch takes one resource type, so the two kinds are listed together (their `ecsnet` category) and
 * watched one at a time.
 */
export function keepHints(kubeconfig: string): string[] {
  return [
    `  kubectl --kubeconfig ${kubeconfig} get ecsnet -A -o wide                   # both kinds`,
    `  kubectl --kubeconfig ${kubeconfig} get privateecsnetworks -A -o wide -w    # watch one kind`,
    `  kubectl --kubeconfig ${kubeconfig} describe privateecsnetworks -A`,
    `  kubectl --kubeconfig ${kubeconfig} explain privateecsnetwork.spec.egress.natGateway`,
  ];
}

/** The `demo` command. */
export function demoCommand(): Command {
  return new Command("demo")
    .description(
      "run everything on embedded defaults: sandbox AWS + sandbox Kubernetes + the operator, converge, drift, repair, teardown",
    )
    .option("--keep", "leave everything running after the repairs (no teardown) and print a kubeconfig for kubectl")
    .option("--kubeconfig <path>", "with --keep: where to write the kubeconfig", "ecsnet-demo.kubeconfig")
    .action(async (o: { keep?: boolean; kubeconfig: string }) => {
      const view = new LiveView(process.stdout);
      const world = await boot(view);
      try {
        await story(world, view, Boolean(o.keep));
        printCalls(world.aws);
        if (o.keep) {
          await writeFile(o.kubeconfig, world.kubeSandbox.kubeconfig);
          view.say(`\nstill running. Try:\n${keepHints(o.kubeconfig).join("\n")}\nCtrl-C to stop.`);
          await new Promise<void>((r) => process.once("SIGINT", () => r()));
        }
      } finally {
        await world.close();
      }
    });
}
