/**
 * The operator process of figure 5 (bench/memory.ts forks it with `--expose-gc`), so its RSS and heap are
 * the operator's alone, not the sandboxes'. It talks to its parent over IPC:
 *   parent → { kind: "start", kubeconfig, awsEndpoint, raiseLimitsBy }  child → { kind: "started" }
 *   parent → { kind: "measure" }                                        child → { kind: "memory", rss, heapUsed }
 *   parent → { kind: "stop" }                                           child exits 0 after stopping.
 *
 * `raiseLimitsBy` multiplies EC2's bucket sizes in the client-side limiter (an account with raised limits):
 * at the default buckets, 200 networks take many minutes to create (CreateVpcEndpoint refills 0.3/s), and
 * creation pace is not what this figure measures. It must happen before the operator builds its limiter.
 */
import { Ec2Buckets, type BucketSpec } from "../operator/aws/throttle.js";
import { silentLogger } from "../operator/observability/log.js";
import { startOperator, type RunningOperator } from "../operator/cli/operator.js";
import { CREDENTIALS, REGION } from "./world.js";

/** Messages the parent sends. */
export type ToChild =
  | {
      readonly kind: "start";
      readonly kubeconfig: string;
      readonly awsEndpoint: string;
      readonly raiseLimitsBy: number;
    }
  | { readonly kind: "measure" }
  | { readonly kind: "stop" };

/** Messages the child sends. */
export type FromChild =
  | { readonly kind: "started" }
  | { readonly kind: "memory"; readonly rss: number; readonly heapUsed: number }
  | { readonly kind: "error"; readonly message: string };

let operator: RunningOperator | undefined;
const send = (m: FromChild): void => void process.send?.(m);

function raiseLimits(factor: number): void {
  const buckets = Ec2Buckets as unknown as Record<string, BucketSpec>;
  for (const [k, v] of Object.entries(buckets)) {
    buckets[k] = { capacity: v.capacity * factor, refillPerSecond: v.refillPerSecond * factor };
  }
}

async function handle(m: ToChild): Promise<void> {
  switch (m.kind) {
    case "start":
      raiseLimits(m.raiseLimitsBy);
      operator = await startOperator({
        kubeconfig: { yaml: m.kubeconfig },
        concurrency: 8,
        // Long enough that no drift sweep runs while a figure is taken; short enough to be a real setting.
        resyncMs: 600_000,
        pendingRequeueMs: 250,
        defaultRegion: REGION,
        aws: { endpoint: m.awsEndpoint, credentials: { ...CREDENTIALS } },
        logger: silentLogger,
      });
      return send({ kind: "started" });
    case "measure": {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
      const u = process.memoryUsage();
      return send({ kind: "memory", rss: u.rss, heapUsed: u.heapUsed });
    }
    case "stop":
      await operator?.stop();
      process.exit(0);
  }
}

process.on("message", (m: ToChild) => {
  handle(m).catch((err: unknown) => send({ kind: "error", message: err instanceof Error ? err.message : String(err) }));
});
