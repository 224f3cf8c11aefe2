/**
 * EC2's idempotency as the sandbox plays it, on a clock the test moves. What AWS documents
 * (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html and
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Run_Instance_Idempotency.html):
 * - a retry with the same ClientToken and the same parameters returns the original resource, in whatever
 *   state it is now, deleted included; other parameters fail with IdempotentParameterMismatch;
 * - tokens are scoped per account, Region and action, and remembered for at least 24 hours after the
 *   resource ends (the only figure AWS gives, for RunInstances);
 * - deleted NAT gateways stay visible for about an hour, endpoints in `deleted` for a while, then vanish.
 * The sandbox's windows are time-scaled: here 1 s visible and 24 s of token memory (the same 1 : 24 ratio).
 */
import {
  EC2Client,
  AllocateAddressCommand,
  CreateNatGatewayCommand,
  CreateVpcEndpointCommand,
  DeleteNatGatewayCommand,
  DeleteVpcEndpointsCommand,
  DescribeNatGatewaysCommand,
  DescribeVpcEndpointsCommand,
} from "@aws-sdk/client-ec2";
import { startAwsSandbox, type AwsSandbox } from "../../../operator/sandbox/aws/server.js";
import { ec2Client } from "../../helpers/aws-sandbox.js";

let sb: AwsSandbox;
let ec2: EC2Client;
let clock = 1_000_000;
const VISIBLE = 1_000;
const TOKEN_TTL = 24_000;

beforeAll(async () => {
  sb = await startAwsSandbox({
    seed: "two-az-vpc",
    now: () => clock,
    delays: { deletedVisibleMs: VISIBLE, clientTokenTtlMs: TOKEN_TTL },
  });
  ec2 = ec2Client(sb.endpoint, { region: sb.region });
});
afterAll(async () => {
  ec2.destroy();
  await sb.close();
});

const errorName = (p: Promise<unknown>) =>
  p.then(
    () => "no error",
    (e: Error) => e.name,
  );
const s = () => sb.seeded!;
const nat = (token: string, allocationId: string, subnet = s().publicSubnetIds[0]!) =>
  ec2.send(new CreateNatGatewayCommand({ SubnetId: subnet, AllocationId: allocationId, ClientToken: token }));
const endpoint = (token: string, routeTableIds = [s().privateRouteTableIds[0]!]) =>
  ec2.send(
    new CreateVpcEndpointCommand({
      VpcId: s().vpcId,
      VpcEndpointType: "Gateway",
      ServiceName: `com.amazonaws.${sb.region}.s3`,
      RouteTableIds: routeTableIds,
      ClientToken: token,
    }),
  );
const listedNats = async () =>
  ((await ec2.send(new DescribeNatGatewaysCommand({}))).NatGateways ?? []).map((n) => n.NatGatewayId);
const listedEndpoints = async () =>
  ((await ec2.send(new DescribeVpcEndpointsCommand({}))).VpcEndpoints ?? []).map((e) => e.VpcEndpointId);

describe("a NAT gateway's ClientToken", () => {
  it("answers with the original gateway while it lives, when deleted, and after it left Describe, until the token expires", async () => {
    const alloc = (await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }))).AllocationId!;
    const first = (await nat("nat-token-1", alloc)).NatGateway!;
    expect((await nat("nat-token-1", alloc)).NatGateway!.NatGatewayId).toBe(first.NatGatewayId);
    expect(await errorName(nat("nat-token-1", alloc, s().publicSubnetIds[1]))).toBe("IdempotentParameterMismatch");

    await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: first.NatGatewayId }));
    sb.admin.settle();
    const replay = (await nat("nat-token-1", alloc)).NatGateway!;
    expect([replay.NatGatewayId, replay.State]).toEqual([first.NatGatewayId, "deleted"]);

    // Past the visibility window: gone from Describe, still the answer to its token.
    clock += VISIBLE + 1;
    expect(await listedNats()).not.toContain(first.NatGatewayId);
    const late = (await nat("nat-token-1", alloc)).NatGateway!;
    expect([late.NatGatewayId, late.State]).toEqual([first.NatGatewayId, "deleted"]);
    expect(await errorName(nat("nat-token-1", alloc, s().publicSubnetIds[1]))).toBe("IdempotentParameterMismatch");

    // Past the token's memory: the same token makes a new gateway.
    clock += TOKEN_TTL;
    const fresh = (await nat("nat-token-1", alloc)).NatGateway!;
    expect(fresh.NatGatewayId).not.toBe(first.NatGatewayId);
    expect(fresh.State).toBe("pending");
  });
});

describe("a VPC endpoint's ClientToken", () => {
  it("answers with the original endpoint in state deleted, even after it left Describe, until the token expires", async () => {
    const first = (await endpoint("vpce-token-1")).VpcEndpoint!;
    expect(await errorName(endpoint("vpce-token-1", [s().privateRouteTableIds[1]!]))).toBe(
      "IdempotentParameterMismatch",
    );
    await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [first.VpcEndpointId!] }));
    sb.admin.settle();
    expect((await endpoint("vpce-token-1")).VpcEndpoint!.State?.toLowerCase()).toBe("deleted");

    clock += VISIBLE + 1;
    expect(await listedEndpoints()).not.toContain(first.VpcEndpointId);
    const late = (await endpoint("vpce-token-1")).VpcEndpoint!;
    expect([late.VpcEndpointId, late.State?.toLowerCase()]).toEqual([first.VpcEndpointId, "deleted"]);

    clock += TOKEN_TTL;
    const fresh = (await endpoint("vpce-token-1")).VpcEndpoint!;
    expect(fresh.VpcEndpointId).not.toBe(first.VpcEndpointId);
  });

  it("is remembered per action: a NAT gateway token does not answer CreateVpcEndpoint", async () => {
    const alloc = (await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }))).AllocationId!;
    const n = (await nat("shared-token", alloc)).NatGateway!;
    const e = (await endpoint("shared-token", [s().privateRouteTableIds[1]!])).VpcEndpoint!;
    expect(e.VpcEndpointId).toMatch(/^vpce-/);
    expect(n.NatGatewayId).toMatch(/^nat-/);
  });
});

describe("crash boundaries", () => {
  it("applies the N-th mutation of one client, holds its answer, and refuses that client's later mutations unapplied", async () => {
    sb.admin.setFaults({ parkAfterMutations: { "crash-key": 1 } });
    const crashing = new EC2Client({
      endpoint: sb.endpoint,
      region: sb.region,
      maxAttempts: 1,
      credentials: { accessKeyId: "crash-key", secretAccessKey: "x" },
    });
    const before = sb.admin.mutations()["crash-key"] ?? 0;
    void crashing.send(new AllocateAddressCommand({ Domain: "vpc" })).catch(() => undefined);
    void crashing.send(new AllocateAddressCommand({ Domain: "vpc" })).catch(() => undefined);
    const deadline = Date.now() + 5_000;
    while (sb.admin.parked().filter((p) => p.accessKeyId === "crash-key").length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(sb.admin.parked().map((p) => [p.accessKeyId, p.action, p.applied])).toEqual([
      ["crash-key", "AllocateAddress", true],
      ["crash-key", "AllocateAddress", false],
    ]);
    expect(sb.admin.mutations()["crash-key"]).toBe(before + 1);
    // Other clients are not held.
    expect((await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }))).AllocationId).toMatch(/^eipalloc-/);
    crashing.destroy();
  });
});
