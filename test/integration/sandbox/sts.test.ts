/**
 * The sandbox's STS through the real SDK (@aws-sdk/client-sts, @aws-sdk/credential-providers): AssumeRole and
 * GetCallerIdentity answered as AWS answers them (API reference: API_AssumeRole.html, API_GetCallerIdentity.html),
 * AccessDenied for a role that does not exist, does not trust the caller, or wants another external id, and
 * temporary credentials that select their account's EC2 state.
 */
import { CreateVpcCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { startAwsSandbox, type AwsSandbox } from "../../../operator/sandbox/aws/server.js";

const BASE = { accessKeyId: "test", secretAccessKey: "test" };
const TEAM_A = "arn:aws:iam::111111111111:role/ecsnet-target";
const TEAM_B = "arn:aws:iam::222222222222:role/ecsnet-target";

let sandbox: AwsSandbox;
const sts = (credentials = BASE) =>
  new STSClient({ endpoint: sandbox.endpoint, region: "us-east-1", credentials, maxAttempts: 1 });

beforeAll(async () => {
  sandbox = await startAwsSandbox({
    roles: [
      { arn: TEAM_A },
      { arn: TEAM_B, externalId: "tenant-b" },
      { arn: "arn:aws:iam::333333333333:role/nobody-trusts-you", trustedPrincipals: ["999999999999"] },
    ],
  });
});
afterAll(() => sandbox.close());
beforeEach(() => {
  for (const id of ["111111111111", "222222222222", "333333333333"]) sandbox.admin.account(id).reset();
  sandbox.admin.resetCalls();
});

describe("sandbox STS", () => {
  it("answers GetCallerIdentity for the base credentials with the default account", async () => {
    const me = await sts().send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe("123456789012");
    expect(me.Arn).toBe("arn:aws:iam::123456789012:user/ecsnet-sandbox");
  });

  it("issues expiring temporary credentials whose caller identity is the role session in the role's account", async () => {
    const out = await sts().send(
      new AssumeRoleCommand({ RoleArn: TEAM_A, RoleSessionName: "ecsnet-test", DurationSeconds: 900 }),
    );
    const c = out.Credentials!;
    expect(c.AccessKeyId).toMatch(/^ASIA/);
    expect(c.SessionToken).toBeTruthy();
    const lifetime = c.Expiration!.getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(890_000);
    expect(lifetime).toBeLessThanOrEqual(900_000);
    expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::111111111111:assumed-role/ecsnet-target/ecsnet-test");
    const me = await sts({
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    } as typeof BASE).send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe("111111111111");
    expect(me.Arn).toBe("arn:aws:sts::111111111111:assumed-role/ecsnet-target/ecsnet-test");
  });

  it.each([
    ["a role that does not exist", { RoleArn: "arn:aws:iam::111111111111:role/missing" }],
    ["a role that does not trust the caller", { RoleArn: "arn:aws:iam::333333333333:role/nobody-trusts-you" }],
    ["a wrong external id", { RoleArn: TEAM_B, ExternalId: "someone-else" }],
    ["a missing external id", { RoleArn: TEAM_B }],
  ])("denies AssumeRole for %s with AccessDenied, as AWS words it", async (_name, params) => {
    const err = (await sts()
      .send(new AssumeRoleCommand({ RoleSessionName: "s1", ...params }))
      .catch((e: unknown) => e)) as { name: string; message: string; $metadata: { httpStatusCode: number } };
    expect(err.name).toBe("AccessDenied");
    expect(err.$metadata.httpStatusCode).toBe(403);
    expect(err.message).toBe(
      `User: arn:aws:iam::123456789012:user/ecsnet-sandbox is not authorized to perform: sts:AssumeRole on resource: ${params.RoleArn}`,
    );
  });

  it("rejects DurationSeconds under AWS's 900 s minimum with ValidationError", async () => {
    const err = (await sts()
      .send(new AssumeRoleCommand({ RoleArn: TEAM_A, RoleSessionName: "s1", DurationSeconds: 60 }))
      .catch((e: unknown) => e)) as { name: string };
    expect(err.name).toBe("ValidationError");
  });

  it("keeps each account's EC2 state apart: the same CIDR in two accounts, each seeing only its own VPC", async () => {
    const ec2In = (roleArn: string, externalId?: string) =>
      new EC2Client({
        endpoint: sandbox.endpoint,
        region: "us-east-1",
        maxAttempts: 1,
        credentials: fromTemporaryCredentials({
          masterCredentials: BASE,
          params: { RoleArn: roleArn, RoleSessionName: "ecsnet", ...(externalId ? { ExternalId: externalId } : {}) },
          clientConfig: { endpoint: sandbox.endpoint, region: "us-east-1" },
        }),
      });
    const a = ec2In(TEAM_A);
    const b = ec2In(TEAM_B, "tenant-b");
    const base = new EC2Client({ endpoint: sandbox.endpoint, region: "us-east-1", credentials: BASE, maxAttempts: 1 });
    const va = (await a.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }))).Vpc!;
    const vb = (await b.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }))).Vpc!;
    expect(va.VpcId).not.toBe(vb.VpcId);
    expect(va.OwnerId).toBe("111111111111");
    expect(vb.OwnerId).toBe("222222222222");
    const ids = async (c: EC2Client) => ((await c.send(new DescribeVpcsCommand({}))).Vpcs ?? []).map((v) => v.VpcId);
    expect(await ids(a)).toEqual([va.VpcId]);
    expect(await ids(b)).toEqual([vb.VpcId]);
    expect(await ids(base)).not.toContain(va.VpcId);
    // Counted per account: each role's account saw its AssumeRole and its own EC2 calls only.
    expect(sandbox.admin.account("111111111111").calls()).toEqual({ AssumeRole: 1, CreateVpc: 1, DescribeVpcs: 1 });
    expect(sandbox.admin.account("222222222222").calls()).toEqual({ AssumeRole: 1, CreateVpc: 1, DescribeVpcs: 1 });
    expect(sandbox.admin.calls()).toEqual({ AssumeRole: 2, DescribeVpcs: 1 });
    for (const c of [a, b, base]) c.destroy();
  });

  it("refuses temporary credentials once they expired (ExpiredToken), and serves the admin API per account", async () => {
    const short = await startAwsSandbox({ roles: [{ arn: TEAM_A }], stsSessionLifetimeMs: 300 });
    try {
      const c = (
        await new STSClient({ endpoint: short.endpoint, region: "us-east-1", credentials: BASE }).send(
          new AssumeRoleCommand({ RoleArn: TEAM_A, RoleSessionName: "short" }),
        )
      ).Credentials!;
      await new Promise((r) => setTimeout(r, 400));
      const ec2 = new EC2Client({
        endpoint: short.endpoint,
        region: "us-east-1",
        maxAttempts: 1,
        credentials: {
          accessKeyId: c.AccessKeyId!,
          secretAccessKey: c.SecretAccessKey!,
          sessionToken: c.SessionToken!,
        },
      });
      const err = (await ec2.send(new DescribeVpcsCommand({})).catch((e: unknown) => e)) as { name: string };
      expect(err.name).toBe("ExpiredToken");
      ec2.destroy();
      const seeded = await fetch(`${short.endpoint}/_sandbox/accounts/111111111111/seed`, {
        method: "POST",
        body: JSON.stringify({ name: "two-az-vpc" }),
      }).then((r) => r.json() as Promise<{ vpcId: string }>);
      expect(seeded.vpcId).toMatch(/^vpc-/);
      const calls = await fetch(`${short.endpoint}/_sandbox/accounts/111111111111/calls`).then((r) => r.json());
      expect(calls).toEqual({ AssumeRole: 1, DescribeVpcs: 1 });
    } finally {
      await short.close();
    }
  });
});
