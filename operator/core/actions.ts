/**
 * A plan is data: ordered actions, each with a stable key and the reason it exists, plus what must be
 * waited for (`pending`) and what cannot be done (`blocked`). `apply` executes actions; it never branches
 * on `reason` (that is for people: `ecsnet plan` prints it, events and status quote it).
 */
import type { DesiredIngressRule, Key, Tags } from "./model.js";

/** A value known only after an earlier action runs (e.g. the id of a security group created in this plan). */
export interface Ref {
  readonly ref: Key;
}

/** True when `v` is a {@link Ref} rather than a literal id. */
export const isRef = (v: unknown): v is Ref => typeof v === "object" && v !== null && "ref" in v;

/** Every kind of action ecsnet can take. */
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
} as const;
export type ActionKind = (typeof ActionKind)[keyof typeof ActionKind];

/** Why an action is in the plan (terraform's ActionReason). PascalCase facts. */
export const ActionReason = {
  Missing: "Missing",
  SubnetsDrifted: "SubnetsDrifted",
  SecurityGroupsDrifted: "SecurityGroupsDrifted",
  PrivateDnsDrifted: "PrivateDnsDrifted",
  PolicyDrifted: "PolicyDrifted",
  RouteTablesDrifted: "RouteTablesDrifted",
  RuleMissing: "RuleMissing",
  RuleNotDesired: "RuleNotDesired",
  RouteMissing: "RouteMissing",
  RouteBlackholed: "RouteBlackholed",
  RouteTargetsWrongNatGateway: "RouteTargetsWrongNatGateway",
  RouteTargetsOther: "RouteTargetsOther",
  NatGatewayFailed: "NatGatewayFailed",
  NatGatewayMisplaced: "NatGatewayMisplaced",
  NotDesired: "NotDesired",
  Deleting: "Deleting",
  DnsAttributeOff: "DnsAttributeOff",
  Adopt: "Adopt",
  DuplicateCreated: "DuplicateCreated",
  /** An endpoint in state `failed`/`rejected`: deleted and created anew (with a new ClientToken). */
  EndpointFailed: "EndpointFailed",
} as const;
export type ActionReason = (typeof ActionReason)[keyof typeof ActionReason];

interface Base {
  /** The desired/observed item this action works on. Unique within a plan. */
  readonly key: Key;
  readonly reason: ActionReason;
  /** One human sentence: what and why, e.g. "route 0.0.0.0/0 in rtb-1 points at deleted nat-9; point it at nat-2". */
  readonly detail: string;
}

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
      readonly clientToken: string;
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
      readonly clientToken: string;
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
      readonly clientToken: string;
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
      readonly before: string;
    })
  | (Base & {
      readonly kind: "ModifyVpcAttribute";
      readonly vpcId: string;
      readonly attribute: "enableDnsSupport" | "enableDnsHostnames";
      readonly value: boolean;
    })
  | (Base & { readonly kind: "TagResource"; readonly resourceId: string; readonly tags: Tags });

/** Something that exists but is not usable yet; the controller requeues soon instead of acting. */
export interface Pending {
  readonly key: Key;
  readonly reason: string;
  readonly message: string;
}

/** Something ecsnet must not or cannot do until a person changes something; the object is Stalled. */
export interface Blocked {
  readonly key: Key;
  /** e.g. `NotOwned`, `PrivateDnsConflict`, `RouteTargetsOther`, `SubnetNotPrivate`. */
  readonly reason: string;
  readonly message: string;
  /** The AWS resource in the way, when there is one. */
  readonly resourceId?: string;
}

/** Ordered actions with dependencies; waves are derived from `dependsOn`, not stored. */
export interface Plan {
  readonly actions: readonly Action[];
  /** action key → keys of actions that must succeed first (only keys present in `actions` count). */
  readonly dependsOn: ReadonlyMap<Key, readonly Key[]>;
  readonly pending: readonly Pending[];
  readonly blocked: readonly Blocked[];
}

/** True when there is nothing to do, nothing to wait for and nothing in the way. */
export const isConverged = (p: Plan): boolean =>
  p.actions.length === 0 && p.pending.length === 0 && p.blocked.length === 0;
