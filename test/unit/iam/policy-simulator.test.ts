/**
 * The generated IAM policy, checked by an IAM policy simulator (@cloud-copilot/iam-simulate, ADR 0007)
 * request by request, not by reading it. The actions are the ones the adapters import from the AWS SDK
 * (a new command makes these tests fail until the policy covers it); each request carries the resource
 * ARNs and condition keys AWS sets for that action (Service Authorization Reference, via iam-data).
 */
import { ADOPTION_SID, grantedActions, iamPolicy, type PolicyDocument } from "../../../operator/iam/policy.js";
import { DEFAULT_FEATURES, type IamFeatures, type IamScope } from "../../../operator/iam/scope.js";
import { TagKey } from "../../../operator/api/group.js";
import {
  FOREIGN_TAGS,
  IN_SCOPE,
  OUT,
  OWNABLE,
  OWNER_TAGS,
  SCOPE,
  actionsSentByAdapters,
  allActions,
  decide,
  requestsOf,
  shapeOf,
  show,
  type Request,
  type Shape,
  type Tags,
  type World,
} from "./simulate.js";

const ALL: IamFeatures = { ...DEFAULT_FEATURES, adoption: true };
/** The scopes every check runs for: several regions (ARNs name any region, conditions name the regions) and one. */
const SCOPES: [string, IamScope][] = [
  ["two regions and two VPCs", SCOPE],
  ["one region and one VPC", { ...SCOPE, regions: [SCOPE.regions[0]!], vpcIds: [SCOPE.vpcIds[0]!] }],
];

const SENT = actionsSentByAdapters();
let shapes: Shape[] = [];
beforeAll(async () => {
  shapes = await Promise.all(SENT.map(shapeOf));
});
const isWrite = (s: Shape): boolean => !/^(Read|List)$/.test(s.access);

/** The requests among `reqs` whose decision is not `want`, as readable lines (empty when all match). */
async function mismatches(policy: PolicyDocument, reqs: readonly Request[], want: "Allowed" | "Denied") {
  const bad: string[] = [];
  for (const r of reqs) {
    const { result } = await decide(policy, r);
    if ((result === "Allowed") !== (want === "Allowed")) bad.push(`${show(r)} -> ${result}`);
  }
  return bad;
}

/** The world in which an action does what ecsnet does with it (a tagging action writes a tag of the user's). */
const usual = (s: Shape): World => (s.tagging ? { ...IN_SCOPE, requestTags: { team: "platform" } } : IN_SCOPE);

describe("the actions ecsnet sends, derived from the adapters", () => {
  it("finds the EC2 and ECS commands the adapters import", () => {
    // A sanity floor on the scan itself (its result is what every other test here works from).
    expect(SENT).toEqual(expect.arrayContaining(["ec2:CreateVpcEndpoint", "ec2:DescribeVpcs", "ecs:ListServices"]));
    expect(SENT.every((a) => /^(ec2|ecs):[A-Z]\w+$/.test(a))).toBe(true);
  });

  it("are exactly the actions the policy with every feature grants", () => {
    expect(grantedActions(iamPolicy(SCOPE, ALL))).toEqual(SENT);
  });
});

