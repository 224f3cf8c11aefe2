/**
 * A plan is data: ordered actions, each with a stable key and the reason it exists, plus what must be
 * waited for (`pending`) and what cannot be done (`blocked`). `apply` executes actions; it never branches
 * on `reason` (that is for people: `ecsnet plan` prints it, events and status quote it).
 */
import type { DesiredIngressRule, Key, Tags } from "./model.js";

/** A value known only after an earlier action runs (e.g. the id of a security group created in this plan). */
export interface Ref {
  /** The key of the action whose result (the new resource's id) fills this value; it must be in the plan. */
  readonly ref: Key;
}

/** True when `v` is a {@link Ref} rather than a literal id. */
export const isRef = (v: unknown): v is Ref => typeof v === "object" && v !== null && "ref" in v;

/**
 * Every kind of action ecsnet can take: one EC2 call each (RevokeRules and the Modify kinds carry every
 * change for one resource in one call, to spare the throttling buckets, aws-facts §3.7). There is no
 * kind that changes an unowned resource other than TagResource for an adoption the user asked for.
 */
export const ActionKind = {
  CreateSecurityGroup: "CreateSecurityGroup",
  DeleteSecurityGroup: "DeleteSecurityGroup",
  AuthorizeIngress: "AuthorizeIngress",
  RevokeRules: "RevokeRules",
  CreateInterfaceEndpoint: "CreateInterfaceEndpoint",
  ModifyInterfaceEndpoint: "ModifyInterfaceEndpoint",
  CreateGatewayEndpoint: "CreateGatewayEndpoint",
  ModifyGatewayEndpoint: "ModifyGatewayEndpoint",
  DeleteEndpoint: "DeleteEndpoint",
  AllocateAddress: "AllocateAddress",
  ReleaseAddress: "ReleaseAddress",
  CreateNatGateway: "CreateNatGateway",
  DeleteNatGateway: "DeleteNatGateway",
  CreateRoute: "CreateRoute",
  ReplaceRoute: "ReplaceRoute",
  DeleteRoute: "DeleteRoute",
  ModifyVpcAttribute: "ModifyVpcAttribute",
  TagResource: "TagResource",
  TagResources: "TagResources",
  UntagResources: "UntagResources",
} as const;
export type ActionKind = (typeof ActionKind)[keyof typeof ActionKind];

/**
 * Why an action is in the plan (terraform's ActionReason). PascalCase facts. Printed by `ecsnet plan` and
 * quoted in events and status; never read by `apply` (house rule 3), so adding a reason changes no behaviour.
 */
export const ActionReason = {
  /** Desired but not observed: create it. */
  Missing: "Missing",
  SubnetsDrifted: "SubnetsDrifted",
  SecurityGroupsDrifted: "SecurityGroupsDrifted",
  PrivateDnsDrifted: "PrivateDnsDrifted",
  PolicyDrifted: "PolicyDrifted",
  RouteTablesDrifted: "RouteTablesDrifted",
  RuleMissing: "RuleMissing",
  /** An ingress rule on our group that the spec does not ask for: revoked (never wider than asked). */
  RuleNotDesired: "RuleNotDesired",
  RouteMissing: "RouteMissing",
  /** The default route's target is gone (e.g. our NAT was deleted; AWS leaves the route, aws-facts §3.6). */
  RouteBlackholed: "RouteBlackholed",
  RouteTargetsWrongNatGateway: "RouteTargetsWrongNatGateway",
  /** The default route points at something not ours; replaced only with replaceExistingDefaultRoute. */
  RouteTargetsOther: "RouteTargetsOther",
  NatGatewayFailed: "NatGatewayFailed",
  /** Our NAT is in the wrong subnet or holds the wrong EIP; a NAT's primary EIP cannot change, so replace. */
  NatGatewayMisplaced: "NatGatewayMisplaced",
  /** Ours, but no longer implied by the spec: removed. */
  NotDesired: "NotDesired",
  /** The object is being deleted (finalizer path, plan-deletion.ts). */
  Deleting: "Deleting",
  DnsAttributeOff: "DnsAttributeOff",
  /** The user asked us to take ownership of an existing resource (adoptExisting): tag it, then converge it. */
  Adopt: "Adopt",
  /** A second owned resource for one key (a create retried without idempotency): the extra one goes. */
  DuplicateCreated: "DuplicateCreated",
  /** An endpoint in state `failed`/`rejected`: deleted and created anew (with a new ClientToken). */
  EndpointFailed: "EndpointFailed",
  /** Tags of owned resources differ from spec.tags and ecsnet's own tags (added, changed or removed): set them. */
  TagsDrifted: "TagsDrifted",
  /** An Elastic IP of ours does not yet record the NAT gateway holding it (ecsnet.dev/nat-gateways). */
  NatGatewayUnrecorded: "NatGatewayUnrecorded",
} as const;
export type ActionReason = (typeof ActionReason)[keyof typeof ActionReason];

