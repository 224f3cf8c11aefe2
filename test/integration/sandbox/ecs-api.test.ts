/**
 * Conformance: ECS clusters, task definitions and container instances through the real
 * @aws-sdk/client-ecs over HTTP, and how the JSON 1.1 protocol answers bad requests. Runs against the
 * AWS sandbox server, or any ECS-compatible endpoint given by AWS_ENDPOINT_URL; tests that seed
 * container instances through the in-process API are skipped there.
 */
import type { ECSClient } from "@aws-sdk/client-ecs";
import {
  ClientException,
  ClusterContainsServicesException,
  ClusterNotFoundException,
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteClusterCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeTaskDefinitionCommand,
  ListContainerInstancesCommand,
  RegisterTaskDefinitionCommand,
  paginateListContainerInstances,
} from "@aws-sdk/client-ecs";
import type { AwsTarget } from "../../helpers/aws-sandbox.js";
import { ecsClient, itWithAdmin, targetFromEnv } from "../../helpers/aws-sandbox.js";
import { seedContainerInstance } from "../../../operator/sandbox/aws/ecs/seeds.js";

let target: AwsTarget;
let ecs: ECSClient;
const run = `t${Date.now() % 100000}`;
let accountId = "";

beforeAll(async () => {
  target = await targetFromEnv();
  ecs = ecsClient(target.endpoint, { region: target.region });
  const created = await ecs.send(new CreateClusterCommand({ clusterName: `${run}-base` }));
  accountId = created.cluster!.clusterArn!.split(":")[4]!;
});
afterAll(async () => {
  ecs?.destroy();
  await target?.close();
});

const registerBridge = (family: string, image: string) =>
  ecs.send(new RegisterTaskDefinitionCommand({ family, containerDefinitions: [{ name: "app", image, memory: 128 }] }));

describe("ECS clusters over the wire", () => {
  it("creates a cluster idempotently and describes it by name and ARN, reporting unknown ones as MISSING", async () => {
    const name = `${run}-idem`;
    const a = await ecs.send(new CreateClusterCommand({ clusterName: name }));
    const b = await ecs.send(new CreateClusterCommand({ clusterName: name }));
    expect(b.cluster?.clusterArn).toBe(a.cluster?.clusterArn);
    expect(a.cluster?.clusterArn).toBe(`arn:aws:ecs:${target.region}:${accountId}:cluster/${name}`);
    const out = await ecs.send(new DescribeClustersCommand({ clusters: [a.cluster!.clusterArn!, `${run}-ghost`] }));
    expect(out.clusters?.map((c) => [c.clusterName, c.status])).toEqual([[name, "ACTIVE"]]);
    expect(out.failures).toEqual([
      { arn: `arn:aws:ecs:${target.region}:${accountId}:cluster/${run}-ghost`, reason: "MISSING" },
    ]);
  });

  it("refuses to delete a cluster with an active service, and deletes an empty one to INACTIVE", async () => {
    const busy = `${run}-busy`;
    await ecs.send(new CreateClusterCommand({ clusterName: busy }));
    await registerBridge(`${run}-busy`, "busy:1");
    await ecs.send(
      new CreateServiceCommand({ cluster: busy, serviceName: "s", taskDefinition: `${run}-busy`, desiredCount: 0 }),
    );
    await expect(ecs.send(new DeleteClusterCommand({ cluster: busy }))).rejects.toBeInstanceOf(
      ClusterContainsServicesException,
    );
    const empty = `${run}-empty`;
    await ecs.send(new CreateClusterCommand({ clusterName: empty }));
    expect((await ecs.send(new DeleteClusterCommand({ cluster: empty }))).cluster?.status).toBe("INACTIVE");
    await expect(ecs.send(new ListContainerInstancesCommand({ cluster: empty }))).rejects.toBeInstanceOf(
      ClusterNotFoundException,
    );
  });
});

