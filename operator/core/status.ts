/**
 * Status derivation: what a person (and kstatus, Flux, Argo CD) reads on a PrivateEcsNetwork.
 * Pure: a function of the previous status and this reconcile's data; no clock (`now` comes in).
 *
 * Top-level conditions follow kstatus (docs/conditions.md):
 * - invalid spec → `Stalled=True InvalidSpec` (with the first errors), `Ready=False`, `Reconciling=False`;
 * - something blocked (an unowned conflict, an invalid topology) or an AWS error that retrying cannot fix →
 *   `Stalled=True` with the reason and a message naming the resource and what to do, `Ready=False`;
 * - changes applied or something pending → `Reconciling=True` (`Progressing`, `NatGatewayPending`,
 *   `EndpointPending`, `Throttled`, `AwsError`), `Ready=False`;
 * - nothing to do and every part ready → `Ready=True Converged`;
 * - nothing to do but a part is not ready (only a person can fix it, e.g. VPC DNS off in Check mode) →
 *   `Stalled=True` with that part's reason.
 * `Ready=False` is published from the first reconcile on, so tools never mistake "not yet" for "done".
 *
 * Part conditions (SecurityGroupReady, EndpointsReady, S3GatewayReady, EgressReady, DnsReady) compare
 * desired with observed (status-parts.ts and the files it draws on), then this module overlays what the
 * plan found blocked and what failed in this reconcile. The ids on status are taken from what was
 * observed, plus what this reconcile created (status-ids.ts).
 */
import type { Condition, ConditionStatus } from "../api/conditions.js";
import { ConditionType, Reason } from "../api/conditions.js";
import type { PrivateEcsNetworkStatus } from "../api/private-ecs-network.js";
import type { SpecError } from "../api/validate.js";
import type { Plan } from "./actions.js";
import { conditionsEqual, setCondition } from "./conditions.js";
import type { ActionResult, ClassifiedError } from "./errors.js";
import type { DesiredNetwork, ObservedNetwork } from "./model.js";
import { partOfKey, type Finding, type PartType } from "./status-findings.js";
import { carriedIds, managedIds } from "./status-ids.js";
import { evaluateParts } from "./status-parts.js";

/** Everything {@link deriveStatus} looks at. Only `generation` and `now` are always needed. */
export interface StatusInput {
  /** metadata.generation of the object this status describes. */
  readonly generation: number;
  /** Computed desired state, or null when it could not be computed (invalid spec, topology error). */
  readonly desired: DesiredNetwork | null;
  /** What AWS had at the start of this reconcile, or null when it was not read. */
  readonly observed: ObservedNetwork | null;
  /** The plan computed from desired and observed (before apply), or null. */
  readonly plan: Plan | null;
  /** Results of applying the plan's actions in this reconcile (empty when nothing was applied). */
  readonly results: readonly ActionResult[];
  /** Spec validation errors: when non-empty the object is Stalled with InvalidSpec and nothing else is read. */
  readonly specErrors?: readonly SpecError[];
  /** An error that stopped the reconcile before a plan existed (resolving topology, observing), classified. */
  readonly error?: ClassifiedError;
  /** `namespace/name` of the EcrAccess objects contributing to this network. */
  readonly contributors?: readonly string[];
  /** The object is being deleted (finalizer path). */
  readonly deleting?: boolean;
  /** ISO-8601 time of this reconcile: lastSyncTime, and lastTransitionTime of conditions that change. */
  readonly now: string;
}

// One top-level condition before observedGeneration and lastTransitionTime are added.
type Summary = { status: ConditionStatus; reason: string; message: string };
// The three kstatus conditions, always decided together so they can never contradict each other.
type TopLevel = { ready: Summary; reconciling: Summary; stalled: Summary };

