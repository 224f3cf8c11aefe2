/**
 * Security groups and their rules. Every (permission × peer) is one rule with an `sgr-` id, as
 * DescribeSecurityGroupRules shows them; a new group gets the allow-all egress rule, the VPC's default group
 * also admits itself. Errors: InvalidGroup.Duplicate, InvalidPermission.Duplicate/NotFound,
 * DependencyViolation while an endpoint or another group's rule uses the group, CannotDelete for `default`.
 */
import type * as T from "@aws-sdk/client-ec2";
import { Ec2ApiError, notFound } from "../errors.js";
import { applyFilters, paginate, selectByIds } from "../filters.js";
import type { HandlerTable } from "../handler.js";
import { lookup, notFoundMany, op, required } from "../handler.js";
import { isEndpointLive } from "../lifecycle.js";
import type { Ctx, SgRec, SgRuleRec } from "../state.js";
import { forget, isInvisible, newId, registerCreated, setTags, tagsOf } from "../state.js";

type RuleSpec = Omit<SgRuleRec, "id" | "groupId" | "egress">;

function normProtocol(p: string | undefined): string {
  const v = (p ?? "-1").toLowerCase();
  return ({ all: "-1", "6": "tcp", "17": "udp", "1": "icmp" } as Record<string, string>)[v] ?? v;
}

function specsOf(perms: T.IpPermission[]): RuleSpec[] {
  const out: RuleSpec[] = [];
  for (const p of perms) {
    const protocol = normProtocol(p.IpProtocol);
    const ports = protocol === "-1" ? {} : { from: p.FromPort, to: p.ToPort };
    for (const r of p.IpRanges ?? []) out.push({ protocol, ...ports, cidr: r.CidrIp, description: r.Description });
    for (const r of p.Ipv6Ranges ?? [])
      out.push({ protocol, ...ports, cidrV6: r.CidrIpv6, description: r.Description });
    for (const r of p.PrefixListIds ?? [])
      out.push({ protocol, ...ports, prefixListId: r.PrefixListId, description: r.Description });
    for (const r of p.UserIdGroupPairs ?? [])
      out.push({ protocol, ...ports, refGroupId: r.GroupId, description: r.Description });
  }
  return out;
}

const sameRule = (a: RuleSpec, b: RuleSpec) =>
  a.protocol === b.protocol &&
  a.from === b.from &&
  a.to === b.to &&
  a.cidr === b.cidr &&
  a.cidrV6 === b.cidrV6 &&
  a.prefixListId === b.prefixListId &&
  a.refGroupId === b.refGroupId;

function peerText(r: RuleSpec): string {
  return `peer: ${r.cidr ?? r.cidrV6 ?? r.prefixListId ?? r.refGroupId}, ${r.protocol.toUpperCase()}, from port: ${r.from ?? "-1"}, to port: ${r.to ?? "-1"}, ALLOW`;
}

function rulesOf(ctx: Ctx, groupId: string, egress?: boolean): SgRuleRec[] {
  return [...ctx.world.sgRules.values()].filter(
    (r) => r.groupId === groupId && (egress === undefined || r.egress === egress),
  );
}

function addRule(ctx: Ctx, groupId: string, egress: boolean, spec: RuleSpec): SgRuleRec {
  const rule: SgRuleRec = { id: newId(ctx, "sgr"), groupId, egress, ...spec };
  ctx.world.sgRules.set(rule.id, rule);
  return rule;
}

function permissionsOf(ctx: Ctx, rules: SgRuleRec[]): T.IpPermission[] {
  const groups = new Map<string, T.IpPermission>();
  for (const r of rules) {
    const k = `${r.protocol}:${r.from}:${r.to}`;
    let p = groups.get(k);
    if (!p) {
      p = {
        IpProtocol: r.protocol,
        FromPort: r.from,
        ToPort: r.to,
        IpRanges: [],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      };
      groups.set(k, p);
    }
    if (r.cidr) p.IpRanges!.push({ CidrIp: r.cidr, Description: r.description });
    if (r.cidrV6) p.Ipv6Ranges!.push({ CidrIpv6: r.cidrV6, Description: r.description });
    if (r.prefixListId) p.PrefixListIds!.push({ PrefixListId: r.prefixListId, Description: r.description });
    if (r.refGroupId)
      p.UserIdGroupPairs!.push({ GroupId: r.refGroupId, UserId: ctx.accountId, Description: r.description });
  }
  return [...groups.values()];
}

