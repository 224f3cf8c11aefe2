import fc from "fast-check";
import { EcsApiError, createEcsSandbox } from "../../../operator/sandbox/aws/ecs/service.js";
import type { EcsSandbox } from "../../../operator/sandbox/aws/ecs/service.js";

const REGION = "us-east-1";
const ACCOUNT = "123456789012";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/exec`;
const NET = { awsvpcConfiguration: { subnets: ["subnet-0a1"], securityGroups: ["sg-0b2"] } };

type Service = Record<string, unknown> & { deployments: Record<string, unknown>[] };
type DescribeOut = { services: Service[]; failures: { arn: string; reason: string }[] };
type ListOut = { serviceArns: string[]; nextToken?: string };

/** A sandbox with cluster "apps", a Fargate family "web" (image web:1) and an EC2 bridge family "legacy". */
function world(): EcsSandbox {
  const ecs = createEcsSandbox({ region: REGION, accountId: ACCOUNT, now: () => 1_700_000_000_000 });
  ecs.handle("CreateCluster", { clusterName: "apps" });
  registerWeb(ecs, "web:1");
  ecs.handle("RegisterTaskDefinition", {
    family: "legacy",
    containerDefinitions: [{ name: "a", image: "a:1", memory: 128 }],
  });
  return ecs;
}

const registerWeb = (ecs: EcsSandbox, image: string) =>
  ecs.handle("RegisterTaskDefinition", {
    family: "web",
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu: "256",
    memory: "512",
    executionRoleArn: ROLE,
    containerDefinitions: [{ name: "web", image }],
  });

const webService = (over: Record<string, unknown> = {}) => ({
  cluster: "apps",
  serviceName: "web",
  taskDefinition: "web",
  desiredCount: 2,
  launchType: "FARGATE",
  networkConfiguration: NET,
  ...over,
});

function outcome(run: () => unknown): string {
  try {
    run();
    return "ok";
  } catch (err) {
    if (err instanceof EcsApiError) return `${err.code}: ${err.message}`;
    throw err;
  }
}

const describe1 = (ecs: EcsSandbox, ref: string) =>
  (ecs.handle("DescribeServices", { cluster: "apps", services: [ref] }) as DescribeOut).services[0];

describe("ECS services in the sandbox", () => {
  it("creates a Fargate service with the long ARN, LATEST platform, awsvpc defaults and one completed deployment", () => {
    const ecs = world();
    ecs.handle("CreateService", webService({ enableExecuteCommand: true }));
    expect(describe1(ecs, "web")).toMatchObject({
      serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/apps/web`,
      clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/apps`,
      status: "ACTIVE",
      launchType: "FARGATE",
      platformVersion: "LATEST",
      desiredCount: 2,
      runningCount: 2,
      taskDefinition: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web:1`,
      enableExecuteCommand: true,
      createdAt: 1_700_000_000,
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ["subnet-0a1"], securityGroups: ["sg-0b2"], assignPublicIp: "DISABLED" },
      },
      deployments: [{ status: "PRIMARY", rolloutState: "COMPLETED", runningCount: 2 }],
    });
  });

  it("follows UpdateService to a new task definition revision with a new deployment", () => {
    const ecs = world();
    ecs.handle("CreateService", webService());
    const before = describe1(ecs, "web")?.deployments[0]?.id;
    registerWeb(ecs, "web:2");
    ecs.handle("UpdateService", { cluster: "apps", service: "web", taskDefinition: "web" });
    const after = describe1(ecs, "web");
    expect(after?.taskDefinition).toBe(`arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web:2`);
    expect(after?.deployments).toHaveLength(1);
    expect(after?.deployments[0]?.id).not.toBe(before);
    expect(after?.deployments[0]?.taskDefinition).toBe(after?.taskDefinition);
  });

  it("moves a service to other subnets and turns ECS Exec on with UpdateService", () => {
    const ecs = world();
    ecs.handle("CreateService", webService());
    const before = describe1(ecs, "web")?.deployments[0]?.id;
    const moved = { awsvpcConfiguration: { subnets: ["subnet-0c3", "subnet-0d4"], securityGroups: ["sg-0e5"] } };
    ecs.handle("UpdateService", {
      cluster: "apps",
      service: "web",
      networkConfiguration: moved,
      enableExecuteCommand: true,
    });
    const after = describe1(ecs, "web");
    expect(after).toMatchObject({
      enableExecuteCommand: true,
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ["subnet-0c3", "subnet-0d4"], securityGroups: ["sg-0e5"] },
      },
      deployments: [{ networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-0c3", "subnet-0d4"] } } }],
    });
    expect(after?.deployments[0]?.id).not.toBe(before);
  });

  it("scales with UpdateService without starting a new deployment", () => {
    const ecs = world();
    ecs.handle("CreateService", webService());
    const before = describe1(ecs, "web")?.deployments[0]?.id;
    ecs.handle("UpdateService", { cluster: "apps", service: "web", desiredCount: 5 });
    expect(describe1(ecs, "web")).toMatchObject({
      desiredCount: 5,
      runningCount: 5,
      deployments: [{ id: before, desiredCount: 5 }],
    });
  });

  it("answers a repeated CreateService with the same clientToken with the existing service", () => {
    const ecs = world();
    const first = ecs.handle("CreateService", webService({ clientToken: "tok-1" }));
    expect(ecs.handle("CreateService", webService({ clientToken: "tok-1" }))).toEqual(first);
  });

  it("reports unknown services as failures MISSING with their long ARN, next to the ones it found", () => {
    const ecs = world();
    ecs.handle("CreateService", webService());
    const out = ecs.handle("DescribeServices", { cluster: "apps", services: ["web", "ghost"] }) as DescribeOut;
    expect(out.services.map((s) => s.serviceName)).toEqual(["web"]);
    expect(out.failures).toEqual([{ arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/apps/ghost`, reason: "MISSING" }]);
  });

  it("deletes a service scaled to zero: DRAINING in the answer, INACTIVE afterwards, gone from ListServices", () => {
    const ecs = world();
    ecs.handle("CreateService", webService({ desiredCount: 0 }));
    expect(ecs.handle("DeleteService", { cluster: "apps", service: "web" })).toMatchObject({
      service: { status: "DRAINING" },
    });
    expect(describe1(ecs, "web")?.status).toBe("INACTIVE");
    expect((ecs.handle("ListServices", { cluster: "apps" }) as ListOut).serviceArns).toEqual([]);
    expect(outcome(() => ecs.handle("CreateService", webService()))).toBe("ok");
  });

  it("leaves the state untouched by every request that fails", () => {
    // Random request sequences over a small vocabulary, valid and invalid mixed.
    const request = fc.oneof(
      fc.record({
        op: fc.constant("CreateService"),
        input: fc.record({
          serviceName: fc.constantFrom("web", "api"),
          desiredCount: fc.integer({ min: -1, max: 2 }),
          networkConfiguration: fc.constantFrom(NET, undefined),
        }),
      }),
      fc.record({
        op: fc.constant("UpdateService"),
        input: fc.record({
          service: fc.constantFrom("web", "api"),
          desiredCount: fc.integer({ min: -1, max: 3 }),
          taskDefinition: fc.constantFrom("web", "legacy", "nope"),
        }),
      }),
      fc.record({
        op: fc.constant("DeleteService"),
        input: fc.record({ service: fc.constantFrom("web", "api"), force: fc.boolean() }),
      }),
      fc.record({
        op: fc.constant("DeregisterTaskDefinition"),
        input: fc.record({ taskDefinition: fc.constantFrom("web:1", "web", "legacy:1") }),
      }),
    );
    let failed = 0;
    fc.assert(
      fc.property(fc.array(request, { maxLength: 12 }), (requests) => {
        const ecs = world();
        for (const { op, input } of requests) {
          const full = op === "CreateService" ? webService(input) : { cluster: "apps", ...input };
          const before = JSON.stringify(ecs.dump());
          if (outcome(() => ecs.handle(op, full)) === "ok") continue;
          failed++;
          expect(JSON.stringify(ecs.dump())).toBe(before);
        }
      }),
      { numRuns: 60 },
    );
    expect(failed).toBeGreaterThan(0);
  });

  const cases: [string, (ecs: EcsSandbox) => unknown, string, string][] = [
    [
      "CreateService in an unknown cluster is ClusterNotFoundException",
      (e) => e.handle("CreateService", webService({ cluster: "nope" })),
      "ClusterNotFoundException",
      "Cluster not found",
    ],
    [
      "CreateService without a cluster uses the default cluster, which does not exist here",
      (e) => e.handle("CreateService", webService({ cluster: undefined })),
      "ClusterNotFoundException",
      "Cluster not found",
    ],
    [
      "CreateService of an ACTIVE name without the same token is not idempotent",
      (e) => {
        e.handle("CreateService", webService());
        return e.handle("CreateService", webService());
      },
      "InvalidParameterException",
      "Creation of service was not idempotent",
    ],
    [
      "CreateService without a name is InvalidParameterException",
      (e) => e.handle("CreateService", webService({ serviceName: undefined })),
      "InvalidParameterException",
      "serviceName",
    ],
    [
      "CreateService without desiredCount for REPLICA is InvalidParameterException",
      (e) => e.handle("CreateService", webService({ desiredCount: undefined })),
      "InvalidParameterException",
      "desiredCount is required",
    ],
    [
      "CreateService with a negative desiredCount is InvalidParameterException",
      (e) => e.handle("CreateService", webService({ desiredCount: -1 })),
      "InvalidParameterException",
      "desiredCount must be",
    ],
    [
      "CreateService of an unknown task definition is InvalidParameterException",
      (e) => e.handle("CreateService", webService({ taskDefinition: "nope:1" })),
      "InvalidParameterException",
      "TaskDefinition not found",
    ],
    [
      "CreateService with awsvpc and no network configuration is InvalidParameterException",
      (e) => e.handle("CreateService", webService({ networkConfiguration: undefined })),
      "InvalidParameterException",
      "Network Configuration must be provided",
    ],
    [
      "CreateService with empty subnets is InvalidParameterException",
      (e) => e.handle("CreateService", webService({ networkConfiguration: { awsvpcConfiguration: { subnets: [] } } })),
      "InvalidParameterException",
      "subnets can not be empty",
    ],
    [
      "CreateService with both launch type and strategy is InvalidParameterException",
      (e) => e.handle("CreateService", webService({ capacityProviderStrategy: [{ capacityProvider: "FARGATE" }] })),
      "InvalidParameterException",
      "Specifying both a launch type and capacity provider strategy",
    ],
    [
      "CreateService with a capacity provider the cluster lacks is InvalidParameterException",
      (e) =>
        e.handle(
          "CreateService",
          webService({ launchType: undefined, capacityProviderStrategy: [{ capacityProvider: "FARGATE" }] }),
        ),
      "InvalidParameterException",
      "not associated with the cluster",
    ],
    [
      "CreateService on FARGATE of an EC2-only task definition is InvalidParameterException",
      (e) => e.handle("CreateService", webService({ taskDefinition: "legacy", networkConfiguration: undefined })),
      "InvalidParameterException",
      "does not support launch_type FARGATE",
    ],
    [
      "CreateService on EC2 with a platform version is InvalidParameterException",
      (e) => e.handle("CreateService", webService({ launchType: "EC2", platformVersion: "1.4.0" })),
      "InvalidParameterException",
      "platform version must be null",
    ],
    [
      "CreateService on EC2 with a public IP is InvalidParameterException",
      (e) =>
        e.handle(
          "CreateService",
          webService({
            launchType: "EC2",
            networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"], assignPublicIp: "ENABLED" } },
          }),
        ),
      "InvalidParameterException",
      "Assign public IP is not supported",
    ],
    [
      "CreateService with network configuration for a bridge task definition is InvalidParameterException",
      (e) => e.handle("CreateService", webService({ taskDefinition: "legacy", launchType: "EC2" })),
      "InvalidParameterException",
      "Network Configuration is not valid",
    ],
    [
      "UpdateService of an unknown service is ServiceNotFoundException",
      (e) => e.handle("UpdateService", { cluster: "apps", service: "ghost", desiredCount: 1 }),
      "ServiceNotFoundException",
      "Service not found",
    ],
    [
      "UpdateService of a deleted service is ServiceNotActiveException",
      (e) => {
        e.handle("CreateService", webService({ desiredCount: 0 }));
        e.handle("DeleteService", { cluster: "apps", service: "web" });
        return e.handle("UpdateService", { cluster: "apps", service: "web", desiredCount: 1 });
      },
      "ServiceNotActiveException",
      "Service was not ACTIVE",
    ],
    [
      "DeleteService of a service scaled above zero without force is InvalidParameterException",
      (e) => {
        e.handle("CreateService", webService());
        return e.handle("DeleteService", { cluster: "apps", service: "web" });
      },
      "InvalidParameterException",
      "scaled above 0",
    ],
    [
      "DeleteService with force succeeds while scaled above zero",
      (e) => {
        e.handle("CreateService", webService());
        return e.handle("DeleteService", { cluster: "apps", service: "web", force: true });
      },
      "ok",
      "ok",
    ],
    [
      "DescribeServices of more than ten services is InvalidParameterException",
      (e) => e.handle("DescribeServices", { cluster: "apps", services: Array.from({ length: 11 }, (_, i) => `s${i}`) }),
      "InvalidParameterException",
      "more than 10",
    ],
    [
      "ListServices with maxResults above 100 is InvalidParameterException",
      (e) => e.handle("ListServices", { cluster: "apps", maxResults: 101 }),
      "InvalidParameterException",
      "between 1 and 100",
    ],
    [
      "ListServices with a token it never issued is InvalidParameterException",
      (e) => e.handle("ListServices", { cluster: "apps", nextToken: "garbage" }),
      "InvalidParameterException",
      "nextToken",
    ],
  ];
  it.each(cases)("%s", (_name, run, code, message) => {
    const result = outcome(() => run(world()));
    expect(result.split(":")[0]).toBe(code);
    expect(result).toContain(message);
  });

  it("pages through ListServices returning every service exactly once, ten per page by default", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 25 }),
        fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
        (count, maxResults) => {
          const ecs = world();
          for (let i = 0; i < count; i++) ecs.handle("CreateService", webService({ serviceName: `svc-${i}` }));
          const seen: string[] = [];
          let nextToken: string | undefined;
          let pages = 0;
          do {
            const page = ecs.handle("ListServices", { cluster: "apps", maxResults, nextToken }) as ListOut;
            expect(page.serviceArns.length).toBeLessThanOrEqual(maxResults ?? 10);
            seen.push(...page.serviceArns);
            nextToken = page.nextToken;
            pages++;
          } while (nextToken !== undefined);
          expect(new Set(seen).size).toBe(count);
          expect(pages).toBe(Math.max(1, Math.ceil(count / (maxResults ?? 10))));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("filters ListServices by launch type", () => {
    const ecs = world();
    ecs.handle("CreateService", webService());
    ecs.handle("CreateService", {
      cluster: "apps",
      serviceName: "old",
      taskDefinition: "legacy",
      desiredCount: 1,
      launchType: "EC2",
    });
    const names = (launchType: string) =>
      (ecs.handle("ListServices", { cluster: "apps", launchType }) as ListOut).serviceArns.map((a) =>
        a.split("/").pop(),
      );
    expect(names("FARGATE")).toEqual(["web"]);
    expect(names("EC2")).toEqual(["old"]);
  });
});
