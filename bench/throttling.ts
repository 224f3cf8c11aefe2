/**
 * Figure 6: throttling. The AWS sandbox enforces EC2's token buckets (admin.setFaults({throttling: true}),
 * sizes as AWS publishes them); one operator applies `networks` networks at once, each in its own VPC.
 * The operator's client-side limiter, sized to the same buckets, should keep every throttling error away
 * from the reconciles: the figure is the total time, the RequestLimitExceeded answers the sandbox sent
 * (counted by a pass-through proxy on 127.0.0.1) and the throttled outcomes the reconciles saw.
 */
import {
  counterSum,
  applyNetwork,
  readyCount,
  startBenchOperator,
  startCountingProxy,
  startKube,
} from "./operator-world.js";
import { createVpcs, networkSpec, rawEc2, startAws, until, type BenchVpc } from "./world.js";

/** Figure 6's result. */
export interface Throttling {
  readonly networks: number;
  /** Creates per network that draw from EC2's tightest bucket (CreateVpcEndpoint: 4, refill 0.3/s). */
  readonly endpointCreatesPerNetwork: number;
  readonly seconds: number;
  /** Requests that reached the sandbox (all attempts). */
  readonly requests: number;
  /** RequestLimitExceeded answers the sandbox sent. */
  readonly throttledResponses: number;
  readonly throttledByOperation: Readonly<Record<string, number>>;
  /** AWS calls whose final outcome (after SDK retries) was a throttling error: what a reconcile saw. */
  readonly throttledSurfaced: number;
  readonly reconcileErrors: number;
  /** The pace EC2's CreateVpcEndpoint bucket allows for this many creates, s (a lower bound). */
  readonly endpointBucketBoundSeconds: number;
}

/**
 * The network of this figure: the S3 gateway and one interface endpoint (ecr.dkr), NAT egress through
 * one gateway. Two CreateVpcEndpoint calls per network keep the run short while still draining the
 * 4-token bucket five times over for ten networks.
 */
function throttlingSpec(vpc: BenchVpc): Record<string, unknown> {
  return {
    ...networkSpec(vpc, "None"),
    endpoints: { includeDefaults: false, extra: ["ecr.dkr"] },
    egress: { mode: "NatGateway", natGateway: { placement: "Single", publicSubnetIds: [vpc.publicSubnetIds[0]] } },
  };
}

/** Figure 6. */
export async function measureThrottling(o: { networks: number; concurrency: number }): Promise<Throttling> {
  const { aws, vpc } = await startAws();
  const raw = rawEc2(aws.endpoint);
  const proxy = await startCountingProxy(aws.endpoint);
  const kube = await startKube();
  const operator = await startBenchOperator(kube, proxy.endpoint, { concurrency: o.concurrency, resyncMs: 600_000 });
  try {
    const vpcs = [vpc, ...(await createVpcs(raw, o.networks - 1))];
    aws.admin.setFaults({ throttling: true });
    const t0 = performance.now();
    await Promise.all(vpcs.map((v, i) => applyNetwork(kube, `throttle-${i}`, throttlingSpec(v))));
    await until(`${o.networks} networks Ready under throttling`, async () => readyCount(kube) >= o.networks, {
      timeoutMs: 240_000,
      everyMs: 250,
    });
    const seconds = (performance.now() - t0) / 1000;
    const creates = o.networks * 2;
    return {
      networks: o.networks,
      endpointCreatesPerNetwork: 2,
      seconds,
      requests: proxy.requests(),
      throttledResponses: proxy.throttled(),
      throttledByOperation: proxy.throttledByOperation(),
      throttledSurfaced: await counterSum(operator.metrics.awsApiCallsTotal, { outcome: "throttled" }),
      reconcileErrors: await counterSum(operator.metrics.reconcileErrorsTotal),
      endpointBucketBoundSeconds: Math.max(0, creates - 4) / 0.3,
    };
  } finally {
    await operator.stop();
    await kube.close();
    await proxy.close();
    raw.destroy();
    await aws.close();
  }
}
