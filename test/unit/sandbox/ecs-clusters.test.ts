import { EcsApiError, createEcsSandbox } from "../../../operator/sandbox/aws/ecs/service.js";
import { seedContainerInstance } from "../../../operator/sandbox/aws/ecs/seeds.js";

const REGION = "us-east-1";
const ACCOUNT = "123456789012";
const fresh = () => createEcsSandbox({ region: REGION, accountId: ACCOUNT, now: () => 1_700_000_000_000 });

function outcome(run: () => unknown): string {
  try {
    run();
    return "ok";
  } catch (err) {
    if (err instanceof EcsApiError) return err.code;
    throw err;
  }
}

type Clusters = { clusters: Record<string, unknown>[]; failures: Record<string, unknown>[] };
type Instances = { containerInstances: Record<string, unknown>[]; failures: Record<string, unknown>[] };

describe("ECS clusters in the sandbox", () => {
  it("creates a cluster once: a second CreateCluster of the name answers the same cluster", () => {
    const ecs = fresh();
    const first = ecs.handle("CreateCluster", { clusterName: "apps" });
    expect(ecs.handle("CreateCluster", { clusterName: "apps" })).toEqual(first);
    expect(first).toMatchObject({
      cluster: {
        clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/apps`,
        status: "ACTIVE",
        activeServicesCount: 0,
      },
    });
  });

  it("describes found clusters by name or ARN and reports the others as failures MISSING", () => {
    const ecs = fresh();
    ecs.handle("CreateCluster", { clusterName: "apps" });
    const out = ecs.handle("DescribeClusters", {
      clusters: [`arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/apps`, "ghost"],
    }) as Clusters;
    expect(out.clusters.map((c) => c.clusterName)).toEqual(["apps"]);
    expect(out.failures).toEqual([{ arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/ghost`, reason: "MISSING" }]);
  });

  it("refuses to delete a cluster that holds services or container instances, then deletes it to INACTIVE", () => {
    const ecs = fresh();
    ecs.handle("CreateCluster", { clusterName: "apps" });
    ecs.handle("RegisterTaskDefinition", {
      family: "a",
      containerDefinitions: [{ name: "a", image: "a:1", memory: 64 }],
    });
    ecs.handle("CreateService", { cluster: "apps", serviceName: "a", taskDefinition: "a", desiredCount: 0 });
    const instance = seedContainerInstance(ecs, { cluster: "apps", ec2InstanceId: "i-0abc", region: REGION });
    expect(outcome(() => ecs.handle("DeleteCluster", { cluster: "apps" }))).toBe("ClusterContainsServicesException");
    ecs.handle("DeleteService", { cluster: "apps", service: "a" });
    expect(outcome(() => ecs.handle("DeleteCluster", { cluster: "apps" }))).toBe(
      "ClusterContainsContainerInstancesException",
    );
    ecs.handle("DeregisterContainerInstance", { cluster: "apps", containerInstance: instance });
    expect(ecs.handle("DeleteCluster", { cluster: "apps" })).toMatchObject({ cluster: { status: "INACTIVE" } });
    expect((ecs.handle("DescribeClusters", { clusters: ["apps"] }) as Clusters).clusters[0]?.status).toBe("INACTIVE");
    expect(outcome(() => ecs.handle("ListServices", { cluster: "apps" }))).toBe("ClusterNotFoundException");
  });

  it("returns the ECS Exec configuration only when DescribeClusters includes CONFIGURATIONS, and UpdateCluster changes it", () => {
    const ecs = fresh();
    const kms = (keyId: string) => ({ executeCommandConfiguration: { kmsKeyId: keyId, logging: "DEFAULT" } });
    ecs.handle("CreateCluster", { clusterName: "apps", configuration: kms("alias/one") });
    const describe = (include: string[]) =>
      (ecs.handle("DescribeClusters", { clusters: ["apps"], include }) as Clusters).clusters[0];
    expect(describe([])).not.toHaveProperty("configuration");
    expect(describe(["CONFIGURATIONS"])).toMatchObject({ configuration: kms("alias/one") });
    ecs.handle("UpdateCluster", {
      cluster: "apps",
      configuration: kms("alias/two"),
      settings: [{ name: "containerInsights", value: "enabled" }],
    });
    expect(describe(["CONFIGURATIONS"])).toMatchObject({
      configuration: kms("alias/two"),
      settings: [{ name: "containerInsights", value: "enabled" }],
    });
  });

  it("counts active services and registered container instances on the cluster", () => {
    const ecs = fresh();
    ecs.handle("CreateCluster", { clusterName: "apps" });
    ecs.handle("RegisterTaskDefinition", {
      family: "a",
      containerDefinitions: [{ name: "a", image: "a:1", memory: 64 }],
    });
    ecs.handle("CreateService", { cluster: "apps", serviceName: "a", taskDefinition: "a", desiredCount: 3 });
    seedContainerInstance(ecs, { cluster: "apps", ec2InstanceId: "i-01", region: REGION });
    expect((ecs.handle("DescribeClusters", { clusters: ["apps"] }) as Clusters).clusters[0]).toMatchObject({
      activeServicesCount: 1,
      registeredContainerInstancesCount: 1,
      runningTasksCount: 3,
    });
  });
});

