/**
 * `ecsnet run`: the operator. In a cluster (in-cluster config) or against a kubeconfig. SIGTERM/SIGINT:
 * stop taking work, finish in-flight reconciles within the grace period, release the Lease, exit 0.
 */
import { hostname } from "node:os";
import { Command } from "commander";
import { loadConfig } from "../config.js";
import { createLogger } from "../observability/log.js";
import { sdkRegion } from "./local.js";
import { startOperator } from "./operator.js";
import { ecsnetVersion } from "./version.js";

interface RunFlags {
  kubeconfig?: string;
  inCluster?: boolean;
  namespace?: string;
  selector?: string;
  concurrency?: number;
  resync?: number;
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName?: string;
  identity?: string;
  leaseDuration?: number;
  renewDeadline?: number;
  retryPeriod?: number;
  httpPort: number;
  httpHost: "127.0.0.1" | "0.0.0.0";
  metricsAccess: string;
  region?: string;
  ec2RateScale?: number;
  eventsQueue?: string;
}

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${v}`);
  return n;
};

const positive =
  (name: string, what = "number of seconds") =>
  (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive ${what}, got ${v}`);
    return n;
  };

/** The `run` command. */
export function runCommand(): Command {
  return new Command("run")
    .description("run the operator: watch PrivateEcsNetwork and EcrAccess objects and keep AWS matching them")
    .option("--kubeconfig <path>", "kubeconfig file (default: KUBECONFIG, ~/.kube/config, or in-cluster)")
    .option("--namespace <ns>", "watch only this namespace (default: all)")
    .option(
      "--selector <labels>",
      "reconcile only objects matching this label selector (sharding; default ECSNET_SELECTOR or all)",
    )
    .option("--concurrency <n>", "reconciles at once per kind (default ECSNET_CONCURRENCY or 4)", int("--concurrency"))
    .option(
      "--resync <seconds>",
      "drift-sweep interval: one shared observe per account and region (default ECSNET_RESYNC_MS or 20 s)",
      int("--resync"),
    )
    .option("--no-leader-elect", "do not elect a leader (only for a single instance)")
    .option("--lease-namespace <ns>", "namespace of the leader-election Lease", "ecsnet-system")
    .option("--lease-name <name>", "name of the leader-election Lease (default ECSNET_LEASE_NAME or ecsnet-leader)")
    .option("--identity <id>", "this instance's identity in the Lease (default: hostname-pid)")
    .option(
      "--lease-duration <seconds>",
      "how long a Lease holds without renewal before a standby may take it (default 15)",
      positive("--lease-duration"),
    )
    .option(
      "--renew-deadline <seconds>",
      "how long the leader keeps trying to renew before it steps down; < lease duration (default 10)",
      positive("--renew-deadline"),
    )
    .option("--retry-period <seconds>", "interval between Lease reads/renewals (default 2)", positive("--retry-period"))
    .option("--http-port <port>", "port of /healthz, /readyz and /metrics", int("--http-port"), 8080)
    .option("--http-host <host>", "address to serve HTTP on", "0.0.0.0")
    .option(
      "--metrics-access <who>",
      "who may read /metrics: local (the pod itself: a sidecar, kubectl port-forward) or any",
      "local",
    )
    .option("--region <region>", "region for specs that name none (default: ECSNET_REGION, then the AWS SDK's)")
    .option(
      "--ec2-rate-scale <factor>",
      "scale the client-side EC2 rate limiter's buckets (an account with raised throttling limits; default 1)",
      positive("--ec2-rate-scale", "number"),
    )
    .option(
      "--events-queue <url>",
      "SQS queue URL with EC2's CloudTrail events from EventBridge: repair drift in seconds (docs/events.md; default ECSNET_EVENTS_QUEUE or none)",
    )
    .action(async (f: RunFlags) => {
      const cfg = loadConfig();
      if (f.metricsAccess !== "local" && f.metricsAccess !== "any")
        throw new Error(`--metrics-access must be local or any, got ${f.metricsAccess}`);
      const selector = f.selector ?? cfg.selector;
      const logger = createLogger({ level: cfg.logLevel });
      const identity = f.identity ?? `${hostname()}-${process.pid}`;
      const op = await startOperator({
        kubeconfig: f.kubeconfig ? { path: f.kubeconfig } : { default: true },
        ...(f.namespace ? { namespace: f.namespace } : {}),
        ...(selector ? { selector } : {}),
        concurrency: f.concurrency ?? cfg.concurrency,
        resyncMs: f.resync !== undefined ? f.resync * 1000 : cfg.resyncMs,
        pendingRequeueMs: cfg.pendingRequeueMs,
        fullObserveMs: cfg.fullObserveMs,
        discoveryResyncMs: cfg.discoveryResyncMs,
        ...(f.leaderElect
          ? {
              leaderElection: {
                namespace: f.leaseNamespace,
                name: f.leaseName ?? cfg.leaseName,
                identity,
                ...(f.leaseDuration !== undefined ? { leaseDurationMs: Math.round(f.leaseDuration * 1000) } : {}),
                ...(f.renewDeadline !== undefined ? { renewDeadlineMs: Math.round(f.renewDeadline * 1000) } : {}),
                ...(f.retryPeriod !== undefined ? { retryPeriodMs: Math.round(f.retryPeriod * 1000) } : {}),
              },
            }
          : {}),
        http: { host: f.httpHost === "127.0.0.1" ? "127.0.0.1" : "0.0.0.0", port: f.httpPort },
        metricsAccess: f.metricsAccess,
        defaultRegion: f.region ?? cfg.defaultRegion ?? (await sdkRegion()),
        ...(f.ec2RateScale !== undefined ? { ec2RateScale: f.ec2RateScale } : {}),
        logger,
        instance: identity,
        version: ecsnetVersion(),
        ...((f.eventsQueue ?? cfg.eventsQueueUrl)
          ? { events: { queueUrl: (f.eventsQueue ?? cfg.eventsQueueUrl)! } }
          : {}),
      });
      logger.info(
        { identity, port: op.port, leaderElect: f.leaderElect, eventsQueue: f.eventsQueue ?? cfg.eventsQueueUrl },
        "ecsnet operator started",
      );
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info({ signal }, "stopping: draining in-flight reconciles");
          op.stop().then(resolve, (err: unknown) => {
            logger.error({ err }, "stop failed");
            resolve();
          });
        };
        process.once("SIGTERM", () => stop("SIGTERM"));
        process.once("SIGINT", () => stop("SIGINT"));
      });
      logger.info("stopped");
    });
}
