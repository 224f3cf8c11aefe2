/**
 * Conformance: VPCs and their DNS attributes, subnets, internet gateways, tags, Describe filters and
 * pagination, and how bad requests are answered. Runs against the sandbox, or any EC2-compatible endpoint
 * given by AWS_ENDPOINT_URL.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteSubnetCommand,
  DeleteTagsCommand,
  DeleteVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  ModifyVpcAttributeCommand,
} from "@aws-sdk/client-ec2";
import type { AwsTarget } from "../../helpers/aws-sandbox.js";
import { ec2Client, targetFromEnv } from "../../helpers/aws-sandbox.js";

let target: AwsTarget;
let ec2: EC2Client;
const run = `t${Date.now() % 100000}`;

beforeAll(async () => {
  target = await targetFromEnv();
  ec2 = ec2Client(target.endpoint, { region: target.region });
});
afterAll(() => target.close());

const tags = (pairs: Record<string, string>) => [
  { ResourceType: "vpc" as const, Tags: Object.entries(pairs).map(([Key, Value]) => ({ Key, Value })) },
];
const newVpc = async (cidr: string, t: Record<string, string> = {}) =>
  (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr, TagSpecifications: tags({ run, ...t }) }))).Vpc!.VpcId!;
const errorName = (p: Promise<unknown>) =>
  p.then(
    () => "no error",
    (e: Error) => e.name,
  );

describe("VPCs", () => {
  it("creates a VPC with DNS support on and DNS hostnames off, as AWS defaults", async () => {
    const id = await newVpc("10.20.0.0/16");
    const d = await ec2.send(new DescribeVpcsCommand({ VpcIds: [id] }));
    expect(d.Vpcs![0]).toMatchObject({ VpcId: id, CidrBlock: "10.20.0.0/16", State: "available" });
    expect(id).toMatch(/^vpc-[0-9a-f]{17}$/);
    const sup = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: id, Attribute: "enableDnsSupport" }));
    const host = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: id, Attribute: "enableDnsHostnames" }));
    expect([sup.EnableDnsSupport?.Value, host.EnableDnsHostnames?.Value]).toEqual([true, false]);
  });

  it("modifies one DNS attribute per call and reports the new value", async () => {
    const id = await newVpc("10.21.0.0/16");
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: id, EnableDnsHostnames: { Value: true } }));
    const host = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: id, Attribute: "enableDnsHostnames" }));
    expect(host.EnableDnsHostnames?.Value).toBe(true);
  });

  it("refuses to delete a VPC that still has a subnet, then deletes it once empty", async () => {
    const id = await newVpc("10.22.0.0/16");
    const sub = (await ec2.send(new CreateSubnetCommand({ VpcId: id, CidrBlock: "10.22.1.0/24" }))).Subnet!.SubnetId!;
    expect(await errorName(ec2.send(new DeleteVpcCommand({ VpcId: id })))).toBe("DependencyViolation");
    await ec2.send(new DeleteSubnetCommand({ SubnetId: sub }));
    await ec2.send(new DeleteVpcCommand({ VpcId: id }));
    expect(await errorName(ec2.send(new DescribeVpcsCommand({ VpcIds: [id] })))).toBe("InvalidVpcID.NotFound");
  });

  it("answers InvalidVpcID.NotFound for a well-formed unknown id and InvalidVpcID.Malformed for a malformed one", async () => {
    expect(await errorName(ec2.send(new DescribeVpcsCommand({ VpcIds: ["vpc-0123456789abcdef0"] })))).toBe(
      "InvalidVpcID.NotFound",
    );
    expect(await errorName(ec2.send(new DeleteVpcCommand({ VpcId: "vpc-xyz" })))).toBe("InvalidVpcID.Malformed");
  });
});

describe("subnets", () => {
  it("creates subnets inside the VPC CIDR in the requested AZ and rejects overlap and out-of-range CIDRs", async () => {
    const id = await newVpc("10.23.0.0/16");
    const s = (
      await ec2.send(
        new CreateSubnetCommand({ VpcId: id, CidrBlock: "10.23.0.0/24", AvailabilityZone: `${target.region}b` }),
      )
    ).Subnet!;
    expect(s).toMatchObject({
      VpcId: id,
      CidrBlock: "10.23.0.0/24",
      AvailabilityZone: `${target.region}b`,
      AvailableIpAddressCount: 251,
    });
    expect(await errorName(ec2.send(new CreateSubnetCommand({ VpcId: id, CidrBlock: "10.23.0.128/25" })))).toBe(
      "InvalidSubnet.Conflict",
    );
    expect(await errorName(ec2.send(new CreateSubnetCommand({ VpcId: id, CidrBlock: "10.99.0.0/24" })))).toBe(
      "InvalidSubnet.Range",
    );
    expect(
      await errorName(ec2.send(new CreateSubnetCommand({ VpcId: "vpc-0123456789abcdef0", CidrBlock: "10.23.5.0/24" }))),
    ).toBe("InvalidVpcID.NotFound");
    expect(await errorName(ec2.send(new DescribeSubnetsCommand({ SubnetIds: ["subnet-nope"] })))).toBe(
      "InvalidSubnetID.Malformed",
    );
  });

  it("filters subnets by vpc-id AND availability-zone, with values OR'ed", async () => {
    const id = await newVpc("10.24.0.0/16");
    const mk = (cidr: string, az: string) =>
      ec2.send(new CreateSubnetCommand({ VpcId: id, CidrBlock: cidr, AvailabilityZone: target.region + az }));
    await mk("10.24.0.0/24", "a");
    await mk("10.24.1.0/24", "b");
    await mk("10.24.2.0/24", "c");
    const azFilter = (values: string[]) =>
      ec2.send(
        new DescribeSubnetsCommand({
          Filters: [
            { Name: "vpc-id", Values: [id] },
            { Name: "availability-zone", Values: values.map((v) => target.region + v) },
          ],
        }),
      );
    expect((await azFilter(["a", "b"])).Subnets!.map((s) => s.CidrBlock).sort()).toEqual([
      "10.24.0.0/24",
      "10.24.1.0/24",
    ]);
    expect((await azFilter(["c"])).Subnets!.map((s) => s.CidrBlock)).toEqual(["10.24.2.0/24"]);
  });
});

describe("internet gateways", () => {
  it("attaches to one VPC, shows the attachment, refuses deletion while attached, then detaches and deletes", async () => {
    const id = await newVpc("10.25.0.0/16");
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: id }));
    const d = await ec2.send(
      new DescribeInternetGatewaysCommand({ Filters: [{ Name: "attachment.vpc-id", Values: [id] }] }),
    );
    expect(d.InternetGateways!.map((g) => [g.InternetGatewayId, g.Attachments![0]!.State])).toEqual([
      [igw, "available"],
    ]);
    expect(await errorName(ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igw })))).toBe(
      "DependencyViolation",
    );
    await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: id }));
    await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igw }));
    expect(await errorName(ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [igw] })))).toBe(
      "InvalidInternetGatewayID.NotFound",
    );
  });
});

describe("tags and filters", () => {
  it("matches tag:Key by value, tag-key by presence, and ANDs separate filters", async () => {
    const a = await newVpc("10.26.0.0/16", { team: "red", tier: "app" });
    const b = await newVpc("10.27.0.0/16", { team: "blue" });
    const ids = async (filters: { Name: string; Values: string[] }[]) =>
      (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "tag:run", Values: [run] }, ...filters] })))
        .Vpcs!.map((v) => v.VpcId)
        .sort();
    expect(await ids([{ Name: "tag:team", Values: ["red", "blue"] }])).toEqual([a, b].sort());
    expect(await ids([{ Name: "tag:team", Values: ["red"] }])).toEqual([a]);
    expect(await ids([{ Name: "tag-key", Values: ["tier"] }])).toEqual([a]);
    expect(
      await ids([
        { Name: "tag:team", Values: ["blue"] },
        { Name: "tag-key", Values: ["tier"] },
      ]),
    ).toEqual([]);
    expect(await ids([{ Name: "tag:team", Values: ["r*"] }])).toEqual([a]);
  });

  it("adds, lists and removes tags with CreateTags, DescribeTags and DeleteTags", async () => {
    const id = await newVpc("10.28.0.0/16");
    await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "owner", Value: "ecsnet" }] }));
    const listed = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: "resource-id", Values: [id] }] }));
    expect(listed.Tags!.map((t) => `${t.Key}=${t.Value}`).sort()).toEqual(["owner=ecsnet", `run=${run}`]);
    expect(listed.Tags![0]!.ResourceType).toBe("vpc");
    await ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: "owner" }] }));
    const after = await ec2.send(new DescribeVpcsCommand({ VpcIds: [id] }));
    expect(after.Vpcs![0]!.Tags!.map((t) => t.Key)).toEqual(["run"]);
    expect(
      await errorName(
        ec2.send(new CreateTagsCommand({ Resources: ["vpc-0123456789abcdef0"], Tags: [{ Key: "k", Value: "v" }] })),
      ),
    ).toBe("InvalidVpcID.NotFound");
  });

  it("pages with MaxResults and NextToken until every VPC is seen once", async () => {
    for (let i = 0; i < 7; i++) await newVpc(`10.${30 + i}.0.0/16`, { page: run });
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const p = await ec2.send(
        new DescribeVpcsCommand({ Filters: [{ Name: "tag:page", Values: [run] }], MaxResults: 5, NextToken: token }),
      );
      seen.push(...p.Vpcs!.map((v) => v.VpcId!));
      token = p.NextToken;
      pages++;
    } while (token);
    expect(new Set(seen).size).toBe(7);
    expect(seen.length).toBe(7);
    expect(pages).toBeGreaterThanOrEqual(2);
  });

  it("rejects an unknown filter name with InvalidParameterValue", async () => {
    expect(
      await errorName(ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "no-such-filter", Values: ["x"] }] }))),
    ).toBe("InvalidParameterValue");
  });
});

describe("bad requests", () => {
  const post = (body: string) =>
    fetch(target.endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    }).then(async (r) => ({ status: r.status, text: await r.text() }));

  it("answers an unknown action with InvalidAction in EC2's error document", async () => {
    const r = await post("Action=DescribeUnicorns&Version=2016-11-15");
    expect(r.status).toBe(400);
    expect(r.text).toContain("<Code>InvalidAction</Code>");
    expect(r.text).toMatch(/<RequestID>[^<]+<\/RequestID>/);
  });

  it("answers a real EC2 action outside the modelled slice with UnsupportedOperation [sandbox wording]", async () => {
    const r = await post("Action=DescribeInstances&Version=2016-11-15");
    if (target.external) return void expect(r.status).toBeLessThan(500);
    expect(r.status).toBe(400);
    expect(r.text).toContain("<Code>UnsupportedOperation</Code>");
  });

  it("answers a missing required parameter with MissingParameter", async () => {
    const r = await post("Action=CreateVpc&Version=2016-11-15");
    expect(r.status).toBe(400);
    expect(r.text).toContain("<Code>MissingParameter</Code>");
  });

  it("keeps serving after a garbage body", async () => {
    const r = await post("%%%&&&==Action");
    expect(r.status).toBe(400);
    const d = await ec2.send(new DescribeVpcsCommand({ MaxResults: 5 }));
    expect(Array.isArray(d.Vpcs)).toBe(true);
  });
});
