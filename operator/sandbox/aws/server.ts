/**
 * The AWS sandbox: one HTTP server on 127.0.0.1 that speaks EC2 Query (XML), ECS JSON 1.1 and STS Query
 * (XML) to the unmodified AWS SDK, plus the `/_sandbox/` admin API. Requests whose `x-amz-target` starts with
 * `AmazonEC2ContainerServiceV20141113.` go to ECS; requests signed for the `sts` service go to STS (see
 * {@link serviceOf}); everything else is EC2.
 *
 * Several accounts: EC2 and ECS state is kept per account. A request signed with temporary credentials STS
 * issued for a role acts in that role's account; any other credentials act in the default account.
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
import { Sts, stsError, type SandboxRole } from "./sts.js";

export type { SandboxAdmin } from "./admin.js";
export type { Faults, InjectedFailure } from "./faults.js";
export type { SeedResult } from "./seeds.js";
export type { TransitionDelays } from "./state.js";
export type { SandboxRole, SandboxSession } from "./sts.js";

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
  /** IAM roles STS can issue credentials for (more can be declared through the admin API). */
  roles?: readonly SandboxRole[];
  /**
   * Sandbox-only: temporary credentials expire this many ms after AssumeRole, whatever DurationSeconds asked
   * (a test of refresh-before-expiry cannot wait AWS's 900 s minimum). Default: DurationSeconds, as AWS.
   */
  stsSessionLifetimeMs?: number;
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
  /** The ECS half of one account (the default account's is {@link ecs}), e.g. to seed an app there. */
  ecsOf(accountId: string): EcsSandbox;
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

/**
 * The service a SigV4 request was signed for: the credential scope's fourth part
 * (`Credential=AKID/20150830/us-east-1/sts/aws4_request`, Signature Version 4 "Credential scope",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html). EC2 and STS
 * both speak the Query protocol to one endpoint here, so the scope is what tells them apart.
 */
function serviceOf(req: IncomingMessage): string | undefined {
  return /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(req.headers.authorization ?? "")?.[1];
}

/** One account's EC2 and ECS state, its call counts and its admin. */
interface AccountSlot {
  readonly ctx: Ctx;
  readonly ecs: EcsSandbox;
  readonly calls: Map<string, number>;
  readonly admin: SandboxAdmin;
}

