import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import {
  baselineNeeds,
  ecrAccessNeeds,
  parseImage,
  parseRepository,
  toContribution,
  workloadNeeds,
  type DiscoveredContainer,
  type DiscoveredService,
  type DiscoveredWorkloads,
} from "../../../operator/core/workload-needs.js";

const ACCT = "123456789012";
const ECR = `${ACCT}.dkr.ecr.us-east-1.amazonaws.com`;

const container = (over: Partial<DiscoveredContainer> = {}): DiscoveredContainer => ({
  name: "app",
  image: `${ECR}/team/web:1.2`,
  secretRefs: [],
  environmentFiles: [],
  ...over,
});
const service = (over: Partial<DiscoveredService> = {}): DiscoveredService => ({
  name: "web",
  arn: `arn:aws:ecs:us-east-1:${ACCT}:service/c/web`,
  launchType: "FARGATE",
  capacityProviders: [],
  enableExecuteCommand: false,
  subnets: ["subnet-b", "subnet-a"],
  securityGroups: ["sg-task"],
  taskDefinitionArn: `arn:aws:ecs:us-east-1:${ACCT}:task-definition/web:1`,
  networkMode: "awsvpc",
  containers: [container()],
  ...over,
});
const world = (services: DiscoveredService[], over: Partial<DiscoveredWorkloads> = {}): DiscoveredWorkloads => ({
  cluster: "c",
  services,
  missingServices: [],
  ...over,
});
const needs = (w: DiscoveredWorkloads) => workloadNeeds(w, { region: "us-east-1" });

describe("parseImage", () => {
  const table: [string, string, Record<string, unknown>][] = [
    [
      "a private ECR image with a tag",
      `${ECR}/team/web:1.2`,
      { registry: "ecr", account: ACCT, region: "us-east-1", repository: "team/web", tag: "1.2" },
    ],
    [
      "a private ECR image by digest",
      `${ECR}/web@sha256:abc`,
      { registry: "ecr", repository: "web", digest: "sha256:abc" },
    ],
    [
      "a private ECR image in another region",
      `${ACCT}.dkr.ecr.eu-west-1.amazonaws.com/web`,
      { registry: "ecr", region: "eu-west-1", repository: "web" },
    ],
    [
      "a FIPS ECR image",
      `${ACCT}.dkr.ecr-fips.us-east-1.amazonaws.com/web:1`,
      { registry: "ecr", region: "us-east-1", tag: "1" },
    ],
    [
      "an ECR Public image",
      "public.ecr.aws/nginx/nginx:latest",
      { registry: "ecr-public", repository: "nginx/nginx", tag: "latest" },
    ],
    ["a Docker Hub short name", "nginx", { registry: "other", repository: "nginx" }],
    [
      "a Docker Hub library image with tag",
      "library/redis:7",
      { registry: "other", repository: "library/redis", tag: "7" },
    ],
    ["a ghcr.io image", "ghcr.io/org/app:v1", { registry: "other", repository: "org/app", tag: "v1" }],
    ["a registry with a port", "localhost:5000/app", { registry: "other", repository: "app" }],
  ];
  it.each(table)("parses %s", (_name, image, expected) => {
    expect(parseImage(image)).toMatchObject({ image, ...expected });
  });
});

describe("parseRepository", () => {
  it("reads account, region and name from a cross-account repository ARN", () => {
    expect(parseRepository("arn:aws:ecr:us-east-1:210987654321:repository/shared/base", "us-east-1")).toEqual({
      account: "210987654321",
      region: "us-east-1",
      name: "shared/base",
    });
  });
  it("places a bare name in the given region with any account by default", () => {
    expect(parseRepository("team/web", "eu-west-1")).toEqual({ account: "*", region: "eu-west-1", name: "team/web" });
  });
});

