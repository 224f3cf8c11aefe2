/**
 * The pure half of the events path: reading an EventBridge-delivered CloudTrail event of EC2, the ids it names,
 * and the networks those ids reach. Record shapes as CloudTrail writes them:
 * - older Query actions in camelCase: DeleteSecurityGroup `requestParameters: { groupId }` and
 *   `responseElements: { _return: true, requestId }` (Wazuh's AWS docs, CloudTrail alert example);
 *   CreateTags `resourcesSet.items[].resourceId` / `tagSet.items[]` (AWS Config rule examples of CloudTrail
 *   records, `eventSource: ec2.amazonaws.com`); DeleteRoute `routeTableId`, `destinationCidrBlock`.
 * - newer actions wrapped in `<Action>Request` with Query names and `{ tag, content }` list members:
 *   DeleteVpcEndpoints `DeleteVpcEndpointsRequest.VpcEndpointId` (Query parameter `VpcEndpointId.N`,
 *   https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpcEndpoints.html).
 * - the envelope: detail-type "AWS API Call via CloudTrail", source aws.ec2
 *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-ct-api-tutorial.html).
 */
import {
  EventOutcome,
  WATCHED_EC2_EVENTS,
  idsIn,
  isEcsnetUserAgent,
  parseEventMessage,
  touchedIds,
  triage,
  type Ec2ApiCall,
} from "../../../operator/events/cloudtrail.js";
import { networkIds, networksTouched } from "../../../operator/events/match.js";
import type { PrivateEcsNetwork } from "../../../operator/api/private-ecs-network.js";

const envelope = (detail: Record<string, unknown>) =>
  JSON.stringify({
    version: "0",
    id: "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "AWS API Call via CloudTrail",
    source: "aws.ec2",
    account: "111122223333",
    time: "2026-12-04T03:00:00Z",
    region: "eu-west-1",
    resources: [],
    detail: {
      eventVersion: "1.09",
      eventSource: "ec2.amazonaws.com",
      awsRegion: "eu-west-1",
      userAgent: "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2 command/ec2.delete-vpc-endpoints",
      recipientAccountId: "111122223333",
      eventType: "AwsApiCall",
      ...detail,
    },
  });

const call = (body: string): Ec2ApiCall => {
  const p = parseEventMessage(body);
  if (!p.ok) throw new Error(p.reason);
  return p.call;
};

const EP = "vpce-0a1b2c3d4e5f60718";
const EP2 = "vpce-0f1e2d3c4b5a69788";
const SG = "sg-0123456789abcdef0";
const RTB = "rtb-0aaaabbbbccccdddd";
const NAT = "nat-0bbbbccccddddeeee";
const EIP = "eipalloc-0ccccddddeeeeffff";
const VPC = "vpc-0ddddeeeeffff0000";
const SUBNET = "subnet-0eeeeffff00001111";

describe("parseEventMessage", () => {
  it("reads the EventBridge envelope of a CloudTrail event of EC2", () => {
    const c = call(
      envelope({
        eventName: "DeleteVpcEndpoints",
        requestParameters: { DeleteVpcEndpointsRequest: { VpcEndpointId: { tag: 1, content: EP } } },
        responseElements: { DeleteVpcEndpointsResponse: { unsuccessful: "", requestId: "x" } },
      }),
    );
    expect(c).toMatchObject({ eventName: "DeleteVpcEndpoints", region: "eu-west-1", account: "111122223333" });
    expect(touchedIds(c)).toEqual({ ids: [EP], regionWide: false });
  });

  it.each([
    ["not JSON", "{"],
    ["an array", "[]"],
    [
      "another detail-type",
      JSON.stringify({ "detail-type": "EC2 Instance State-change Notification", source: "aws.ec2" }),
    ],
    ["another source", JSON.stringify({ "detail-type": "AWS API Call via CloudTrail", source: "aws.s3", detail: {} })],
    ["no eventName", JSON.stringify({ "detail-type": "AWS API Call via CloudTrail", source: "aws.ec2", detail: {} })],
  ])("refuses %s without throwing", (_what, body) => {
    expect(parseEventMessage(body).ok).toBe(false);
  });
});

