import { describe, expect, it } from "@jest/globals";
import type { Check } from "../../../operator/core/checks.js";
import { deriveEcrAccessStatus } from "../../../operator/core/ecr-access-status.js";
import { baselineNeeds } from "../../../operator/core/workload-needs.js";

const T0 = "2026-01-01T00:00:00Z";
const T1 = "2026-01-01T00:05:00Z";
const ok: Check = { name: "endpoint:ecr.dkr", ok: true, resource: "vpce-1", message: "available", reason: "Verified" };
const bad: Check = {
  name: "s3-route:rtb-b",
  ok: false,
  resource: "rtb-b",
  message: "route table rtb-b has no route to the S3 gateway",
  fix: "associate rtb-b",
  reason: "S3RouteMissing",
};
const needs = baselineNeeds({ launchTypes: ["FARGATE"], taskSubnets: ["subnet-a"], taskSecurityGroups: ["sg-t"] });
const cond = (s: ReturnType<typeof deriveEcrAccessStatus>, type: string) => s.conditions?.find((c) => c.type === type);

describe("deriveEcrAccessStatus", () => {
  it("is Ready and PathVerified when every check passes, with the needs on status", () => {
    const s = deriveEcrAccessStatus(undefined, { generation: 3, now: T0, needs, checks: [ok], discoveredAt: T0 });
    expect(cond(s, "Ready")).toMatchObject({ status: "True", reason: "Verified", observedGeneration: 3 });
    expect(cond(s, "PathVerified")).toMatchObject({ status: "True" });
    expect(cond(s, "Stalled")).toMatchObject({ status: "False" });
    expect(s).toMatchObject({
      observedGeneration: 3,
      requiredEndpoints: ["ecr.api", "ecr.dkr", "logs", "s3"],
      taskSubnets: ["subnet-a"],
      taskSecurityGroups: ["sg-t"],
      lastDiscoveryTime: T0,
      checks: [ok],
    });
  });

  it("takes the first failing check's reason, resource and fix into Ready and PathVerified", () => {
    const s = deriveEcrAccessStatus(undefined, { generation: 1, now: T0, needs, checks: [ok, bad] });
    expect(cond(s, "PathVerified")).toMatchObject({ status: "False", reason: "S3RouteMissing" });
    expect(cond(s, "Ready")?.message).toBe(
      "s3-route:rtb-b: route table rtb-b has no route to the S3 gateway (fix: associate rtb-b)",
    );
  });

  it("sets Stalled with the problem's reason when a person must act, and leaves PathVerified Unknown", () => {
    const problem = { reason: "NetworkNotFound", message: "PrivateEcsNetwork net not found", stalled: true };
    const s = deriveEcrAccessStatus(undefined, { generation: 1, now: T0, problem });
    expect(cond(s, "Stalled")).toMatchObject({ status: "True", reason: "NetworkNotFound" });
    expect(cond(s, "Ready")).toMatchObject({ status: "False", reason: "NetworkNotFound" });
    expect(cond(s, "PathVerified")?.status).toBe("Unknown");
  });

  it("keeps lastTransitionTime when the status is unchanged and the previous lists when needs are unknown", () => {
    const first = deriveEcrAccessStatus(undefined, { generation: 1, now: T0, needs, checks: [ok] });
    const second = deriveEcrAccessStatus(first, { generation: 1, now: T1, checks: [ok] });
    expect(cond(second, "Ready")?.lastTransitionTime).toBe(T0);
    expect(second.requiredEndpoints).toEqual(first.requiredEndpoints);
    const third = deriveEcrAccessStatus(second, { generation: 2, now: T1, checks: [bad] });
    expect(cond(third, "Ready")).toMatchObject({ status: "False", lastTransitionTime: T1, observedGeneration: 2 });
  });
});
