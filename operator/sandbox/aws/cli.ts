/**
 * `ecsnet sandbox aws`: runs the AWS sandbox in the foreground, prints where it listens, the environment
 * to point an AWS SDK or CLI at it, and the ids of the seeded topology; stops on SIGINT/SIGTERM.
 */
import type { AwsSandboxOptions } from "./server.js";
import { startAwsSandbox } from "./server.js";

/** Options of the foreground command (a subset of AwsSandboxOptions). */
export type ForegroundOptions = Pick<AwsSandboxOptions, "port" | "seed" | "latency" | "timeScale" | "region">;

/**
 * Starts the sandbox, prints its endpoint, the env lines and the seed ids, then waits for SIGINT/SIGTERM and
 * closes it. `print` defaults to stdout; resolves once closed.
 */
export async function runAwsSandboxForeground(
  opts: ForegroundOptions,
  print: (line: string) => void = (l) => process.stdout.write(l + "\n"),
): Promise<void> {
  const sandbox = await startAwsSandbox({ ...opts, host: "127.0.0.1" });
  print(`AWS sandbox listening on ${sandbox.endpoint} (region ${sandbox.region}, latency ${opts.latency ?? "none"})`);
  print("Point an AWS SDK or the AWS CLI at it with:");
  print(`  export AWS_ENDPOINT_URL=${sandbox.endpoint}`);
  print(`  export AWS_REGION=${sandbox.region}`);
  print("  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test");
  print(`Admin API: ${sandbox.endpoint}/_sandbox/{reset,seed,faults,calls,state,settle}`);
  if (sandbox.seeded) {
    const s = sandbox.seeded;
    print(`Seeded two-az-vpc: vpc ${s.vpcId} (igw ${s.igwId}, main route table ${s.mainRouteTableId})`);
    print(`  public subnets  ${s.publicSubnetIds.join(" ")} (route table ${s.publicRouteTableId})`);
    print(`  private subnets ${s.privateSubnetIds.join(" ")} (route tables ${s.privateRouteTableIds.join(" ")})`);
    print(`  zones           ${s.azs.join(" ")}`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await sandbox.close();
  print("AWS sandbox stopped");
}