// Fields every action has.
interface Base {
  /** The desired/observed item this action works on. Unique within a plan. */
  readonly key: Key;
  /** Why the action exists; for people only. */
  readonly reason: ActionReason;
  /** One human sentence: what and why, e.g. "route 0.0.0.0/0 in rtb-1 points at deleted nat-9; point it at nat-2". */
  readonly detail: string;
}

/**
 * One planned EC2 change, as plain data: everything `apply` needs to make the call, with ids of resources
 * made earlier in the same plan given as {@link Ref}s. Creates carry their tags (set in TagSpecifications,
 * never by a second call) and, where EC2 accepts one, a ClientToken (house rule 6). Actions that change a
 * route carry `before`, the target they expect, so apply can refuse when the world moved (house rule 7).
 */
export type Action =
  | (Base & {
      readonly kind: "CreateSecurityGroup";
      readonly vpcId: string;
      readonly groupName: string;
      readonly description: string;
      readonly tags: Tags;
    })
  | (Base & { readonly kind: "DeleteSecurityGroup"; readonly groupId: string })
  | (Base & {
      readonly kind: "AuthorizeIngress";
      readonly groupId: string | Ref;
      readonly rules: readonly DesiredIngressRule[];
    })
  | (Base & {
      readonly kind: "RevokeRules";
      readonly groupId: string;
      readonly ingressRuleIds: readonly string[];
      readonly egressRuleIds: readonly string[];
    })
  | (Base & {
      readonly kind: "CreateInterfaceEndpoint";
      readonly vpcId: string;
      readonly serviceName: string;
      readonly subnetIds: readonly string[];
      readonly securityGroupIds: readonly (string | Ref)[];
      readonly privateDns: boolean;
      readonly policy: string | null;
      /** Base ClientToken of the item; apply derives the token sent from it (core/ownership `intentToken`). */
      readonly clientToken: string;
      /** The first creation intent to try (ADR 0004): one past the intents of predecessors still observed. */
      readonly generation: number;
      readonly tags: Tags;
    })
  | (Base & {
      readonly kind: "ModifyInterfaceEndpoint";
      readonly endpointId: string;
      readonly addSubnetIds: readonly string[];
      readonly removeSubnetIds: readonly string[];
      readonly addSecurityGroupIds: readonly (string | Ref)[];
      readonly removeSecurityGroupIds: readonly string[];
      /** Set only when it must change. */
      readonly privateDns?: boolean;
      /** A policy to set; `null` means reset to the AWS default; undefined means leave as is. */
      readonly policy?: string | null;
    })
  | (Base & {
      readonly kind: "CreateGatewayEndpoint";
      readonly vpcId: string;
      readonly serviceName: string;
      readonly routeTableIds: readonly string[];
      readonly policy: string | null;
      /** Base ClientToken of the item; apply derives the token sent from it (core/ownership `intentToken`). */
      readonly clientToken: string;
      /** The first creation intent to try (ADR 0004): one past the intents of predecessors still observed. */
      readonly generation: number;
      readonly tags: Tags;
    })
  | (Base & {
      readonly kind: "ModifyGatewayEndpoint";
      readonly endpointId: string;
      readonly addRouteTableIds: readonly string[];
      readonly removeRouteTableIds: readonly string[];
      readonly policy?: string | null;
    })
  | (Base & { readonly kind: "DeleteEndpoint"; readonly endpointId: string })
  | (Base & { readonly kind: "AllocateAddress"; readonly tags: Tags })
  | (Base & { readonly kind: "ReleaseAddress"; readonly allocationId: string })
  | (Base & {
      readonly kind: "CreateNatGateway";
      readonly subnetId: string;
      readonly allocationId: string | Ref;
      /** Base ClientToken of the item; apply derives the token sent from it (core/ownership `intentToken`). */
      readonly clientToken: string;
      /** The first creation intent to try (ADR 0004): one past the intents of predecessors still observed. */
      readonly generation: number;
      readonly tags: Tags;
    })
  | (Base & { readonly kind: "DeleteNatGateway"; readonly natGatewayId: string })
  | (Base & {
      readonly kind: "CreateRoute";
      readonly routeTableId: string;
      readonly destination: string;
      readonly natGatewayId: string | Ref;
    })
  | (Base & {
      readonly kind: "ReplaceRoute";
      readonly routeTableId: string;
      readonly destination: string;
      readonly natGatewayId: string | Ref;
      /** The target the route has now (`nat-…`, `igw-…`, or `blackhole:nat-…`), for the record and for apply's re-check. */
      readonly before: string;
    })
  | (Base & {
      readonly kind: "DeleteRoute";
      readonly routeTableId: string;
      readonly destination: string;
      /** The target the route has now, as for ReplaceRoute: apply deletes only if it still matches. */
      readonly before: string;
    })
  | (Base & {
      readonly kind: "ModifyVpcAttribute";
      readonly vpcId: string;
      readonly attribute: "enableDnsSupport" | "enableDnsHostnames";
      readonly value: boolean;
    })
  | (Base & { readonly kind: "TagResource"; readonly resourceId: string; readonly tags: Tags })
  /** One CreateTags for every owned resource that needs the same tags (EC2 takes many ids in one call). */
  | (Base & { readonly kind: "TagResources"; readonly resourceIds: readonly string[]; readonly tags: Tags })
  /** One DeleteTags of keys ecsnet set and the spec no longer has, for every owned resource that carries them. */
  | (Base & {
      readonly kind: "UntagResources";
      readonly resourceIds: readonly string[];
      readonly keys: readonly string[];
    });

