/**
 * One PrivateEcsNetwork reconcile without Kubernetes: the arrows of design.md, in order.
 * The controller (controllers/private-ecs-network.ts) and the cluster-less CLI (`ecsnet plan/apply/destroy`)
 * both run exactly this, so what `ecsnet plan -f` prints is what the operator would do.
 *
 *   validate → resolveTopology → computeDesired → observe → plan | planDeletion → apply → deriveStatus
 *
 * It never waits for AWS state transitions: pending things are reported and the caller requeues.
 */
import { validateSpec, type SpecError } from "../api/validate.js";
import type { PrivateEcsNetworkSpec, PrivateEcsNetworkStatus } from "../api/private-ecs-network.js";
import { isConverged, type Plan } from "../core/actions.js";
import type { ActionResult, ClassifiedError } from "../core/errors.js";
import type { Contribution, DesiredNetwork, ObservedNetwork, OwnerRef, Topology } from "../core/model.js";
import { computeDesired } from "../core/desired.js";
import { plan as planChanges } from "../core/plan.js";
import { planDeletion } from "../core/plan-deletion.js";
import { deriveStatus } from "../core/status.js";
import type { Ec2Port } from "../aws/ec2-port.js";
import type { AwsTarget } from "../aws/targets.js";
import {
  decideAccount,
  type AccountDecision,
  type AccountTarget,
  type NamespaceFacts,
} from "../core/account-access.js";
import type { AwsAccountSpec } from "../api/aws-account.js";
import { isVpcNotFound, resolveTopology } from "../aws/topology.js";
import { observe } from "../aws/observe.js";
import { apply } from "../aws/apply.js";
import { classifyAwsError } from "../aws/errors.js";
import { withholdUnseen } from "../core/plan-expectations.js";
import type { CreationExpectations } from "./expectations.js";
import { processExpectations } from "./expectations.js";

/** What one reconcile needs from outside: the EC2 adapter for the object's account and region, and the clock. */
export interface NetworkDeps {
  /** The EC2 adapter for an account and region (clients are cached per aws/targets.ts targetKey by the caller). */
  readonly ec2For: (target: AwsTarget) => Ec2Port;
  /** The region used when the spec names none (operator flag, then the SDK's configuration). */
  readonly defaultRegion: string;
  readonly now: () => Date;
  /** What this process created and has not seen listed yet; default: the process-wide one. */
  readonly expectations?: CreationExpectations;
}

export interface NetworkInput {
  readonly owner: OwnerRef;
  readonly generation: number;
  /** The spec as stored (unvalidated): validation happens here, before any AWS call. */
  readonly rawSpec: unknown;
  readonly prevStatus: PrivateEcsNetworkStatus | undefined;
  readonly contributions: readonly Contribution[];
  /** The object is being deleted: plan the teardown instead (Retain: nothing). */
  readonly deleting: boolean;
  /** `plan` computes and reports, but never mutates AWS (`ecsnet plan`, and ObserveOnly). */
  readonly dryRun: boolean;
  /**
   * Where topology and observe read from instead of the live port: a sweep snapshot's view of this VPC
   * (aws/snapshot.ts), already read for every network of the account and region at once. Apply always writes
   * through the live port. Absent: read the VPC now (spec changes, pending work, right after a mutation).
   */
  readonly reads?: Ec2Port;
  /** Aborted when this instance must stop writing (lost leadership, shutdown): no AWS mutation starts after. */
  readonly signal?: AbortSignal;
  /**
   * The account to work in. Absent: ecsnet's own credentials (as without accounts). `direct`: a role given by
   * the person running the CLI (`--role-arn`), no tenant rule. `named`: the AwsAccount the object uses, decided
   * by the tenant boundary (core/account-access.ts) before any AWS call.
   */
  readonly account?: AccountChoice;
}

/** How the object's account is chosen (see {@link NetworkInput.account}). */
export type AccountChoice =
  | { readonly direct: AccountTarget }
  | {
      readonly named: {
        /** The AwsAccount's name (spec.accountRef or the namespace label); undefined: none. */
        readonly name: string | undefined;
        /** Its spec; undefined when it does not exist. */
        readonly spec: AwsAccountSpec | undefined;
        readonly namespace: NamespaceFacts;
      };
    };

