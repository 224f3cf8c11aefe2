/**
 * Small schema builders shared by the ecsnet kinds: AWS id patterns, CIDRs, id lists, tag maps and CEL
 * rules. Each returns a plain TypeBox schema, so the same object gives the TypeScript type, the runtime
 * validation and the CRD's openAPIV3Schema.
 */
import { Type, type SchemaOptions, type TString } from "@sinclair/typebox";

/** An `x-kubernetes-validations` entry (CEL). `fieldPath` is relative to the node the rule sits on. */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
  readonly fieldPath?: string;
  readonly reason?: "FieldValueInvalid" | "FieldValueForbidden" | "FieldValueRequired" | "FieldValueDuplicate";
}

/** Schema options carrying CEL rules. */
export const cel = (...rules: CelRule[]): { "x-kubernetes-validations": CelRule[] } => ({
  "x-kubernetes-validations": rules,
});

/** The regular expression of an AWS resource id with the given prefix (`vpc`, `subnet`, `sg`, ...). */
export const awsIdPattern = (prefix: string): string => `^${prefix}-[0-9a-f]{8,17}$`;

/** An AWS resource id string (e.g. `awsId("subnet", "...")` matches `subnet-0123abcd`). */
export const AwsId = (prefix: string, description: string, opts: SchemaOptions = {}): TString =>
  Type.String({ description, pattern: awsIdPattern(prefix), maxLength: prefix.length + 18, ...opts });

/** An IPv4 CIDR block (`10.0.1.0/24`). */
export const IPV4_CIDR_PATTERN =
  "^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])/(3[0-2]|[12]?[0-9])$";

/** An AWS region name (`us-east-1`, `us-gov-west-1`). */
export const REGION_PATTERN = "^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$";

/** A list of AWS ids used as a set (no duplicates, order irrelevant), bounded so CEL cost stays small. */
export const IdSet = (prefix: string, description: string, opts: SchemaOptions = {}) =>
  Type.Array(AwsId(prefix, `An id of the form ${prefix}-0123456789abcdef0.`), {
    description,
    maxItems: 64,
    "x-kubernetes-list-type": "set",
    ...opts,
  });

/** A map of AWS tags (keys up to 128 characters, values up to 256). */
export const TagMap = (description: string, opts: SchemaOptions = {}) =>
  Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 256 }), {
    description,
    maxProperties: 40,
    ...opts,
  });

/** `spec.accountRef`: the name of a cluster-scoped AwsAccount (a DNS subdomain, as Kubernetes names are). */
export const AccountRef = (description: string) =>
  Type.Object(
    {
      name: Type.String({
        description: "Name of the AwsAccount (cluster-scoped).",
        minLength: 1,
        maxLength: 253,
        pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
      }),
    },
    { description },
  );