// Condition messages are clipped: metav1.Condition allows 32768 bytes, and a status that lists every
// failure of a large plan would bloat every watch event; "(and N more)" keeps the count honest.
const MAX_MESSAGE = 4000;
const clip = (s: string): string => (s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 1)}…` : s);
const andMore = (n: number): string => (n > 0 ? ` (and ${n} more)` : "");
const no = (reason: string, message: string): Summary => ({ status: "False", reason, message });
const yes = (reason: string, message: string): Summary => ({ status: "True", reason, message });

/**
 * The three kstatus conditions from a reason/message and which of them is true. At most one of the three is
 * True, and all carry the same reason, so `kubectl get` shows one consistent story.
 */
function top(kind: "stalled" | "reconciling" | "ready", reason: string, message: string): TopLevel {
  const m = clip(message);
  if (kind === "ready") {
    return {
      ready: yes(reason, m),
      reconciling: no(reason, "nothing to do"),
      stalled: no(reason, "nothing in the way"),
    };
  }
  if (kind === "stalled") {
    return {
      ready: no(reason, m),
      reconciling: no(reason, "waiting for a person: see Stalled"),
      stalled: yes(reason, m),
    };
  }
  return { ready: no(reason, m), reconciling: yes(reason, m), stalled: no(reason, "nothing in the way") };
}

const failureText = (key: string, e: ClassifiedError): string =>
  key ? `${key}: ${e.code}: ${e.message}` : `${e.code}: ${e.message}`;

/**
 * Decides Ready/Reconciling/Stalled (see module doc for the rules, in this order). The order is the contract:
 * a person-fixable problem (invalid spec, blocked, terminal error) outranks work in progress, so Stalled is
 * never hidden behind a Reconciling that would never finish.
 */
function decide(input: StatusInput, findings: ReadonlyMap<PartType, Finding[]>): TopLevel {
  const { plan, desired, results } = input;
  if (input.specErrors && input.specErrors.length > 0) {
    const errs = input.specErrors;
    const text = errs.slice(0, 3).map((e) => `${e.path}: ${e.message}`);
    return top("stalled", Reason.InvalidSpec, `the spec is invalid: ${text.join("; ")}${andMore(errs.length - 3)}`);
  }
  const failures = results.flatMap((r) => (r.outcome === "failed" ? [{ key: r.key as string, error: r.error }] : []));
  if (input.error) failures.unshift({ key: "", error: input.error });
  const terminal = failures.filter((f) => f.error.class === "terminal");

  // Blocking issues of computeDesired count as blocked too (the plan may not even list them: it acts on
  // nothing while they exist); deduplicated by key and reason against the plan's own.
  const blocked = [...(plan?.blocked ?? [])];
  for (const i of desired?.issues ?? []) {
    if (i.blocking && !blocked.some((b) => b.key === i.key && b.reason === i.reason)) blocked.push(i);
  }
  if (blocked.length > 0 || terminal.length > 0) {
    const first = blocked[0];
    const more = blocked.length + terminal.length - 1;
    if (first) return top("stalled", first.reason, `${first.message}${andMore(more)}`);
    const t = terminal[0]!;
    // A code that is one of our reasons (e.g. VpcNotFound from topology resolution) is the better reason.
    const known = (Object.values(Reason) as string[]).includes(t.error.code) ? t.error.code : Reason.AwsError;
    return top("stalled", known, `${failureText(t.key, t.error)}; retrying cannot fix this${andMore(more)}`);
  }
  // Deleting outranks retryable errors: the finalizer path retries them anyway, and "Deleting" is the fact
  // a person needs; a terminal error during deletion still stalls (above), as retrying cannot help.
  if (input.deleting) return top("reconciling", Reason.Deleting, "deleting what ecsnet created in AWS");

  // Throttling is reported apart from other errors: it needs no action, only patience (aws-facts §3.7).
  const throttled = failures.filter((f) => f.error.class === "throttled");
  if (throttled.length > 0) {
    return top(
      "reconciling",
      Reason.Throttled,
      `AWS is throttling requests; retrying with backoff (${throttled[0]!.key})`,
    );
  }
  if (failures.length > 0) {
    const f = failures[0]!;
    return top(
      "reconciling",
      Reason.AwsError,
      `${failureText(f.key, f.error)}; retrying${andMore(failures.length - 1)}`,
    );
  }
  if (!desired || !plan) return top("reconciling", Reason.Progressing, `reconciling generation ${input.generation}`);

  const actions = plan.actions;
  // ObserveOnly never applies, so planned actions would never happen: that is drift a person must resolve
  // (switch to Managed or fix AWS by hand), hence Stalled rather than a Reconciling that never ends.
  if (desired.mode === "ObserveOnly" && actions.length > 0) {
    const what = actions[0]!.detail;
    return top(
      "stalled",
      Reason.ObserveOnlyDrift,
      `ObserveOnly: AWS differs from the spec; ecsnet would ${what}${andMore(actions.length - 1)}`,
    );
  }
  const all = [...findings.values()].flat();
  const progressing = all.filter((f) => f.status !== "True" && f.progressing);
  if (actions.length > 0 || plan.pending.length > 0 || progressing.length > 0) {
    const pending = plan.pending[0];
    const waiting = progressing.find(
      (f) => f.reason === Reason.NatGatewayPending || f.reason === Reason.EndpointPending,
    );
    if (actions.length > 0) {
      return top(
        "reconciling",
        Reason.Progressing,
        `applying ${actions.length} change(s): ${actions[0]!.detail}${andMore(actions.length - 1)}`,
      );
    }
    if (pending) return top("reconciling", pending.reason, `${pending.message}${andMore(plan.pending.length - 1)}`);
    const f = waiting ?? progressing[0]!;
    return top("reconciling", f.reason, `${f.message}${andMore(progressing.length - 1)}`);
  }
  // Nothing to do and nothing pending, yet a part is not ready: only a person can fix it (e.g. VPC DNS off
  // with vpcDns: Check, or a given security group missing a rule ecsnet may not add).
  const stuck = all.find((f) => f.status !== "True");
  if (stuck) return top("stalled", stuck.reason, stuck.message);
  return top("ready", Reason.Converged, "everything the spec asks for exists in AWS and works");
}

/**
 * Collapses a part's findings into one condition: the most important finding, and how many more.
 * Precondition: `list` is non-empty and ordered by urgency. True only when every finding is True.
 */
function partCondition(
  type: PartType,
  list: readonly Finding[],
  generation: number,
): Omit<Condition, "lastTransitionTime"> {
  const notReady = list.filter((f) => f.status !== "True");
  const head = notReady[0] ?? list[0]!;
  const message = notReady.length > 0 ? `${head.message}${andMore(notReady.length - 1)}` : head.message;
  return { type, status: head.status, reason: head.reason, message: clip(message), observedGeneration: generation };
}

/**
 * Adds the blocked items and failed results of this reconcile to the part they concern. Mutates `findings`.
 * Each added finding goes first and removes the part's True findings (a part with a failure is not ready).
 * Blocked items are added last and in reverse, so the plan's first blocked item ends up at the head. Keys
 * that belong to no part (subnets, AZs) show on Ready/Stalled only.
 */
function overlay(input: StatusInput, findings: Map<PartType, Finding[]>): void {
  const add = (k: string, f: Finding): void => {
    const part = partOfKey(k, input.desired);
    if (part) findings.set(part, [f, ...(findings.get(part) ?? []).filter((x) => x.status !== "True")]);
  };
  for (const r of input.results) {
    if (r.outcome !== "failed") continue;
    const reason = r.error.class === "throttled" ? Reason.Throttled : Reason.AwsError;
    add(r.key, {
      status: "False",
      reason,
      message: failureText(r.key, r.error),
      progressing: r.error.class !== "terminal",
    });
  }
  for (const b of [...(input.plan?.blocked ?? [])].reverse()) {
    add(b.key, { status: "False", reason: b.reason, message: b.message, progressing: false });
  }
}

/**
 * The status for this reconcile. Pure; never mutates `prev`. `observedGeneration` is set on the status and
 * on every condition; `lastTransitionTime` is kept for conditions whose status value did not change.
 *
 * Always publishes all three kstatus conditions and all five part conditions (Unknown when not evaluated),
 * so tools never read a missing condition as success. When AWS was not observed the previous ids, notes and
 * contributors are kept rather than cleared: a transient error must not make resources vanish from status.
 * Never reads a clock: `input.now` is the only time source (house rule 1).
 */
export function deriveStatus(prev: PrivateEcsNetworkStatus | undefined, input: StatusInput): PrivateEcsNetworkStatus {
  const { desired, observed, generation } = input;
  const evaluated = desired && observed && !input.specErrors?.length;
  // While deleting, parts going missing is the point: they are not evaluated (Unknown, reason Deleting).
  const parts = evaluated && !input.deleting;
  const findings = parts ? evaluateParts(desired, observed, input.results) : new Map<PartType, Finding[]>();
  if (parts) overlay(input, findings);
  const t = decide(input, findings);

  let conditions = prev?.conditions;
  const set = (type: string, s: Summary): void => {
    conditions = setCondition(conditions, { type, ...s, observedGeneration: generation }, input.now);
  };
  set(ConditionType.Ready, t.ready);
  set(ConditionType.Reconciling, t.reconciling);
  set(ConditionType.Stalled, t.stalled);
  for (const part of PART_ORDER) {
    const list = findings.get(part);
    if (list && list.length > 0) {
      conditions = setCondition(conditions, partCondition(part, list, generation), input.now);
    } else {
      // Not evaluated in this reconcile (invalid spec, AWS error, deleting): Unknown, with the reason why.
      set(part, { status: "Unknown", reason: t.ready.reason, message: "not evaluated in this reconcile: see Ready" });
    }
  }

  const ids = evaluated ? managedIds(desired, observed, input.results) : carriedIds(prev);
  const notes = desired ? desired.issues.filter((i) => !i.blocking).map((i) => i.message) : prev?.notes;
  const contributors = input.contributors ? [...input.contributors].sort() : prev?.contributors;
  const vpcId = desired?.vpcId ?? observed?.vpcId ?? prev?.vpcId;
  const egressMode = desired ? (desired.natGateways.size > 0 ? "NatGateway" : "None") : prev?.egressMode;
  return {
    observedGeneration: generation,
    conditions: conditions ?? [],
    ...(vpcId ? { vpcId } : {}),
    ...(egressMode ? { egressMode } : {}),
    ...ids,
    ...(contributors && contributors.length > 0 ? { contributors } : {}),
    ...(notes && notes.length > 0 ? { notes } : {}),
    lastSyncTime: input.now,
  };
}

// The order part conditions are written in: fixed, so a status patch never differs by order alone.
const PART_ORDER: readonly PartType[] = [
  ConditionType.SecurityGroupReady,
  ConditionType.EndpointsReady,
  ConditionType.S3GatewayReady,
  ConditionType.EgressReady,
  ConditionType.DnsReady,
];

/**
 * Deep equality of JSON data, independent of object key order. A key whose value is undefined counts as
 * absent, matching what the API server stores.
 */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => jsonEqual(ra[k], rb[k]));
}

/**
 * True when two statuses differ in meaning, i.e. when a status patch is worth sending. Ignores
 * `lastSyncTime` and conditions' `lastTransitionTime`; the order of conditions does not matter.
 * House rule 8: a status is written only when this returns true, so a steady drift sweep sends no patch
 * (lastSyncTime alone never justifies a write). Either argument may be undefined (no status yet).
 */
export function statusChanged(a: PrivateEcsNetworkStatus | undefined, b: PrivateEcsNetworkStatus | undefined): boolean {
  const strip = (s: PrivateEcsNetworkStatus | undefined): Record<string, unknown> => {
    const { lastSyncTime: _t, conditions: _c, ...rest } = s ?? {};
    return rest;
  };
  return !(conditionsEqual(a?.conditions, b?.conditions) && jsonEqual(strip(a), strip(b)));
}
