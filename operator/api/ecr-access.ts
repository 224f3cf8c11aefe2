/**
 * EcrAccess (ecsnet.dev/v1alpha1, namespaced): a set of ECS workloads that must pull their images from ECR
 * privately through a PrivateEcsNetwork of the same namespace. The workloads are named as ECR repositories
 * or discovered from an ECS cluster's services (task definitions give the images, log drivers and secrets,
 * and so the endpoints needed). Its required endpoints (and, with `restrictEndpointPolicies`, scoped endpoint
 * policy statements) are contributed to the network; its status reports, check by check, whether the path works.
 *
 * Single source, like api/private-ecs-network.ts: the TypeBox schemas give the types, the runtime validation
 * ({@link validateEcrAccessSpec}) and the CRD ({@link ecrAccessCrd}).
 */
import { Type, type Static } from "@sinclair/typebox";
import { ConditionSchema } from "./conditions.js";
import { ECSNET_CATEGORIES, toCrd, type CustomResourceDefinition, type PrinterColumn } from "./crd.js";
import { API_VERSION, Kinds } from "./group.js";
import { ObjectMetaSchema } from "./private-ecs-network.js";
import { AccountRef, cel } from "./schema-helpers.js";
import { compileSpecValidator, type SpecResult, type ValidateOptions } from "./validate.js";

/** An ECR repository name (`team/web`) or ARN (`arn:aws:ecr:REGION:ACCOUNT:repository/NAME`). */
const REPOSITORY = Type.String({
  description:
    "An ECR repository: a name in the network's region and account (team/web), or an ARN " +
    "(arn:aws:ecr:REGION:ACCOUNT:repository/NAME), possibly of another account.",
  pattern: "^(arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/)?[a-z0-9]+([._/-][a-z0-9]+)*$",
  maxLength: 320,
});

/** The spec schema of EcrAccess. */
export const EcrAccessSpecSchema = Type.Object(
  {
    networkRef: Type.Object(
      {
        name: Type.String({
          description: "Name of the PrivateEcsNetwork (same namespace) the workloads run in.",
          minLength: 1,
          maxLength: 253,
        }),
      },
      { description: "The PrivateEcsNetwork this access goes through." },
    ),
    accountRef: Type.Optional(
      AccountRef(
        "The AwsAccount whose role ecsnet assumes for the ECS calls of this access (discovering its services). Default: the network's account, else the one its namespace " +
          "names in the ecsnet.dev/aws-account label, else ecsnet's own credentials. The AwsAccount must allow " +
          "this namespace and region.",
      ),
    ),
    repositories: Type.Optional(
      Type.Array(REPOSITORY, {
        description: "The ECR repositories the workloads pull from. Set exactly one of repositories or ecs.",
        minItems: 1,
        maxItems: 256,
        "x-kubernetes-list-type": "set",
      }),
    ),
    ecs: Type.Optional(
      Type.Object(
        {
          cluster: Type.String({ description: "The ECS cluster name or ARN.", minLength: 1, maxLength: 512 }),
          services: Type.Optional(
            Type.Array(Type.String({ minLength: 1, maxLength: 512 }), {
              description: "Service names (or ARNs) in the cluster. Default: every service of the cluster.",
              minItems: 1,
              maxItems: 256,
              "x-kubernetes-list-type": "set",
            }),
          ),
        },
        {
          description:
            "Discover the workloads from an ECS cluster: each service's current task definition gives the images, " +
            "log drivers, secrets, ECS Exec and launch type, and so the endpoints needed. Re-read on every sweep.",
        },
      ),
    ),
    restrictEndpointPolicies: Type.Boolean({
      description:
        "Scope the ecr.api/ecr.dkr endpoint policies to pulls from exactly these repositories (plus " +
        "ecr:GetAuthorizationToken, which cannot be scoped) and the S3 gateway policy to the ECR layer bucket. " +
        "Default false (the AWS default full-access policies).",
      default: false,
    }),
  },
  {
    description: "Which workloads must reach ECR privately, and through which network.",
    ...cel({
      rule: "has(self.repositories) != has(self.ecs)",
      message: "set exactly one of repositories or ecs",
    }),
  },
);

const CheckStatusSchema = Type.Object({
  name: Type.String({ description: "The link checked, e.g. endpoint:ecr.dkr, s3-route:rtb-0abc, vpc-dns-hostnames." }),
  ok: Type.Boolean({ description: "Whether the link works." }),
  resource: Type.Optional(Type.String({ description: "The AWS resource involved (vpce-, rtb-, sg-, nat-, vpc-)." })),
  message: Type.String({ description: "What was found; failures quote the error tasks will show." }),
  fix: Type.Optional(Type.String({ description: "What to change (failures only)." })),
  reason: Type.Optional(Type.String({ description: "PascalCase fact, e.g. EndpointMissing." })),
});