function groupView(ctx: Ctx, g: SgRec): T.SecurityGroup {
  return {
    GroupId: g.id,
    GroupName: g.name,
    Description: g.description,
    VpcId: g.vpcId,
    OwnerId: ctx.accountId,
    SecurityGroupArn: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:security-group/${g.id}`,
    IpPermissions: permissionsOf(ctx, rulesOf(ctx, g.id, false)),
    IpPermissionsEgress: permissionsOf(ctx, rulesOf(ctx, g.id, true)),
    Tags: tagsOf(ctx.world, g.id),
  };
}

function ruleView(ctx: Ctx, r: SgRuleRec): T.SecurityGroupRule {
  return {
    SecurityGroupRuleId: r.id,
    GroupId: r.groupId,
    GroupOwnerId: ctx.accountId,
    IsEgress: r.egress,
    IpProtocol: r.protocol,
    FromPort: r.from ?? -1,
    ToPort: r.to ?? -1,
    CidrIpv4: r.cidr,
    CidrIpv6: r.cidrV6,
    PrefixListId: r.prefixListId,
    ReferencedGroupInfo: r.refGroupId ? { GroupId: r.refGroupId, UserId: ctx.accountId } : undefined,
    Description: r.description,
    Tags: tagsOf(ctx.world, r.id),
    SecurityGroupRuleArn: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:security-group-rule/${r.id}`,
  };
}

/** Creates the VPC's `default` group (admits itself, allows all egress) and returns its id. */
export function createDefaultSecurityGroup(ctx: Ctx, vpcId: string): string {
  const g: SgRec = {
    id: newId(ctx, "sg"),
    vpcId,
    name: "default",
    description: "default VPC security group",
    isDefault: true,
  };
  ctx.world.sgs.set(g.id, g);
  registerCreated(ctx, g.id, "security-group", undefined);
  addRule(ctx, g.id, false, { protocol: "-1", refGroupId: g.id });
  addRule(ctx, g.id, true, { protocol: "-1", cidr: "0.0.0.0/0" });
  return g.id;
}

function createGroup(ctx: Ctx, i: T.CreateSecurityGroupRequest): T.CreateSecurityGroupResult {
  const name = required(i.GroupName, "GroupName");
  const description = required(i.Description, "GroupDescription");
  const v = lookup(ctx, ctx.world.vpcs, "vpc", i.VpcId, "VpcId");
  if (name.toLowerCase().startsWith("sg-"))
    throw new Ec2ApiError("InvalidParameterValue", "Group names may not be in the format sg-*");
  if ([...ctx.world.sgs.values()].some((g) => g.vpcId === v.id && g.name === name)) {
    throw new Ec2ApiError("InvalidGroup.Duplicate", `The security group '${name}' already exists for VPC '${v.id}'`);
  }
  const g: SgRec = { id: newId(ctx, "sg"), vpcId: v.id, name, description, isDefault: false };
  ctx.world.sgs.set(g.id, g);
  registerCreated(ctx, g.id, "security-group", i.TagSpecifications);
  addRule(ctx, g.id, true, { protocol: "-1", cidr: "0.0.0.0/0" });
  return { GroupId: g.id, Tags: tagsOf(ctx.world, g.id), SecurityGroupArn: groupView(ctx, g).SecurityGroupArn };
}

function findGroup(ctx: Ctx, id: string | undefined, name: string | undefined): SgRec {
  if (!id && name) {
    const g = [...ctx.world.sgs.values()].find((x) => x.name === name);
    if (!g) throw new Ec2ApiError("InvalidGroup.NotFound", `The security group '${name}' does not exist`);
    return g;
  }
  return lookup(ctx, ctx.world.sgs, "sg", id, "GroupId");
}

