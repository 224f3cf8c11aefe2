/**
 * The cluster-less runner behind `ecsnet plan/apply/destroy -f`: the same reconcile the operator runs
 * (controllers/reconcile-network.ts), driven in a loop from a file instead of from watch events.
 */
import { createAwsClients, scaledLimiter, type AwsClients } from "../aws/clients.js";
import { createEc2Port } from "../aws/ec2-sdk.js";
import type { Ec2Port } from "../aws/ec2-port.js";
import type { PrivateEcsNetworkStatus } from "../api/private-ecs-network.js";
import { ConditionType } from "../api/conditions.js";
import { reconcileNetwork, type NetworkDeps, type NetworkOutcome } from "../controllers/reconcile-network.js";
import type { NetworkManifest } from "./manifest.js";

/** AWS access for the CLI: one client pair per region, from the SDK's standard configuration. */
export interface LocalAws {
  readonly deps: NetworkDeps;
  close(): void;
}

/**
 * Build {@link LocalAws}. `region` overrides the SDK's region for specs that name none; `ec2RateScale` scales
 * the client-side EC2 limiter (as `ecsnet run --ec2-rate-scale`).
 */
export async function localAws(
  opts: { region?: string; endpoint?: string; ec2RateScale?: number } = {},
): Promise<LocalAws> {
  const clients = new Map<string, { aws: AwsClients; port: Ec2Port }>();
  const forRegion = (region: string) => {
    let c = clients.get(region);
    if (!c) {
      const limiter = scaledLimiter(opts.ec2RateScale);
      const aws = createAwsClients({
        region,
        ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
        ...(limiter ? { limiter } : {}),
      });
      c = { aws, port: createEc2Port(aws.ec2) };
      clients.set(region, c);
    }
    return c.port;
  };
  const defaultRegion = opts.region ?? (await sdkRegion());
  return {
    deps: { ec2For: forRegion, defaultRegion, now: () => new Date() },
    close() {
      for (const c of clients.values()) c.aws.destroy();
    },
  };
}

/**
 * The region the AWS SDK's own configuration resolves (AWS_REGION, the shared config's profile, ...), read
 * through a client rather than the environment; `us-east-1` when nothing is configured.
 */
export async function sdkRegion(): Promise<string> {
  const probe = createAwsClients({});
  try {
    return (await probe.ec2.config.region()) || "us-east-1";
  } catch {
    return "us-east-1";
  } finally {
    probe.destroy();
  }
}

/** True when the status says Ready=True for the current generation. */
export function isReady(status: PrivateEcsNetworkStatus, generation: number): boolean {
  const ready = status.conditions?.find((c) => c.type === ConditionType.Ready);
  return ready?.status === "True" && (status.observedGeneration ?? 0) >= generation;
}

export interface ConvergeOptions {
  readonly deleting: boolean;
  readonly timeoutMs: number;
  /** Between rounds while something is pending or just changed. */
  readonly intervalMs: number;
  readonly onRound?: (round: number, outcome: NetworkOutcome) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Why a converge loop ended. */
export type ConvergeEnd = "ready" | "deleted" | "stalled" | "observe-only" | "timeout";

/**
 * Reconcile `m` until Ready (or, deleting, until nothing owned is left), until Stalled on something a
 * person must fix, or until the timeout. Returns the last outcome and why it stopped.
 */
export async function converge(
  deps: NetworkDeps,
  m: NetworkManifest,
  o: ConvergeOptions,
): Promise<{ end: ConvergeEnd; outcome: NetworkOutcome }> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + o.timeoutMs;
  let prev: PrivateEcsNetworkStatus | undefined;
  for (let round = 1; ; round++) {
    const outcome = await reconcileNetwork(deps, {
      owner: m.owner,
      generation: m.generation,
      rawSpec: m.rawSpec,
      prevStatus: prev,
      contributions: [],
      deleting: o.deleting,
      dryRun: false,
    });
    prev = outcome.status;
    o.onRound?.(round, outcome);
    if (o.deleting && outcome.deletionComplete) return { end: "deleted", outcome };
    if (!o.deleting && isReady(outcome.status, m.generation)) return { end: "ready", outcome };
    // ObserveOnly changes nothing, so waiting cannot make it Ready: report what one pass saw.
    if (!o.deleting && outcome.desired?.mode === "ObserveOnly") return { end: "observe-only", outcome };
    const onlyBlocked =
      outcome.plan !== null &&
      outcome.plan.blocked.length > 0 &&
      outcome.plan.actions.length === 0 &&
      outcome.plan.pending.length === 0;
    // A deletion goes on while it has something to do, even for a Stalled (e.g. invalid) spec.
    if (onlyBlocked || (!o.deleting && outcome.stalled)) {
      return { end: "stalled", outcome };
    }
    if (Date.now() >= deadline) return { end: "timeout", outcome };
    await sleep(o.intervalMs);
  }
}
