/**
 * The API group, versions, kinds, finalizer and AWS tag keys of ecsnet, as constants.
 * Everything that names one of these imports it from here.
 */

export const GROUP = "ecsnet.dev";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

/** A served resource: enough for the Kubernetes adapters to build URLs without knowing our kinds. */
export interface ResourceDescriptor {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
}

export const Kinds = {
  PrivateEcsNetwork: {
    group: GROUP,
    version: VERSION,
    kind: "PrivateEcsNetwork",
    plural: "privateecsnetworks",
    singular: "privateecsnetwork",
    shortNames: ["pen"],
    namespaced: true,
  },
  EcrAccess: {
    group: GROUP,
    version: VERSION,
    kind: "EcrAccess",
    plural: "ecraccesses",
    singular: "ecraccess",
    shortNames: ["ecra"],
    namespaced: true,
  },
  AwsAccount: {
    group: GROUP,
    version: VERSION,
    kind: "AwsAccount",
    plural: "awsaccounts",
    singular: "awsaccount",
    shortNames: ["awsacct"],
    namespaced: false,
  },
} as const satisfies Record<string, ResourceDescriptor>;
export type KindName = keyof typeof Kinds;

/** Finalizer ecsnet puts on objects before its first AWS mutation. */
export const FINALIZER = "ecsnet.dev/cleanup";

/** The tags ecsnet writes on every AWS resource it creates (at creation, via TagSpecifications). */
export const TagKey = {
  /** The owning object's uid: the ownership test. */
  OwnerUid: "ecsnet.dev/owner-uid",
  /** `namespace/name` of the owning object, for people. */
  Owner: "ecsnet.dev/owner",
  /** The desired item's key (`endpoint:ecr.dkr`, `nat:us-east-1a`, ...). */
  Component: "ecsnet.dev/component",
  /** Always `ecsnet`. */
  ManagedBy: "ecsnet.dev/managed-by",
  /** The creation intent (0, 1, 2...) whose ClientToken made a NAT gateway or endpoint (ADR 0004). */
  Intent: "ecsnet.dev/intent",
  /** The spec.tags keys ecsnet set on the resource, comma-separated: only these are ever changed or removed. */
  UserTagKeys: "ecsnet.dev/tag-keys",
  /**
   * On an Elastic IP ecsnet allocated: the NAT gateways that held it, space-separated, newest last. It outlives
   * the NAT gateways, so a route left blackholed by one deleted out of band is known as ours at any age.
   */
  NatGateways: "ecsnet.dev/nat-gateways",
} as const;
export type TagKey = (typeof TagKey)[keyof typeof TagKey];
