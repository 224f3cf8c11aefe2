/**
 * Conformance: security groups and rules: duplicates, the default egress rule, rule ids, revoke by
 * permission and by rule id, and deletion blocked while an endpoint uses the group.
 */
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateVpcEndpointCommand,
  DeleteSecurityGroupCommand,
  DeleteVpcEndpointsCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from "@aws-sdk/client-ec2";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { AwsTarget, TwoAzVpc } from "../../helpers/aws-sandbox.js";
import { ec2Client, settled, targetFromEnv, twoAzVpc } from "../../helpers/aws-sandbox.js";

let target: AwsTarget;
let ec2: EC2Client;
let net: TwoAzVpc;
const run = `t${Date.now() % 100000}`;

beforeAll(async () => {
  target = await targetFromEnv();
  ec2 = ec2Client(target.endpoint, { region: target.region });
  net = await twoAzVpc(target, ec2, 60);
});
afterAll(() => target.close());

const errorName = (p: Promise<unknown>) =>
  p.then(
    () => "no error",
    (e: Error) => e.name,
  );
const https = (cidr: string) => [
  { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: cidr, Description: "https" }] },
];
const newGroup = async (name: string) =>
  (
    await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: `${name}-${run}`,
        Description: "endpoints",
        VpcId: net.vpcId,
        TagSpecifications: [{ ResourceType: "security-group", Tags: [{ Key: "run", Value: run }] }],
      }),
    )
  ).GroupId!;
const groupOf = async (id: string) =>
  (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups![0]!;

describe("security groups", () => {
  it("creates a group with the allow-all egress rule and no ingress, and refuses a duplicate name in the VPC", async () => {
    const id = await newGroup("dup");
    expect(id).toMatch(/^sg-[0-9a-f]{17}$/);
    const g = await groupOf(id);
    expect(g.IpPermissions).toEqual([]);
    expect(g.IpPermissionsEgress).toEqual([
      expect.objectContaining({ IpProtocol: "-1", IpRanges: [expect.objectContaining({ CidrIp: "0.0.0.0/0" })] }),
    ]);
    const again = ec2.send(
      new CreateSecurityGroupCommand({ GroupName: `dup-${run}`, Description: "x", VpcId: net.vpcId }),
    );
    expect(await errorName(again)).toBe("InvalidGroup.Duplicate");
  });

  it("authorizes 443 from a CIDR with an sgr- rule id, rejects the same rule again, and revokes it", async () => {
    const id = await newGroup("ingress");
    const res = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: https("10.0.10.0/24") }),
    );
    expect(res.SecurityGroupRules![0]).toMatchObject({
      GroupId: id,
      IsEgress: false,
      IpProtocol: "tcp",
      FromPort: 443,
      ToPort: 443,
      CidrIpv4: "10.0.10.0/24",
    });
    expect(res.SecurityGroupRules![0]!.SecurityGroupRuleId).toMatch(/^sgr-/);
    expect(
      await errorName(
        ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: https("10.0.10.0/24") })),
      ),
    ).toBe("InvalidPermission.Duplicate");
    expect((await groupOf(id)).IpPermissions![0]!.IpRanges).toEqual([{ CidrIp: "10.0.10.0/24", Description: "https" }]);
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: https("10.0.10.0/24") }));
    expect((await groupOf(id)).IpPermissions).toEqual([]);
    expect(
      await errorName(
        ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: https("10.0.10.0/24") })),
      ),
    ).toBe("InvalidPermission.NotFound");
  });

  it("lists rules with DescribeSecurityGroupRules and revokes egress by rule id", async () => {
    const id = await newGroup("rules");
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: id,
        IpPermissions: [
          {
            IpProtocol: "tcp",
            FromPort: 443,
            ToPort: 443,
            IpRanges: [{ CidrIp: "10.0.10.0/24" }, { CidrIp: "10.0.11.0/24" }],
          },
        ],
      }),
    );
    const rules = (
      await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [id] }] }))
    ).SecurityGroupRules!;
    expect(rules.map((r) => `${r.IsEgress ? "out" : "in"}:${r.CidrIpv4}`).sort()).toEqual([
      "in:10.0.10.0/24",
      "in:10.0.11.0/24",
      "out:0.0.0.0/0",
    ]);
    const egress = rules.find((r) => r.IsEgress)!;
    await ec2.send(
      new RevokeSecurityGroupEgressCommand({ GroupId: id, SecurityGroupRuleIds: [egress.SecurityGroupRuleId!] }),
    );
    expect((await groupOf(id)).IpPermissionsEgress).toEqual([]);
    await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: id, IpPermissions: https("10.0.0.0/16") }));
    expect((await groupOf(id)).IpPermissionsEgress![0]).toMatchObject({ IpProtocol: "tcp", FromPort: 443 });
  });

  it("finds groups by group-name and vpc-id filters", async () => {
    const id = await newGroup("named");
    const d = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: "group-name", Values: [`named-${run}`] },
          { Name: "vpc-id", Values: [net.vpcId] },
        ],
      }),
    );
    expect(d.SecurityGroups!.map((g) => g.GroupId)).toEqual([id]);
  });

  it("refuses to delete a group an endpoint uses (DependencyViolation), and deletes it once the endpoint is gone", async () => {
    const id = await newGroup("inuse");
    const ep = await ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: net.vpcId,
        VpcEndpointType: "Interface",
        ServiceName: `com.amazonaws.${target.region}.logs`,
        SubnetIds: [net.privateSubnetIds[0]!],
        SecurityGroupIds: [id],
      }),
    );
    expect(await errorName(ec2.send(new DeleteSecurityGroupCommand({ GroupId: id })))).toBe("DependencyViolation");
    await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [ep.VpcEndpoint!.VpcEndpointId!] }));
    await settled(target, () => ec2.send(new DeleteSecurityGroupCommand({ GroupId: id })));
    expect(await errorName(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] })))).toBe(
      "InvalidGroup.NotFound",
    );
  });

  it("answers malformed and unknown group ids with InvalidGroupId.Malformed and InvalidGroup.NotFound", async () => {
    expect(await errorName(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ["sg-zz"] })))).toBe(
      "InvalidGroupId.Malformed",
    );
    expect(await errorName(ec2.send(new DeleteSecurityGroupCommand({ GroupId: "sg-0123456789abcdef0" })))).toBe(
      "InvalidGroup.NotFound",
    );
  });
});