describe("ECS container instances in the sandbox", () => {
  it("registers an instance as its agent would and shows the seeded status and agent connection", () => {
    const ecs = fresh();
    ecs.handle("CreateCluster", { clusterName: "ec2" });
    const arn = seedContainerInstance(ecs, {
      cluster: "ec2",
      ec2InstanceId: "i-0123abcd",
      region: REGION,
      status: "DRAINING",
      agentConnected: false,
    });
    expect(arn).toMatch(new RegExp(`^arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/ec2/[0-9a-f]{32}$`));
    const out = ecs.handle("DescribeContainerInstances", {
      cluster: "ec2",
      containerInstances: [arn.split("/").pop() ?? ""],
    }) as Instances;
    expect(out.containerInstances[0]).toMatchObject({
      containerInstanceArn: arn,
      ec2InstanceId: "i-0123abcd",
      status: "DRAINING",
      agentConnected: false,
      registeredAt: 1_700_000_000,
    });
  });

  it("answers a second registration of the same EC2 instance with the instance it already has", () => {
    const ecs = fresh();
    ecs.handle("CreateCluster", { clusterName: "ec2" });
    const a = seedContainerInstance(ecs, { cluster: "ec2", ec2InstanceId: "i-0aa", region: REGION });
    expect(seedContainerInstance(ecs, { cluster: "ec2", ec2InstanceId: "i-0aa", region: REGION })).toBe(a);
  });

  it("lists instances by status, paginated, and reports unknown ones as failures MISSING", () => {
    const ecs = fresh();
    ecs.handle("CreateCluster", { clusterName: "ec2" });
    const arns = ["i-01", "i-02", "i-03"].map((id, n) =>
      seedContainerInstance(ecs, {
        cluster: "ec2",
        ec2InstanceId: id,
        region: REGION,
        status: n === 0 ? "DRAINING" : "ACTIVE",
      }),
    );
    const page1 = ecs.handle("ListContainerInstances", { cluster: "ec2", maxResults: 2 }) as {
      containerInstanceArns: string[];
      nextToken?: string;
    };
    const page2 = ecs.handle("ListContainerInstances", { cluster: "ec2", nextToken: page1.nextToken }) as {
      containerInstanceArns: string[];
      nextToken?: string;
    };
    expect(new Set([...page1.containerInstanceArns, ...page2.containerInstanceArns])).toEqual(new Set(arns));
    expect(page2.nextToken).toBeUndefined();
    expect(ecs.handle("ListContainerInstances", { cluster: "ec2", status: "DRAINING" })).toEqual({
      containerInstanceArns: [arns[0]],
    });
    const out = ecs.handle("DescribeContainerInstances", { cluster: "ec2", containerInstances: ["0000"] }) as Instances;
    expect(out.failures).toEqual([
      { arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/ec2/0000`, reason: "MISSING" },
    ]);
  });

  it("seeds statuses no public API sets, such as REGISTRATION_FAILED, and filters the listing by them", () => {
    const ecs = fresh();
    ecs.handle("CreateCluster", { clusterName: "ec2" });
    seedContainerInstance(ecs, { cluster: "ec2", ec2InstanceId: "i-0aaa", region: REGION });
    const failed = seedContainerInstance(ecs, {
      cluster: "ec2",
      ec2InstanceId: "i-0bbb",
      region: REGION,
      status: "REGISTRATION_FAILED",
    });
    expect(ecs.handle("ListContainerInstances", { cluster: "ec2", status: "REGISTRATION_FAILED" })).toEqual({
      containerInstanceArns: [failed],
    });
  });

  it("rejects a registration whose identity document names no EC2 instance", () => {
    const ecs = fresh();
    ecs.handle("CreateCluster", { clusterName: "ec2" });
    expect(
      outcome(() => ecs.handle("RegisterContainerInstance", { cluster: "ec2", instanceIdentityDocument: "{}" })),
    ).toBe("InvalidParameterException");
  });

  it("forgets everything on reset", () => {
    const ecs = fresh();
    ecs.handle("CreateCluster", { clusterName: "ec2" });
    ecs.reset();
    expect(ecs.dump()).toEqual({ clusters: [], taskDefinitions: [], services: [], containerInstances: [] });
  });
});
