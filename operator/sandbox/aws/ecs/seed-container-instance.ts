/**
 * Seeding of ECS container instances through `EcsSandbox.handle`, as an instance's agent and an
 * operator would create them (re-exported by seeds.ts).
 */
import type { EcsSandbox } from "./service.js";

/** A container instance status, as ListContainerInstances filters by it. */
export type ContainerInstanceStatus = "ACTIVE" | "DRAINING" | "REGISTERING" | "DEREGISTERING" | "REGISTRATION_FAILED";

/**
 * Registers one container instance as its ECS agent would (RegisterContainerInstance), then sets
 * `status` (default ACTIVE; DRAINING through UpdateContainerInstancesState as an operator would,
 * the others through the sandbox-only SandboxSetContainerInstanceState) and `agentConnected`
 * (default true). Returns its ARN. The cluster must exist.
 */
export function seedContainerInstance(
  ecs: EcsSandbox,
  opts: {
    cluster: string;
    ec2InstanceId: string;
    region: string;
    availabilityZone?: string;
    status?: ContainerInstanceStatus;
    agentConnected?: boolean;
  },
): string {
  const document = {
    instanceId: opts.ec2InstanceId,
    region: opts.region,
    availabilityZone: opts.availabilityZone ?? `${opts.region}a`,
  };
  const out = ecs.handle("RegisterContainerInstance", {
    cluster: opts.cluster,
    instanceIdentityDocument: JSON.stringify(document),
  }) as { containerInstance: { containerInstanceArn: string } };
  const arn = out.containerInstance.containerInstanceArn;
  const status = opts.status ?? "ACTIVE";
  if (status === "DRAINING") {
    ecs.handle("UpdateContainerInstancesState", { cluster: opts.cluster, containerInstances: [arn], status });
  } else if (status !== "ACTIVE") {
    ecs.handle("SandboxSetContainerInstanceState", { cluster: opts.cluster, containerInstance: arn, status });
  }
  if (opts.agentConnected === false) {
    ecs.handle("SandboxSetContainerInstanceState", {
      cluster: opts.cluster,
      containerInstance: arn,
      agentConnected: false,
    });
  }
  return arn;
}
