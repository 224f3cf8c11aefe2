/**
 * The only reader of `process.env` in ecsnet. Everything else receives a frozen, typed {@link Config}.
 *
 * The AWS SDK keeps reading its own standard variables (AWS_REGION, AWS_PROFILE, the credential chain,
 * AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL_ECS, AWS_ENDPOINT_URL_SQS): ecsnet never re-implements them, so the
 * same build runs against AWS, LocalStack or the project's sandbox. Only `ECSNET_*` variables are parsed here.
 */

/** Operator-wide settings. Command-line flags override these (the CLI merges them). */
export interface Config {
  /** pino level: trace | debug | info | warn | error | fatal | silent. Default `info` (ECSNET_LOG_LEVEL). */
  readonly logLevel: string;
  /** Pretty, human log lines instead of JSON. Default false (ECSNET_LOG_FORMAT=pretty). */
  readonly logPretty: boolean;
  /** Default AWS region when neither the spec nor the SDK's configuration names one (ECSNET_REGION). */
  readonly defaultRegion: string | undefined;
  /**
   * Drift-sweep interval in ms: one shared observe per account and region, then a reconcile of each network
   * whose part changed. Default 20 s (ECSNET_RESYNC_MS).
   */
  readonly resyncMs: number;
  /**
   * How often a converged network still observes its own VPC in full (the safety net under the shared sweep,
   * and when its VPC DNS attributes are re-read). Default 30 minutes (ECSNET_FULL_OBSERVE_MS).
   */
  readonly fullObserveMs: number;
  /**
   * How often an EcrAccess re-reads its workloads from ECS (its task definitions are not part of the shared
   * EC2 sweep). Default 5 minutes (ECSNET_DISCOVERY_RESYNC_MS).
   */
  readonly discoveryResyncMs: number;
  /** Requeue interval in ms while something is pending (NAT/endpoint creating). Default 15 s (ECSNET_PENDING_REQUEUE_MS). */
  readonly pendingRequeueMs: number;
  /** Concurrent reconciles across all keys. Default 4 (ECSNET_CONCURRENCY). */
  readonly concurrency: number;
  /** Reconcile only objects matching this label selector, for sharding (ECSNET_SELECTOR). Default: all. */
  readonly selector: string | undefined;
  /** Name of the leader-election Lease; one per shard (ECSNET_LEASE_NAME). Default `ecsnet-leader`. */
  readonly leaseName: string;
  /**
   * The SQS queue URL EventBridge delivers EC2's CloudTrail events to (ECSNET_EVENTS_QUEUE; docs/events.md).
   * Default: none (drift is found by the sweep only).
   */
  readonly eventsQueueUrl: string | undefined;
}

/** Thrown when an ECSNET_* variable cannot be parsed; the message names the variable and the accepted form. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new ConfigError(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

function queueUrlVar(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  if (!/^https?:\/\/[^/]+\/.+/.test(raw))
    throw new ConfigError(
      `${name} must be an SQS queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME), got ${JSON.stringify(raw)}`,
    );
  return raw;
}

/** Parse the environment (default: `process.env`) into a frozen Config. Throws {@link ConfigError} on bad values. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return Object.freeze({
    logLevel: env.ECSNET_LOG_LEVEL || "info",
    logPretty: env.ECSNET_LOG_FORMAT === "pretty",
    defaultRegion: env.ECSNET_REGION || undefined,
    resyncMs: intVar(env, "ECSNET_RESYNC_MS", 20_000, 1_000),
    fullObserveMs: intVar(env, "ECSNET_FULL_OBSERVE_MS", 1_800_000, 1_000),
    discoveryResyncMs: intVar(env, "ECSNET_DISCOVERY_RESYNC_MS", 300_000, 1_000),
    pendingRequeueMs: intVar(env, "ECSNET_PENDING_REQUEUE_MS", 15_000, 100),
    concurrency: intVar(env, "ECSNET_CONCURRENCY", 4, 1),
    selector: env.ECSNET_SELECTOR || undefined,
    leaseName: env.ECSNET_LEASE_NAME || "ecsnet-leader",
    eventsQueueUrl: queueUrlVar(env, "ECSNET_EVENTS_QUEUE"),
  });
}