describe("ECS task definitions over the wire", () => {
  it("registers revisions in order and resolves family, family:revision and ARN", async () => {
    const family = `${run}-api`;
    const r1 = (await registerBridge(family, "api:1")).taskDefinition!;
    const r2 = (await registerBridge(family, "api:2")).taskDefinition!;
    expect([r1.revision, r2.revision]).toEqual([1, 2]);
    expect(r2.taskDefinitionArn).toBe(`arn:aws:ecs:${target.region}:${accountId}:task-definition/${family}:2`);
    expect(r2.registeredAt).toBeInstanceOf(Date);
    const image = async (ref: string) =>
      (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ref }))).taskDefinition
        ?.containerDefinitions?.[0]?.image;
    expect(await image(family)).toBe("api:2");
    expect(await image(`${family}:1`)).toBe("api:1");
    expect(await image(r2.taskDefinitionArn!)).toBe("api:2");
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: `${family}:2` }));
    expect(await image(family)).toBe("api:1");
  });

  it("answers ClientException for a task definition that does not exist or breaks a Fargate rule", async () => {
    await expect(
      ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: `${run}-none:1` })),
    ).rejects.toBeInstanceOf(ClientException);
    const fargateWithoutCpu = new RegisterTaskDefinitionCommand({
      family: `${run}-bad`,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      containerDefinitions: [{ name: "app", image: "x:1" }],
    });
    await expect(ecs.send(fargateWithoutCpu)).rejects.toThrow(/cpu/);
  });
});

describe("ECS container instances over the wire", () => {
  // Container instances are seeded through the in-process API, which an external endpoint does not have.
  const local = itWithAdmin();
  local(
    "lists and describes seeded instances with their agent state [skipped against an external endpoint: seeds in process]",
    async () => {
      const cluster = `${run}-ec2`;
      await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
      const ids = ["i-0aa01", "i-0aa02", "i-0aa03"];
      const arns = ids.map((ec2InstanceId, n) =>
        seedContainerInstance(target.sandbox!.ecs, {
          cluster,
          ec2InstanceId,
          region: target.region,
          agentConnected: n !== 1,
          status: n === 2 ? "DRAINING" : "ACTIVE",
        }),
      );
      const listed: string[] = [];
      for await (const page of paginateListContainerInstances({ client: ecs, pageSize: 2 }, { cluster })) {
        listed.push(...page.containerInstanceArns!);
      }
      expect(listed.sort()).toEqual([...arns].sort());
      const out = await ecs.send(
        new DescribeContainerInstancesCommand({ cluster, containerInstances: [...arns, "0bad"] }),
      );
      expect(out.containerInstances?.map((c) => [c.ec2InstanceId, c.agentConnected, c.status])).toEqual([
        ["i-0aa01", true, "ACTIVE"],
        ["i-0aa02", false, "ACTIVE"],
        ["i-0aa03", true, "DRAINING"],
      ]);
      expect(out.containerInstances?.[0]?.registeredAt).toBeInstanceOf(Date);
      expect(out.failures).toEqual([
        { arn: `arn:aws:ecs:${target.region}:${accountId}:container-instance/${cluster}/0bad`, reason: "MISSING" },
      ]);
    },
  );
});

describe("the ECS JSON 1.1 protocol", () => {
  const post = (target_: string, body: string) =>
    fetch(target.endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": target_ },
      body,
    });

  it("answers an unknown operation with 400 UnknownOperationException", async () => {
    const res = await post("AmazonEC2ContainerServiceV20141113.LaunchRockets", "{}");
    expect(res.status).toBe(400);
    expect(((await res.json()) as { __type: string }).__type).toMatch(/UnknownOperationException$/);
  });

  it("answers a body that is not JSON with 400 SerializationException", async () => {
    const res = await post("AmazonEC2ContainerServiceV20141113.ListClusters", "{not json");
    expect(res.status).toBe(400);
    expect(((await res.json()) as { __type: string }).__type).toMatch(/SerializationException$/);
  });
});
