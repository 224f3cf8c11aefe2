/**
 * Many AWS accounts from one `ecsnet run` (issue 14): AwsAccounts name roles in sandbox accounts; two
 * networks with the same VPC CIDRs converge, each in its own account; a network whose namespace an account
 * does not allow is Stalled (AccountNotAllowed) with zero calls in that account, STS included (counted by the
 * sandbox per account); and the SDK refreshes the temporary credentials before they expire without a failed
 * reconcile. The sandbox plays the accounts and their roles, so every test here needs it.
 */
import { Kinds } from "../../operator/api/group.js";
import type { KubeObject } from "../../operator/kube/client.js";
import type { SeedResult } from "../../operator/sandbox/aws/server.js";
import { seedEcsApp } from "../../operator/sandbox/aws/ecs/seeds.js";
import {
  ECRA,
  NEEDS_SANDBOX,
  PEN,
  REAL_TARGET,
  conditionOf,
  eventsFor,
  eventually,
  itWithSandbox,
  sleep,
  spawnOperator,
  startE2eWorld,
  type E2eWorld,
  type OperatorProcess,
} from "../helpers/operator.js";
import { getNetwork, networkManifest, readyNetwork } from "./aws-world.js";

const ACCT = Kinds.AwsAccount;
const A = "111111111111";
const B = "222222222222";
const C = "333333333333";
const role = (account: string) => `arn:aws:iam::${account}:role/ecsnet-target`;
// Credentials live 303 s; the SDK takes them as expired 300 s before that (@smithy/core EXPIRATION_MS), so it
// assumes the role again about every 3 s: a test can watch several refreshes.
const LIFETIME_MS = 303_000;

let world: E2eWorld;
let operator: OperatorProcess;
const seeded: Record<string, SeedResult> = {};

beforeAll(async () => {
  world = await startE2eWorld({
    aws: {
      roles: [{ arn: role(A) }, { arn: role(B), externalId: "tenant-b" }, { arn: role(C) }],
      stsSessionLifetimeMs: LIFETIME_MS,
    },
  });
  if (REAL_TARGET) return;
  for (const id of [A, B, C]) seeded[id] = world.awsSandbox!.admin.account(id).seed("two-az-vpc");
  operator = await spawnOperator(world);
});
afterAll(async () => {
  for (const name of ["team-a", "team-b", "team-c"])
    await world?.kube.delete({ resource: ACCT, name }).catch(() => false);
  await world?.close();
});

const awsAccount = (name: string, account: string, namespaces: string[], externalId?: string): KubeObject => ({
  apiVersion: `${ACCT.group}/${ACCT.version}`,
  kind: ACCT.kind,
  metadata: { name },
  spec: {
    roleArn: role(account),
    ...(externalId ? { externalId } : {}),
    regions: [world.region],
    namespaces: { names: namespaces },
  },
});

const readyAccount = (name: string) =>
  eventually(
    async () => {
      const a = await world.kube.get<KubeObject & { status?: { accountId?: string } }>({ resource: ACCT, name });
      if (conditionOf(a, "Ready")?.status !== "True") throw new Error(JSON.stringify(a?.status ?? null));
      return a!;
    },
    { what: `AwsAccount ${name} is Ready` },
  );

/** The VPC endpoints of one sandbox account, with the owner tag of each. */
function endpointsIn(account: string): { vpcId: string; owner: string | undefined }[] {
  const dump = world.awsSandbox!.admin.account(account).dump() as {
    ec2: { endpoints: Record<string, { vpcId: string; id: string }>; tags: Record<string, Record<string, string>> };
  };
  return Object.values(dump.ec2.endpoints).map((e) => ({
    vpcId: e.vpcId,
    owner: dump.ec2.tags[e.id]?.["ecsnet.dev/owner"],
  }));
}