/** Starts the sandbox on 127.0.0.1 and resolves once it listens. */
export async function startAwsSandbox(opts: AwsSandboxOptions = {}): Promise<AwsSandbox> {
  const region = opts.region ?? "us-east-1";
  const accountId = opts.accountId ?? "123456789012";
  const now = opts.now ?? Date.now;
  const latency = opts.latency ?? "none";
  const scale = opts.timeScale ?? 1;
  const faults: Faults = noFaults();
  const mutations = new Map<string, number>();
  const parked: ParkedCall[] = [];
  let buckets = new TokenBuckets(now);
  const sts = new Sts({
    defaultAccountId: accountId,
    baseCallerArn: `arn:aws:iam::${accountId}:user/ecsnet-sandbox`,
    now,
    ...(opts.stsSessionLifetimeMs !== undefined ? { sessionLifetimeMs: opts.stsSessionLifetimeMs } : {}),
  });
  const accounts = new Map<string, AccountSlot>();
  const declareDefaultRoles = () => (opts.roles ?? []).forEach((r) => sts.declareRole(r));
  declareDefaultRoles();
  const shared = {
    account: (id: string) => slotOf(id).admin,
    declareRole: (r: SandboxRole) => sts.declareRole(r),
    roles: () => sts.listRoles(),
  };
  // One account's state: the default account's ids are as they always were; another's are salted with its id.
  function makeSlot(id: string): AccountSlot {
    const salt = id === accountId ? undefined : id;
    let world: World = { ...emptyWorld(), ...(salt ? { idSalt: salt } : {}) };
    const ctx: Ctx = {
      get world() {
        return world;
      },
      region,
      accountId: id,
      now,
      delays: delaysFor(latency, opts.timeScale ?? 1, opts.delays),
      // Realistic mode spreads each resource's delay: NAT 60–120 s, endpoints 60–90 s (before timeScale).
      spread:
        latency === "realistic" ? { natMs: 60_000 * scale, endpointMs: 30_000 * scale } : { natMs: 0, endpointMs: 0 },
      eventualConsistencyMs: () => faults.eventualConsistencyMs,
    };
    const ecs = createEcsSandbox({ region, accountId: id, now });
    const calls = new Map<string, number>();
    const isDefault = salt === undefined;
    const admin = createAdmin({
      ctx,
      setWorld: (w) => (world = salt ? { ...w, idSalt: salt } : w),
      faults,
      calls,
      mutations,
      parked,
      clearBuckets: () => (buckets = new TokenBuckets(now)),
      ecs,
      shared: isDefault
        ? {
            ...shared,
            // The default account's reset is the sandbox's reset: every other account and STS go too.
            resetOthers: () => {
              for (const [k] of accounts) if (k !== accountId) accounts.delete(k);
              sts.reset();
              declareDefaultRoles();
            },
          }
        : shared,
    });
    return { ctx, ecs, calls, admin };
  }
  function slotOf(id: string): AccountSlot {
    let slot = accounts.get(id);
    if (!slot) accounts.set(id, (slot = makeSlot(id)));
    return slot;
  }
  const home = slotOf(accountId);
  const { ecs, admin } = home;
  const count = (slot: AccountSlot, operation: string) =>
    slot.calls.set(operation, (slot.calls.get(operation) ?? 0) + 1);

  /** STS (sts.ts): counted in the caller's account and, for AssumeRole, in the role's account (as CloudTrail logs it in both). */
  function serveSts(req: IncomingMessage, res: ServerResponse, body: string, requestId: string): void {
    const params = flatParams(body);
    const key = accessKeyOf(req);
    const action = params.get("Action") ?? "";
    const callerSlot = slotOf(sts.session(key)?.accountId ?? accountId);
    count(callerSlot, action);
    const roleAccount = /^arn:aws:iam::(\d{12}):role\//.exec(params.get("RoleArn") ?? "")?.[1];
    if (action === "AssumeRole" && roleAccount && roleAccount !== callerSlot.ctx.accountId)
      count(slotOf(roleAccount), action);
    const expired = expiredSession(key);
    const out = expired
      ? stsError("ExpiredToken", "The security token included in the request is expired", 400, requestId)
      : sts.handle(params, key, requestId);
    res.writeHead(out.status, { "content-type": "text/xml", "x-amzn-requestid": requestId });
    res.end(out.body);
  }
  /** True when `key` is a session STS issued whose credentials have expired (AWS refuses them: ExpiredToken). */
  const expiredSession = (key: string): boolean => {
    const s = sts.session(key);
    return s !== undefined && s.expiresAt <= now();
  };

  // ---- SQS and EC2 change events (sqs/): queues, and the event bus fed by every successful EC2 mutation.
  let endpoint = "";
  const sqs = new SqsQueues({ origin: () => endpoint, region, accountId, now });
  const events = new SandboxEventBus(
    (queueUrl, body) => void sqs.send(queueUrl, body),
    () => ({ region, accountId, now: now() }),
  );
  events.delayMs = opts.eventDelayMs ?? 0;
  // ---- end of SQS and events

  const ownerScope = (c: Ctx, operation: string, params: Map<string, string>): string[] => {
    const uid = ownerOfCall(c, operation, params);
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
    // Service dispatch: STS by the credential scope; ECS by its JSON target; everything else is EC2.
    if (serviceOf(req) === "sts") return serveSts(req, res, body, requestId);
    const target = req.headers["x-amz-target"];
    if (typeof target === "string" && target.startsWith(SQS_TARGET_PREFIX)) {
      const out = await handleSqsRequest(sqs, target, body, requestId, () => req.socket.destroyed);
      res.writeHead(out.status, out.headers);
      return void res.end(out.body);
    }
    const isEcs = typeof target === "string" && target.startsWith(ECS_TARGET_PREFIX);
    const params = isEcs ? undefined : flatParams(body);
    const operation = isEcs ? target.slice(ECS_TARGET_PREFIX.length) : (params!.get("Action") ?? "");
    // The account: that of the role whose temporary credentials signed the request, else the default one.
    const key = accessKeyOf(req);
    const slot = slotOf(sts.session(key)?.accountId ?? accountId);
    count(slot, operation);
    if (expiredSession(key)) {
      const message = "The security token included in the request is expired";
      const out = isEcs
        ? { status: 400, body: JSON.stringify({ __type: "ExpiredTokenException", message }) }
        : ec2Error("ExpiredToken", message, 400, requestId);
      res.writeHead(out.status, {
        "content-type": isEcs ? "application/x-amz-json-1.1" : "text/xml",
        "x-amzn-requestid": requestId,
      });
      return void res.end(out.body);
    }
    // Crash boundaries (Faults.parkAfterMutations): past the N-th mutation of this client, or of the ecsnet
    // object the call is for (`uid:<owner uid>`), hold every call.
    const mutating = !isEcs && isMutatingAction(operation);
    const scopes = mutating ? [key, ...ownerScope(slot.ctx, operation, params!)] : [];
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
      const out = handleEcsRequest(slot.ecs, target, body, requestId);
      res.writeHead(out.status, out.headers);
      return void res.end(out.body);
    }
    const out = fault
      ? isEcs
        ? { status: fault.status, body: JSON.stringify({ __type: fault.code, message: fault.message }) }
        : ec2Error(fault.code, fault.message, fault.status, requestId)
      : handleEc2(slot.ctx, operation, params!, requestId);
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
        accountId: slot.ctx.accountId,
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
    ecsOf: (id: string) => slotOf(id).ecs,
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
