import { describe, expect, it } from "@jest/globals";
import {
  DEFAULT_ENDPOINT_POLICY,
  InvalidPolicyError,
  mergePolicy,
  normalisePolicy,
  policyMatches,
} from "../../../operator/core/policy.js";
import {
  defaultInterfaceEndpoints,
  isGatewayService,
  requiresPrivateDns,
  serviceName,
  shortServiceName,
} from "../../../operator/core/endpoints.js";

describe("policy", () => {
  it("compares equal regardless of whitespace, key order, statement order and single-item lists", () => {
    const a =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Principal":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"*"}]}';
    const b = `{ "Statement": [ {"Resource":"*","Action":"s3:PutObject","Principal":"*","Effect":"Deny"},
      {"Principal":"*","Resource":["*"],"Effect":"Allow","Action":"s3:GetObject"} ], "Version": "2012-10-17" }`;
    expect(normalisePolicy(a)).toBe(normalisePolicy(b));
    expect(policyMatches(normalisePolicy(a), b)).toBe(true);
  });
  it("treats the AWS default full-access document as no policy", () => {
    expect(policyMatches(null, null)).toBe(true);
    expect(
      policyMatches(
        null,
        '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}',
      ),
    ).toBe(true);
    expect(policyMatches(null, DEFAULT_ENDPOINT_POLICY)).toBe(true);
    expect(policyMatches(null, '{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}')).toBe(
      false,
    );
  });
  it("merges contributed statements into the user's document without duplicates", () => {
    const s = { Effect: "Allow", Principal: "*", Action: "ecr:BatchGetImage", Resource: "*" };
    const merged = JSON.parse(
      mergePolicy('{"Statement":' + JSON.stringify(s) + "}", [s, { ...s, Action: "ecr:GetAuthorizationToken" }])!,
    );
    expect(merged.Statement).toHaveLength(2);
    expect(merged.Version).toBe("2012-10-17");
    expect(mergePolicy(null, [])).toBeNull();
  });
  it("rejects text that is not a JSON object, and never matches it", () => {
    expect(() => normalisePolicy("[1]")).toThrow(InvalidPolicyError);
    expect(() => normalisePolicy("{")).toThrow(InvalidPolicyError);
    expect(policyMatches(null, "{")).toBe(false);
  });
});

describe("endpoint catalogue", () => {
  it("names services per region and back", () => {
    expect(serviceName("eu-west-1", "ecr.dkr")).toBe("com.amazonaws.eu-west-1.ecr.dkr");
    expect(shortServiceName("com.amazonaws.eu-west-1.ecr.dkr", "eu-west-1")).toBe("ecr.dkr");
  });
  it("knows s3 is a gateway service and ecr.dkr needs private DNS", () => {
    expect(isGatewayService("s3")).toBe(true);
    expect(isGatewayService("logs")).toBe(false);
    expect(requiresPrivateDns("ecr.dkr")).toBe(true);
    expect(defaultInterfaceEndpoints(["FARGATE", "EC2"])).toEqual([
      "ecr.api",
      "ecr.dkr",
      "logs",
      "ecs",
      "ecs-agent",
      "ecs-telemetry",
    ]);
  });
});
