/**
 * The sandbox's world: every EC2 record, its tags, the id counter and the clock. Records hold only what
 * was requested plus timestamps; states that change with time (NAT gateways, endpoints) are computed
 * lazily from those timestamps on each read (`lifecycle.ts`), so no timers run and `settle()` is exact.
 */
import { createHash } from "node:crypto";
import type { Tag, TagSpecification } from "@aws-sdk/client-ec2";
import type { IdKind } from "./errors.js";

/** Delays of the time-driven state transitions, in milliseconds. */
export interface TransitionDelays {
  natGatewayAvailableMs: number;
  natGatewayDeletedMs: number;
  endpointAvailableMs: number;
  endpointDeletedMs: number;
  /**
   * How long a `deleted` NAT gateway or endpoint stays in Describe answers before it vanishes. AWS keeps
   * deleted NAT gateways visible for about an hour (DescribeNatGateways, aws-facts §3.6) and endpoints in
   * state `deleted` for a while.
   */
  deletedVisibleMs: number;
  /**
   * How long a ClientToken is remembered after the resource it created was deleted. EC2 documents no expiry
   * for CreateNatGateway/CreateVpcEndpoint tokens; the one figure it gives is for RunInstances: "valid for at
   * least 24 hours after the termination of the instance" (Run_Instance_Idempotency). The sandbox keeps
   * them exactly that long (time-scaled), so a reused token outlives the resource in Describe by far.
   */
  clientTokenTtlMs: number;
}

/** A route as stored in its table (gateway-endpoint routes are derived at read time, not stored). */
export interface RouteRec {
  DestinationCidrBlock: string;
  GatewayId?: string;
  NatGatewayId?: string;
  VpcEndpointId?: string;
  Origin: "CreateRouteTable" | "CreateRoute";
}
export interface VpcRec {
  id: string;
  cidr: string;
  dnsSupport: boolean;
  dnsHostnames: boolean;
  mainRouteTableId: string;
  defaultSgId: string;
}
export interface SubnetRec {
  id: string;
  vpcId: string;
  cidr: string;
  az: string;
  mapPublicIp: boolean;
}
export interface IgwRec {
  id: string;
  vpcId?: string;
}
export interface RouteTableRec {
  id: string;
  vpcId: string;
  main: boolean;
  routes: RouteRec[];
  associations: { id: string; subnetId: string }[];
  mainAssocId?: string;
}
export interface AddressRec {
  allocationId: string;
  publicIp: string;
}
export interface NatRec {
  id: string;
  vpcId: string;
  subnetId: string;
  allocationId: string;
  privateIp: string;
  connectivity: string;
  /** Creation time as reported (never moved by settle). */
  born: number;
  /** Start of the pending → available timer (settle moves it back). */
  createdAt: number;
  deleteAt?: number;
  failure?: { code: string; message: string };
}
export interface SgRuleRec {
  id: string;
  groupId: string;
  egress: boolean;
  protocol: string;
  from?: number;
  to?: number;
  cidr?: string;
  cidrV6?: string;
  refGroupId?: string;
  prefixListId?: string;
  description?: string;
}
export interface SgRec {
  id: string;
  vpcId: string;
  name: string;
  description: string;
  isDefault: boolean;
}
export interface EndpointRec {
  id: string;
  vpcId: string;
  serviceName: string;
  type: "Interface" | "Gateway";
  subnetIds: string[];
  routeTableIds: string[];
  securityGroupIds: string[];
  privateDns: boolean;
  policy: string;
  /** Creation time as reported (never moved by settle). */
  born: number;
  /** Start of the pending → available timer (settle moves it back). */
  createdAt: number;
  deleteAt?: number;
  modifiedAt?: number;
  ipAddressType: string;
}
/**
 * A remembered ClientToken: the id it created and a fingerprint of the parameters it came with. Stored per
 * account, region and action (the EC2 API idempotency page: tokens are scoped to the account and Region,
 * and a token is tied to the action that used it), under {@link tokenKey}.
 */
export interface TokenRec {
  id: string;
  fingerprint: string;
}

/** The key of a remembered ClientToken: per account, region and action. */
export function tokenKey(ctx: Pick<Ctx, "accountId" | "region">, action: string, token: string): string {
  return `${ctx.accountId}/${ctx.region}/${action}/${token}`;
}

/** The error EC2 returns for a token reused with other parameters (EC2 API idempotency page). */
export const IDEMPOTENT_MISMATCH_MESSAGE =
  "The client token you have provided is associated with a resource that has different parameters";

