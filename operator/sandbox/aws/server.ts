/**
 * The AWS sandbox: one HTTP server on 127.0.0.1 that speaks EC2 Query (XML) and ECS JSON 1.1 to the
 * unmodified AWS SDK, plus the `/_sandbox/` admin API. Requests whose `x-amz-target` starts with
 * `AmazonEC2ContainerServiceV20141113.` go to ECS; everything else is EC2.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { SandboxAdmin } from "./admin.js";
import { createAdmin, handleAdminRequest } from "./admin.js";
import { ec2Error, handleEc2 } from "./ec2-api.js";
import { ECS_TARGET_PREFIX, handleEcsRequest } from "./ecs/http.js";
import type { EcsSandbox } from "./ecs/service.js";
import { createEcsSandbox } from "./ecs/service.js";
import type { Faults } from "./faults.js";
import type { ParkedCall } from "./faults.js";
import { bucketFor, isMutatingAction, latencyFor, noFaults, takeFailNext, TokenBuckets } from "./faults.js";
import { ownerOfCall } from "./crash-scope.js";
import { flatParams } from "./query.js";
import { handleSqsEventsAdmin, SandboxEventBus, SQS_TARGET_PREFIX, SqsQueues, handleSqsRequest } from "./sqs/index.js";
import type { SeedResult } from "./seeds.js";
import type { Ctx, TransitionDelays, World } from "./state.js";
import { emptyWorld } from "./state.js";

export type { SandboxAdmin } from "./admin.js";
export type { Faults, InjectedFailure } from "./faults.js";
export type { SeedResult } from "./seeds.js";
export type { TransitionDelays } from "./state.js";

/** How to start the sandbox; every field is optional. */
export interface AwsSandboxOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** The only address it ever binds. */
  host?: "127.0.0.1";
  /** Default us-east-1. */
  region?: string;
  /** Default "123456789012". */
  accountId?: string;
  /** A world to build at start (default empty). */
  seed?: "two-az-vpc" | "empty";
  /** "realistic": NAT 60–120 s, endpoints 60–90 s, 20–60 ms per call; "none" (default): NAT 300 ms, endpoints 200 ms. */
  latency?: "none" | "realistic";
  /** Multiplies state-transition delays; default 1. */
  timeScale?: number;
  /** Overrides single delays (applied after latency and timeScale). */
  delays?: Partial<TransitionDelays>;
  /** Clock in epoch ms, for tests; default Date.now. */
  now?: () => number;
  /** Delay before the sandbox's EventBridge delivers an EC2 call's CloudTrail event to its queues, ms; default 0. */
  eventDelayMs?: number;
}