/** The account decision for a region: the direct role as is, a named account through the tenant boundary. */
export function accountFor(choice: AccountChoice | undefined, region: string): AccountDecision {
  if (choice === undefined) return { ok: true, account: null };
  if ("direct" in choice) return { ok: true, account: choice.direct };
  return decideAccount({ ...choice.named, region });
}

/** Everything one reconcile learned and did; the caller writes `status` and schedules the next run. */
export interface NetworkOutcome {
  readonly status: PrivateEcsNetworkStatus;
  readonly spec: PrivateEcsNetworkSpec | null;
  readonly topology: Topology | null;
  readonly desired: DesiredNetwork | null;
  readonly observed: ObservedNetwork | null;
  readonly plan: Plan | null;
  readonly results: readonly ActionResult[];
  /** Invalid spec or missing VPC: retrying without a change from a person cannot help. */
  readonly stalled: boolean;
  /** Deleting, and nothing owned is left in AWS (or Retain): the finalizer may go. */
  readonly deletionComplete: boolean;
}

/** Run one reconcile of a PrivateEcsNetwork (see module doc). Throws only on unclassifiable I/O failures. */
export async function reconcileNetwork(deps: NetworkDeps, input: NetworkInput): Promise<NetworkOutcome> {
  const now = () => deps.now().toISOString();
  const contributors = input.contributions.map((c) => c.source);
  const base = { generation: input.generation, now: now(), contributors, deleting: input.deleting };
  const empty = { spec: null, topology: null, desired: null, observed: null, plan: null, results: [] };
  // The status of a reconcile that stopped before it had a plan (invalid spec, Retain, no VPC).
  const statusWithoutPlan = (why: { specErrors?: readonly SpecError[]; error?: ClassifiedError } = {}) =>
    deriveStatus(input.prevStatus, { ...base, desired: null, observed: null, plan: null, results: [], ...why });

  // validate: bad input is reported before any AWS call, so it can never cause a half-made change.
  const validation = validateSpec("PrivateEcsNetwork", input.rawSpec);
  if (!validation.ok) {
    const status = statusWithoutPlan({ specErrors: validation.errors });
    if (!input.deleting) return { ...empty, status, stalled: true, deletionComplete: false };
    // Deleting an object whose spec no longer validates (e.g. a schema tightened after it was created): what
    // it created is still found by its owner tags, so tear that down rather than leak it.
    return teardownByTags(deps, input, status, empty);
  }
  const spec = validation.spec as PrivateEcsNetworkSpec;
  if (input.deleting && spec.deletionPolicy === "Retain") {
    const status = statusWithoutPlan();
    return { ...empty, spec, status, stalled: false, deletionComplete: true };
  }
  const region = spec.region ?? deps.defaultRegion;
  // the tenant boundary (pure): an account this namespace or region may not use is refused before any call,
  // STS included. The message names the rule, never the account's ids (core/account-access.ts).
  const decision = accountFor(input.account, region);
  if (!decision.ok) {
    const error = { class: "terminal" as const, code: decision.reason, message: decision.message };
    return { ...empty, spec, status: statusWithoutPlan({ error }), stalled: true, deletionComplete: false };
  }
  const ec2 = deps.ec2For({ region, account: decision.account });
  const reads = input.reads ?? ec2;

  // resolve topology → desired (pure) → observe
  let topology: Topology;
  try {
    // A spec the status has not seen yet may name new subnets: read the VPC's layout now, not from the cache.
    const fresh = input.prevStatus?.observedGeneration !== input.generation;
    topology = await resolveTopology(reads, { vpcId: spec.vpcId, region, fresh });
  } catch (err) {
    // A VPC that does not exist (or a terminal error reading it) needs a person; anything else is retried.
    const error = isVpcNotFound(err)
      ? { class: "terminal" as const, code: "VpcNotFound", message: `VPC ${spec.vpcId} does not exist in ${region}` }
      : classifyAwsError(err);
    if (error.class !== "terminal") throw err;
    const status = statusWithoutPlan({ error });
    // Deleting an object whose VPC is gone: nothing of ours can be left in it.
    return { ...empty, spec, status, stalled: true, deletionComplete: input.deleting && isVpcNotFound(err) };
  }
  const desired = computeDesired({ owner: input.owner, spec, region, topology, contributions: input.contributions });
  const observed = await observe(reads, {
    owner: input.owner,
    vpcId: spec.vpcId,
    topology,
    givenSecurityGroupIds: spec.securityGroup.groupIds ?? [],
    givenAllocationIds: spec.egress.natGateway?.elasticIpAllocationIds ?? [],
  });

  // plan (pure): the teardown when deleting, else the changes towards desired.
  // Read-your-writes: creates this process made moments ago and Describe does not list yet are withheld.
  const expectations = deps.expectations ?? processExpectations;
  const unseen = expectations.unseen(input.owner.uid, observed, deps.now().getTime());
  const plan = input.deleting
    ? planDeletion(desired, observed, input.owner, spec.deletionPolicy)
    : withholdUnseen(planChanges(desired, observed), unseen);

  // apply: never for dry runs or ObserveOnly; never when the desired state itself is blocked (bad topology
  // for this spec): acting on part of it would be the half-made change users must never get.
  const blockedByInput = desired.issues.some((i) => i.blocking);
  const mayApply = !input.dryRun && desired.mode === "Managed" && !(blockedByInput && !input.deleting);
  const results =
    mayApply && plan.actions.length > 0
      ? await apply(ec2, plan, { owner: input.owner, observed }, input.signal ? { signal: input.signal } : {})
      : [];
  expectations.record(input.owner.uid, plan.actions, results, deps.now().getTime());

  const status = deriveStatus(input.prevStatus, { ...base, desired, observed, plan, results });
  const deletionComplete = input.deleting && (desired.mode === "ObserveOnly" || isConverged(plan));
  return { status, spec, topology, desired, observed, plan, results, stalled: blockedByInput, deletionComplete };
}