describe("touchedIds: both CloudTrail shapes", () => {
  const cases: [string, Record<string, unknown>, unknown, string[]][] = [
    [
      "DeleteVpcEndpoints (several ids: an array of { tag, content })",
      {
        DeleteVpcEndpointsRequest: {
          VpcEndpointId: [
            { tag: 1, content: EP },
            { tag: 2, content: EP2 },
          ],
        },
      },
      null,
      [EP, EP2],
    ],
    [
      "ModifyVpcEndpoint (a route table removed)",
      { ModifyVpcEndpointRequest: { VpcEndpointId: EP, RemoveRouteTableId: { tag: 1, content: RTB } } },
      { ModifyVpcEndpointResponse: { return: true } },
      [RTB, EP],
    ],
    [
      "CreateVpcEndpoint (ids in the response)",
      {
        CreateVpcEndpointRequest: { VpcId: VPC, ServiceName: "com.amazonaws.eu-west-1.s3", VpcEndpointType: "Gateway" },
      },
      {
        CreateVpcEndpointResponse: {
          vpcEndpoint: { vpcEndpointId: EP, vpcId: VPC, serviceName: "com.amazonaws.eu-west-1.s3" },
        },
      },
      [VPC, EP],
    ],
    ["DeleteRoute", { routeTableId: RTB, destinationCidrBlock: "0.0.0.0/0" }, { _return: true }, [RTB]],
    [
      "ReplaceRoute",
      { routeTableId: RTB, destinationCidrBlock: "0.0.0.0/0", natGatewayId: NAT },
      { _return: true },
      [NAT, RTB],
    ],
    [
      "RevokeSecurityGroupIngress by rule id (sgr- ids are not resources ecsnet matches on)",
      { groupId: SG, securityGroupRuleIdSet: { items: [{ securityGroupRuleId: "sgr-0123456789abcdef0" }] } },
      { _return: true },
      [SG],
    ],
    ["DeleteSecurityGroup", { groupId: SG }, { _return: true, requestId: "x" }, [SG]],
    [
      "DeleteNatGateway",
      { DeleteNatGatewayRequest: { NatGatewayId: NAT } },
      { DeleteNatGatewayResponse: { natGatewayId: NAT } },
      [NAT],
    ],
    ["ReleaseAddress", { allocationId: EIP }, { _return: true }, [EIP]],
    ["ModifyVpcAttribute", { vpcId: VPC, enableDnsSupport: { value: false } }, { _return: true }, [VPC]],
    [
      "CreateTags",
      {
        resourcesSet: { items: [{ resourceId: EP }, { resourceId: "i-0123456789abcdef0" }] },
        tagSet: { items: [{ key: "Name", value: "x" }] },
      },
      { _return: true },
      [EP],
    ],
    [
      "AssociateRouteTable",
      { routeTableId: RTB, subnetId: SUBNET },
      { associationId: "rtbassoc-0123456789abcdef0" },
      [RTB, SUBNET],
    ],
  ];
  it.each(cases)("%s", (_name, requestParameters, responseElements, ids) => {
    const c = call(envelope({ eventName: "X", requestParameters, responseElements }));
    expect(touchedIds(c).ids).toEqual([...ids].sort());
  });

  it("a call naming only an association id reaches its whole region", () => {
    const c = call(
      envelope({
        eventName: "DisassociateRouteTable",
        requestParameters: { associationId: "rtbassoc-0123456789abcdef0" },
      }),
    );
    expect(touchedIds(c)).toEqual({ ids: [], regionWide: true });
  });

  it("ignores strings that only look like ids (service ids, other prefixes, prose)", () => {
    expect(
      idsIn({ a: "vpce-svc-0123456789abcdef0", b: "igw-0123456789abcdef0", c: `deleted ${EP}`, d: "vpc-xyz" }),
    ).toEqual([]);
  });
});