describe("one operator, several AWS accounts", () => {
  itWithSandbox(
    `converges two networks with the same CIDRs in two accounts, each only in its own ${NEEDS_SANDBOX}`,
    async () => {
      expect(seeded[A]!.vpcId).not.toBe(seeded[B]!.vpcId);
      await world.kube.create({ resource: ACCT, body: awsAccount("team-a", A, [world.namespace]) });
      await world.kube.create({ resource: ACCT, body: awsAccount("team-b", B, [world.namespace], "tenant-b") });
      expect((await readyAccount("team-a")).status?.accountId).toBe(A);
      expect((await readyAccount("team-b")).status?.accountId).toBe(B);

      for (const [name, account, ref] of [
        ["net-a", A, "team-a"],
        ["net-b", B, "team-b"],
      ] as const) {
        const body = networkManifest(world, name, seeded[account]!);
        await world.kube.create({
          resource: PEN,
          body: { ...body, spec: { ...(body.spec as object), accountRef: { name: ref } } },
        });
      }
      await readyNetwork(world, "net-a", 1);
      await readyNetwork(world, "net-b", 1);

      const inA = endpointsIn(A);
      const inB = endpointsIn(B);
      expect(inA.length).toBeGreaterThan(0);
      expect(inB.length).toBeGreaterThan(0);
      expect(inA.every((e) => e.vpcId === seeded[A]!.vpcId && e.owner === `${world.namespace}/net-a`)).toBe(true);
      expect(inB.every((e) => e.vpcId === seeded[B]!.vpcId && e.owner === `${world.namespace}/net-b`)).toBe(true);
      // Nothing of either network in the operator's own (default) account.
      expect(endpointsIn("123456789012")).toEqual([]);
    },
  );

  itWithSandbox(
    `stalls a network whose namespace the account does not allow, with zero calls in that account ${NEEDS_SANDBOX}`,
    async () => {
      await world.kube.create({ resource: ACCT, body: awsAccount("team-c", C, ["somebody-else"]) });
      // The AwsAccount itself is verified (AssumeRole + GetCallerIdentity in C); count from after that.
      await readyAccount("team-c");
      world.awsSandbox!.admin.account(C).resetCalls();

      const body = networkManifest(world, "net-c", seeded[C]!);
      await world.kube.create({
        resource: PEN,
        body: { ...body, spec: { ...(body.spec as object), accountRef: { name: "team-c" } } },
      });
      const n = await eventually(
        async () => {
          const got = await getNetwork(world, "net-c");
          const stalled = conditionOf(got, "Stalled");
          if (stalled?.status !== "True") throw new Error(JSON.stringify(got?.status ?? null));
          return got!;
        },
        { what: "net-c is Stalled" },
      );
      const stalled = conditionOf(n, "Stalled")!;
      expect(stalled.reason).toBe("AccountNotAllowed");
      expect(stalled.message).toContain("spec.namespaces.names");
      // Several resyncs later (1.5 s each), still not one call in account C: no STS, no EC2.
      await sleep(4_000);
      expect(world.awsSandbox!.admin.account(C).calls()).toEqual({});
      // Neither status nor Events name the account's ids or role.
      const events = (await eventsFor(world, "net-c")).map((e) => e.message ?? "").join("\n");
      for (const text of [JSON.stringify(n.status), events]) {
        expect(text).not.toContain(C);
        expect(text).not.toContain("role/ecsnet-target");
      }
      // It never reached AWS, so it carries no finalizer: deleting it needs nothing and waits for nothing.
      expect(n.metadata.finalizers ?? []).toEqual([]);
      await world.kube.delete({ resource: PEN, namespace: world.namespace, name: "net-c" });
      await eventually(
        async () => {
          if (await getNetwork(world, "net-c")) throw new Error("net-c still exists");
        },
        { what: "net-c is gone" },
      );
      expect(world.awsSandbox!.admin.account(C).calls()).toEqual({});
    },
  );

  itWithSandbox(`discovers an EcrAccess's workloads from ECS in its network's account ${NEEDS_SANDBOX}`, async () => {
    const dump = world.awsSandbox!.admin.account(A).dump() as { ec2: { sgs: Record<string, { vpcId: string }> } };
    const sg = Object.entries(dump.ec2.sgs).find(([, g]) => g.vpcId === seeded[A]!.vpcId)![0];
    seedEcsApp(world.awsSandbox!.ecsOf(A), {
      subnets: seeded[A]!.privateSubnetIds,
      securityGroups: [sg],
      accountId: A,
      region: world.region,
      kind: "fargate-app",
    });
    await world.kube.create({
      resource: ECRA,
      body: {
        apiVersion: `${ECRA.group}/${ECRA.version}`,
        kind: ECRA.kind,
        metadata: { name: "apps-a", namespace: world.namespace },
        spec: { networkRef: { name: "net-a" }, ecs: { cluster: "apps" } },
      },
    });
    // The access names no account: its network's (team-a) serves its ECS calls too.
    const required = await eventually(
      async () => {
        const got = await world.kube.get<KubeObject & { status?: { requiredEndpoints?: string[] } }>({
          resource: ECRA,
          namespace: world.namespace,
          name: "apps-a",
        });
        const r = got?.status?.requiredEndpoints ?? [];
        if (!r.includes("secretsmanager")) throw new Error(JSON.stringify(got?.status ?? null));
        return r;
      },
      { what: "apps-a discovered its workloads in account A" },
    );
    expect(required).toEqual(expect.arrayContaining(["ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm"]));
    expect(world.awsSandbox!.admin.account(A).calls().ListServices).toBeGreaterThan(0);
    expect(world.awsSandbox!.admin.calls().ListServices ?? 0).toBe(0);
    await world.kube.delete({ resource: ECRA, namespace: world.namespace, name: "apps-a" });
  });

  itWithSandbox(
    `reports an AwsAccount whose role cannot be assumed as Stalled (AssumeRoleFailed) ${NEEDS_SANDBOX}`,
    async () => {
      await world.kube.create({ resource: ACCT, body: awsAccount("team-bad", B, [world.namespace], "not-tenant-b") });
      const stalled = await eventually(
        async () => {
          const a = await world.kube.get({ resource: ACCT, name: "team-bad" });
          const c = conditionOf(a, "Stalled");
          if (c?.status !== "True") throw new Error(JSON.stringify(a?.status ?? null));
          return c;
        },
        { what: "team-bad is Stalled" },
      );
      expect(stalled.reason).toBe("AssumeRoleFailed");
      expect(stalled.message).toContain("AccessDenied");
      expect(conditionOf(await world.kube.get({ resource: ACCT, name: "team-bad" }), "Ready")?.status).toBe("False");
      await world.kube.delete({ resource: ACCT, name: "team-bad" });
    },
  );

  itWithSandbox(
    `stalls an EcrAccess naming an account its namespace may not use, with zero calls there ${NEEDS_SANDBOX}`,
    async () => {
      world.awsSandbox!.admin.account(C).resetCalls();
      await world.kube.create({
        resource: ECRA,
        body: {
          apiVersion: `${ECRA.group}/${ECRA.version}`,
          kind: ECRA.kind,
          metadata: { name: "apps-c", namespace: world.namespace },
          spec: { networkRef: { name: "net-a" }, accountRef: { name: "team-c" }, repositories: ["team/web"] },
        },
      });
      const stalled = await eventually(
        async () => {
          const got = await world.kube.get({ resource: ECRA, namespace: world.namespace, name: "apps-c" });
          const c = conditionOf(got, "Stalled");
          if (c?.status !== "True") throw new Error(JSON.stringify(got?.status ?? null));
          return c;
        },
        { what: "apps-c is Stalled" },
      );
      expect(stalled.reason).toBe("AccountNotAllowed");
      expect(stalled.message).not.toContain(C);
      await sleep(2_000);
      expect(world.awsSandbox!.admin.account(C).calls()).toEqual({});
      // The network it names stays Ready in its own account: a refused access does not hold it up.
      await readyNetwork(world, "net-a");
    },
  );

  itWithSandbox(
    `refreshes each account's credentials before they expire, without a failed reconcile ${NEEDS_SANDBOX}`,
    async () => {
      await readyNetwork(world, "net-a");
      const assumed = () => world.awsSandbox!.admin.account(A).calls().AssumeRole ?? 0;
      const before = assumed();
      const failuresBefore = await reconcileErrors();
      // Converged networks are watched by the shared sweep (ADR 0008), which reads account A with its assumed
      // credentials every 1.5 s: those reads are the real work that must never fail across a refresh.
      const describes = () =>
        Object.entries(world.awsSandbox!.admin.account(A).calls())
          .filter(([op]) => op.startsWith("Describe"))
          .reduce((sum, [, n]) => sum + n, 0);
      const describesBefore = describes();
      // Two-plus credential lifetimes as the SDK sees them (3 s each), with a resync every 1.5 s.
      await sleep(8_000);
      expect(assumed()).toBeGreaterThanOrEqual(before + 2);
      expect(await reconcileErrors()).toBe(failuresBefore);
      // The sweeps did read account A meanwhile (at least three of them), so "no failure" is about real work.
      expect(describes()).toBeGreaterThanOrEqual(describesBefore + 3 * 4);
      // No call was ever refused as made with expired credentials, and the network stayed Ready.
      expect(conditionOf(await getNetwork(world, "net-a"), "Ready")?.status).toBe("True");
      const text = (await operator.http("/metrics")).body;
      expect(text).not.toMatch(/ecsnet_aws_api_calls_total\{[^}]*outcome="error"[^}]*account="team-a"\}/);
      expect(text).toMatch(/ecsnet_aws_api_calls_total\{[^}]*account="team-a"\} [1-9]/);
    },
  );
});

/** Reconciles of the network controller with `result`, from the operator's metrics. */
async function reconciles(result: string): Promise<number> {
  const text = (await operator.http("/metrics")).body;
  let sum = 0;
  for (const m of text.matchAll(/^ecsnet_reconcile_total\{([^}]*)\} (\d+)/gm))
    if (m[1]!.includes(`result="${result}"`) && m[1]!.includes('controller="privateecsnetwork"')) sum += Number(m[2]);
  return sum;
}
const reconcileErrors = () => reconciles("error");