/**
 * The teardown of an object whose spec is invalid: everything carrying its owner tags in the VPC the raw spec
 * names is deleted in dependency order (planDeletion with no desired state), unless the raw spec says Retain.
 * Without a usable vpcId nothing can have been created from it, so deletion is complete.
 */
async function teardownByTags(
  deps: NetworkDeps,
  input: NetworkInput,
  status: PrivateEcsNetworkStatus,
  empty: Omit<NetworkOutcome, "status" | "stalled" | "deletionComplete">,
): Promise<NetworkOutcome> {
  const raw = (input.rawSpec ?? {}) as { vpcId?: unknown; region?: unknown; deletionPolicy?: unknown };
  const vpcId = typeof raw.vpcId === "string" && /^vpc-[0-9a-f]{8,17}$/.test(raw.vpcId) ? raw.vpcId : null;
  if (vpcId === null || raw.deletionPolicy === "Retain")
    return { ...empty, status, stalled: true, deletionComplete: true };
  const region = typeof raw.region === "string" && raw.region !== "" ? raw.region : deps.defaultRegion;
  const decision = accountFor(input.account, region);
  // Not allowed in that account: nothing may be touched there, so nothing can be torn down from here.
  if (!decision.ok) return { ...empty, status, stalled: true, deletionComplete: false };
  const ec2 = deps.ec2For({ region, account: decision.account });
  let topology: Topology;
  try {
    topology = await resolveTopology(ec2, { vpcId, region });
  } catch (err) {
    if (isVpcNotFound(err)) return { ...empty, status, stalled: true, deletionComplete: true };
    throw err;
  }
  const observed = await observe(ec2, { owner: input.owner, vpcId, topology });
  const plan = planDeletion(null, observed, input.owner, "Delete");
  const results =
    !input.dryRun && plan.actions.length > 0
      ? await apply(ec2, plan, { owner: input.owner, observed }, input.signal ? { signal: input.signal } : {})
      : [];
  return { ...empty, topology, observed, plan, results, status, stalled: true, deletionComplete: isConverged(plan) };
}