const ImageStatusSchema = Type.Object({
  image: Type.String({ description: "The image as the task definition names it." }),
  registry: Type.Union([Type.Literal("ecr"), Type.Literal("ecr-public"), Type.Literal("other")], {
    description: "ecr (private, through the endpoints), ecr-public or other (both need internet egress).",
  }),
  repository: Type.Optional(Type.String({ description: "The repository name." })),
  account: Type.Optional(Type.String({ description: "The ECR account id." })),
  region: Type.Optional(Type.String({ description: "The ECR region." })),
});

/** The status schema of EcrAccess (written only by ecsnet). */
export const EcrAccessStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(
      Type.Integer({ description: "The metadata.generation the status describes.", minimum: 0, format: "int64" }),
    ),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, {
        description:
          "Ready, PathVerified (every check passes; the reason is the first failing check's) and Stalled (kstatus).",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
      }),
    ),
    checks: Type.Optional(Type.Array(CheckStatusSchema, { description: "The path checks, in order." })),
    requiredEndpoints: Type.Optional(
      Type.Array(Type.String(), { description: "Endpoint short names the workloads need (s3 = the S3 gateway)." }),
    ),
    images: Type.Optional(Type.Array(ImageStatusSchema, { description: "The images the workloads use." })),
    taskSubnets: Type.Optional(Type.Array(Type.String(), { description: "The subnets the tasks run in." })),
    taskSecurityGroups: Type.Optional(
      Type.Array(Type.String(), { description: "The security groups of the tasks' network interfaces." }),
    ),
    lastDiscoveryTime: Type.Optional(
      Type.String({ description: "When the ECS services were last read (RFC 3339).", format: "date-time" }),
    ),
  },
  { description: "What ecsnet found and checked, written by ecsnet." },
);

/** The whole EcrAccess object. */
export const EcrAccessSchema = Type.Object({
  apiVersion: Type.Literal(API_VERSION),
  kind: Type.Literal(Kinds.EcrAccess.kind),
  metadata: ObjectMetaSchema,
  spec: EcrAccessSpecSchema,
  status: Type.Optional(EcrAccessStatusSchema),
});

/** The spec after defaults are applied. */
export type EcrAccessSpec = Static<typeof EcrAccessSpecSchema>;
/** The status ecsnet writes. */
export type EcrAccessStatus = Static<typeof EcrAccessStatusSchema>;
/** A whole EcrAccess object as read from the API server (spec defaulted). */
export type EcrAccess = Static<typeof EcrAccessSchema>;

/** Condition types of EcrAccess beyond the kstatus ones. */
export const EcrAccessConditionType = {
  Ready: "Ready",
  /** Every path check passes; when False its reason is the first failing check's reason. */
  PathVerified: "PathVerified",
  Stalled: "Stalled",
} as const;
export type EcrAccessConditionType = (typeof EcrAccessConditionType)[keyof typeof EcrAccessConditionType];

/** `kubectl get ecraccess` columns. */
export const ecrAccessPrinterColumns: readonly PrinterColumn[] = [
  {
    name: "Ready",
    type: "string",
    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    description: "Whether the access is Ready.",
  },
  { name: "Network", type: "string", jsonPath: ".spec.networkRef.name", description: "The PrivateEcsNetwork." },
  {
    name: "Path",
    type: "string",
    jsonPath: '.status.conditions[?(@.type=="PathVerified")].reason',
    description: "Verified, or the first failing check's reason.",
  },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
];

/** The EcrAccess CRD (generated from the schemas above; `ecsnet crds` prints it). */
export function ecrAccessCrd(): CustomResourceDefinition {
  return toCrd(Kinds.EcrAccess, {
    specSchema: EcrAccessSpecSchema,
    statusSchema: EcrAccessStatusSchema,
    printerColumns: ecrAccessPrinterColumns,
    categories: ECSNET_CATEGORIES,
    description:
      "EcrAccess declares that ECS workloads (named ECR repositories, or the services of an ECS cluster) pull " +
      "their images from ECR privately through a PrivateEcsNetwork; ecsnet adds the endpoints they need to it " +
      "and reports, check by check, whether the path works.",
  });
}

let validator: ((spec: unknown, opts?: ValidateOptions) => SpecResult<EcrAccessSpec>) | undefined;

/**
 * Validate an EcrAccess spec as the API server would (schema, defaults, CEL) and return it defaulted,
 * or every error with its path. Never throws.
 */
export function validateEcrAccessSpec(spec: unknown, opts?: ValidateOptions): SpecResult<EcrAccessSpec> {
  validator ??= compileSpecValidator<EcrAccessSpec>(EcrAccessSpecSchema);
  return validator(spec, opts);
}
