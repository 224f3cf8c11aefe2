/**
 * The AWS SDK clients ecsnet uses, built from the SDK's own default configuration chain: region, credentials
 * and `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_EC2` / `AWS_ENDPOINT_URL_ECS` are resolved by the SDK itself (this
 * module reads no environment), so the same binary talks to AWS, LocalStack or the ecsnet sandbox.
 *
 * Every EC2 attempt passes the shared {@link Ec2Limiter}; every call (EC2 and ECS) is reported once to `onCall`.
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECSClient } from "@aws-sdk/client-ecs";
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  FinalizeHandler,
  FinalizeHandlerArguments,
  HandlerExecutionContext,
  MetadataBearer,
} from "@aws-sdk/types";
import { currentAbortSignal, throwIfAborted } from "./abort-scope.js";
import { classifyAwsError } from "./errors.js";
import { Ec2Buckets, Ec2Limiter, type BucketSpec } from "./throttle.js";

/** One finished AWS call (all SDK retries included), for metrics and logs. */
export interface AwsCallRecord {
  readonly service: "ec2" | "ecs";
  /** The API operation, e.g. `CreateVpcEndpoint`. */
  readonly operation: string;
  /** `ok`, `throttled` (the final answer was a throttling error), or `error` (see `errorCode`). */
  readonly outcome: "ok" | "throttled" | "error";
  readonly errorCode?: string;
  readonly durationMs: number;
  /** Attempts the SDK made (1 = no retry), when it reports them. */
  readonly attempts?: number;
}

/** Options for {@link createAwsClients}; every field is optional and defaults to the SDK's own chain. */
export interface AwsClientOptions {
  /** Region; default: the SDK chain (AWS_REGION, profile, ...). */
  readonly region?: string;
  /** Endpoint for both services; pass only when the caller has one explicitly (the SDK reads AWS_ENDPOINT_URL*). */
  readonly endpoint?: string;
  /** Attempts per call including the first; default 6 (the SDK's adaptive mode backs off between them). */
  readonly maxAttempts?: number;
  /**
   * Static credentials (tests, the sandbox) or a provider (an AwsAccount's assumed role, aws/targets.ts);
   * default: the SDK's credential provider chain.
   */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** The shared EC2 limiter; default: a new one sized to EC2's buckets. Share one per process and account. */
  readonly limiter?: Ec2Limiter;
  /** Called once per finished call; must not throw (errors it throws are swallowed). */
  readonly onCall?: (record: AwsCallRecord) => void;
  /** TCP connect timeout, ms; default 5000. */
  readonly connectionTimeoutMs?: number;
  /** Socket idle timeout per request, ms; default 30000. */
  readonly requestTimeoutMs?: number;
  /** ecsnet's version, for the `ecsnet/<version>` User-Agent token (see {@link ecsnetUserAgent}); default "0". */
  readonly version?: string;
}

/**
 * The User-Agent token every ecsnet client adds (`ecsnet/<version>`). CloudTrail records the User-Agent of each
 * call (`userAgent`), so the events consumer (operator/events/) tells ecsnet's own changes from everyone
 * else's by it.
 */
export function ecsnetUserAgent(version = "0"): [string, string][] {
  return [["ecsnet", version]];
}

/** The clients plus the limiter they share. */
export interface AwsClients {
  readonly ec2: EC2Client;
  readonly ecs: ECSClient;
  readonly limiter: Ec2Limiter;
  /** Close both clients' sockets. */
  destroy(): void;
}

const operationOf = (commandName: unknown): string =>
  typeof commandName === "string" ? commandName.replace(/Command$/, "") : "Unknown";

type Stack = EC2Client["middlewareStack"] | ECSClient["middlewareStack"];

