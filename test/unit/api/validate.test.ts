import { formatSpecErrors, validateManifest, validateSpec, type SpecError } from "../../../operator/api/validate.js";

/** The smallest valid spec. */
const minimal = () => ({ vpcId: "vpc-0123456789abcdef0", privateSubnets: { ids: ["subnet-0a1b2c3d"] } });

const natEgress = (natGateway: Record<string, unknown>) => ({
  ...minimal(),
  egress: { mode: "NatGateway", natGateway },
});

const errorsOf = (spec: unknown, old?: unknown): SpecError[] => {
  const r = validateSpec("PrivateEcsNetwork", spec, old === undefined ? {} : { old });
  return r.ok ? [] : r.errors;
};

describe("validateSpec(PrivateEcsNetwork)", () => {
  it("applies every default to a minimal spec", () => {
    const r = validateSpec("PrivateEcsNetwork", minimal());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec).toEqual({
      vpcId: "vpc-0123456789abcdef0",
      privateSubnets: { ids: ["subnet-0a1b2c3d"] },
      launchTypes: ["FARGATE"],
      endpoints: { includeDefaults: true, extra: [], privateDns: true, adoptExisting: false, policies: {} },
      s3Gateway: { enabled: true },
      securityGroup: { allowFromPrivateSubnets: true, allowFromCidrs: [], allowFromSecurityGroupIds: [] },
      egress: { mode: "None" },
      vpcDns: "Check",
      tags: {},
      deletionPolicy: "Delete",
      managementMode: "Managed",
    });
  });

  it("applies nested defaults inside an object the user gave", () => {
    const r = validateSpec("PrivateEcsNetwork", natEgress({ publicSubnetIds: ["subnet-0f0e0d0c"] }));
    expect(r.ok && r.spec.egress.natGateway).toEqual({
      placement: "OnePerAz",
      publicSubnetIds: ["subnet-0f0e0d0c"],
      replaceExistingDefaultRoute: false,
    });
  });

  it("keeps values the user gave over defaults and never mutates its input", () => {
    const input = { ...minimal(), launchTypes: ["EC2", "FARGATE"], endpoints: { privateDns: false } };
    const frozen = JSON.stringify(input);
    const r = validateSpec("PrivateEcsNetwork", input);
    expect(r.ok && r.spec.launchTypes).toEqual(["EC2", "FARGATE"]);
    expect(r.ok && r.spec.endpoints.privateDns).toBe(false);
    expect(r.ok && r.spec.endpoints.includeDefaults).toBe(true);
    expect(JSON.stringify(input)).toBe(frozen);
  });

  it.each([
    [
      "a vpc id without the vpc- prefix",
      { ...minimal(), vpcId: "0123456789abcdef0" },
      "spec.vpcId",
      /vpc id like vpc-/,
    ],
    ["a vpc id with upper-case hex", { ...minimal(), vpcId: "vpc-0123ABCD" }, "spec.vpcId", /vpc id/],
    [
      "a subnet id that is too short",
      { ...minimal(), privateSubnets: { ids: ["subnet-0a1"] } },
      "spec.privateSubnets.ids[0]",
      /subnet id/,
    ],
    [
      "a security group id of the wrong kind",
      { ...minimal(), securityGroup: { groupIds: ["vpc-0123abcd"] } },
      "spec.securityGroup.groupIds[0]",
      /sg id/,
    ],
    [
      "a route table id with a typo",
      { ...minimal(), s3Gateway: { routeTableIds: ["rt-0123abcd"] } },
      "spec.s3Gateway.routeTableIds[0]",
      /rtb id/,
    ],
    [
      "an allocation id that is an address",
      natEgress({ publicSubnetIds: ["subnet-0f0e0d0c"], elasticIpAllocationIds: ["1.2.3.4"] }),
      "spec.egress.natGateway.elasticIpAllocationIds[0]",
      /eipalloc id/,
    ],
    [
      "a CIDR without a prefix length",
      { ...minimal(), securityGroup: { allowFromCidrs: ["10.0.0.0"] } },
      "spec.securityGroup.allowFromCidrs[0]",
      /IPv4 CIDR/,
    ],
    [
      "a CIDR with an octet over 255",
      { ...minimal(), securityGroup: { allowFromCidrs: ["10.0.300.0/24"] } },
      "spec.securityGroup.allowFromCidrs[0]",
      /IPv4 CIDR/,
    ],
    ["an unknown launch type", { ...minimal(), launchTypes: ["LAMBDA"] }, "spec.launchTypes[0]", /one of FARGATE, EC2/],
    [
      "an unknown egress mode",
      { ...minimal(), egress: { mode: "Internet" } },
      "spec.egress.mode",
      /one of None, NatGateway/,
    ],
    ["a launch type listed twice", { ...minimal(), launchTypes: ["EC2", "EC2"] }, "spec.launchTypes", /twice/],
    ["a misspelt field", { ...minimal(), deletePolicy: "Retain" }, "spec.deletePolicy", /not a known field/],
    ["a missing vpcId", { privateSubnets: { ids: ["subnet-0a1b2c3d"] } }, "spec.vpcId", /required/],
  ])("rejects %s with its path and a clear message", (_name, spec, path, message) => {
    const errors = errorsOf(spec);
    expect(errors).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it("accepts ids of 8 and 17 hex digits", () => {
    expect(
      errorsOf({
        vpcId: "vpc-0123456789abcdef0",
        privateSubnets: { ids: ["subnet-01234567", "subnet-0123456789abcdef0"] },
      }),
    ).toEqual([]);
  });

  describe("CEL rules (the same ones the API server runs)", () => {
    it.each([
      [
        "both subnet ids and a selector",
        { vpcId: "vpc-0123abcd", privateSubnets: { ids: ["subnet-0a1b2c3d"], selector: { tags: { tier: "app" } } } },
        "spec.privateSubnets",
        /exactly one of privateSubnets.ids or privateSubnets.selector/,
      ],
      [
        "neither subnet ids nor a selector",
        { vpcId: "vpc-0123abcd", privateSubnets: {} },
        "spec.privateSubnets",
        /exactly one/,
      ],
      [
        "NatGateway egress without natGateway",
        { ...minimal(), egress: { mode: "NatGateway" } },
        "spec.egress.natGateway",
        /needs natGateway.publicSubnetIds/,
      ],
      [
        "natGateway with egress mode None",
        { ...minimal(), egress: { mode: "None", natGateway: { publicSubnetIds: ["subnet-0f0e0d0c"] } } },
        "spec.egress.natGateway",
        /egress.mode is None/,
      ],
      [
        "0.0.0.0/0 in allowFromCidrs",
        { ...minimal(), securityGroup: { allowFromCidrs: ["10.0.0.0/16", "0.0.0.0/0"] } },
        "spec.securityGroup.allowFromCidrs",
        /must not contain 0.0.0.0\/0/,
      ],
      [
        "a security group that admits nobody",
        { ...minimal(), securityGroup: { allowFromPrivateSubnets: false } },
        "spec.securityGroup",
        /would admit nobody/,
      ],
      [
        "two Elastic IPs for a single NAT gateway",
        natEgress({
          placement: "Single",
          publicSubnetIds: ["subnet-0f0e0d0c", "subnet-0f0e0d0d"],
          elasticIpAllocationIds: ["eipalloc-0123abcd", "eipalloc-0123abce"],
        }),
        "spec.egress.natGateway.elasticIpAllocationIds",
        /more Elastic IPs than there are NAT gateways/,
      ],
      [
        "more Elastic IPs than public subnets",
        natEgress({
          publicSubnetIds: ["subnet-0f0e0d0c"],
          elasticIpAllocationIds: ["eipalloc-0123abcd", "eipalloc-0123abce"],
        }),
        "spec.egress.natGateway.elasticIpAllocationIds",
        /more Elastic IPs/,
      ],
    ])("rejects %s", (_name, spec, path, message) => {
      expect(errorsOf(spec)).toContainEqual({ path, message: expect.stringMatching(message) });
    });

    it.each([
      ["a tag selector alone", { vpcId: "vpc-0123abcd", privateSubnets: { selector: { tags: { tier: "app" } } } }],
      ["NatGateway egress with a public subnet", natEgress({ publicSubnetIds: ["subnet-0f0e0d0c"] })],
      ["narrow CIDRs", { ...minimal(), securityGroup: { allowFromCidrs: ["10.0.0.0/16", "192.168.1.0/24"] } }],
      [
        "only task security groups admitted",
        { ...minimal(), securityGroup: { allowFromPrivateSubnets: false, allowFromSecurityGroupIds: ["sg-0123abcd"] } },
      ],
      [
        "given security groups that ecsnet does not manage",
        { ...minimal(), securityGroup: { groupIds: ["sg-0123abcd"], allowFromPrivateSubnets: false } },
      ],
      [
        "one Elastic IP per public subnet",
        natEgress({
          publicSubnetIds: ["subnet-0f0e0d0c", "subnet-0f0e0d0d"],
          elasticIpAllocationIds: ["eipalloc-0123abcd", "eipalloc-0123abce"],
        }),
      ],
      [
        "one Elastic IP for a single NAT gateway",
        natEgress({
          placement: "Single",
          publicSubnetIds: ["subnet-0f0e0d0c"],
          elasticIpAllocationIds: ["eipalloc-0123abcd"],
        }),
      ],
    ])("accepts %s", (_name, spec) => {
      expect(errorsOf(spec)).toEqual([]);
    });

    it("refuses to change vpcId on update", () => {
      const old = validateSpec("PrivateEcsNetwork", minimal());
      expect(old.ok).toBe(true);
      const errors = errorsOf({ ...minimal(), vpcId: "vpc-0123abcd" }, old.ok ? old.spec : undefined);
      expect(errors).toContainEqual({ path: "spec.vpcId", message: expect.stringMatching(/vpcId is immutable/) });
      expect(errorsOf(minimal(), old.ok ? old.spec : undefined)).toEqual([]);
    });

    it("refuses to change or drop region once set, and allows setting it the first time", () => {
      const withRegion = { ...minimal(), region: "eu-west-1" };
      expect(errorsOf({ ...minimal(), region: "eu-central-1" }, withRegion)).toContainEqual({
        path: "spec.region",
        message: expect.stringMatching(/region cannot change/),
      });
      expect(errorsOf(minimal(), withRegion)).toContainEqual({
        path: "spec.region",
        message: expect.stringMatching(/region cannot change/),
      });
      expect(errorsOf(withRegion, minimal())).toEqual([]);
    });
  });

  it("formats errors one per path, capped with a count of the rest", () => {
    const errors = errorsOf({ vpcId: "x", privateSubnets: { ids: ["y"] }, launchTypes: ["Z"] });
    expect(errors.length).toBe(3);
    expect(formatSpecErrors(errors, 2)).toMatch(
      /^spec\.launchTypes\[0\]: must be one of .*; spec\.privateSubnets\.ids\[0\]: .*\(and 1 more\)$/,
    );
  });

  it("rejects something that is not an object", () => {
    expect(errorsOf("vpc-0123abcd")).toEqual([{ path: "spec", message: "must be an object" }]);
  });
});

describe("validateSpec(EcrAccess)", () => {
  it("dispatches to the EcrAccess schema", () => {
    const r = validateSpec("EcrAccess", { nonsense: true });
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toContain("spec.nonsense");
  });
});

describe("validateManifest", () => {
  const manifest = (over: Record<string, unknown> = {}) => ({
    apiVersion: "ecsnet.dev/v1alpha1",
    kind: "PrivateEcsNetwork",
    metadata: { name: "shop", namespace: "prod" },
    spec: minimal(),
    ...over,
  });

  it("returns the kind, metadata and defaulted spec of a valid manifest", () => {
    const r = validateManifest(manifest());
    expect(r.ok && [r.kind, r.metadata, (r.spec as { vpcDns: string }).vpcDns]).toEqual([
      "PrivateEcsNetwork",
      { name: "shop", namespace: "prod" },
      "Check",
    ]);
  });

  it("names a wrong apiVersion, an unknown kind and a bad name together", () => {
    const r = validateManifest(manifest({ apiVersion: "v1", kind: "Network", metadata: { name: "Shop_1" } }));
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual(["apiVersion", "kind", "metadata.name"]);
  });

  it("reports spec errors with their spec paths", () => {
    const r = validateManifest(manifest({ spec: { ...minimal(), egress: { mode: "NatGateway" } } }));
    expect(r.ok ? [] : r.errors).toContainEqual({
      path: "spec.egress.natGateway",
      message: expect.stringMatching(/publicSubnetIds/),
    });
  });
});