describe("triage", () => {
  const base = (over: Record<string, unknown>) =>
    call(envelope({ eventName: "DeleteRoute", requestParameters: { routeTableId: RTB }, ...over }));
  it("drops ecsnet's own calls by the ecsnet/<version> User-Agent token", () => {
    const ua = "aws-sdk-js/3.1178.0 ua/2.1 os/linux#6.1 lang/js md/nodejs#24.11.0 api/ec2#3.1178.0 m/E ecsnet/0.1.0";
    expect(isEcsnetUserAgent(ua)).toBe(true);
    expect(isEcsnetUserAgent("aws-cli/2.15.0 Python/3.11.6 (ecsnet-like tool)")).toBe(false);
    expect(triage(base({ userAgent: ua }))).toBe(EventOutcome.Own);
  });
  it("drops failed calls and calls outside the watched list", () => {
    expect(triage(base({ errorCode: "Client.InvalidRoute.NotFound" }))).toBe(EventOutcome.Failed);
    expect(triage(base({ eventName: "RunInstances" }))).toBe(EventOutcome.Unwatched);
    expect(triage(base({}))).toBeUndefined();
  });
  it("watches every call the issue names", () => {
    expect(WATCHED_EC2_EVENTS).toEqual(
      expect.arrayContaining([
        "DeleteVpcEndpoints",
        "ModifyVpcEndpoint",
        "DeleteRoute",
        "ReplaceRoute",
        "DisassociateRouteTable",
        "RevokeSecurityGroupIngress",
        "DeleteNatGateway",
        "ReleaseAddress",
      ]),
    );
  });
});

describe("networksTouched", () => {
  const net = (
    name: string,
    region: string | undefined,
    status: Record<string, unknown>,
    vpcId = VPC,
  ): PrivateEcsNetwork =>
    ({
      apiVersion: "ecsnet.dev/v1alpha1",
      kind: "PrivateEcsNetwork",
      metadata: { name, namespace: "team" },
      spec: { vpcId, subnetIds: [SUBNET], ...(region ? { region } : {}) },
      status,
    }) as unknown as PrivateEcsNetwork;
  const a = net("a", undefined, {
    securityGroupId: SG,
    endpoints: [{ service: "ecr.dkr", id: EP }],
    s3RouteTableIds: [RTB],
  });
  const b = net(
    "b",
    "us-east-1",
    { natGateways: [{ az: "us-east-1a", id: NAT, allocationId: EIP }] },
    "vpc-0123456789abcdef0",
  );
  const refs = [a, b].map((n) => networkIds(n, "eu-west-1"));
  const ev = (eventName: string, requestParameters: unknown, region = "eu-west-1") =>
    call(envelope({ eventName, awsRegion: region, requestParameters }));

  it("maps ids in status and spec to their networks", () => {
    expect(
      networksTouched(
        ev("DeleteVpcEndpoints", { DeleteVpcEndpointsRequest: { VpcEndpointId: { tag: 1, content: EP } } }),
        refs,
      ),
    ).toEqual(["team/a"]);
    expect(networksTouched(ev("ReleaseAddress", { allocationId: EIP }, "us-east-1"), refs)).toEqual(["team/b"]);
    expect(networksTouched(ev("ModifyVpcAttribute", { vpcId: VPC }), refs)).toEqual(["team/a"]);
  });
  it("an id no network names matches nothing", () => {
    expect(networksTouched(ev("DeleteSecurityGroup", { groupId: "sg-0999999999999999f" }), refs)).toEqual([]);
  });
  it("an association-only call reaches every network of its region, and only those", () => {
    expect(
      networksTouched(ev("DisassociateAddress", { associationId: "eipassoc-0123456789abcdef0" }, "us-east-1"), refs),
    ).toEqual(["team/b"]);
    expect(
      networksTouched(ev("DisassociateRouteTable", { associationId: "rtbassoc-0123456789abcdef0" }), refs),
    ).toEqual(["team/a"]);
  });
});
