import { describe, expect, it } from "@jest/globals";
import {
  ecrEndpointStatements,
  isAllowedByPolicy,
  layerBucketArn,
  policyDocument,
  repositoryArn,
  s3LayerStatements,
} from "../../../operator/core/ecr-policy.js";

const web = { account: "123456789012", region: "us-east-1", name: "team/web" };
const shared = { account: "210987654321", region: "us-east-1", name: "shared/base" };

describe("ecr endpoint policy", () => {
  const doc = JSON.parse(policyDocument(ecrEndpointStatements("ns/app", [web, shared])));

  it("is a valid IAM document: version, and Sid, Effect, Principal, Action, Resource on every statement", () => {
    expect(doc.Version).toBe("2012-10-17");
    for (const st of doc.Statement) {
      expect(Object.keys(st).sort()).toEqual(["Action", "Effect", "Principal", "Resource", "Sid"]);
      expect(st.Sid).toMatch(/^[A-Za-z0-9]+$/);
      expect(st.Principal).toBe("*");
    }
    expect(new Set(doc.Statement.map((s: { Sid: string }) => s.Sid)).size).toBe(doc.Statement.length);
  });

  it("scopes the pull actions to exactly the listed repositories, including another account's", () => {
    expect(doc.Statement[0].Resource).toEqual([
      "arn:aws:ecr:us-east-1:123456789012:repository/team/web",
      "arn:aws:ecr:us-east-1:210987654321:repository/shared/base",
    ]);
    expect(doc.Statement[0].Action).toEqual([
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]);
  });

  it("allows GetAuthorizationToken on every resource because it cannot be scoped", () => {
    expect(doc.Statement[1]).toMatchObject({ Action: "ecr:GetAuthorizationToken", Resource: "*" });
  });

  it("is byte-identical for the same repositories in another order", () => {
    expect(policyDocument(ecrEndpointStatements("ns/app", [shared, web]))).toBe(
      policyDocument(ecrEndpointStatements("ns/app", [web, shared])),
    );
  });

  it("gives different contributors different pull Sids but the same token statement", () => {
    const a = ecrEndpointStatements("ns/a", [web]);
    const b = ecrEndpointStatements("ns/b", [web]);
    expect(a[0]?.Sid).not.toBe(b[0]?.Sid);
    expect(a[1]).toEqual(b[1]);
    expect(JSON.parse(policyDocument([...a, ...b])).Statement).toHaveLength(3);
  });
});

describe("s3 layer policy", () => {
  it("allows s3:GetObject on the region's starport layer bucket only", () => {
    expect(s3LayerStatements("eu-west-1")).toEqual([
      {
        Sid: "EcsnetEcrLayers",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*",
      },
    ]);
  });
});

describe("isAllowedByPolicy", () => {
  const scoped = policyDocument(ecrEndpointStatements("ns/app", [web]));
  it("treats no policy as AWS's full-access default", () => {
    expect(isAllowedByPolicy(null, "ecr:BatchGetImage", repositoryArn(web))).toBe(true);
  });
  it("allows a listed repository and refuses an unlisted one", () => {
    expect(isAllowedByPolicy(scoped, "ecr:BatchGetImage", repositoryArn(web))).toBe(true);
    expect(isAllowedByPolicy(scoped, "ecr:BatchGetImage", repositoryArn(shared))).toBe(false);
  });
  it("lets an unconditional Deny win over an Allow", () => {
    const p = JSON.stringify({
      Statement: [
        { Effect: "Allow", Principal: "*", Action: "*", Resource: "*" },
        { Effect: "Deny", Principal: "*", Action: "ecr:Batch*", Resource: "*" },
      ],
    });
    expect(isAllowedByPolicy(p, "ecr:BatchGetImage", repositoryArn(web))).toBe(false);
    expect(isAllowedByPolicy(p, "ecr:GetAuthorizationToken", "*")).toBe(true);
  });
  it("matches a layer object under the bucket wildcard", () => {
    const p = policyDocument(s3LayerStatements("us-east-1"));
    expect(isAllowedByPolicy(p, "s3:GetObject", layerBucketArn("us-east-1").replace("*", "sha256/x"))).toBe(true);
    expect(isAllowedByPolicy(p, "s3:GetObject", "arn:aws:s3:::other-bucket/x")).toBe(false);
  });
  it("refuses unparsable policy text", () => {
    expect(isAllowedByPolicy("{not json", "s3:GetObject", "x")).toBe(false);
  });
});