describe("workloadNeeds", () => {
  it("requires ecr.api, ecr.dkr and the s3 gateway for a Fargate service pulling from ECR", () => {
    const n = needs(world([service()]));
    expect(n.endpoints).toEqual(["ecr.api", "ecr.dkr", "s3"]);
    expect(n.repositories).toEqual([{ account: ACCT, region: "us-east-1", name: "team/web" }]);
    expect(n.taskSubnets).toEqual(["subnet-a", "subnet-b"]);
    expect(n.taskSecurityGroups).toEqual(["sg-task"]);
    expect(n.launchTypes).toEqual(["FARGATE"]);
    expect(n.needsInternet).toEqual([]);
  });

  it("requires logs and explains it when a container uses awslogs", () => {
    const n = needs(world([service({ containers: [container({ logDriver: "awslogs" })] })]));
    expect(n.endpoints).toContain("logs");
    expect(n.reasons.logs).toBe("web uses awslogs");
  });

  const secrets: [string, string, string[]][] = [
    ["a Secrets Manager ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCd", ["secretsmanager"]],
    ["an SSM parameter ARN", "arn:aws:ssm:us-east-1:123456789012:parameter/app/key", ["ssm"]],
    ["a bare parameter name", "/app/key", ["ssm"]],
    [
      "a Secrets Manager secret referenced through Parameter Store",
      "/aws/reference/secretsmanager/db",
      ["secretsmanager", "ssm"],
    ],
  ];
  it.each(secrets)("maps a secret given as %s to its endpoints", (_n, ref, endpoints) => {
    const n = needs(world([service({ containers: [container({ secretRefs: [ref] })] })]));
    expect(n.endpoints.filter((e) => e === "ssm" || e === "secretsmanager")).toEqual(endpoints);
  });

  it("does not require an endpoint for a secret in another region and says so", () => {
    const ref = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x";
    const n = needs(world([service({ containers: [container({ secretRefs: [ref] })] })]));
    expect(n.endpoints).not.toContain("secretsmanager");
    expect(n.notes.join("\n")).toContain("eu-west-1");
  });

  it("requires ecs, ecs-agent and ecs-telemetry for the EC2 launch type", () => {
    const n = needs(world([service({ launchType: "EC2" })]));
    expect(n.endpoints).toEqual(expect.arrayContaining(["ecs", "ecs-agent", "ecs-telemetry"]));
    expect(n.launchTypes).toEqual(["EC2"]);
  });

  it("requires the ecs endpoints for an EC2 capacity provider but not for Fargate Spot", () => {
    const ec2 = needs(world([service({ launchType: undefined, capacityProviders: ["my-asg-provider"] })]));
    const spot = needs(world([service({ launchType: undefined, capacityProviders: ["FARGATE_SPOT"] })]));
    expect(ec2.endpoints).toContain("ecs-agent");
    expect(spot.endpoints).not.toContain("ecs-agent");
    expect(spot.launchTypes).toEqual(["FARGATE"]);
  });

  it("requires ssmmessages for ECS Exec, and kms when the exec configuration names a key", () => {
    const plain = needs(world([service({ enableExecuteCommand: true })]));
    const withKey = needs(
      world([service({ enableExecuteCommand: true })], { execKmsKeyId: "arn:aws:kms:us-east-1:1:key/k" }),
    );
    expect(plain.endpoints).toContain("ssmmessages");
    expect(plain.endpoints).not.toContain("kms");
    expect(withKey.endpoints).toContain("kms");
  });

  it("requires kms when the caller asks for it", () => {
    expect(workloadNeeds(world([service()]), { region: "us-east-1", includeKms: true }).endpoints).toContain("kms");
  });

  it("reports Docker Hub, ECR Public and other-region ECR images as needing internet egress", () => {
    const images = ["nginx:1", "public.ecr.aws/x/y:1", `${ACCT}.dkr.ecr.eu-west-1.amazonaws.com/web:1`];
    const n = needs(world([service({ containers: images.map((image) => container({ image })) })]));
    expect(n.needsInternet.map((i) => i.image).sort()).toEqual([...images].sort());
    expect(n.endpoints).toEqual([]);
  });

  it("merges reasons from several services into one sentence per endpoint", () => {
    const logs = container({ logDriver: "awslogs" });
    const n = needs(
      world([service({ name: "web", containers: [logs] }), service({ name: "api", containers: [logs] })]),
    );
    expect(n.reasons.logs).toBe("api uses awslogs; web uses awslogs");
  });

  it("notes services that were asked for but not found", () => {
    expect(needs(world([], { missingServices: ["ghost"] })).notes).toEqual([
      "service ghost was not found in cluster c",
    ]);
  });

  it("derives the ECR endpoints from a repository list, including another account's repository", () => {
    const n = workloadNeeds(
      { repositories: ["team/web", "arn:aws:ecr:us-east-1:210987654321:repository/shared/base"] },
      { region: "us-east-1", accountId: ACCT },
    );
    expect(n.endpoints).toEqual(["ecr.api", "ecr.dkr", "s3"]);
    expect(n.repositories.map((r) => `${r.account}/${r.name}`)).toEqual([
      "123456789012/team/web",
      "210987654321/shared/base",
    ]);
  });
});

