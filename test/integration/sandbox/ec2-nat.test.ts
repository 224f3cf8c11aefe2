/**
 * Conformance: Elastic IPs and NAT gateways: ClientToken idempotency, the state machine, deleted gateways
 * staying visible, and the EIP staying in use until its NAT gateway is deleted.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import {
  AllocateAddressCommand,
  CreateNatGatewayCommand,
  DeleteNatGatewayCommand,
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  ReleaseAddressCommand,
} from "@aws-sdk/client-ec2";
import type { AwsTarget, TwoAzVpc } from "../../helpers/aws-sandbox.js";
import { ec2Client, itWithAdmin, NEEDS_ADMIN, settled, targetFromEnv, twoAzVpc } from "../../helpers/aws-sandbox.js";

let target: AwsTarget;
let ec2: EC2Client;
let net: TwoAzVpc;
const run = `t${Date.now() % 100000}`;

beforeAll(async () => {
  target = await targetFromEnv();
  ec2 = ec2Client(target.endpoint, { region: target.region });
  net = await twoAzVpc(target, ec2, 50);
});
afterAll(() => target.close());

const errorName = (p: Promise<unknown>) =>
  p.then(
    () => "no error",
    (e: Error) => e.name,
  );
const eip = async () =>
  (
    await ec2.send(
      new AllocateAddressCommand({
        Domain: "vpc",
        TagSpecifications: [{ ResourceType: "elastic-ip", Tags: [{ Key: "run", Value: run }] }],
      }),
    )
  ).AllocationId!;
const natOf = async (id: string) =>
  (await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [id] }))).NatGateways![0]!;

describe("Elastic IPs", () => {
  it("allocates a VPC address, finds it by allocation-id and public-ip filters, and releases it", async () => {
    const id = await eip();
    const a = (await ec2.send(new DescribeAddressesCommand({ AllocationIds: [id] }))).Addresses![0]!;
    expect(a).toMatchObject({ AllocationId: id, Domain: "vpc" });
    const byIp = await ec2.send(
      new DescribeAddressesCommand({
        Filters: [
          { Name: "public-ip", Values: [a.PublicIp!] },
          { Name: "domain", Values: ["vpc"] },
        ],
      }),
    );
    expect(byIp.Addresses!.map((x) => x.AllocationId)).toEqual([id]);
    await ec2.send(new ReleaseAddressCommand({ AllocationId: id }));
    expect(await errorName(ec2.send(new DescribeAddressesCommand({ AllocationIds: [id] })))).toBe(
      "InvalidAllocationID.NotFound",
    );
  });
});

describe("NAT gateways", () => {
  it("starts pending, becomes available, and carries its subnet, VPC, EIP and tags", async () => {
    const alloc = await eip();
    const created = await ec2.send(
      new CreateNatGatewayCommand({
        SubnetId: net.publicSubnetIds[0],
        AllocationId: alloc,
        TagSpecifications: [{ ResourceType: "natgateway", Tags: [{ Key: "Name", Value: `nat-${run}` }] }],
      }),
    );
    const nat = created.NatGateway!;
    expect(nat).toMatchObject({
      State: "pending",
      SubnetId: net.publicSubnetIds[0],
      VpcId: net.vpcId,
      ConnectivityType: "public",
    });
    expect(nat.NatGatewayId).toMatch(/^nat-[0-9a-f]{17}$/);
    expect(nat.Tags).toEqual([{ Key: "Name", Value: `nat-${run}` }]);
    const ready = await settled(target, async () => {
      const n = await natOf(nat.NatGatewayId!);
      expect(n.State).toBe("available");
      return n;
    });
    expect(ready.NatGatewayAddresses![0]).toMatchObject({ AllocationId: alloc, IsPrimary: true });
    const a = (await ec2.send(new DescribeAddressesCommand({ AllocationIds: [alloc] }))).Addresses![0]!;
    expect(a.AssociationId).toMatch(/^eipassoc-/);
  });

  it("returns the same NAT gateway for a retried ClientToken and IdempotentParameterMismatch for other parameters", async () => {
    // EC2 idempotency: same token + same parameters → same result; same token + other parameters → IdempotentParameterMismatch (aws-facts 3.6).
    const alloc = await eip();
    const token = `tok-${run}-nat`;
    const first = await ec2.send(
      new CreateNatGatewayCommand({ SubnetId: net.publicSubnetIds[1], AllocationId: alloc, ClientToken: token }),
    );
    const again = await ec2.send(
      new CreateNatGatewayCommand({ SubnetId: net.publicSubnetIds[1], AllocationId: alloc, ClientToken: token }),
    );
    expect(again.NatGateway!.NatGatewayId).toBe(first.NatGateway!.NatGatewayId);
    expect(again.ClientToken).toBe(token);
    const other = ec2.send(
      new CreateNatGatewayCommand({ SubnetId: net.publicSubnetIds[0], AllocationId: alloc, ClientToken: token }),
    );
    expect(await errorName(other)).toBe("IdempotentParameterMismatch");
    const all = await ec2.send(
      new DescribeNatGatewaysCommand({ Filter: [{ Name: "subnet-id", Values: [net.publicSubnetIds[1]!] }] }),
    );
    expect(all.NatGateways!.filter((n) => n.NatGatewayId === first.NatGateway!.NatGatewayId)).toHaveLength(1);
  });

  it("keeps the EIP in use while the NAT gateway lives, then deletes to a still-visible deleted state that keeps the AllocationId", async () => {
    const alloc = await eip();
    const id = (await ec2.send(new CreateNatGatewayCommand({ SubnetId: net.publicSubnetIds[0], AllocationId: alloc })))
      .NatGateway!.NatGatewayId!;
    await settled(target, async () => expect((await natOf(id)).State).toBe("available"));
    expect(await errorName(ec2.send(new ReleaseAddressCommand({ AllocationId: alloc })))).toBe(
      "InvalidIPAddress.InUse",
    );
    await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: id }));
    expect(["deleting", "deleted"]).toContain((await natOf(id)).State);
    // Deleted NAT gateways stay visible in state "deleted" with their AllocationId (aws-facts 3.6: ACK issue 2381, gardener PR 1879).
    const gone = await settled(target, async () => {
      const n = await natOf(id);
      expect(n.State).toBe("deleted");
      return n;
    });
    expect(gone.NatGatewayAddresses![0]!.AllocationId).toBe(alloc);
    const live = await ec2.send(
      new DescribeNatGatewaysCommand({
        Filter: [
          { Name: "vpc-id", Values: [net.vpcId] },
          { Name: "state", Values: ["pending", "available"] },
        ],
      }),
    );
    expect(live.NatGateways!.map((n) => n.NatGatewayId)).not.toContain(id);
    await ec2.send(new ReleaseAddressCommand({ AllocationId: alloc }));
  });

  it("answers an unknown NAT gateway with NatGatewayNotFound and a missing EIP with InvalidAllocationID.NotFound", async () => {
    expect(
      await errorName(ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: ["nat-0123456789abcdef0"] }))),
    ).toBe("NatGatewayNotFound");
    expect(await errorName(ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: "nat-0123456789abcdef0" })))).toBe(
      "NatGatewayNotFound",
    );
    const e = ec2.send(
      new CreateNatGatewayCommand({ SubnetId: net.publicSubnetIds[0], AllocationId: "eipalloc-0123456789abcdef0" }),
    );
    expect(await errorName(e)).toBe("InvalidAllocationID.NotFound");
  });

  itWithAdmin()(`moves pending → available only after the configured delay ${NEEDS_ADMIN}`, async () => {
    const alloc = await eip();
    const id = (await ec2.send(new CreateNatGatewayCommand({ SubnetId: net.publicSubnetIds[0], AllocationId: alloc })))
      .NatGateway!.NatGatewayId!;
    expect((await natOf(id)).State).toBe("pending");
    await new Promise((r) => setTimeout(r, 350));
    expect((await natOf(id)).State).toBe("available");
  });
});