/**
 * Something that exists but is not usable yet; the controller requeues soon instead of acting.
 * Never waited for inside a reconcile (house rule 5): the next observe decides whether it is done.
 */
export interface Pending {
  /** The item (or operation key) that waits, e.g. `nat:eu-west-1a`. */
  readonly key: Key;
  /** A PascalCase fact, e.g. `NatGatewayPending`, `ElasticIpHeldByDeletingNat`. */
  readonly reason: string;
  /** One human sentence naming the resource and what it waits for. */
  readonly message: string;
}

/** Something ecsnet must not or cannot do until a person changes something; the object is Stalled. */
export interface Blocked {
  readonly key: Key;
  /** e.g. `NotOwned`, `PrivateDnsConflict`, `RouteTargetsOther`, `SubnetNotPrivate`. */
  readonly reason: string;
  /** One human sentence: what is in the way and what a person can do about it. */
  readonly message: string;
  /** The AWS resource in the way, when there is one. */
  readonly resourceId?: string;
}

/** Ordered actions with dependencies; waves are derived from `dependsOn`, not stored. */
export interface Plan {
  /** In a deterministic order (planners walk sorted keys); keys are unique. */
  readonly actions: readonly Action[];
  /** action key → keys of actions that must succeed first (only keys present in `actions` count). */
  readonly dependsOn: ReadonlyMap<Key, readonly Key[]>;
  /** What exists but is not usable yet; non-empty → requeue soon. */
  readonly pending: readonly Pending[];
  /** What cannot be acted on until a person changes something; non-empty → Stalled. */
  readonly blocked: readonly Blocked[];
}

/**
 * True when there is nothing to do, nothing to wait for and nothing in the way. The convergence property
 * (house rule 2) states that plan(d, observedFrom(d)) is converged for every desired network d.
 */
export const isConverged = (p: Plan): boolean =>
  p.actions.length === 0 && p.pending.length === 0 && p.blocked.length === 0;
