import { describe, expect, it } from "@jest/globals";
import { validateSpec } from "../../../operator/api/validate.js";
import { computeDesired, type NetworkSpec } from "../../../operator/core/desired.js";
import type { Contribution, Topology } from "../../../operator/core/model.js";
import {
  aNetworkSpec,
  aTopology,
  natEgress,
  OWNER,
  PUBLIC_RTB,
  privateSubnetId,
  publicSubnetId,
} from "../../fixtures/network.js";

const twoAz = aTopology({ privatePerAz: [2, 1], layout: "perSubnet", publicAzs: [0, 1] });
const compute = (topology: Topology, over: Partial<NetworkSpec> = {}, contributions: Contribution[] = []) =>
  computeDesired({
    owner: OWNER,
    spec: aNetworkSpec(topology, over),
    region: topology.region,
    topology,
    contributions,
  });
const reasons = (d: ReturnType<typeof compute>, blocking: boolean) =>
  d.issues.filter((i) => i.blocking === blocking).map((i) => i.reason);

describe("computeDesired", () => {
  it("wants ecr.api, ecr.dkr and logs for Fargate, and adds the agent's three endpoints for EC2", () => {
    expect([...compute(twoAz).interfaceEndpoints.values()].map((e) => e.shortName)).toEqual([
      "ecr.api",
      "ecr.dkr",
      "logs",
    ]);
    const ec2 = compute(twoAz, { launchTypes: ["EC2"] });
    expect([...ec2.interfaceEndpoints.values()].map((e) => e.shortName)).toEqual([
      "ecr.api",
      "ecr.dkr",
      "ecs",
      "ecs-agent",
      "ecs-telemetry",
      "logs",
    ]);
  });
  it("picks the lowest subnet id per AZ for endpoints and notes the choice, without an error", () => {
    const d = compute(twoAz);
    expect(d.interfaceEndpoints.get("endpoint:logs" as never)!.subnetIds).toEqual([
      privateSubnetId(0, 0),
      privateSubnetId(1, 0),
    ]);
    expect(reasons(d, true)).toEqual([]);
    expect(d.issues).toEqual([expect.objectContaining({ reason: "SeveralPrivateSubnetsInAz", blocking: false })]);
  });
  it("uses the spec's endpointSubnetIds when given", () => {
    const d = compute(twoAz, {
      privateSubnets: {
        ids: [privateSubnetId(0, 0), privateSubnetId(0, 1), privateSubnetId(1, 0)],
        endpointSubnetIds: [privateSubnetId(0, 1), privateSubnetId(1, 0)],
      },
    });
    expect(d.interfaceEndpoints.get("endpoint:logs" as never)!.subnetIds).toEqual([
      privateSubnetId(0, 1),
      privateSubnetId(1, 0),
    ]);
  });
  it("still admits every private subnet's CIDR and routes every private subnet's table to S3", () => {
    const d = compute(twoAz);
    expect(d.securityGroup.ingress.map((r) => r.cidr)).toEqual(["10.0.0.0/24", "10.0.1.0/24", "10.0.10.0/24"]);
    expect(d.s3Gateway!.routeTableIds).toHaveLength(3);
  });
  it("selects private subnets by tag", () => {
    const d = compute(twoAz, { privateSubnets: { selector: { tags: { tier: "private" } } } });
    expect(d.securityGroup.ingress).toHaveLength(3);
  });
  it("blocks on a private subnet that is not in the VPC", () => {
    expect(reasons(compute(twoAz, { privateSubnets: { ids: ["subnet-0000000000000dead"] } }), true)).toContain(
      "SubnetNotFound",
    );
  });
  it("blocks on a 'private' subnet whose route table goes to an internet gateway", () => {
    const d = compute(twoAz, { privateSubnets: { ids: [privateSubnetId(0, 0), publicSubnetId(0)] } });
    expect(d.issues.find((i) => i.reason === "SubnetNotPrivate")!.message).toMatch(PUBLIC_RTB);
  });
  it("blocks a NAT gateway in a 'public' subnet that has no route to an internet gateway", () => {
    const d = compute(twoAz, {
      egress: {
        mode: "NatGateway",
        natGateway: {
          placement: "Single",
          publicSubnetIds: [privateSubnetId(0, 0)],
          replaceExistingDefaultRoute: false,
        },
      },
    });
    expect(reasons(d, true)).toEqual(["PublicSubnetHasNoInternetRoute"]);
  });
  it("drops an AZ where a service is not offered and says so, without blocking", () => {
    const t = aTopology({ privatePerAz: [1, 1], layout: "perAz", publicAzs: [0, 1], missingInLastAz: ["logs"] });
    const d = compute(t);
    expect(d.interfaceEndpoints.get("endpoint:logs" as never)!.subnetIds).toEqual([privateSubnetId(0, 0)]);
    expect(d.issues).toEqual([
      expect.objectContaining({ key: "endpoint:logs", reason: "ServiceNotInAz", blocking: false }),
    ]);
  });
  it("blocks on a service the region does not offer", () => {
    const d = compute(twoAz, {
      endpoints: {
        includeDefaults: true,
        extra: ["nosuchservice"],
        privateDns: true,
        adoptExisting: false,
        policies: {},
      },
    });
    expect(reasons(d, true)).toEqual(["ServiceNotFound"]);
  });
  it("places one NAT per AZ in that AZ's public subnet and routes each private table to its AZ's NAT", () => {
    const d = compute(twoAz, { egress: natEgress(twoAz) });
    expect([...d.natGateways.values()].map((n) => [n.az, n.subnetId])).toEqual([
      ["us-east-1a", publicSubnetId(0)],
      ["us-east-1b", publicSubnetId(1)],
    ]);
    expect([...d.routes.values()].map((r) => r.natKey)).toEqual(["nat:us-east-1a", "nat:us-east-1a", "nat:us-east-1b"]);
    expect([...d.elasticIps.values()].every((e) => e.givenAllocationId === undefined)).toBe(true);
  });
  it("blocks OnePerAz when an AZ of the private subnets has no public subnet", () => {
    const t = aTopology({ privatePerAz: [1, 1], layout: "perAz", publicAzs: [0] });
    expect(reasons(compute(t, { egress: natEgress(t) }), true)).toEqual(["NoPublicSubnetInAz"]);
  });
  it("routes every private table to the one NAT with placement Single, using the given EIP", () => {
    const d = compute(twoAz, {
      egress: natEgress(twoAz, { placement: "Single", elasticIpAllocationIds: ["eipalloc-0given000000001"] }),
    });
    expect(d.natGateways.size).toBe(1);
    expect(new Set([...d.routes.values()].map((r) => r.natKey))).toEqual(new Set(["nat:us-east-1a"]));
    expect([...d.elasticIps.values()][0]!.givenAllocationId).toBe("eipalloc-0given000000001");
  });
  it("notes a route table shared by private subnets of several AZs", () => {
    const t = aTopology({ privatePerAz: [1, 1], layout: "shared", publicAzs: [0, 1] });
    expect(reasons(compute(t, { egress: natEgress(t) }), false)).toEqual(["RouteTableSharedAcrossAzs"]);
  });
  it("merges contributed endpoints and policy statements with the spec's policy", () => {
    const c: Contribution = {
      source: "apps/web",
      endpoints: ["secretsmanager"],
      policyStatements: {
        "ecr.api": [{ Effect: "Allow", Principal: "*", Action: "ecr:BatchGetImage", Resource: "*" }],
      },
    };
    const d = compute(
      twoAz,
      {
        endpoints: {
          includeDefaults: true,
          extra: [],
          privateDns: true,
          adoptExisting: false,
          policies: {
            "ecr.api":
              '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:GetAuthorizationToken","Resource":"*"}]}',
          },
        },
      },
      [c],
    );
    expect(d.interfaceEndpoints.has("endpoint:secretsmanager" as never)).toBe(true);
    const policy = JSON.parse(d.interfaceEndpoints.get("endpoint:ecr.api" as never)!.policy!);
    expect(policy.Version).toBe("2012-10-17");
    expect(policy.Statement.map((s: { Action: string }) => s.Action)).toEqual([
      "ecr:BatchGetImage",
      "ecr:GetAuthorizationToken",
    ]);
  });
  it("leaves an endpoint's policy open when one contributor restricts it and another needs it unrestricted", () => {
    const restricted: Contribution = {
      source: "apps/web",
      endpoints: ["ecr.api", "ecr.dkr"],
      policyStatements: {
        "ecr.api": [{ Effect: "Allow", Principal: "*", Action: "ecr:BatchGetImage", Resource: "*" }],
      },
    };
    const open: Contribution = { source: "apps/batch", endpoints: ["ecr.api", "ecr.dkr"], policyStatements: {} };
    expect(
      compute(twoAz, {}, [restricted, open]).interfaceEndpoints.get("endpoint:ecr.api" as never)!.policy,
    ).toBeNull();
    expect(compute(twoAz, {}, [restricted]).interfaceEndpoints.get("endpoint:ecr.api" as never)!.policy).not.toBeNull();
  });
  it("blocks on a policy that is not JSON", () => {
    expect(reasons(compute(twoAz, { s3Gateway: { enabled: true, policy: "{nope" } }), true)).toEqual(["InvalidPolicy"]);
  });
  it("tags everything with the owner and gives each create a stable ClientToken", () => {
    const a = compute(twoAz, { tags: { team: "a" } });
    const b = compute(twoAz, { tags: { team: "a" } });
    const e = a.interfaceEndpoints.get("endpoint:ecr.dkr" as never)!;
    expect(e.tags).toMatchObject({
      team: "a",
      "ecsnet.dev/owner-uid": OWNER.uid,
      "ecsnet.dev/component": "endpoint:ecr.dkr",
    });
    expect(e.clientToken).toBe(b.interfaceEndpoints.get("endpoint:ecr.dkr" as never)!.clientToken);
  });
  it("takes the API's defaulted spec as it is (a minimal manifest needs nothing more)", () => {
    const r = validateSpec("PrivateEcsNetwork", {
      vpcId: twoAz.vpcId,
      privateSubnets: { ids: [privateSubnetId(0, 0), privateSubnetId(1, 0)] },
    });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    // Compile-time contract: the API's type is assignable to what core reads.
    const spec: NetworkSpec = r.spec;
    const d = computeDesired({ owner: OWNER, spec, region: twoAz.region, topology: twoAz, contributions: [] });
    expect(d.issues).toEqual([]);
    expect([...d.interfaceEndpoints.keys()]).toEqual(["endpoint:ecr.api", "endpoint:ecr.dkr", "endpoint:logs"]);
    expect(d.s3Gateway?.routeTableIds).toHaveLength(2);
    expect(d.natGateways.size).toBe(0);
  });
});
