/**
 * The cluster-less runner behind `ecsnet plan/apply/destroy -f`: the same reconcile the operator runs
 * (controllers/reconcile-network.ts), driven in a loop from a file instead of from watch events.
 */
import { createAwsClients, scaledLimiter, type AwsClients } from "../aws/clients.js";
import { createEc2Port } from "../aws/ec2-sdk.js";
import type { Ec2Port } from "../aws/ec2-port.js";
import { assumeRoleCredentials, type AccountTarget, type AwsTarget } from "../aws/targets.js";
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
 * the client-side EC2 limiter (as `ecsnet run --ec2-rate-scale`); `wrap` decorates each region's port
 * (progress tracking); `role` (`--role-arn`, `--external-id`) is assumed on top of the SDK's own credentials
 * for every call (the CLI works in one account; a manifest's spec.accountRef needs a cluster and is ignored).
 */
export async function localAws(
  opts: {
    region?: string;
    endpoint?: string;
    ec2RateScale?: number;
    wrap?: (port: Ec2Port) => Ec2Port;
    role?: AccountTarget;
  } = {},
): Promise<LocalAws> {
  const clients = new Map<string, { aws: AwsClients; port: Ec2Port }>();
  const forRegion = ({ region }: AwsTarget) => {
    let c = clients.get(region);
    if (!c) {
      const limiter = scaledLimiter(opts.ec2RateScale);
      const aws = createAwsClients({
        region,
        ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
        ...(limiter ? { limiter } : {}),
        ...(opts.role
          ? {
              credentials: assumeRoleCredentials({
                account: opts.role,
                region,
                ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
              }),
            }
          : {}),
      });
      const port = createEc2Port(aws.ec2);
      c = { aws, port: opts.wrap ? opts.wrap(port) : port };
      clients.set(region, c);
    }
    return c.port;
  };
  const defaultRegion = opts.region ?? (await sdkRegion());
  return {
    deps: { ec2For: forRegion, defaultRegion, now: () => new Date() },
    close() {
      for (const c of clients.values()) {
        c.aws.limiter.close();
        c.aws.destroy();
      }
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
  /** Keep reconciling until done (or `timeoutMs`; the default); false: one pass, then report where it stands. */
  readonly wait?: boolean;
  readonly timeoutMs: number;
  /**
   * Give up ("failed") once AWS has refused a change with a terminal error in every round for this long
   * (default 2 minutes). Not at once: some refusals pass by themselves (re-creating an endpoint while the old
   * one, still deleting, holds its private DNS name).
   */
  readonly failAfterMs?: number;
  /** Between rounds while something is pending or just changed. */
  readonly intervalMs: number;
  readonly onRoundStart?: (round: number) => void;
  readonly onRound?: (round: number, outcome: NetworkOutcome) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Why a converge loop ended: `ready` / `deleted` (done), `observe-only` (ObserveOnly: nothing to wait for),
 * `in-progress` (one pass without waiting, not done yet), `stalled` (invalid, blocked: a person must change
 * something), `failed` (AWS refused a change for good), `timeout`.
 */
export type ConvergeEnd = "ready" | "deleted" | "observe-only" | "in-progress" | "stalled" | "failed" | "timeout";

/**
 * Reconcile `m` until Ready (or, deleting, until nothing owned is left), until Stalled on something a
 * person must fix, until AWS has refused a change for `failAfterMs`, or until the timeout. Returns the last outcome and
 * why it stopped.
 */
export async function converge(
  deps: NetworkDeps,
  m: NetworkManifest,
  o: ConvergeOptions,
): Promise<{ end: ConvergeEnd; outcome: NetworkOutcome }> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + o.timeoutMs;
  let prev: PrivateEcsNetworkStatus | undefined;
  let refusedSince: number | undefined;
  for (let round = 1; ; round++) {
    o.onRoundStart?.(round);
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
    const end = endOf(outcome, o.deleting, m.generation);
    if (end) return { end, outcome };
    const refused = outcome.results.some((r) => r.outcome === "failed" && r.error.class === "terminal");
    refusedSince = refused ? (refusedSince ?? Date.now()) : undefined;
    if (refusedSince !== undefined && Date.now() - refusedSince >= (o.failAfterMs ?? 120_000))
      return { end: "failed", outcome };
    if (o.wait === false) return { end: "in-progress", outcome };
    if (Date.now() >= deadline) return { end: "timeout", outcome };
    await sleep(o.intervalMs);
  }
}

/** Whether a round's outcome ends the loop, and why; undefined: go on. */
export function endOf(outcome: NetworkOutcome, deleting: boolean, generation: number): ConvergeEnd | undefined {
  if (deleting && outcome.deletionComplete) return "deleted";
  if (!deleting && isReady(outcome.status, generation)) return "ready";
  // ObserveOnly changes nothing, so waiting cannot make it Ready: report what one pass saw.
  if (!deleting && outcome.desired?.mode === "ObserveOnly") return "observe-only";
  const plan = outcome.plan;
  const onlyBlocked =
    plan !== null && plan.blocked.length > 0 && plan.actions.length === 0 && plan.pending.length === 0;
  // A spec that cannot be acted on (invalid, a private subnet that is public, ...) stops apply before any
  // change; a deletion goes on while it has something to do, even for a Stalled (e.g. invalid) spec.
  const blockedByInput = outcome.desired?.issues.some((i) => i.blocking) ?? false;
  if (onlyBlocked || (!deleting && (outcome.stalled || blockedByInput))) return "stalled";
  return undefined;
}