describe.each(SCOPES)("for %s", (_name, scope) => {
  const policyWith = (f: Partial<IamFeatures> = {}): PolicyDocument => iamPolicy(scope, { ...DEFAULT_FEATURES, ...f });

  describe("the policy allows what ecsnet does, on what it owns, in the VPCs in scope", () => {
    for (const features of [ALL, DEFAULT_FEATURES]) {
      it(`allows every action the adapters send (adoption ${features.adoption ? "on" : "off"})`, async () => {
        const policy = iamPolicy(scope, features);
        const reqs = shapes.flatMap((s) => requestsOf(s, usual(s)));
        expect(await mismatches(policy, reqs, "Allowed")).toEqual([]);
      });
    }

    it("allows them in every region and VPC of the scope", async () => {
      const policy = policyWith();
      const worlds = scope.regions.flatMap((region) => scope.vpcIds.map((vpcId) => ({ region, vpcId })));
      const reqs = shapes.flatMap((s) => worlds.flatMap((w) => requestsOf(s, { ...usual(s), ...w })));
      expect(await mismatches(policy, reqs, "Allowed")).toEqual([]);
    });

    it("lets an endpoint use the user's security groups and a NAT gateway the user's Elastic IPs", async () => {
      const given = shapes.filter(
        (s) => !s.tagging && s.resources.some((r) => OWNABLE.has(r.name) && ![s.target, s.created].includes(r.name)),
      );
      expect(given.map((s) => s.action)).toEqual(
        expect.arrayContaining(["ec2:CreateNatGateway", "ec2:CreateVpcEndpoint", "ec2:ModifyVpcEndpoint"]),
      );
      const reqs = given.flatMap((s) => requestsOf(s, { ...IN_SCOPE, usedTags: FOREIGN_TAGS }));
      expect(await mismatches(policyWith(), reqs, "Allowed")).toEqual([]);
    });
  });

  describe("the policy denies", () => {
    it("every change or deletion of a resource without ecsnet's ownership tags", async () => {
      const changes = shapes.filter((s) => s.target !== null);
      expect(changes.length).toBeGreaterThanOrEqual(8);
      const notOurs: Record<string, string>[] = [
        FOREIGN_TAGS,
        {},
        { [TagKey.ManagedBy]: "ecsnet" }, // no owner uid
        { [TagKey.OwnerUid]: OWNER_TAGS[TagKey.OwnerUid]!, [TagKey.ManagedBy]: "someone-else" },
      ];
      for (const tags of notOurs) {
        const reqs = changes.flatMap((s) =>
          requestsOf(s, { ...IN_SCOPE, targetTags: tags }).filter((r) => r.type === s.target),
        );
        expect(await mismatches(iamPolicy(scope, ALL), reqs, "Denied")).toEqual([]);
      }
    });

    it("creating anything without ecsnet's ownership tags, or tagging at creation for a create ecsnet never sends", async () => {
      const creates = shapes.filter((s) => s.created !== null);
      expect(creates.map((s) => s.action).sort()).toEqual([
        "ec2:AllocateAddress",
        "ec2:CreateNatGateway",
        "ec2:CreateSecurityGroup",
        "ec2:CreateVpcEndpoint",
      ]);
      const untagged: Tags[] = [{ Name: "x" }, { [TagKey.ManagedBy]: "ecsnet" }, { [TagKey.OwnerUid]: "u" }];
      for (const requestTags of untagged) {
        const reqs = creates.flatMap((s) =>
          requestsOf(s, { ...IN_SCOPE, requestTags }).filter((r) => r.type === s.created),
        );
        expect(await mismatches(iamPolicy(scope, ALL), reqs, "Denied")).toEqual([]);
      }
      const other: Request = {
        action: "ec2:CreateTags",
        type: "security-group",
        resource: `arn:aws:ec2:${IN_SCOPE.region}:${SCOPE.account}:security-group/sg-0123456789abcdef0`,
        context: { "ec2:CreateAction": "CopySecurityGroup", "aws:RequestTag/ecsnet.dev/managed-by": "ecsnet" },
      };
      expect((await decide(iamPolicy(scope, ALL), other)).result).not.toBe("Allowed");
    });

    describe("CreateTags on an existing resource ecsnet does not own", () => {
      const types = ["vpc", "subnet", "route-table", "security-group", "vpc-endpoint", "natgateway", "elastic-ip"];
      const tagExisting = (type: string, resourceTags: Record<string, string>, requestTags = OWNER_TAGS): Request => ({
        action: "ec2:CreateTags",
        type,
        resource: `arn:aws:ec2:${IN_SCOPE.region}:${SCOPE.account}:${type}/${type === "vpc" ? IN_SCOPE.vpcId : "x-0123456789abcdef0"}`,
        context: {
          "aws:RequestedRegion": IN_SCOPE.region,
          ...Object.fromEntries(Object.entries(resourceTags).map(([k, v]) => [`aws:ResourceTag/${k}`, v])),
          ...Object.fromEntries(Object.entries(requestTags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
          "aws:TagKeys": Object.keys(requestTags),
        },
      });

      it("is denied for every resource type, with any tags, without adoption", async () => {
        const reqs = types.flatMap((t) =>
          [FOREIGN_TAGS, {}].flatMap((rt) => [tagExisting(t, rt), tagExisting(t, rt, { team: "platform" })]),
        );
        expect(await mismatches(policyWith(), reqs, "Denied")).toEqual([]);
      });

      it("is allowed with adoption only for a VPC endpoint without ecsnet tags, and only by the adoption statement", async () => {
        const policy = policyWith({ adoption: true });
        for (const t of types) {
          for (const rt of [FOREIGN_TAGS, {}]) {
            const { result, sids } = await decide(policy, tagExisting(t, rt));
            if (t === "vpc-endpoint")
              expect({ t, result, sids }).toEqual({ t, result: "Allowed", sids: [ADOPTION_SID] });
            else expect({ t, result }).toEqual({ t, result: "ImplicitlyDenied" });
          }
        }
        // Another ecsnet object's endpoint, or one half-tagged, is never adopted.
        const owned = [OWNER_TAGS, { [TagKey.ManagedBy]: "ecsnet" }, { [TagKey.OwnerUid]: "other-uid" }];
        const reqs = owned.map((rt) => tagExisting("vpc-endpoint", rt));
        expect(await mismatches(policy, reqs, "Denied")).toEqual([]);
        // Adoption writes the ownership tags; a request without them is not adoption.
        expect((await decide(policy, tagExisting("vpc-endpoint", {}, { team: "platform" }))).result).not.toBe(
          "Allowed",
        );
      });
    });

    it("changing ecsnet's ownership keys on resources it owns, while other tags may change", async () => {
      const policy = iamPolicy(scope, ALL);
      const tagging = shapes.filter((s) => s.tagging);
      expect(tagging.map((s) => s.action)).toEqual(expect.arrayContaining(["ec2:CreateTags", "ec2:DeleteTags"]));
      // The two keys that make a resource ecsnet's to IAM: never written nor deleted on an existing resource.
      for (const key of [TagKey.ManagedBy, TagKey.OwnerUid]) {
        for (const requestTags of [{ [key]: "other" }, { team: "platform", [key]: "other" }]) {
          const reqs = tagging.flatMap((s) => requestsOf(s, { ...IN_SCOPE, requestTags }));
          expect(await mismatches(policy, reqs, "Denied")).toEqual([]);
        }
      }
      // ecsnet's descriptive tags (owner, component, the spec.tags keys it set, an Elastic IP's NAT gateways)
      // are repaired like any tag drift, on resources that are already its own.
      const descriptive = Object.values(TagKey).filter((k) => k !== TagKey.ManagedBy && k !== TagKey.OwnerUid);
      expect(descriptive).toEqual(expect.arrayContaining([TagKey.Owner, TagKey.Component, TagKey.UserTagKeys]));
      const other = tagging.flatMap((s) =>
        requestsOf(s, {
          ...IN_SCOPE,
          requestTags: { team: "platform", Name: "n", ...Object.fromEntries(descriptive.map((k) => [k, "v"])) },
        }),
      );
      expect(await mismatches(policy, other, "Allowed")).toEqual([]);
    });

    it("routes, VPC attributes and every other VPC-scoped request in a VPC out of scope", async () => {
      const policy = iamPolicy(scope, ALL);
      const scoped: Request[] = [];
      const unscoped: string[] = [];
      for (const s of shapes) {
        // A create's tag-on-create is decided with the create, whose VPC is scoped.
        for (const r of requestsOf(s, { ...usual(s), vpcId: OUT.vpcId }).filter((x) => !x.atCreation)) {
          if (r.type === "vpc" || "ec2:Vpc" in r.context) scoped.push(r);
          else if (r.type !== null && isWrite(s) && !s.tagging) unscoped.push(`${r.action} ${r.type}`);
        }
      }
      expect(scoped.map((r) => r.action)).toEqual(
        expect.arrayContaining(["ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DeleteRoute", "ec2:ModifyVpcAttribute"]),
      );
      expect(await mismatches(policy, scoped, "Denied")).toEqual([]);
      // What IAM cannot tie to a VPC (no ec2:Vpc key for that action and resource type), as docs/iam.md lists.
      // Tag changes are left out: they are scoped by the ownership tags (security groups also by VPC).
      expect([...new Set(unscoped)].sort()).toEqual([
        "ec2:AllocateAddress elastic-ip",
        "ec2:CreateNatGateway elastic-ip",
        "ec2:CreateNatGateway natgateway",
        "ec2:CreateSecurityGroup security-group",
        "ec2:CreateVpcEndpoint route-table",
        "ec2:CreateVpcEndpoint security-group",
        "ec2:CreateVpcEndpoint subnet",
        "ec2:CreateVpcEndpoint vpc-endpoint",
        "ec2:DeleteNatGateway natgateway",
        "ec2:DeleteVpcEndpoints vpc-endpoint",
        "ec2:ModifyVpcEndpoint route-table",
        "ec2:ModifyVpcEndpoint vpc-endpoint",
        "ec2:ReleaseAddress elastic-ip",
      ]);
    });

    it("every request in a region or account out of scope", async () => {
      const policy = iamPolicy(scope, ALL);
      const reqs = shapes.flatMap((s) => [
        ...requestsOf(s, { ...usual(s), region: OUT.region }),
        ...requestsOf(s, { ...usual(s), account: OUT.account }).filter((r) => r.resource !== "*"),
      ]);
      expect(await mismatches(policy, reqs, "Denied")).toEqual([]);
    });

    it("every EC2 and ECS action the code never sends, even on owned resources in scope", async () => {
      const policy = iamPolicy(scope, ALL);
      const never = [...(await allActions("ec2")), ...(await allActions("ecs"))].filter((a) => !SENT.includes(a));
      expect(never.length).toBeGreaterThan(500);
      const reqs: Request[] = [];
      for (const a of never) {
        const s = await shapeOf(a);
        // Its usual requests when it names resources ecsnet uses, else one on `*` with every key ecsnet's requests carry.
        reqs.push(...requestsOf(s, { ...usual(s), createAction: "CreateVpcEndpoint" }));
      }
      expect(await mismatches(policy, reqs, "Denied")).toEqual([]);
      const others = ["route53:AssociateVPCWithHostedZone", "iam:PassRole", "sts:AssumeRole"];
      for (const action of others) {
        expect((await decide(policy, { action, type: null, resource: "*", context: {} })).result).not.toBe("Allowed");
      }
    });
  });

  describe("features leave out what they do not use", () => {
    const only = (pred: (s: Shape) => boolean) => shapes.filter(pred).flatMap((s) => requestsOf(s, usual(s)));

    it("read-only allows every read and denies every write", async () => {
      const policy = policyWith({ readOnly: true, adoption: true });
      expect(
        await mismatches(
          policy,
          only((s) => !isWrite(s)),
          "Allowed",
        ),
      ).toEqual([]);
      expect(await mismatches(policy, only(isWrite), "Denied")).toEqual([]);
    });

    it("without NAT egress: no Elastic IP, NAT gateway or route rights", async () => {
      const nat = (s: Shape) =>
        /^ec2:(AllocateAddress|ReleaseAddress|CreateNatGateway|DeleteNatGateway|CreateRoute|ReplaceRoute|DeleteRoute)$/.test(
          s.action,
        );
      const policy = policyWith({ natEgress: false });
      expect(await mismatches(policy, only(nat), "Denied")).toEqual([]);
      expect(
        await mismatches(
          policy,
          only((s) => !nat(s) && !s.tagging),
          "Allowed",
        ),
      ).toEqual([]);
    });

    it("without vpcDns Enforce: no ModifyVpcAttribute; without discovery: no ECS reads", async () => {
      expect(
        await mismatches(
          policyWith({ vpcDnsEnforce: false }),
          only((s) => s.action === "ec2:ModifyVpcAttribute"),
          "Denied",
        ),
      ).toEqual([]);
      expect(
        await mismatches(
          policyWith({ ecsDiscovery: false }),
          only((s) => s.action.startsWith("ecs:")),
          "Denied",
        ),
      ).toEqual([]);
    });
  });
});
