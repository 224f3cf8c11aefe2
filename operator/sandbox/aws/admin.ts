/**
 * The sandbox's control surface for tests, the benchmark and the demo, in process (`SandboxAdmin`) and as
 * JSON under `/_sandbox/` on the same port (see `handleAdminRequest`).
 */
import type { EcsSandbox } from "./ecs/service.js";
import type { Faults, ParkedCall } from "./faults.js";
import { noFaults } from "./faults.js";
import { settle } from "./lifecycle.js";
import type { SeedName, SeedResult } from "./seeds.js";
import { seedTwoAzVpc } from "./seeds.js";
import type { Ctx, World } from "./state.js";
import type { SandboxRole } from "./sts.js";
import { emptyWorld } from "./state.js";

/** Test and benchmark controls of a running sandbox. */
export interface SandboxAdmin {
  /** Empties EC2 and ECS state, clears faults, throttling buckets and call counts. */
  reset(): void;
  /** Builds a named world on top of the current state; `empty` resets and returns empty ids. */
  seed(name: SeedName): SeedResult;
  /** Merges the given fault switches into the current ones (`failNext` entries are appended). */
  setFaults(f: Partial<Faults>): void;
  /** The current fault switches. */
  faults(): Faults;
  /** Requests received per operation (EC2 action or ECS operation), including failed and throttled ones. */
  calls(): Record<string, number>;
  /** Zeroes the call counts (and the per-key mutation counts). */
  resetCalls(): void;
  /** Successful EC2 mutations per access key id (the SDK's credentials of each client) and per `uid:<owner uid>`. */
  mutations(): Record<string, number>;
  /** The calls parked by `parkAfterMutations`, oldest first. */
  parked(): ParkedCall[];
  /** Completes every pending NAT/endpoint transition and ends eventual-consistency windows now. */
  settle(): void;
  /** Restricts an endpoint service (short name, e.g. `ecr.dkr`) to some AZs; `null` restores all AZs. */
  setServiceAzs(shortName: string, azs: string[] | null): void;
  /** A JSON-serialisable snapshot of the EC2 world and the ECS state. */
  dump(): unknown;
  /**
   * The admin of another account of this sandbox (created empty on first use; its ids never collide with
   * another account's). Its calls() count only requests made with credentials of a role in that account
   * (including the AssumeRole calls for those roles); faults, mutations and parked calls are shared.
   */
  account(accountId: string): SandboxAdmin;
  /** Declare (or replace) an IAM role STS may issue credentials for (sts.ts). */
  declareRole(role: SandboxRole): void;
  /** The declared roles. */
  roles(): SandboxRole[];
}

/** The sandbox-wide parts every account's admin shares (server.ts owns them). */
export interface SharedAdmin {
  account(accountId: string): SandboxAdmin;
  declareRole(role: SandboxRole): void;
  roles(): SandboxRole[];
  /** Reset everything beyond this account: the other accounts and STS (only the default account's reset does). */
  resetOthers?(): void;
}

/** The mutable pieces the admin controls, owned by the server. */
export interface AdminDeps {
  ctx: Ctx;
  setWorld(w: World): void;
  faults: Faults;
  calls: Map<string, number>;
  mutations: Map<string, number>;
  parked: ParkedCall[];
  clearBuckets(): void;
  ecs: EcsSandbox;
  shared: SharedAdmin;
}

const EMPTY_SEED: SeedResult = {
  vpcId: "",
  igwId: "",
  mainRouteTableId: "",
  publicRouteTableId: "",
  publicSubnetIds: [],
  privateSubnetIds: [],
  privateRouteTableIds: [],
  azs: [],
};