/** A running sandbox. */
export interface AwsSandbox {
  /** `http://127.0.0.1:PORT`, for the SDK's `endpoint` or AWS_ENDPOINT_URL. */
  endpoint: string;
  region: string;
  admin: SandboxAdmin;
  /** The ECS half, for direct inspection. */
  ecs: EcsSandbox;
  /** The ids the start-up seed created, when `seed: "two-az-vpc"` was given. */
  seeded?: SeedResult;
  /** The SQS queues (sqs/queues.ts). */
  sqs: SqsQueues;
  /** The CloudTrail → EventBridge → SQS delivery of EC2 calls (sqs/eventbridge.ts). */
  events: SandboxEventBus;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** The transition delays for a latency profile and time scale. */
export function delaysFor(
  latency: "none" | "realistic",
  timeScale = 1,
  over: Partial<TransitionDelays> = {},
): TransitionDelays {
  const base: TransitionDelays =
    latency === "realistic"
      ? {
          natGatewayAvailableMs: 60_000,
          natGatewayDeletedMs: 60_000,
          endpointAvailableMs: 60_000,
          endpointDeletedMs: 60_000,
          deletedVisibleMs: 3_600_000,
          clientTokenTtlMs: 86_400_000,
        }
      : {
          natGatewayAvailableMs: 300,
          natGatewayDeletedMs: 200,
          endpointAvailableMs: 200,
          endpointDeletedMs: 200,
          deletedVisibleMs: 60_000,
          // 24 × the visibility window, as in realistic mode (1 hour visible, tokens at least 24 hours).
          clientTokenTtlMs: 1_440_000,
        };
  const scaled = Object.fromEntries(
    Object.entries(base).map(([k, v]) => [k, v * timeScale]),
  ) as unknown as TransitionDelays;
  return { ...scaled, ...over };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The access key id of a SigV4-signed request (`Credential=AKID/...`), or `anonymous`. */
function accessKeyOf(req: IncomingMessage): string {
  const auth = req.headers.authorization ?? "";
  return /Credential=([^/,\s]+)\//.exec(auth)?.[1] ?? "anonymous";
}

/** Starts the sandbox on 127.0.0.1 and resolves once it listens. */
export async function startAwsSandbox(opts: AwsSandboxOptions = {}): Promise<AwsSandbox> {
  const region = opts.region ?? "us-east-1";
  const accountId = opts.accountId ?? "123456789012";
  const now = opts.now ?? Date.now;
  const latency = opts.latency ?? "none";
  const scale = opts.timeScale ?? 1;
  const faults: Faults = noFaults();
  const calls = new Map<string, number>();
  const mutations = new Map<string, number>();
  const parked: ParkedCall[] = [];
  let buckets = new TokenBuckets(now);
  let world: World = emptyWorld();
  const ctx: Ctx = {
    get world() {
      return world;
    },
    region,
    accountId,
    now,
    delays: delaysFor(latency, opts.timeScale ?? 1, opts.delays),
    // Realistic mode spreads each resource's delay: NAT 60–120 s, endpoints 60–90 s (before timeScale).
    spread:
      latency === "realistic" ? { natMs: 60_000 * scale, endpointMs: 30_000 * scale } : { natMs: 0, endpointMs: 0 },
    eventualConsistencyMs: () => faults.eventualConsistencyMs,
  };
  const ecs = createEcsSandbox({ region, accountId, now });
  const admin = createAdmin({
    ctx,
    setWorld: (w) => (world = w),
    faults,
    calls,
    mutations,
    parked,
    clearBuckets: () => (buckets = new TokenBuckets(now)),
    ecs,
  });

  // ---- SQS and EC2 change events (sqs/): queues, and the event bus fed by every successful EC2 mutation.
  let endpoint = "";
  const sqs = new SqsQueues({ origin: () => endpoint, region, accountId, now });
  const events = new SandboxEventBus(
    (queueUrl, body) => void sqs.send(queueUrl, body),
    () => ({ region, accountId, now: now() }),
  );
  events.delayMs = opts.eventDelayMs ?? 0;
  // ---- end of SQS and events

  const ownerScope = (operation: string, params: Map<string, string>): string[] => {
    const uid = ownerOfCall(ctx, operation, params);
    return uid === undefined ? [] : [`uid:${uid}`];
  };

  async function serve(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const requestId = randomUUID();
    if (url.pathname.startsWith("/_sandbox/events")) {
      const out = handleSqsEventsAdmin(events, sqs, req.method ?? "GET", url.pathname, body);
      res.writeHead(out.status, { "content-type": "application/json" });
      return void res.end(JSON.stringify(out.json));
    }
    if (url.pathname.startsWith("/_sandbox/")) {
      const out = handleAdminRequest(admin, req.method ?? "GET", url.pathname, body);
      res.writeHead(out?.status ?? 404, { "content-type": "application/json" });
      res.end(JSON.stringify(out?.json ?? { error: `no admin route ${req.method} ${url.pathname}` }));
      return;
    }
    const target = req.headers["x-amz-target"];
    if (typeof target === "string" && target.startsWith(SQS_TARGET_PREFIX)) {
      const out = await handleSqsRequest(sqs, target, body, requestId, () => req.socket.destroyed);
      res.writeHead(out.status, out.headers);
      return void res.end(out.body);
    }
    const isEcs = typeof target === "string" && target.startsWith(ECS_TARGET_PREFIX);
    const params = isEcs ? undefined : flatParams(body);
    const operation = isEcs ? target.slice(ECS_TARGET_PREFIX.length) : (params!.get("Action") ?? "");
    calls.set(operation, (calls.get(operation) ?? 0) + 1);
    // Crash boundaries (Faults.parkAfterMutations): past the N-th mutation of this client, or of the ecsnet
    // object the call is for (`uid:<owner uid>`), hold every call.
    const mutating = !isEcs && isMutatingAction(operation);
    const scopes = mutating ? [accessKeyOf(req), ...ownerScope(operation, params!)] : [];
    const limitOf = (k: string) =>
      faults.parkAfterMutations[k] ?? (k.startsWith("uid:") ? undefined : faults.parkAfterMutations["*"]);
    const tripped = scopes.find((k) => {
      const limit = limitOf(k);
      return limit !== undefined && (mutations.get(k) ?? 0) >= limit;
    });
    if (tripped !== undefined) {
      // Past the boundary: nothing more of this scope is applied. The call is refused (a retryable 503, so
      // the client's connection pool is not drained by held calls); the client is stuck on the N-th anyway.
      parked.push({ accessKeyId: tripped, action: operation, applied: false });
      const refused = ec2Error("Unavailable", "past a crash boundary: not applied", 503, requestId);
      res.writeHead(refused.status, { "content-type": "text/xml;charset=UTF-8", "x-amzn-requestid": requestId });
      return void res.end(refused.body);
    }
    if (faults.resetRate > 0 && Math.random() < faults.resetRate) return void req.socket.destroy();
    const delay = latencyFor(faults, operation) + (latency === "realistic" ? 20 + Math.random() * 40 : 0);
    if (delay > 0) await sleep(delay);
    const fault = injectedFault(operation, params);
    if (isEcs && !fault) {
      const out = handleEcsRequest(ecs, target, body, requestId);
      res.writeHead(out.status, out.headers);
      return void res.end(out.body);
    }
    const out = fault
      ? isEcs
        ? { status: fault.status, body: JSON.stringify({ __type: fault.code, message: fault.message }) }
        : ec2Error(fault.code, fault.message, fault.status, requestId)
      : handleEc2(ctx, operation, params!, requestId);
    const headers: Record<string, string> = isEcs
      ? {
          "content-type": "application/x-amz-json-1.1",
          "x-amzn-requestid": requestId,
          ...(fault ? { "x-amzn-errortype": fault.code } : {}),
        }
      : { "content-type": "text/xml;charset=UTF-8", "x-amzn-requestid": requestId };
    if (mutating && !fault && out.status === 200) {
      events.publish({
        action: operation,
        params: params!,
        responseXml: out.body,
        userAgent: String(req.headers["user-agent"] ?? ""),
        accessKeyId: accessKeyOf(req),
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        requestId,
      });
      let hold: string | undefined;
      for (const k of scopes) {
        const n = (mutations.get(k) ?? 0) + 1;
        mutations.set(k, n);
        if (n === limitOf(k)) hold = k;
      }
      // The N-th mutation is applied; its answer is held so the client can be killed right after it.
      if (hold !== undefined) return void parked.push({ accessKeyId: hold, action: operation, applied: true });
    }
    res.writeHead(out.status, headers);
    res.end(out.body);
  }

  function injectedFault(
    operation: string,
    params: Map<string, string> | undefined,
  ): { code: string; message: string; status: number } | undefined {
    const once = takeFailNext(faults, operation);
    if (once) return { code: once.code, message: once.message ?? `injected ${once.code}`, status: once.status ?? 400 };
    if (faults.errorRate > 0 && Math.random() < faults.errorRate) {
      return Math.random() < 0.5
        ? { code: "InternalError", message: "An internal error has occurred", status: 500 }
        : { code: "Unavailable", message: "The service is unavailable. Please try again shortly.", status: 503 };
    }
    if (faults.throttling && params) {
      const filtered = [...params.keys()].some((k) => k.startsWith("Filter") || k === "MaxResults");
      const b = bucketFor(operation, filtered);
      if (!buckets.take(b.key, b.spec))
        return { code: "RequestLimitExceeded", message: "Request limit exceeded.", status: 503 };
    }
    return undefined;
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      serve(req, res, Buffer.concat(chunks).toString("utf8")).catch((err: unknown) => {
        if (res.headersSent) return void res.end();
        const msg = err instanceof Error ? err.message : String(err);
        res.writeHead(500, { "content-type": "text/xml" });
        res.end(ec2Error("InternalError", `sandbox failure: ${msg}`, 500, randomUUID()).body);
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  endpoint = `http://127.0.0.1:${port}`;
  const seeded = opts.seed === "two-az-vpc" ? admin.seed("two-az-vpc") : undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region,
    admin,
    ecs,
    seeded,
    sqs,
    events,
    close: () =>
      new Promise<void>((resolve) => {
        events.clear();
        sqs.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
