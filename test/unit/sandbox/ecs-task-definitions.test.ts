import { EcsApiError, createEcsSandbox } from "../../../operator/sandbox/aws/ecs/service.js";

const REGION = "eu-west-1";
const ACCOUNT = "111122223333";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`;
const fresh = () => createEcsSandbox({ region: REGION, accountId: ACCOUNT, now: () => 1_700_000_000_000 });

/** The error code a call fails with, or "ok". */
function outcome(run: () => unknown): string {
  try {
    run();
    return "ok";
  } catch (err) {
    if (err instanceof EcsApiError) return err.code;
    throw err;
  }
}

const container = (over: Record<string, unknown> = {}) => ({ name: "app", image: "nginx:1.27", ...over });
const fargate = (over: Record<string, unknown> = {}) => ({
  family: "web",
  requiresCompatibilities: ["FARGATE"],
  networkMode: "awsvpc",
  cpu: "256",
  memory: "512",
  executionRoleArn: ROLE,
  containerDefinitions: [container()],
  ...over,
});

type TaskDefinitionOut = { taskDefinition: Record<string, unknown> };

describe("RegisterTaskDefinition and DescribeTaskDefinition", () => {
  it("numbers revisions per family from 1 and builds the long ARN", () => {
    const ecs = fresh();
    const arns = [fargate(), fargate(), fargate({ family: "worker" })].map(
      (input) => (ecs.handle("RegisterTaskDefinition", input) as TaskDefinitionOut).taskDefinition.taskDefinitionArn,
    );
    expect(arns).toEqual([
      `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web:1`,
      `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web:2`,
      `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/worker:1`,
    ]);
  });

  it("finds a revision by family, family:revision and ARN, the family meaning its latest ACTIVE revision", () => {
    const ecs = fresh();
    ecs.handle("RegisterTaskDefinition", fargate({ containerDefinitions: [container({ image: "a:1" })] }));
    ecs.handle("RegisterTaskDefinition", fargate({ containerDefinitions: [container({ image: "a:2" })] }));
    ecs.handle("RegisterTaskDefinition", fargate({ containerDefinitions: [container({ image: "a:3" })] }));
    ecs.handle("DeregisterTaskDefinition", { taskDefinition: "web:3" });
    const image = (ref: string) =>
      (
        (ecs.handle("DescribeTaskDefinition", { taskDefinition: ref }) as TaskDefinitionOut).taskDefinition
          .containerDefinitions as { image: string }[]
      )[0]?.image;
    expect(image("web")).toBe("a:2");
    expect(image("web:1")).toBe("a:1");
    expect(image(`arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web:3`)).toBe("a:3");
  });

  it("keeps a deregistered revision describable as INACTIVE with its deregistration time", () => {
    const ecs = fresh();
    ecs.handle("RegisterTaskDefinition", fargate());
    ecs.handle("DeregisterTaskDefinition", { taskDefinition: "web:1" });
    const td = (ecs.handle("DescribeTaskDefinition", { taskDefinition: "web:1" }) as TaskDefinitionOut).taskDefinition;
    expect(td).toMatchObject({ status: "INACTIVE", registeredAt: 1_700_000_000, deregisteredAt: 1_700_000_000 });
    expect(outcome(() => ecs.handle("DescribeTaskDefinition", { taskDefinition: "web" }))).toBe("ClientException");
  });

  it("stores what discovery reads: images, awslogs options, secrets, roles, network mode, and ECS's defaults", () => {
    const ecs = fresh();
    const logConfiguration = {
      logDriver: "awslogs",
      options: { "awslogs-group": "/ecs/web", "awslogs-region": REGION },
    };
    const secrets = [{ name: "DB", valueFrom: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:db-AbCdEf` }];
    ecs.handle(
      "RegisterTaskDefinition",
      fargate({ cpu: "0.5 vCPU", memory: "1 GB", containerDefinitions: [container({ logConfiguration, secrets })] }),
    );
    const td = (ecs.handle("DescribeTaskDefinition", { taskDefinition: "web" }) as TaskDefinitionOut).taskDefinition;
    expect(td).toMatchObject({
      family: "web",
      revision: 1,
      status: "ACTIVE",
      networkMode: "awsvpc",
      executionRoleArn: ROLE,
      cpu: "512",
      memory: "1024",
      compatibilities: ["EC2", "FARGATE"],
      requiresCompatibilities: ["FARGATE"],
      containerDefinitions: [
        { name: "app", image: "nginx:1.27", essential: true, logConfiguration, secrets, environment: [] },
      ],
    });
    expect(td.requiresAttributes).toEqual(
      expect.arrayContaining([
        { name: "com.amazonaws.ecs.capability.logging-driver.awslogs" },
        { name: "ecs.capability.secrets.asm.environment-variables" },
        { name: "ecs.capability.task-eni" },
      ]),
    );
  });

  it("returns tags on DescribeTaskDefinition only when asked to include them", () => {
    const ecs = fresh();
    ecs.handle("RegisterTaskDefinition", fargate({ tags: [{ key: "team", value: "a" }] }));
    expect(ecs.handle("DescribeTaskDefinition", { taskDefinition: "web" })).not.toHaveProperty("tags");
    expect(ecs.handle("DescribeTaskDefinition", { taskDefinition: "web", include: ["TAGS"] })).toMatchObject({
      tags: [{ key: "team", value: "a" }],
    });
  });

  const rejected: [string, Record<string, unknown>, string][] = [
    ["rejects a missing family", fargate({ family: undefined }), "ClientException"],
    ["rejects a family with a colon", fargate({ family: "web:1" }), "ClientException"],
    ["rejects an empty container list", fargate({ containerDefinitions: [] }), "ClientException"],
    ["rejects a container without an image", fargate({ containerDefinitions: [{ name: "app" }] }), "ClientException"],
    [
      "rejects two containers with one name",
      fargate({ containerDefinitions: [container(), container()] }),
      "ClientException",
    ],
    ["rejects Fargate without awsvpc", fargate({ networkMode: "bridge" }), "ClientException"],
    ["rejects Fargate without task cpu", fargate({ cpu: undefined }), "ClientException"],
    ["rejects a cpu/memory pair Fargate does not offer", fargate({ cpu: "256", memory: "4096" }), "ClientException"],
    [
      "rejects awslogs on Fargate without an execution role",
      fargate({
        executionRoleArn: undefined,
        containerDefinitions: [container({ logConfiguration: { logDriver: "awslogs" } })],
      }),
      "ClientException",
    ],
    [
      "rejects secrets without an execution role",
      { family: "x", containerDefinitions: [container({ secrets: [{ name: "A", valueFrom: "/a" }] })] },
      "ClientException",
    ],
    [
      "rejects an unknown log driver",
      fargate({ containerDefinitions: [container({ logConfiguration: { logDriver: "carrier-pigeon" } })] }),
      "ClientException",
    ],
    [
      "accepts an EC2 bridge task definition without cpu or memory",
      { family: "x", containerDefinitions: [container({ memory: 256 })] },
      "ok",
    ],
  ];
  it.each(rejected)("%s", (_name, input, code) => {
    expect(outcome(() => fresh().handle("RegisterTaskDefinition", input))).toBe(code);
  });

  it("lists task definitions by family then revision, filtered by prefix and paginated", () => {
    const ecs = fresh();
    for (const family of ["web", "worker", "web"]) ecs.handle("RegisterTaskDefinition", fargate({ family }));
    const first = ecs.handle("ListTaskDefinitions", { familyPrefix: "w", maxResults: 2 }) as {
      taskDefinitionArns: string[];
      nextToken?: string;
    };
    const second = ecs.handle("ListTaskDefinitions", { familyPrefix: "w", nextToken: first.nextToken }) as {
      taskDefinitionArns: string[];
      nextToken?: string;
    };
    expect([...first.taskDefinitionArns, ...second.taskDefinitionArns].map((a) => a.split("/")[1])).toEqual([
      "web:1",
      "web:2",
      "worker:1",
    ]);
    expect(second.nextToken).toBeUndefined();
  });
});