/** Builds the admin over the server's state. */
export function createAdmin(d: AdminDeps): SandboxAdmin {
  const admin: SandboxAdmin = {
    reset() {
      d.setWorld(emptyWorld());
      Object.assign(d.faults, noFaults());
      d.calls.clear();
      d.mutations.clear();
      d.parked.length = 0;
      d.clearBuckets();
      d.ecs.reset();
      d.shared.resetOthers?.();
    },
    seed(name) {
      if (name === "empty") {
        admin.reset();
        return { ...EMPTY_SEED };
      }
      if (name !== "two-az-vpc") throw new Error(`unknown seed ${String(name)}`);
      const result = seedTwoAzVpc(d.ctx);
      // Seeded resources exist "from before", so eventual consistency never hides them.
      for (const id of d.ctx.world.createdAt.keys()) d.ctx.world.createdAt.set(id, Number.NEGATIVE_INFINITY);
      return result;
    },
    setFaults(f) {
      const { failNext, ...rest } = f;
      Object.assign(d.faults, rest);
      if (failNext) d.faults.failNext.push(...failNext);
      if (f.parkAfterMutations) d.faults.parkAfterMutations = { ...f.parkAfterMutations };
      if (f.throttling === false) d.clearBuckets();
    },
    faults: () => structuredClone(d.faults),
    calls: () => Object.fromEntries(d.calls),
    resetCalls: () => {
      d.calls.clear();
      d.mutations.clear();
    },
    mutations: () => Object.fromEntries(d.mutations),
    parked: () => [...d.parked],
    settle: () => settle(d.ctx),
    setServiceAzs(shortName, azs) {
      if (azs === null) d.ctx.world.serviceAzs.delete(shortName);
      else d.ctx.world.serviceAzs.set(shortName, [...azs]);
    },
    dump: () => ({ ec2: dumpWorld(d.ctx.world), ecs: d.ecs.dump() }),
    account: (id) => d.shared.account(id),
    declareRole: (r) => d.shared.declareRole(r),
    roles: () => d.shared.roles(),
  };
  return admin;
}

function dumpWorld(w: World): unknown {
  const out: Record<string, unknown> = { counter: w.counter };
  for (const [k, v] of Object.entries(w)) {
    if (!(v instanceof Map)) continue;
    out[k] = Object.fromEntries([...v].map(([id, rec]) => [id, rec instanceof Map ? Object.fromEntries(rec) : rec]));
  }
  return JSON.parse(JSON.stringify(out, (_k, v) => (v === Number.NEGATIVE_INFINITY ? null : v)));
}

/**
 * Serves `/_sandbox/*`: POST reset, POST seed {name}, POST faults {...}, GET/DELETE calls, GET state,
 * POST settle, POST service-azs {service, azs}, GET mutations, GET parked, POST roles {arn, trustedPrincipals?,
 * externalId?, maxSessionDurationSeconds?}, GET roles; and every route of one account under
 * `/_sandbox/accounts/ACCOUNT_ID/...` (e.g. POST .../seed, GET .../calls). Returns undefined for an unknown route.
 */
export function handleAdminRequest(
  admin: SandboxAdmin,
  method: string,
  path: string,
  body: string,
): { status: number; json: unknown } | undefined {
  const perAccount = /^\/_sandbox\/accounts\/(\d{12})(\/.*)$/.exec(path);
  if (perAccount) return handleAdminRequest(admin.account(perAccount[1]!), method, `/_sandbox${perAccount[2]}`, body);
  const input = body.trim() ? (JSON.parse(body) as Record<string, unknown>) : {};
  const route = `${method} ${path.replace(/\/+$/, "")}`;
  switch (route) {
    case "POST /_sandbox/reset":
      return (admin.reset(), { status: 200, json: { ok: true } });
    case "POST /_sandbox/seed":
      return { status: 200, json: admin.seed(input.name as SeedName) };
    case "POST /_sandbox/faults":
      return (admin.setFaults(input as Partial<Faults>), { status: 200, json: admin.faults() });
    case "GET /_sandbox/faults":
      return { status: 200, json: admin.faults() };
    case "GET /_sandbox/calls":
      return { status: 200, json: admin.calls() };
    case "DELETE /_sandbox/calls":
      return (admin.resetCalls(), { status: 200, json: { ok: true } });
    case "GET /_sandbox/mutations":
      return { status: 200, json: admin.mutations() };
    case "GET /_sandbox/parked":
      return { status: 200, json: admin.parked() };
    case "GET /_sandbox/state":
      return { status: 200, json: admin.dump() };
    case "POST /_sandbox/roles":
      return (admin.declareRole(input as unknown as SandboxRole), { status: 200, json: admin.roles() });
    case "GET /_sandbox/roles":
      return { status: 200, json: admin.roles() };
    case "POST /_sandbox/settle":
      return (admin.settle(), { status: 200, json: { ok: true } });
    case "POST /_sandbox/service-azs":
      return (
        admin.setServiceAzs(String(input.service), (input.azs as string[] | null) ?? null),
        { status: 200, json: { ok: true } }
      );
    default:
      return undefined;
  }
}