function deleteGroup(ctx: Ctx, i: T.DeleteSecurityGroupRequest): T.DeleteSecurityGroupResult {
  const g = findGroup(ctx, i.GroupId, i.GroupName);
  if (g.isDefault)
    throw new Ec2ApiError(
      "CannotDelete",
      'the specified group: "' + g.id + '" name: "default" cannot be deleted by a user',
    );
  const usedByEndpoint = [...ctx.world.endpoints.values()].some(
    (e) => e.securityGroupIds.includes(g.id) && isEndpointLive(ctx, e),
  );
  const referenced = [...ctx.world.sgRules.values()].some((r) => r.refGroupId === g.id && r.groupId !== g.id);
  if (usedByEndpoint || referenced) {
    throw new Ec2ApiError("DependencyViolation", `resource ${g.id} has a dependent object`);
  }
  for (const r of rulesOf(ctx, g.id)) {
    ctx.world.sgRules.delete(r.id);
    forget(ctx.world, r.id);
  }
  ctx.world.sgs.delete(g.id);
  forget(ctx.world, g.id);
  return { Return: true, GroupId: g.id };
}

function describeGroups(ctx: Ctx, i: T.DescribeSecurityGroupsRequest): T.DescribeSecurityGroupsResult {
  let items = selectByIds(ctx, ctx.world.sgs, i.GroupIds, notFoundMany("sg"));
  // Eventual consistency: a just-created group is missing from list answers for a while.
  if (!i.GroupIds?.length) items = items.filter((g) => !isInvisible(ctx, g.id));
  if (i.GroupNames?.length) items = items.filter((g) => i.GroupNames!.includes(g.name));
  const perm = (g: SgRec, egress: boolean) => rulesOf(ctx, g.id, egress);
  items = applyFilters(
    ctx,
    items,
    i.Filters,
    {
      "group-id": (g) => g.id,
      "group-name": (g) => g.name,
      "vpc-id": (g) => g.vpcId,
      description: (g) => g.description,
      "owner-id": () => ctx.accountId,
      "ip-permission.cidr": (g) => perm(g, false).map((r) => r.cidr),
      "ip-permission.from-port": (g) => perm(g, false).map((r) => r.from),
      "ip-permission.to-port": (g) => perm(g, false).map((r) => r.to),
      "ip-permission.protocol": (g) => perm(g, false).map((r) => r.protocol),
      "ip-permission.group-id": (g) => perm(g, false).map((r) => r.refGroupId),
      "ip-permission.prefix-list-id": (g) => perm(g, false).map((r) => r.prefixListId),
      "egress.ip-permission.cidr": (g) => perm(g, true).map((r) => r.cidr),
    },
    (g) => g.id,
  );
  const { page, NextToken } = paginate(items, i.MaxResults, i.NextToken);
  return { SecurityGroups: page.map((g) => groupView(ctx, g)), NextToken };
}

type AuthorizeInput = T.AuthorizeSecurityGroupIngressRequest & T.AuthorizeSecurityGroupEgressRequest;

function authorize(egress: boolean) {
  return (ctx: Ctx, i: AuthorizeInput): T.AuthorizeSecurityGroupIngressResult => {
    const g = findGroup(ctx, i.GroupId, i.GroupName);
    const perms =
      i.IpPermissions ??
      (i.CidrIp
        ? [{ IpProtocol: i.IpProtocol, FromPort: i.FromPort, ToPort: i.ToPort, IpRanges: [{ CidrIp: i.CidrIp }] }]
        : []);
    const specs = specsOf(perms);
    if (specs.length === 0)
      throw new Ec2ApiError("MissingParameter", "No rules specified; the request must contain IpPermissions");
    for (const s of specs) {
      if (s.refGroupId && !ctx.world.sgs.has(s.refGroupId))
        throw notFound("InvalidGroup.NotFound", s.refGroupId, "security group");
      if (rulesOf(ctx, g.id, egress).some((r) => sameRule(r, s)) || specs.filter((o) => sameRule(o, s)).length > 1) {
        throw new Ec2ApiError("InvalidPermission.Duplicate", `the specified rule "${peerText(s)}" already exists`);
      }
    }
    const added = specs.map((s) => addRule(ctx, g.id, egress, s));
    for (const r of added) for (const spec of i.TagSpecifications ?? []) setTags(ctx.world, r.id, spec.Tags ?? []);
    return { Return: true, SecurityGroupRules: added.map((r) => ruleView(ctx, r)) };
  };
}

