/**
 * CreateTags / DeleteTags / DescribeTags over every resource the sandbox holds. A resource id that does not
 * exist gives its type's NotFound code (e.g. InvalidVpcID.NotFound), as EC2 does.
 */
import type * as T from "@aws-sdk/client-ec2";
import { Ec2ApiError, ID_KINDS, assertIdShape } from "../errors.js";
import type { IdKind } from "../errors.js";
import { applyFilters, paginate } from "../filters.js";
import type { HandlerTable } from "../handler.js";
import { op, required } from "../handler.js";
import type { Ctx } from "../state.js";
import { setTags } from "../state.js";

const TYPES: Record<string, { kind: IdKind; type: string; map: (ctx: Ctx) => Map<string, unknown> }> = {
  vpc: { kind: "vpc", type: "vpc", map: (c) => c.world.vpcs },
  subnet: { kind: "subnet", type: "subnet", map: (c) => c.world.subnets },
  igw: { kind: "igw", type: "internet-gateway", map: (c) => c.world.igws },
  rtb: { kind: "rtb", type: "route-table", map: (c) => c.world.routeTables },
  eipalloc: { kind: "eipalloc", type: "elastic-ip", map: (c) => c.world.addresses },
  nat: { kind: "nat", type: "natgateway", map: (c) => c.world.nats },
  sg: { kind: "sg", type: "security-group", map: (c) => c.world.sgs },
  sgr: { kind: "sgr", type: "security-group-rule", map: (c) => c.world.sgRules },
  vpce: { kind: "vpce", type: "vpc-endpoint", map: (c) => c.world.endpoints },
};

function resolve(ctx: Ctx, id: string): { type: string } {
  const prefix = id.split("-")[0] ?? "";
  const t = TYPES[prefix];
  if (!t) throw new Ec2ApiError("InvalidID", `The ID '${id}' is not valid`);
  assertIdShape(t.kind, id);
  if (!t.map(ctx).has(id))
    throw new Ec2ApiError(ID_KINDS[t.kind].notFound, `The ${ID_KINDS[t.kind].what} ID '${id}' does not exist`);
  return t;
}

function createTags(ctx: Ctx, i: T.CreateTagsRequest): object {
  const ids = required(i.Resources, "ResourceId");
  const tags = required(i.Tags, "Tag");
  for (const id of ids) resolve(ctx, id);
  for (const id of ids) setTags(ctx.world, id, tags);
  return {};
}

function deleteTags(ctx: Ctx, i: T.DeleteTagsRequest): object {
  const ids = required(i.Resources, "ResourceId");
  for (const id of ids) resolve(ctx, id);
  for (const id of ids) {
    const m = ctx.world.tags.get(id);
    if (!m) continue;
    if (!i.Tags?.length) m.clear();
    // A tag given with a value is deleted only when the value matches; without a value, whatever its value.
    for (const t of i.Tags ?? [])
      if (t.Key !== undefined && (t.Value === undefined || m.get(t.Key) === t.Value)) m.delete(t.Key);
  }
  return {};
}

function describeTags(ctx: Ctx, i: T.DescribeTagsRequest): T.DescribeTagsResult {
  const rows: T.TagDescription[] = [];
  for (const [id, m] of ctx.world.tags) {
    const t = TYPES[id.split("-")[0] ?? ""];
    if (!t || !t.map(ctx).has(id)) continue;
    for (const [Key, Value] of m) rows.push({ ResourceId: id, ResourceType: t.type as T.ResourceType, Key, Value });
  }
  const items = applyFilters(
    ctx,
    rows,
    i.Filters,
    {
      "resource-id": (r) => r.ResourceId,
      "resource-type": (r) => r.ResourceType,
      key: (r) => r.Key,
      value: (r) => r.Value,
    },
    (r) => `${r.ResourceId}\u0000${r.Key}`,
  );
  const { page, NextToken } = paginate(items, i.MaxResults, i.NextToken);
  return { Tags: page, NextToken };
}

/** Tag operations. */
export const tagHandlers: HandlerTable = {
  CreateTags: op(createTags),
  DeleteTags: op(deleteTags),
  DescribeTags: op(describeTags),
};
