/**
 * Start the sandbox Kubernetes API for a test: the CRDs from `crds/` when that folder exists, and
 * (always, unless told otherwise) a small test CRD of its own group so the sandbox's own tests do not
 * depend on the product CRDs' current schema. Close it in afterAll.
 */
import { existsSync } from "node:fs";
import { loadCrdDir } from "../../operator/sandbox/kube/crd-files.js";
import { startKubeSandbox, type KubeSandbox, type KubeSandboxOptions } from "../../operator/sandbox/kube/server.js";

/** Group, version and names of the helper's test CRD. */
export const TEST_GROUP = "sandbox-test.ecsnet.dev";
export const TEST_VERSION = "v1alpha1";
export const TEST_PLURAL = "testnetworks";
export const TEST_KIND = "TestNetwork";

/**
 * A CRD shaped like PrivateEcsNetwork: a patterned vpcId (immutable by a CEL transition rule), subnets
 * with minItems, an egress enum with a default and a CEL rule tying it to publicSubnetIds, a status
 * subresource, and printer columns including the Ready condition.
 */
export const TEST_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `${TEST_PLURAL}.${TEST_GROUP}` },
  spec: {
    group: TEST_GROUP,
    scope: "Namespaced",
    names: {
      plural: TEST_PLURAL,
      singular: "testnetwork",
      kind: TEST_KIND,
      listKind: `${TEST_KIND}List`,
      shortNames: ["tn"],
      categories: ["ecsnet"],
    },
    versions: [
      {
        name: TEST_VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: "VPC", type: "string", jsonPath: ".spec.vpcId" },
          { name: "Egress", type: "string", jsonPath: ".spec.egress" },
          { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                required: ["vpcId", "subnetIds"],
                "x-kubernetes-validations": [
                  {
                    rule: "self.egress != 'NatGateway' || (has(self.publicSubnetIds) && size(self.publicSubnetIds) > 0)",
                    message: "egress NatGateway needs publicSubnetIds",
                  },
                ],
                properties: {
                  vpcId: {
                    type: "string",
                    pattern: "^vpc-[0-9a-f]{8,17}$",
                    "x-kubernetes-validations": [{ rule: "self == oldSelf", message: "vpcId is immutable" }],
                  },
                  subnetIds: { type: "array", minItems: 1, items: { type: "string", pattern: "^subnet-[0-9a-f]+$" } },
                  publicSubnetIds: { type: "array", items: { type: "string" } },
                  egress: { type: "string", enum: ["None", "NatGateway"], default: "None" },
                  deletionPolicy: { type: "string", enum: ["Delete", "Retain"], default: "Delete" },
                  maxEndpoints: { type: "integer", minimum: 1, default: 10 },
                  port: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] },
                  tags: { type: "object", additionalProperties: { type: "string" } },
                },
              },
              status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
            },
          },
        },
      },
    ],
  },
} as const;

/** Options of the helper; everything else goes to startKubeSandbox. */
export interface KubeForTestsOptions extends KubeSandboxOptions {
  /** Register TEST_CRD as well; default true. */
  readonly includeTestCrd?: boolean;
}

/**
 * Start a sandbox with the CRDs of `crdDir` (default "crds", skipped when absent) plus TEST_CRD.
 * `sandbox.kubeconfig` is ready for `KubeConfig.loadFromString`.
 */
export async function startKubeForTests(crdDir = "crds", opts: KubeForTestsOptions = {}): Promise<KubeSandbox> {
  const { includeTestCrd = true, ...rest } = opts;
  const fromDir = crdDir && existsSync(crdDir) ? await loadCrdDir(crdDir) : [];
  const crds = [...fromDir, ...(includeTestCrd ? [structuredClone(TEST_CRD) as object] : []), ...(rest.crds ?? [])];
  return startKubeSandbox({ ...rest, crds });
}