function addCallRecorder(stack: Stack, service: "ec2" | "ecs", onCall?: (r: AwsCallRecord) => void): void {
  if (onCall === undefined) return;
  const emit = (r: AwsCallRecord): void => {
    try {
      onCall(r);
    } catch {
      // A metrics hook must never turn a successful AWS call into a failure.
    }
  };
  (stack as EC2Client["middlewareStack"]).add(
    (next, context) => async (args) => {
      const operation = operationOf(context.commandName);
      const started = performance.now();
      try {
        const out = await next(args);
        const meta = (out.output as { $metadata?: { attempts?: number } }).$metadata;
        emit({ service, operation, outcome: "ok", durationMs: performance.now() - started, attempts: meta?.attempts });
        return out;
      } catch (err) {
        const c = classifyAwsError(err);
        const attempts = (err as { $metadata?: { attempts?: number } }).$metadata?.attempts;
        const outcome = c.class === "throttled" ? "throttled" : "error";
        emit({ service, operation, outcome, errorCode: c.code, durationMs: performance.now() - started, attempts });
        throw err;
      }
    },
    { step: "initialize", name: "ecsnetCallRecorder", priority: "high" },
  );
}

/**
 * Install `limiter` on an EC2 client. It sits inside the retry middleware and before signing, so every
 * attempt (retries too, which EC2 also charges) waits for a token, and a long wait never stales a signature.
 */
export function installLimiter(ec2: EC2Client, limiter: Ec2Limiter): void {
  ec2.middlewareStack.addRelativeTo(
    (next: FinalizeHandler<object, MetadataBearer>, context: HandlerExecutionContext) =>
      async (args: FinalizeHandlerArguments<object>) => {
        const operation = operationOf(context.commandName);
        throwIfAborted(operation);
        try {
          // A stopped reconcile ends its wait for a token at once instead of holding the process up.
          await limiter.acquire(operation, currentAbortSignal());
        } catch (err) {
          throwIfAborted(operation);
          throw err;
        }
        // The wait for a token can be long (CreateVpcEndpoint: 3.3 s each): look again before sending.
        throwIfAborted(operation);
        return next(args);
      },
    { relation: "before", toMiddleware: "httpSigningMiddleware", name: "ecsnetEc2Limiter" },
  );
}

/**
 * Build the EC2 and ECS clients: SDK default chain, `retryMode: "adaptive"`, a Node HTTP handler with
 * connection/request timeouts, the shared limiter on EC2, and the call recorder on both. Never reads env.
 */
export function createAwsClients(opts: AwsClientOptions = {}): AwsClients {
  const common = {
    ...(opts.region !== undefined ? { region: opts.region } : {}),
    ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
    ...(opts.credentials !== undefined ? { credentials: opts.credentials } : {}),
    retryMode: "adaptive",
    maxAttempts: opts.maxAttempts ?? 6,
    customUserAgent: ecsnetUserAgent(opts.version),
    // The options form makes the SDK build its NodeHttpHandler with these timeouts.
    requestHandler: {
      connectionTimeout: opts.connectionTimeoutMs ?? 5_000,
      requestTimeout: opts.requestTimeoutMs ?? 30_000,
    },
  } as const;
  const ec2 = new EC2Client(common);
  const ecs = new ECSClient(common);
  const limiter = opts.limiter ?? new Ec2Limiter();
  installLimiter(ec2, limiter);
  addCallRecorder(ec2.middlewareStack, "ec2", opts.onCall);
  addCallRecorder(ecs.middlewareStack, "ecs", opts.onCall);
  return {
    ec2,
    ecs,
    limiter,
    destroy() {
      ec2.destroy();
      ecs.destroy();
    },
  };
}

/**
 * A limiter with EC2's buckets scaled by `scale` (an account with raised limits, or a time-scaled sandbox);
 * undefined (the clients' default limiter) for 1 or absent.
 */
export function scaledLimiter(scale: number | undefined): Ec2Limiter | undefined {
  if (scale === undefined || scale === 1) return undefined;
  const buckets = Object.fromEntries(
    Object.entries(Ec2Buckets).map(([k, v]: [string, BucketSpec]) => [
      k,
      { capacity: Math.max(1, Math.round(v.capacity * scale)), refillPerSecond: v.refillPerSecond * scale },
    ]),
  ) as Record<keyof typeof Ec2Buckets, BucketSpec>;
  return new Ec2Limiter({ buckets });
}