/** All mutable sandbox state; `reset()` replaces it wholesale. */
export interface World {
  counter: number;
  /** Mixed into every new id, so two accounts of one sandbox never share ids (absent: the default account). */
  idSalt?: string;
  vpcs: Map<string, VpcRec>;
  subnets: Map<string, SubnetRec>;
  igws: Map<string, IgwRec>;
  routeTables: Map<string, RouteTableRec>;
  addresses: Map<string, AddressRec>;
  nats: Map<string, NatRec>;
  sgs: Map<string, SgRec>;
  sgRules: Map<string, SgRuleRec>;
  endpoints: Map<string, EndpointRec>;
  tags: Map<string, Map<string, string>>;
  createdAt: Map<string, number>;
  tokens: Map<string, TokenRec>;
  /**
   * NAT gateways and endpoints that left Describe (deleted, past `deletedVisibleMs`) but whose ClientToken
   * is still remembered: a create replaying that token gets this resource back, `deleted` as it is, until
   * the token expires (`clientTokenTtlMs` after deletion). Their tags stay in `tags` until then.
   */
  goneNats: Map<string, NatRec>;
  goneEndpoints: Map<string, EndpointRec>;
  /** Per endpoint service short name, the AZ suffixes it is offered in when restricted (default: every AZ). */
  serviceAzs: Map<string, string[]>;
}

/** An empty world. */
export function emptyWorld(): World {
  return {
    counter: 0,
    vpcs: new Map(),
    subnets: new Map(),
    igws: new Map(),
    routeTables: new Map(),
    addresses: new Map(),
    nats: new Map(),
    sgs: new Map(),
    sgRules: new Map(),
    endpoints: new Map(),
    tags: new Map(),
    createdAt: new Map(),
    tokens: new Map(),
    goneNats: new Map(),
    goneEndpoints: new Map(),
    serviceAzs: new Map(),
  };
}

/** The context every handler receives: the world plus the sandbox's fixed settings and clock. */
export interface Ctx {
  readonly world: World;
  readonly region: string;
  readonly accountId: string;
  readonly now: () => number;
  readonly delays: TransitionDelays;
  /** Extra per-resource delay, spread deterministically over [0, spread) by id (realistic mode: NAT 60–120 s). */
  readonly spread: { readonly natMs: number; readonly endpointMs: number };
  /** A just-created resource stays NotFound to Describe-by-id for this long (0 = off). */
  readonly eventualConsistencyMs: () => number;
}

/** A new AWS-shaped id (`vpc-` + 17 hex), deterministic from the world's counter. */
export function newId(ctx: Ctx, prefix: IdKind | "rtbassoc" | "eni" | "eipassoc"): string {
  const n = ++ctx.world.counter;
  const hex = createHash("sha1")
    .update(`${ctx.world.idSalt ?? ""}${prefix}:${n}`)
    .digest("hex")
    .slice(0, 17);
  return `${prefix}-${hex}`;
}

/** Records the creation time of `id` (eventual consistency) and applies the tags of matching TagSpecifications. */
export function registerCreated(
  ctx: Ctx,
  id: string,
  resourceType: string,
  specs: TagSpecification[] | undefined,
): void {
  ctx.world.createdAt.set(id, ctx.now());
  for (const spec of specs ?? []) {
    if (spec.ResourceType && spec.ResourceType !== resourceType) continue;
    setTags(ctx.world, id, spec.Tags ?? []);
  }
}

/** Adds or overwrites tags on a resource. */
export function setTags(world: World, id: string, tags: Tag[]): void {
  let m = world.tags.get(id);
  if (!m) world.tags.set(id, (m = new Map()));
  for (const t of tags) if (t.Key !== undefined) m.set(t.Key, t.Value ?? "");
}

/** The SDK-shaped tag list of a resource (undefined when it has none, as EC2 omits the element). */
export function tagsOf(world: World, id: string): Tag[] | undefined {
  const m = world.tags.get(id);
  if (!m || m.size === 0) return undefined;
  return [...m].map(([Key, Value]) => ({ Key, Value }));
}

/** Forgets a resource's tags and bookkeeping after it is gone. */
export function forget(world: World, id: string): void {
  world.tags.delete(id);
  world.createdAt.delete(id);
}

/** Whether `id` was created too recently to be visible to Describe-by-id (eventual consistency). */
export function isInvisible(ctx: Ctx, id: string): boolean {
  const ms = ctx.eventualConsistencyMs();
  const at = ctx.world.createdAt.get(id);
  return ms > 0 && at !== undefined && ctx.now() - at < ms;
}
