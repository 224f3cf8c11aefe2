import { TagKey } from "../../../operator/api/group.js";
import { guardAction } from "../../../operator/aws/apply-guard.js";
import type { ApplyContext } from "../../../operator/aws/apply-guard.js";
import type { Action } from "../../../operator/core/actions.js";
import type { ObservedMeta, ObservedNetwork, RouteInfo, Tags } from "../../../operator/core/model.js";
import { key } from "../../../operator/core/model.js";

const owner = { namespace: "team", name: "net", uid: "uid-ours" };
const meta = (id: string, uid?: string): ObservedMeta => ({
  id,
  owned: uid === owner.uid,
  component: null,
  tags: uid === undefined ? {} : ({ [TagKey.OwnerUid]: uid } as Tags),
});
const endpoint = (id: string, uid?: string) => ({
  ...meta(id, uid),
  type: "Interface" as const,
  serviceName: "com.amazonaws.us-east-1.logs",
  state: "available",
  subnetIds: [],
  securityGroupIds: [],
  routeTableIds: [],
  privateDns: true,
  policy: null,
});
const natRoute = (id: string, state: "active" | "blackhole" = "active"): RouteInfo => ({
  destination: "0.0.0.0/0",
  target: { kind: id.startsWith("nat-") ? "nat" : "igw", id },
  state,
  origin: "CreateRoute",
});
const observed = (routes: RouteInfo[]): ObservedNetwork => ({
  vpcId: "vpc-1",
  dnsSupport: true,
  dnsHostnames: true,
  securityGroups: [{ ...meta("sg-ours", owner.uid), groupName: "g", vpcId: "vpc-1", rules: [] }],
  endpoints: [endpoint("vpce-ours", owner.uid), endpoint("vpce-theirs"), endpoint("vpce-other-owner", "uid-other")],
  addresses: [{ ...meta("eipalloc-theirs"), allocationId: "eipalloc-theirs", publicIp: "1.2.3.4" }],
  natGateways: [
    { ...meta("nat-ours", owner.uid), subnetId: "s", state: "available", allocationIds: [] },
    { ...meta("nat-theirs"), subnetId: "s", state: "available", allocationIds: [] },
  ],
  routeTables: [{ id: "rtb-1", isMain: false, subnetIds: [], routes, tags: {} }],
});
const ctx = (routes: RouteInfo[] = []): ApplyContext => ({ owner, observed: observed(routes) });
const base = { key: key("k"), reason: "NotDesired" as const, detail: "d" };

describe("guardAction: the ownership re-check before mutating", () => {
  const cases: [string, Action, RouteInfo[], string | null][] = [
    [
      "lets a delete of our own endpoint through",
      { ...base, kind: "DeleteEndpoint", endpointId: "vpce-ours" },
      [],
      null,
    ],
    [
      "refuses to delete an untagged endpoint",
      { ...base, kind: "DeleteEndpoint", endpointId: "vpce-theirs" },
      [],
      "NotOwned",
    ],
    [
      "refuses to delete an endpoint absent from the snapshot",
      { ...base, kind: "DeleteEndpoint", endpointId: "vpce-new" },
      [],
      "NotOwned",
    ],
    [
      "refuses to modify an endpoint of another owner",
      {
        ...base,
        kind: "ModifyGatewayEndpoint",
        endpointId: "vpce-other-owner",
        addRouteTableIds: [],
        removeRouteTableIds: [],
      },
      [],
      "NotOwned",
    ],
    [
      "refuses to release an Elastic IP we did not allocate",
      { ...base, kind: "ReleaseAddress", allocationId: "eipalloc-theirs" },
      [],
      "NotOwned",
    ],
    [
      "refuses to delete a NAT gateway someone else made",
      { ...base, kind: "DeleteNatGateway", natGatewayId: "nat-theirs" },
      [],
      "NotOwned",
    ],
    [
      "refuses to add rules to a given (unowned) group",
      { ...base, kind: "AuthorizeIngress", groupId: "sg-given", rules: [] },
      [],
      "NotOwned",
    ],
    [
      "lets rules be added to a group created in this plan",
      { ...base, kind: "AuthorizeIngress", groupId: { ref: key("sg") }, rules: [] },
      [],
      null,
    ],
    [
      "lets a route to our NAT gateway be deleted",
      { ...base, kind: "DeleteRoute", routeTableId: "rtb-1", destination: "0.0.0.0/0", before: "nat-ours" },
      [natRoute("nat-ours")],
      null,
    ],
    [
      "lets a blackholed NAT route be deleted",
      { ...base, kind: "DeleteRoute", routeTableId: "rtb-1", destination: "0.0.0.0/0", before: "blackhole:nat-gone" },
      [natRoute("nat-gone", "blackhole")],
      null,
    ],
    [
      "refuses to delete a route to an internet gateway",
      { ...base, kind: "DeleteRoute", routeTableId: "rtb-1", destination: "0.0.0.0/0", before: "igw-1" },
      [natRoute("igw-1")],
      "NotOwned",
    ],
    [
      "refuses to replace a route that changed since the plan was made",
      {
        ...base,
        kind: "ReplaceRoute",
        routeTableId: "rtb-1",
        destination: "0.0.0.0/0",
        natGatewayId: "nat-ours",
        before: "blackhole:nat-9",
      },
      [natRoute("igw-1")],
      "RouteChanged",
    ],
    [
      "lets a tag be put on an untagged endpoint (adoption)",
      { ...base, kind: "TagResource", resourceId: "vpce-theirs", tags: { [TagKey.OwnerUid]: owner.uid } },
      [],
      null,
    ],
    [
      "refuses to re-tag a resource of another owner",
      { ...base, kind: "TagResource", resourceId: "vpce-other-owner", tags: { [TagKey.OwnerUid]: owner.uid } },
      [],
      "NotOwned",
    ],
  ];

  it.each(cases)("%s", (_name, action, routes, code) => {
    expect(guardAction(action, ctx(routes))?.code ?? null).toBe(code);
  });

  it("classifies a refusal as terminal and a changed route as a conflict", () => {
    expect(guardAction({ ...base, kind: "DeleteEndpoint", endpointId: "vpce-theirs" }, ctx())?.class).toBe("terminal");
    const replace: Action = {
      ...base,
      kind: "ReplaceRoute",
      routeTableId: "rtb-1",
      destination: "0.0.0.0/0",
      natGatewayId: "nat-ours",
      before: "x",
    };
    expect(guardAction(replace, ctx())?.class).toBe("conflict");
  });
});
