import { describe, expect, it } from "@jest/globals";
import { ecrAccessCrd, validateEcrAccessSpec } from "../../../operator/api/ecr-access.js";

describe("EcrAccess spec validation", () => {
  it("defaults restrictEndpointPolicies to false", () => {
    const r = validateEcrAccessSpec({ networkRef: { name: "net" }, repositories: ["team/web"] });
    expect(r).toEqual({
      ok: true,
      spec: { networkRef: { name: "net" }, repositories: ["team/web"], restrictEndpointPolicies: false },
    });
  });

  it("accepts an ECS cluster without services (all services)", () => {
    expect(validateEcrAccessSpec({ networkRef: { name: "net" }, ecs: { cluster: "prod" } }).ok).toBe(true);
  });

  it("accepts another account's repository ARN", () => {
    const arn = "arn:aws:ecr:us-east-1:210987654321:repository/shared/base";
    expect(validateEcrAccessSpec({ networkRef: { name: "net" }, repositories: [arn] }).ok).toBe(true);
  });

  it("refuses a spec with both repositories and ecs", () => {
    const r = validateEcrAccessSpec({ networkRef: { name: "net" }, repositories: ["a"], ecs: { cluster: "c" } });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).toContain("exactly one of repositories or ecs");
  });

  it("refuses a spec with neither repositories nor ecs", () => {
    expect(validateEcrAccessSpec({ networkRef: { name: "net" } }).ok).toBe(false);
  });

  it("refuses an uppercase repository name, which ECR does not allow", () => {
    expect(validateEcrAccessSpec({ networkRef: { name: "net" }, repositories: ["Team/Web"] }).ok).toBe(false);
  });
});

describe("EcrAccess CRD", () => {
  const crd = ecrAccessCrd();
  const version = crd.spec.versions[0]!;

  it("is named after the plural and group with a status subresource", () => {
    expect(crd.metadata.name).toBe("ecraccesses.ecsnet.dev");
    expect(version.subresources).toEqual({ status: {} });
  });

  it("carries the one-of rule as a CEL validation on spec", () => {
    const spec = (version.schema.openAPIV3Schema.properties as Record<string, Record<string, unknown>>).spec!;
    expect(JSON.stringify(spec["x-kubernetes-validations"])).toContain("has(self.repositories) != has(self.ecs)");
    expect(spec.required).toEqual(["networkRef"]);
  });

  it("shows Ready, Network, Path and Age columns", () => {
    expect(version.additionalPrinterColumns.map((c) => c.name)).toEqual(["Ready", "Network", "Path", "Age"]);
  });
});
