/**
 * `ecsnet sandbox aws|kube`: run one of the product's sandboxes in the foreground on 127.0.0.1, for
 * trying ecsnet (or any AWS SDK / kubectl user) without an AWS account or a cluster.
 */
import { Command, Option } from "commander";

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be 0..65535, got ${v}`);
  return n;
}

/** The `sandbox` command with its `aws` and `kube` subcommands. */
export function sandboxCommand(): Command {
  const cmd = new Command("sandbox").description("run a sandbox API on 127.0.0.1 in the foreground");
  cmd
    .command("aws")
    .description("wire-compatible EC2 + ECS endpoint for the slice of AWS ecsnet uses")
    .option("--port <port>", "port to listen on (0 = any free port)", port, 4566)
    .addOption(
      new Option("--seed <name>", "topology to create at start").choices(["two-az-vpc", "empty"]).default("two-az-vpc"),
    )
    .addOption(
      new Option("--latency <mode>", "state-transition delays: realistic (AWS's, see --time-scale) or none")
        .choices(["none", "realistic"])
        .default("realistic"),
    )
    .option(
      "--time-scale <factor>",
      "multiply realistic delays by this factor (0.05: a NAT gateway in 3–6 s)",
      Number,
      0.05,
    )
    .addOption(
      new Option("--throttling <on|off>", "EC2's request throttling buckets (RequestLimitExceeded past them)")
        .choices(["on", "off"])
        .default("on"),
    )
    .option("--region <region>", "region the sandbox pretends to be", "us-east-1")
    .option(
      "--example <path>",
      "where to write a ready-to-apply PrivateEcsNetwork for the seeded VPC",
      "ecsnet-sandbox-network.yaml",
    )
    .option("--no-example", "write no example file")
    .option(
      "--events",
      "also play CloudTrail + EventBridge: create the SQS queue ecsnet-events, deliver EC2 calls to it, print its URL",
      false,
    )
    .action(
      async (o: {
        port: number;
        seed: "two-az-vpc" | "empty";
        latency: "none" | "realistic";
        timeScale: number;
        throttling: "on" | "off";
        region: string;
        example: string | false;
        events: boolean;
      }) => {
        const { runAwsSandboxForeground } = await import("../sandbox/aws/cli.js");
        await runAwsSandboxForeground({
          port: o.port,
          seed: o.seed,
          latency: o.latency,
          timeScale: o.timeScale,
          region: o.region,
          throttling: o.throttling === "on",
          examplePath: o.example === false ? "" : o.example,
          events: o.events,
        });
      },
    );
  cmd
    .command("kube")
    .description("small Kubernetes API server for ecsnet's CRDs, Namespaces, Leases and Events")
    .option("--port <port>", "port to listen on (0 = any free port)", port, 6443)
    .option("--crds <dir>", "directory of CRD manifests to register at start", "crds")
    .option("--kubeconfig <path>", "where to write a kubeconfig for this server", "ecsnet-sandbox.kubeconfig")
    .action(async (o: { port: number; crds: string; kubeconfig: string }) => {
      const { runKubeSandboxForeground } = await import("../sandbox/kube/cli.js");
      await runKubeSandboxForeground({ port: o.port, crdDir: o.crds, kubeconfigPath: o.kubeconfig });
    });
  return cmd;
}