type RevokeInput = T.RevokeSecurityGroupIngressRequest & T.RevokeSecurityGroupEgressRequest;

function revoke(egress: boolean) {
  return (ctx: Ctx, i: RevokeInput): T.RevokeSecurityGroupIngressResult => {
    const g = findGroup(ctx, i.GroupId, i.GroupName);
    const existing = rulesOf(ctx, g.id, egress);
    let victims: SgRuleRec[];
    if (i.SecurityGroupRuleIds?.length) {
      victims = i.SecurityGroupRuleIds.map((id) => {
        const r = existing.find((x) => x.id === id);
        if (!r)
          throw new Ec2ApiError(
            "InvalidSecurityGroupRuleId.NotFound",
            `The security group rule ID '${id}' does not exist`,
          );
        return r;
      });
    } else {
      const perms =
        i.IpPermissions ??
        (i.CidrIp
          ? [{ IpProtocol: i.IpProtocol, FromPort: i.FromPort, ToPort: i.ToPort, IpRanges: [{ CidrIp: i.CidrIp }] }]
          : []);
      victims = specsOf(perms).map((s) => {
        const r = existing.find((x) => sameRule(x, s));
        if (!r)
          throw new Ec2ApiError(
            "InvalidPermission.NotFound",
            "The specified rule does not exist in this security group.",
          );
        return r;
      });
    }
    for (const r of victims) {
      ctx.world.sgRules.delete(r.id);
      forget(ctx.world, r.id);
    }
    return {
      Return: true,
      RevokedSecurityGroupRules: victims.map((r) => ({
        SecurityGroupRuleId: r.id,
        GroupId: g.id,
        IsEgress: egress,
        IpProtocol: r.protocol,
        FromPort: r.from ?? -1,
        ToPort: r.to ?? -1,
        CidrIpv4: r.cidr,
      })),
    };
  };
}

function describeRules(ctx: Ctx, i: T.DescribeSecurityGroupRulesRequest): T.DescribeSecurityGroupRulesResult {
  let items = selectByIds(
    ctx,
    ctx.world.sgRules,
    i.SecurityGroupRuleIds,
    (ids) =>
      new Ec2ApiError(
        "InvalidSecurityGroupRuleId.NotFound",
        `The security group rule ID '${ids.join(", ")}' does not exist`,
      ),
  );
  items = applyFilters(
    ctx,
    items,
    i.Filters,
    { "group-id": (r) => r.groupId, "security-group-rule-id": (r) => r.id },
    (r) => r.id,
  );
  const { page, NextToken } = paginate(items, i.MaxResults, i.NextToken);
  return { SecurityGroupRules: page.map((r) => ruleView(ctx, r)), NextToken };
}

/** Security group and rule operations. */
export const securityGroupHandlers: HandlerTable = {
  CreateSecurityGroup: op(createGroup),
  DeleteSecurityGroup: op(deleteGroup),
  DescribeSecurityGroups: op(describeGroups),
  AuthorizeSecurityGroupIngress: op(authorize(false)),
  AuthorizeSecurityGroupEgress: op(authorize(true)),
  RevokeSecurityGroupIngress: op(revoke(false)),
  RevokeSecurityGroupEgress: op(revoke(true)),
  DescribeSecurityGroupRules: op(describeRules),
};
