/**
 * AwsAccount (ecsnet.dev/v1alpha1, cluster-scoped): an AWS account ecsnet works in by assuming a role, and the
 * tenant boundary around it: which namespaces' objects may use it, in which regions. Only cluster admins
 * create them (deploy/rbac.yaml); a PrivateEcsNetwork or EcrAccess names one in `spec.accountRef` (or its
 * namespace names a default with the `ecsnet.dev/aws-account` label). docs/accounts.md explains the setup.
 *
 * Single source, like api/private-ecs-network.ts: the TypeBox schemas give the types, the runtime validation
 * ({@link validateAwsAccountSpec}) and the CRD ({@link awsAccountCrd}).
 */
import { Type, type Static } from "@sinclair/typebox";
import { ConditionSchema } from "./conditions.js";
import { ECSNET_CATEGORIES, toCrd, type CustomResourceDefinition, type PrinterColumn } from "./crd.js";
import { API_VERSION, Kinds } from "./group.js";
import { ObjectMetaSchema } from "./private-ecs-network.js";
import { REGION_PATTERN } from "./schema-helpers.js";
import { compileSpecValidator, type SpecResult, type ValidateOptions } from "./validate.js";

/**
 * An IAM role ARN in any partition (`arn:aws:iam::123456789012:role/path/name`): IAM's role name and path
 * characters (IAM API reference, CreateRole: RoleName `[\w+=,.@-]+`, Path `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`).
 */
export const ROLE_ARN_PATTERN = "^arn:aws[a-z-]*:iam::[0-9]{12}:role/([\\x21-\\x7E]+/)?[\\w+=,.@-]{1,64}$";

/** The label on a Namespace that names the AwsAccount its objects use when they name none themselves. */
export const NAMESPACE_ACCOUNT_LABEL = "ecsnet.dev/aws-account";

const LabelSelectorSchema = Type.Object(
  {
    matchLabels: Type.Optional(
      Type.Record(Type.String({ maxLength: 317 }), Type.String({ maxLength: 63 }), {
        description: "Labels a namespace must carry, all of them.",
        maxProperties: 32,
      }),
    ),
    matchExpressions: Type.Optional(
      Type.Array(
        Type.Object({
          key: Type.String({ minLength: 1, maxLength: 317 }),
          operator: Type.Union(
            [Type.Literal("In"), Type.Literal("NotIn"), Type.Literal("Exists"), Type.Literal("DoesNotExist")],
            { description: "In, NotIn, Exists or DoesNotExist (metav1.LabelSelector)." },
          ),
          values: Type.Optional(Type.Array(Type.String({ maxLength: 63 }), { maxItems: 64 })),
        }),
        { description: "Requirements on the namespace's labels, all of them.", maxItems: 16 },
      ),
    ),
  },
  { description: "A label selector on Namespaces (metav1.LabelSelector); empty matches every namespace." },
);

/** The spec schema of AwsAccount. */
export const AwsAccountSpecSchema = Type.Object(
  {
    roleArn: Type.String({
      description:
        "The IAM role ecsnet assumes (sts:AssumeRole, with its own IRSA / Pod Identity credentials) to work in " +
        "this account. Its trust policy must trust ecsnet's role; its permissions are `ecsnet iam-policy`'s.",
      pattern: ROLE_ARN_PATTERN,
      maxLength: 2048,
    }),
    externalId: Type.Optional(
      Type.String({
        description: "The external id the role's trust policy requires (sts:ExternalId), if any.",
        minLength: 2,
        maxLength: 1224,
        pattern: "^[\\w+=,.@:/-]+$",
      }),
    ),
    sessionName: Type.Optional(
      Type.String({
        description: "The role session name, seen in CloudTrail. Default ecsnet-ACCOUNTNAME (cut to 64).",
        minLength: 2,
        maxLength: 64,
        pattern: "^[\\w+=,.@-]+$",
      }),
    ),
    durationSeconds: Type.Optional(
      Type.Integer({
        description:
          "Lifetime of each set of temporary credentials, 900–43200 s (the role's MaxSessionDuration caps it). " +
          "Default 3600. ecsnet refreshes them before they expire.",
        minimum: 900,
        maximum: 43200,
      }),
    ),
    regions: Type.Array(Type.String({ pattern: REGION_PATTERN, maxLength: 32 }), {
      description: "The regions objects may use with this account. Any other region is refused (RegionNotAllowed).",
      minItems: 1,
      maxItems: 64,
      "x-kubernetes-list-type": "set",
    }),
    namespaces: Type.Object(
      {
        names: Type.Optional(
          Type.Array(Type.String({ minLength: 1, maxLength: 63 }), {
            description: "Namespaces allowed by name.",
            maxItems: 256,
            "x-kubernetes-list-type": "set",
          }),
        ),
        selector: Type.Optional(LabelSelectorSchema),
      },
      {
        description:
          "Which namespaces' objects may use this account: those named, and those whose labels match the " +
          "selector. Neither given allows none. Only cluster admins should be able to label namespaces that a " +
          "selector matches (docs/accounts.md).",
      },
    ),
  },
  { description: "An AWS account ecsnet works in through a role, and who may use it." },
);

