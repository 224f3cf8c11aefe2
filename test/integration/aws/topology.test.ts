import {
  AllocateAddressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateVpcEndpointCommand,
} from "@aws-sdk/client-ec2";
import { securityGroupName } from "../../../operator/core/ownership.js";
import { observe } from "../../../operator/aws/observe.js";
import { VpcNotFoundError, resolveTopology } from "../../../operator/aws/topology.js";
import { itWithAdmin, NEEDS_ADMIN } from "../../helpers/aws-sandbox.js";
import type { World } from "./aws-world.js";
import { anOwner, ecsnetPort, freshVpc, startWorld } from "./aws-world.js";

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  await w.close();
});

describe("resolveTopology", () => {
  it("reads the two-AZ VPC: CIDR, DNS attributes, subnets with their effective tables, IGW and services", async () => {
    const vpc = await freshVpc(w);
    const { clients, ec2 } = ecsnetPort(w);
    const t = await resolveTopology(ec2, { vpcId: vpc.vpcId, region: w.target.region });
    clients.destroy();

    expect(t.vpcId).toBe(vpc.vpcId);
    expect(t.vpcCidrs).toEqual(["10.0.0.0/16"]);
    expect({ dnsSupport: t.dnsSupport, dnsHostnames: t.dnsHostnames }).toEqual({
      dnsSupport: true,
      dnsHostnames: true,
    });
    expect(t.internetGatewayIds).toEqual([vpc.igwId]);
    const subnet = (id: string) => t.subnets.find((s) => s.id === id);
    vpc.publicSubnetIds.forEach((id, i) => {
      expect(subnet(id)).toMatchObject({ az: vpc.azs[i], routeTableId: vpc.publicRouteTableId, isPublic: true });
    });
    vpc.privateSubnetIds.forEach((id, i) => {
      expect(subnet(id)).toMatchObject({ az: vpc.azs[i], routeTableId: vpc.privateRouteTableIds[i], isPublic: false });
    });
    expect(t.routeTables.find((r) => r.isMain)?.id).toBe(vpc.mainRouteTableId);
    const dkr = t.services.find((s) => s.shortName === "ecr.dkr");
    expect(dkr).toMatchObject({ type: "Interface", serviceName: `com.amazonaws.${w.target.region}.ecr.dkr` });
    expect(
      t.services
        .filter((s) => s.shortName === "s3")
        .map((s) => s.type)
        .sort(),
    ).toEqual(["Gateway", "Interface"]);
  });

  it("reports a VPC that does not exist as VpcNotFoundError, not as a crash", async () => {
    const { clients, ec2 } = ecsnetPort(w);
    const missing = resolveTopology(ec2, { vpcId: "vpc-0123456789abcdef0", region: w.target.region });
    await expect(missing).rejects.toBeInstanceOf(VpcNotFoundError);
    await expect(missing).rejects.toMatchObject({ reason: "VpcNotFound", vpcId: "vpc-0123456789abcdef0" });
    clients.destroy();
  });

  itWithAdmin()(
    `asks for the region's endpoint services once per hour, not once per reconcile ${NEEDS_ADMIN}`,
    async () => {
      const vpc = await freshVpc(w);
      const { clients, ec2 } = ecsnetPort(w);
      w.target.sandbox!.admin.resetCalls();
      const first = await resolveTopology(ec2, { vpcId: vpc.vpcId, region: w.target.region });
      const second = await resolveTopology(ec2, { vpcId: vpc.vpcId, region: w.target.region });
      clients.destroy();
      expect(second.services).toEqual(first.services);
      expect(w.target.sandbox!.admin.calls()["DescribeVpcEndpointServices"]).toBe(1);
    },
  );
});

describe("observe", () => {
  itWithAdmin()(
    `observes an empty VPC with one Describe call per resource type and no route-table call ${NEEDS_ADMIN}`,
    async () => {
      const vpc = await freshVpc(w);
      const owner = anOwner();
      const { clients, ec2 } = ecsnetPort(w);
      const topology = await resolveTopology(ec2, { vpcId: vpc.vpcId, region: w.target.region });
      const admin = w.target.sandbox!.admin;
      admin.resetCalls();
      const observed = await observe(ec2, { owner, vpcId: vpc.vpcId, topology });
      clients.destroy();

      expect(admin.calls()).toEqual({
        DescribeSecurityGroups: 1,
        DescribeVpcEndpoints: 1,
        DescribeNatGateways: 1,
        DescribeAddresses: 1,
      });
      expect(observed.routeTables).toBe(topology.routeTables);
      expect(observed).toMatchObject({ securityGroups: [], endpoints: [], natGateways: [], addresses: [] });
    },
  );

  it("reports an endpoint someone else created with owned=false", async () => {
    const vpc = await freshVpc(w);
    const owner = anOwner();
    const serviceName = `com.amazonaws.${w.target.region}.logs`;
    const made = await w.raw.send(
      new CreateVpcEndpointCommand({
        VpcEndpointType: "Interface",
        VpcId: vpc.vpcId,
        ServiceName: serviceName,
        SubnetIds: [vpc.privateSubnetIds[0]!],
        PrivateDnsEnabled: false,
      }),
    );
    const { clients, ec2 } = ecsnetPort(w);
    const topology = await resolveTopology(ec2, { vpcId: vpc.vpcId, region: w.target.region });
    const observed = await observe(ec2, { owner, vpcId: vpc.vpcId, topology });
    clients.destroy();

    expect(observed.endpoints).toEqual([
      expect.objectContaining({
        id: made.VpcEndpoint!.VpcEndpointId,
        type: "Interface",
        serviceName,
        owned: false,
        component: null,
        subnetIds: [vpc.privateSubnetIds[0]],
        privateDns: false,
      }),
    ]);
  });

  it("picks the given groups (with their rules) and a same-name unowned group, and the given Elastic IPs, all unowned", async () => {
    const vpc = await freshVpc(w);
    const owner = anOwner();
    const group = async (name: string) =>
      (await w.raw.send(new CreateSecurityGroupCommand({ VpcId: vpc.vpcId, GroupName: name, Description: name })))
        .GroupId!;
    const given = await group("tasks-endpoints");
    const squatter = await group(securityGroupName(owner));
    await group("unrelated");
    const permission = { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "10.0.10.0/24" }] };
    await w.raw.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: given, IpPermissions: [permission] }));
    const eip = (await w.raw.send(new AllocateAddressCommand({ Domain: "vpc" }))).AllocationId!;
    await w.raw.send(new AllocateAddressCommand({ Domain: "vpc" })); // someone else's, not given

    const { clients, ec2 } = ecsnetPort(w);
    const topology = await resolveTopology(ec2, { vpcId: vpc.vpcId, region: w.target.region });
    const observed = await observe(ec2, {
      owner,
      vpcId: vpc.vpcId,
      topology,
      givenSecurityGroupIds: [given],
      givenAllocationIds: [eip],
    });
    clients.destroy();

    expect(observed.securityGroups.map((g) => [g.id, g.owned]).sort()).toEqual(
      [
        [given, false],
        [squatter, false],
      ].sort(),
    );
    const rules = observed.securityGroups.find((g) => g.id === given)!.rules.filter((r) => !r.isEgress);
    expect(rules).toEqual([
      expect.objectContaining({ protocol: "tcp", fromPort: 443, toPort: 443, cidr: "10.0.10.0/24" }),
    ]);
    expect(observed.addresses.map((a) => [a.allocationId, a.owned])).toEqual([[eip, false]]);
  });
});