describe("baselineNeeds", () => {
  it("gives a Fargate workload the ECR, logs and s3 endpoints", () => {
    expect(baselineNeeds({ launchTypes: ["FARGATE"], taskSubnets: ["subnet-a"] }).endpoints).toEqual([
      "ecr.api",
      "ecr.dkr",
      "logs",
      "s3",
    ]);
  });
  it("adds the ecs endpoints for EC2", () => {
    expect(baselineNeeds({ launchTypes: ["EC2"], taskSubnets: [] }).endpoints).toEqual([
      "ecr.api",
      "ecr.dkr",
      "ecs",
      "ecs-agent",
      "ecs-telemetry",
      "logs",
      "s3",
    ]);
  });
});

describe("toContribution", () => {
  const n = needs(world([service({ containers: [container({ logDriver: "awslogs" })] })]));
  it("contributes the endpoints (s3 meaning the gateway) and no policies by default", () => {
    expect(toContribution("ns/web", n, { restrictEndpointPolicies: false, region: "us-east-1" })).toEqual({
      source: "ns/web",
      endpoints: ["ecr.api", "ecr.dkr", "logs", "s3"],
      policyStatements: {},
    });
  });
  it("contributes scoped ecr.api, ecr.dkr and s3 statements when policies are restricted", () => {
    const c = toContribution("ns/web", n, { restrictEndpointPolicies: true, region: "us-east-1" });
    expect(Object.keys(c.policyStatements).sort()).toEqual(["ecr.api", "ecr.dkr", "s3"]);
    expect(JSON.stringify(c.policyStatements["ecr.dkr"])).toContain(
      `arn:aws:ecr:us-east-1:${ACCT}:repository/team/web`,
    );
  });
});

describe("ecrAccessNeeds", () => {
  it("uses the repositories of a repository-list spec", () => {
    const spec = { networkRef: { name: "n" }, repositories: ["team/web"], restrictEndpointPolicies: true };
    expect(ecrAccessNeeds(spec, null, { region: "us-east-1", accountId: ACCT }).repositories).toEqual([
      { account: ACCT, region: "us-east-1", name: "team/web" },
    ]);
  });
  it("uses the discovered workloads of an ECS spec and refuses to guess without them", () => {
    const spec = { networkRef: { name: "n" }, ecs: { cluster: "c" }, restrictEndpointPolicies: false };
    expect(ecrAccessNeeds(spec, world([service({ launchType: "EC2" })]), { region: "us-east-1" }).launchTypes).toEqual([
      "EC2",
    ]);
    expect(() => ecrAccessNeeds(spec, null, { region: "us-east-1" })).toThrow("nothing was discovered");
  });
});

describe("workloadNeeds properties", () => {
  const images = fc.constantFrom(`${ECR}/a:1`, `${ECR}/b@sha256:x`, "nginx", "public.ecr.aws/x/y:2", "ghcr.io/o/r:v");
  const refs = fc.constantFrom(
    "arn:aws:ssm:us-east-1:1:parameter/p",
    "/p",
    "arn:aws:secretsmanager:us-east-1:1:secret:s",
  );
  const svc = fc.record({
    name: fc.constantFrom("a", "b", "c", "d"),
    ec2: fc.boolean(),
    exec: fc.boolean(),
    image: images,
    logs: fc.boolean(),
    secrets: fc.array(refs, { maxLength: 2 }),
  });
  const build = (s: { name: string; ec2: boolean; exec: boolean; image: string; logs: boolean; secrets: string[] }) =>
    service({
      name: s.name,
      launchType: s.ec2 ? "EC2" : "FARGATE",
      enableExecuteCommand: s.exec,
      containers: [container({ image: s.image, secretRefs: s.secrets, ...(s.logs ? { logDriver: "awslogs" } : {}) })],
    });

  it("gives the same needs whatever the order of the services", () => {
    fc.assert(
      fc.property(fc.array(svc, { maxLength: 5 }), (specs) => {
        const forward = needs(world(specs.map(build)));
        const backward = needs(world([...specs].reverse().map(build)));
        expect(backward).toEqual(forward);
      }),
    );
  });

  it("always gives a reason for every required endpoint and lists endpoints sorted without duplicates", () => {
    fc.assert(
      fc.property(fc.array(svc, { maxLength: 5 }), (specs) => {
        const n = needs(world(specs.map(build)));
        expect(Object.keys(n.reasons)).toEqual(n.endpoints);
        expect([...new Set(n.endpoints)].sort()).toEqual(n.endpoints);
        expect(n.endpoints.includes("ecr.dkr")).toBe(n.repositories.length > 0);
      }),
    );
  });
});