/** The status schema of AwsAccount (written only by ecsnet). */
export const AwsAccountStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(
      Type.Integer({ description: "The metadata.generation the status describes.", minimum: 0, format: "int64" }),
    ),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, {
        description:
          "Ready (the role was assumed and GetCallerIdentity answered with the role's account), Stalled (kstatus).",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
      }),
    ),
    accountId: Type.Optional(
      Type.String({ description: "The account id GetCallerIdentity answered.", pattern: "^[0-9]{12}$" }),
    ),
    lastVerifiedTime: Type.Optional(
      Type.String({ description: "When the role was last assumed successfully (RFC 3339).", format: "date-time" }),
    ),
  },
  { description: "Whether ecsnet can work in the account, written by ecsnet." },
);

/** The whole AwsAccount object. */
export const AwsAccountSchema = Type.Object({
  apiVersion: Type.Literal(API_VERSION),
  kind: Type.Literal(Kinds.AwsAccount.kind),
  metadata: ObjectMetaSchema,
  spec: AwsAccountSpecSchema,
  status: Type.Optional(AwsAccountStatusSchema),
});

export type AwsAccountSpec = Static<typeof AwsAccountSpecSchema>;
export type AwsAccountStatus = Static<typeof AwsAccountStatusSchema>;
export type AwsAccount = Static<typeof AwsAccountSchema>;
export type NamespaceSelector = Static<typeof LabelSelectorSchema>;

/** `kubectl get awsaccounts` columns. */
export const awsAccountPrinterColumns: readonly PrinterColumn[] = [
  {
    name: "Ready",
    type: "string",
    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    description: "Whether the role can be assumed.",
  },
  { name: "Account", type: "string", jsonPath: ".status.accountId", description: "The account id." },
  { name: "Role", type: "string", jsonPath: ".spec.roleArn", description: "The role ecsnet assumes.", priority: 1 },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
];

/** The AwsAccount CRD (generated from the schemas above; `ecsnet crds` prints it). */
export function awsAccountCrd(): CustomResourceDefinition {
  return toCrd(Kinds.AwsAccount, {
    specSchema: AwsAccountSpecSchema,
    statusSchema: AwsAccountStatusSchema,
    printerColumns: awsAccountPrinterColumns,
    categories: ECSNET_CATEGORIES,
    description:
      "AwsAccount names an AWS account ecsnet works in by assuming a role, the regions it may be used in, and " +
      "which namespaces' PrivateEcsNetwork and EcrAccess objects may use it. Cluster-scoped: for cluster admins.",
  });
}

let validator: ((spec: unknown, opts?: ValidateOptions) => SpecResult<AwsAccountSpec>) | undefined;

/** Validate an AwsAccount spec as the API server would and return it defaulted, or every error. Never throws. */
export function validateAwsAccountSpec(spec: unknown, opts?: ValidateOptions): SpecResult<AwsAccountSpec> {
  validator ??= compileSpecValidator<AwsAccountSpec>(AwsAccountSpecSchema);
  return validator(spec, opts);
}
