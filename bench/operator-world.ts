/**
 * The whole operator in a benchmark: the sandbox Kubernetes API with ecsnet's CRDs, PrivateEcsNetwork
 * objects applied through the operator's own KubeClient, readiness read back from status, and a small
 * counting proxy on 127.0.0.1 that tells how many throttling errors the AWS sandbox answered.
 */
import { createServer, request, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { allCrds } from "../operator/api/all-crds.js";
import { API_VERSION, Kinds } from "../operator/api/group.js";
import type { PrivateEcsNetwork } from "../operator/api/private-ecs-network.js";
import { startOperator, type OperatorOptions, type RunningOperator } from "../operator/cli/operator.js";
import { KubeClient, loadKubeConfig, type KubeObject } from "../operator/kube/client.js";
import type { HandledEvent } from "../operator/events/consumer.js";
import { silentLogger } from "../operator/observability/log.js";
import { startKubeSandbox, type KubeSandbox } from "../operator/sandbox/kube/server.js";
import { CREDENTIALS, REGION } from "./world.js";

/** Namespace every benchmark object lives in. */
export const NS = "default";

/** The sandbox Kubernetes API plus a client for it. */
export interface Kube {
  readonly sandbox: KubeSandbox;
  readonly client: KubeClient;
  close(): Promise<void>;
}

/** Start the sandbox Kubernetes API with ecsnet's CRDs on an ephemeral 127.0.0.1 port. */
export async function startKube(): Promise<Kube> {
  const sandbox = await startKubeSandbox({ port: 0, crds: allCrds() });
  const client = new KubeClient(loadKubeConfig({ yaml: sandbox.kubeconfig }));
  return { sandbox, client, close: () => sandbox.close() };
}

/** Create a PrivateEcsNetwork `name` with `spec` in {@link NS}. */
export async function applyNetwork(kube: Kube, name: string, spec: Record<string, unknown>): Promise<void> {
  const body = { apiVersion: API_VERSION, kind: Kinds.PrivateEcsNetwork.kind, metadata: { name, namespace: NS }, spec };
  await kube.client.create({ resource: Kinds.PrivateEcsNetwork, body: body as KubeObject });
}

/** The stored PrivateEcsNetwork `name`. */
export async function getNetwork(kube: Kube, name: string): Promise<PrivateEcsNetwork | undefined> {
  return kube.client.get<PrivateEcsNetwork & KubeObject>({ resource: Kinds.PrivateEcsNetwork, namespace: NS, name });
}

/** Whether the object's Ready condition is True for its current generation. */
export function isReady(n: PrivateEcsNetwork | undefined): boolean {
  const ready = n?.status?.conditions?.find((c) => c.type === "Ready");
  return ready?.status === "True" && (n?.status?.observedGeneration ?? 0) >= (n?.metadata.generation ?? 1);
}

/** How many PrivateEcsNetworks are Ready, read straight from the sandbox's store (no HTTP). */
export function readyCount(kube: Kube): number {
  return (kube.sandbox.admin.objects(Kinds.PrivateEcsNetwork.plural) as PrivateEcsNetwork[]).filter(isReady).length;
}

/** Start an operator instance against `kube` and an AWS endpoint, silent, without HTTP. */
export function startBenchOperator(
  kube: Kube,
  awsEndpoint: string,
  o: Partial<Pick<OperatorOptions, "concurrency" | "resyncMs" | "pendingRequeueMs">> & {
    queueUrl?: string;
    onEvent?: (e: HandledEvent) => void;
  } = {},
): Promise<RunningOperator> {
  return startOperator({
    kubeconfig: { yaml: kube.sandbox.kubeconfig },
    concurrency: o.concurrency ?? 4,
    resyncMs: o.resyncMs ?? 60_000,
    pendingRequeueMs: o.pendingRequeueMs ?? 250,
    defaultRegion: REGION,
    aws: { endpoint: awsEndpoint, credentials: { ...CREDENTIALS } },
    logger: silentLogger,
    ...(o.queueUrl ? { events: { queueUrl: o.queueUrl, ...(o.onEvent ? { onHandled: o.onEvent } : {}) } } : {}),
  });
}

/** The sum of a prom-client counter's series whose labels match `where`. */
export async function counterSum(
  metric: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> },
  where: Record<string, string> = {},
): Promise<number> {
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(where).every(([k, want]) => v.labels[k] === want))
    .reduce((s, v) => s + v.value, 0);
}

/** A pass-through HTTP proxy that counts the throttling errors its upstream answered. */
export interface CountingProxy {
  readonly endpoint: string;
  /** Responses carrying `RequestLimitExceeded` so far. */
  throttled(): number;
  /** Those responses by EC2 action. */
  throttledByOperation(): Record<string, number>;
  /** Requests forwarded so far. */
  requests(): number;
  close(): Promise<void>;
}

/** Start a {@link CountingProxy} on 127.0.0.1 in front of `upstream` (an `http://127.0.0.1:PORT` URL). */
export async function startCountingProxy(upstream: string): Promise<CountingProxy> {
  const target = new URL(upstream);
  let throttled = 0;
  let requests = 0;
  const byOperation: Record<string, number> = {};
  const server = createServer((req, res) => {
    requests++;
    const sent: Buffer[] = [];
    req.on("data", (c: Buffer) => sent.push(c));
    const headers: IncomingHttpHeaders = { ...req.headers, host: target.host };
    const up = request(
      { host: "127.0.0.1", port: target.port, method: req.method, path: req.url, headers },
      (upRes) => {
        const chunks: Buffer[] = [];
        upRes.on("data", (c: Buffer) => chunks.push(c));
        upRes.on("end", () => {
          const body = Buffer.concat(chunks);
          if ((upRes.statusCode ?? 0) >= 400 && body.includes("RequestLimitExceeded")) {
            throttled++;
            const action = /(?:^|&)Action=([A-Za-z]+)/.exec(Buffer.concat(sent).toString("utf8"))?.[1] ?? "?";
            byOperation[action] = (byOperation[action] ?? 0) + 1;
          }
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          res.end(body);
        });
      },
    );
    up.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    throttled: () => throttled,
    throttledByOperation: () => ({ ...byOperation }),
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
