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
 * desired with observed, then overlay what the plan found blocked and what failed in this reconcile.
 * The ids on status are taken from what was observed, plus what this reconcile created.
 */
import type { Condition, ConditionStatus } from "../api/conditions.js";
import { ConditionType, Reason } from "../api/conditions.js";
import type { PrivateEcsNetworkStatus } from "../api/private-ecs-network.js";
import type { SpecError } from "../api/validate.js";
import type { Plan } from "./actions.js";
import { conditionsEqual, setCondition } from "./conditions.js";
import type { ActionResult, ClassifiedError } from "./errors.js";
import type {
  DesiredNetwork,
  DesiredSecurityGroup,
  ObservedEndpoint,
  ObservedNetwork,
  ObservedSecurityGroupRule,
} from "./model.js";

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

type Summary = { status: ConditionStatus; reason: string; message: string };
type TopLevel = { ready: Summary; reconciling: Summary; stalled: Summary };

const MAX_MESSAGE = 4000;
const clip = (s: string): string => (s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 1)}…` : s);
const andMore = (n: number): string => (n > 0 ? ` (and ${n} more)` : "");
const no = (reason: string, message: string): Summary => ({ status: "False", reason, message });
const yes = (reason: string, message: string): Summary => ({ status: "True", reason, message });

/** The three kstatus conditions from a reason/message and which of them is true. */
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

/** Decides Ready/Reconciling/Stalled (see module doc for the rules, in this order). */
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
  if (input.deleting) return top("reconciling", Reason.Deleting, "deleting what ecsnet created in AWS");

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
  const stuck = all.find((f) => f.status !== "True");
  if (stuck) return top("stalled", stuck.reason, stuck.message);
  return top("ready", Reason.Converged, "everything the spec asks for exists in AWS and works");
}

/** Collapses a part's findings into one condition: the most important finding, and how many more. */
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

/** Adds the blocked items and failed results of this reconcile to the part they concern. */
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

const PART_ORDER: readonly PartType[] = [
  ConditionType.SecurityGroupReady,
  ConditionType.EndpointsReady,
  ConditionType.S3GatewayReady,
  ConditionType.EgressReady,
  ConditionType.DnsReady,
];

type IdFields = Pick<
  PrivateEcsNetworkStatus,
  | "securityGroupId"
  | "endpoints"
  | "s3GatewayEndpointId"
  | "s3RouteTableIds"
  | "natGateways"
  | "routes"
  | "readyEndpoints"
>;

/** The id fields of the previous status, unchanged (used when AWS was not observed in this reconcile). */
function carriedIds(prev: PrivateEcsNetworkStatus | undefined): IdFields {
  if (!prev) return {};
  const out: Record<string, unknown> = {};
  for (const k of [
    "securityGroupId",
    "endpoints",
    "s3GatewayEndpointId",
    "s3RouteTableIds",
    "natGateways",
    "routes",
    "readyEndpoints",
  ]) {
    const v = (prev as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out as IdFields;
}

/** The ids of everything managed: observed owned resources for each desired key, plus ids created now. */
function managedIds(d: DesiredNetwork, o: ObservedNetwork, results: readonly ActionResult[]): IdFields {
  const created = new Map(
    results.flatMap((r) => (r.outcome === "done" && r.id ? [[r.key as string, r.id] as const] : [])),
  );
  const owned = <T extends { owned: boolean; component: string | null }>(
    list: readonly T[],
    k: string,
  ): T | undefined => list.find((x) => x.owned && x.component === k && (x as { state?: string }).state !== "deleted");

  const sg = owned(o.securityGroups, d.securityGroup.key);
  const securityGroupId =
    d.securityGroup.mode === "given" ? d.securityGroup.givenGroupIds[0] : (sg?.id ?? created.get(d.securityGroup.key));

  const endpoints = [...d.interfaceEndpoints.values()]
    .sort((a, b) => a.shortName.localeCompare(b.shortName))
    .flatMap((de) => {
      const e = owned(o.endpoints, de.key);
      if (e)
        return [
          { service: de.shortName, id: e.id, state: e.state, privateDns: e.privateDns, subnetIds: [...e.subnetIds] },
        ];
      const id = created.get(de.key);
      return id
        ? [{ service: de.shortName, id, state: "pending", privateDns: de.privateDns, subnetIds: [...de.subnetIds] }]
        : [];
    });

  const s3 = d.s3Gateway ? owned(o.endpoints, d.s3Gateway.key) : undefined;
  const s3Id = s3?.id ?? (d.s3Gateway ? created.get(d.s3Gateway.key) : undefined);
  const s3Tables = s3 ? [...s3.routeTableIds].sort() : d.s3Gateway && s3Id ? [...d.s3Gateway.routeTableIds] : undefined;

  const natIds = new Map<string, string>();
  const natGateways = [...d.natGateways.values()].flatMap((dn) => {
    const n = owned(o.natGateways, dn.key);
    const id = n?.id ?? created.get(dn.key);
    if (!id) return [];
    natIds.set(dn.key, id);
    const allocationId = n?.allocationIds[0] ?? created.get(dn.eipKey);
    const publicIp = o.addresses.find((a) => a.allocationId === allocationId)?.publicIp;
    return [
      {
        az: dn.az,
        id,
        state: n?.state ?? "pending",
        subnetId: n?.subnetId ?? dn.subnetId,
        ...(allocationId ? { allocationId } : {}),
        ...(publicIp ? { publicIp } : {}),
      },
    ];
  });

  const routes = [...d.routes.values()].map((dr) => {
    const r = o.routeTables.find((t) => t.id === dr.routeTableId)?.routes.find((x) => x.destination === dr.destination);
    if (r) return { routeTableId: dr.routeTableId, destination: dr.destination, target: r.target.id, state: r.state };
    const createdNow = created.has(dr.key) || results.some((x) => x.key === dr.key && x.outcome === "done");
    const target = createdNow ? (natIds.get(dr.natKey) ?? "") : "";
    return {
      routeTableId: dr.routeTableId,
      destination: dr.destination,
      target,
      state: createdNow ? "active" : "missing",
    };
  });

  const ready = [...d.interfaceEndpoints.values()].filter((de) => {
    const e = owned(o.endpoints, de.key);
    return e?.state === "available" && e.privateDns === de.privateDns;
  }).length;
  const s3Ready =
    d.s3Gateway && s3?.state === "available" && d.s3Gateway.routeTableIds.every((t) => s3.routeTableIds.includes(t));
  const total = d.interfaceEndpoints.size + (d.s3Gateway ? 1 : 0);

  return {
    ...(securityGroupId ? { securityGroupId } : {}),
    ...(endpoints.length > 0 ? { endpoints } : {}),
    ...(s3Id ? { s3GatewayEndpointId: s3Id } : {}),
    ...(s3Tables ? { s3RouteTableIds: s3Tables } : {}),
    ...(natGateways.length > 0 ? { natGateways } : {}),
    ...(routes.length > 0 ? { routes } : {}),
    readyEndpoints: `${ready + (s3Ready ? 1 : 0)}/${total}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Part conditions: desired compared with observed, one finding per thing that is (not) right.
// ---------------------------------------------------------------------------------------------

/** The part conditions of a PrivateEcsNetwork. */
export type PartType =
  | typeof ConditionType.SecurityGroupReady
  | typeof ConditionType.EndpointsReady
  | typeof ConditionType.S3GatewayReady
  | typeof ConditionType.EgressReady
  | typeof ConditionType.DnsReady;

/** One fact about a part. `progressing`: ecsnet is fixing it or waiting for AWS (else a person must act). */
export interface Finding {
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
  readonly progressing: boolean;
}

/**
 * The part a desired/plan key belongs to: `sg:`/`sg-rule:` → SecurityGroupReady; the S3 gateway's key →
 * S3GatewayReady; `endpoint:` → EndpointsReady; `nat:`/`eip:`/`route:` → EgressReady; `vpc:` → DnsReady;
 * anything else (subnets, AZs) → null (it shows on Ready/Stalled only).
 */
export function partOfKey(k: string, desired: DesiredNetwork | null): PartType | null {
  if (k.startsWith("sg:") || k.startsWith("sg-rule:")) return ConditionType.SecurityGroupReady;
  if (k === (desired?.s3Gateway?.key ?? "endpoint:s3")) return ConditionType.S3GatewayReady;
  if (k.startsWith("endpoint:")) return ConditionType.EndpointsReady;
  if (k.startsWith("nat:") || k.startsWith("eip:") || k.startsWith("route:")) return ConditionType.EgressReady;
  if (k.startsWith("vpc:")) return ConditionType.DnsReady;
  return null;
}

const ok = (reason: string, message: string): Finding => ({ status: "True", reason, message, progressing: false });
const bad = (reason: string, message: string, progressing: boolean): Finding => ({
  status: "False",
  reason,
  message,
  progressing,
});
/** Most important first: what needs a person, then what ecsnet is working on. Stable otherwise. */
const byUrgency = (list: Finding[]): Finding[] =>
  list
    .map((f, i) => [f, i] as const)
    .sort((a, b) => Number(a[0].progressing) - Number(b[0].progressing) || a[1] - b[1])
    .map(([f]) => f);

const ruleText = (r: { cidr?: string; sourceSecurityGroupId?: string }): string =>
  `tcp/443 from ${r.cidr ?? r.sourceSecurityGroupId ?? "?"}`;

/** An observed ingress rule admits at least what `want` asks (protocol, port range, same source). */
function admits(
  r: ObservedSecurityGroupRule,
  want: { cidr?: string; sourceSecurityGroupId?: string; fromPort: number; toPort: number },
): boolean {
  const proto = r.protocol === "-1" || r.protocol === "tcp" || r.protocol === "6";
  const ports = r.protocol === "-1" || (r.fromPort <= want.fromPort && r.toPort >= want.toPort);
  const source = want.cidr ? r.cidr === want.cidr : r.sourceSecurityGroupId === want.sourceSecurityGroupId;
  return !r.isEgress && proto && ports && source;
}

function securityGroupFindings(
  d: DesiredSecurityGroup,
  o: ObservedNetwork,
  created: ReadonlyMap<string, string>,
): Finding[] {
  if (d.mode === "given") {
    const groups = o.securityGroups.filter((g) => d.givenGroupIds.includes(g.id));
    const missing = d.givenGroupIds.filter((id) => !groups.some((g) => g.id === id));
    const out = missing.map((id) =>
      bad(
        Reason.SecurityGroupMissing,
        `security group ${id} (spec.securityGroup.groupIds) does not exist in ${o.vpcId}`,
        false,
      ),
    );
    for (const want of d.ingress) {
      if (!groups.some((g) => g.rules.some((r) => admits(r, want)))) {
        out.push(
          bad(
            Reason.RuleMissing,
            `none of ${d.givenGroupIds.join(", ")} admits ${ruleText(want)}: add that rule (ecsnet does not modify given groups)`,
            false,
          ),
        );
      }
    }
    return out.length > 0 ? out : [ok(Reason.Converged, `${d.givenGroupIds.join(", ")} admit what the spec asks`)];
  }
  const sg = o.securityGroups.find((g) => g.owned && g.component === d.key) ?? o.securityGroups.find((g) => g.owned);
  if (!sg) {
    const id = created.get(d.key);
    const what = id ? `${id} (${d.groupName}) was just created` : `security group ${d.groupName} does not exist yet`;
    return [bad(id ? Reason.Progressing : Reason.SecurityGroupMissing, what, true)];
  }
  const out: Finding[] = [];
  for (const want of d.ingress) {
    if (
      !sg.rules.some(
        (r) =>
          !r.isEgress &&
          r.protocol === "tcp" &&
          r.fromPort === want.fromPort &&
          r.toPort === want.toPort &&
          admits(r, want),
      )
    ) {
      out.push(bad(Reason.RuleMissing, `${sg.id} does not admit ${ruleText(want)}`, true));
    }
  }
  for (const r of sg.rules) {
    if (r.isEgress) continue;
    const wanted = d.ingress.some(
      (w) => r.protocol === "tcp" && r.fromPort === w.fromPort && r.toPort === w.toPort && admits(r, w),
    );
    if (!wanted) {
      const src = r.cidr ?? r.ipv6Cidr ?? r.sourceSecurityGroupId ?? r.prefixListId ?? "?";
      const ports =
        r.protocol === "-1"
          ? "all traffic"
          : `${r.protocol}/${r.fromPort === r.toPort ? r.fromPort : `${r.fromPort}-${r.toPort}`}`;
      out.push(
        bad(
          Reason.RuleNotDesired,
          `${sg.id} admits ${ports} from ${src}, which the spec does not ask for (${r.ruleId})`,
          true,
        ),
      );
    }
  }
  return out.length > 0
    ? out
    : [ok(Reason.Converged, `${sg.id} admits exactly ${d.ingress.map(ruleText).join(", ") || "nothing"}`)];
}

/** The owned endpoint for a desired key; an available one wins over duplicates. */
function ownedEndpoint(o: ObservedNetwork, k: string): ObservedEndpoint | undefined {
  // A `deleted` endpoint is history (it only salts the re-create's ClientToken): it is not the endpoint.
  const mine = o.endpoints.filter((e) => e.owned && e.component === k && e.state !== "deleted");
  return mine.find((e) => e.state === "available") ?? mine[0];
}

/** A finding for an endpoint's state, or null when it is available. */
function endpointState(name: string, e: ObservedEndpoint): Finding | null {
  if (e.state === "available") return null;
  if (e.state === "pending" || e.state === "pendingAcceptance")
    return bad(Reason.EndpointPending, `${name} ${e.id} is ${e.state}`, true);
  if (e.state === "deleting") return bad(Reason.Progressing, `${name} ${e.id} is being deleted`, true);
  return bad(
    Reason.EndpointFailed,
    `${name} ${e.id} is ${e.state}: ecsnet replaces it; if it keeps failing, check the service and subnets`,
    true,
  );
}

function endpointFindings(d: DesiredNetwork, o: ObservedNetwork, created: ReadonlyMap<string, string>): Finding[] {
  const out: Finding[] = [];
  const wanted = [...d.interfaceEndpoints.values()].sort((a, b) => a.shortName.localeCompare(b.shortName));
  for (const de of wanted) {
    const e = ownedEndpoint(o, de.key);
    if (!e) {
      const id = created.get(de.key);
      out.push(
        id
          ? bad(Reason.EndpointPending, `${de.shortName} ${id} was just created`, true)
          : bad(Reason.EndpointMissing, `${de.shortName} endpoint does not exist yet`, true),
      );
      continue;
    }
    const state = endpointState(de.shortName, e);
    if (state) out.push(state);
    if (de.privateDns && !e.privateDns) {
      out.push(
        bad(
          Reason.EndpointPrivateDnsDisabled,
          `${de.shortName} ${e.id} has private DNS off: traffic to ${de.serviceName} does not use the endpoint`,
          true,
        ),
      );
    }
    const subnets = [...e.subnetIds].sort().join(",");
    if (subnets !== [...de.subnetIds].sort().join(",")) {
      out.push(
        bad(
          Reason.EndpointSubnetsDrifted,
          `${de.shortName} ${e.id} is in ${subnets || "no subnet"}, not ${de.subnetIds.join(",")}`,
          true,
        ),
      );
    }
  }
  if (out.length > 0) return out;
  const names = wanted.map((e) => e.shortName).join(", ");
  return [
    ok(
      wanted.length > 0 ? Reason.Converged : Reason.NotRequired,
      wanted.length > 0 ? `${names} are available` : "no interface endpoints are asked for",
    ),
  ];
}

function s3Findings(d: DesiredNetwork, o: ObservedNetwork, created: ReadonlyMap<string, string>): Finding[] {
  const g = d.s3Gateway;
  if (!g) return [ok(Reason.NotRequired, "spec.s3Gateway.enabled is false")];
  const e = ownedEndpoint(o, g.key);
  if (!e) {
    const id = created.get(g.key);
    return [
      id
        ? bad(Reason.EndpointPending, `s3 gateway ${id} was just created`, true)
        : bad(Reason.EndpointMissing, "s3 gateway endpoint does not exist yet", true),
    ];
  }
  const out: Finding[] = [];
  const state = endpointState("s3 gateway", e);
  if (state) out.push(state);
  for (const t of g.routeTableIds.filter((t) => !e.routeTableIds.includes(t))) {
    out.push(
      bad(
        Reason.RouteTableNotAssociated,
        `${t} is not associated with the s3 gateway ${e.id}: its subnets reach S3 another way or not at all`,
        true,
      ),
    );
  }
  return out.length > 0 ? out : [ok(Reason.Converged, `${e.id} is on ${g.routeTableIds.join(", ")}`)];
}

function egressFindings(d: DesiredNetwork, o: ObservedNetwork, created: ReadonlyMap<string, string>): Finding[] {
  if (d.natGateways.size === 0)
    return [ok(Reason.NotRequired, "egress mode None: AWS services are reached through the endpoints only")];
  const out: Finding[] = [];
  const natId = new Map<string, string>();
  for (const dn of [...d.natGateways.values()].sort((a, b) => a.key.localeCompare(b.key))) {
    const mine = o.natGateways.filter((n) => n.owned && n.component === dn.key);
    const n = mine.find((x) => x.state === "available") ?? mine[0];
    const id = n?.id ?? created.get(dn.key);
    if (id) natId.set(dn.key, id);
    if (!n) {
      out.push(
        id
          ? bad(Reason.NatGatewayPending, `${id} in ${dn.az} was just created`, true)
          : bad(Reason.Progressing, `the NAT gateway for ${dn.az} does not exist yet`, true),
      );
    } else if (n.state === "pending") {
      out.push(bad(Reason.NatGatewayPending, `${n.id} in ${dn.az} is pending`, true));
    } else if (n.state === "failed") {
      const why = [n.failureCode, n.failureMessage].filter(Boolean).join(": ") || "no reason given";
      out.push(bad(Reason.NatGatewayFailed, `${n.id} in ${dn.az} failed (${why}): ecsnet replaces it`, true));
    } else if (n.state !== "available") {
      out.push(bad(Reason.Progressing, `${n.id} in ${dn.az} is ${n.state}`, true));
    }
  }
  const ownedNats = new Set(o.natGateways.filter((n) => n.owned).map((n) => n.id));
  for (const dr of [...d.routes.values()].sort((a, b) => a.key.localeCompare(b.key))) {
    const r = o.routeTables.find((t) => t.id === dr.routeTableId)?.routes.find((x) => x.destination === dr.destination);
    const target = natId.get(dr.natKey);
    const where = `${dr.destination} in ${dr.routeTableId}`;
    if (!r) {
      out.push(bad(Reason.RouteMissing, `${where} is missing: its subnets have no internet egress`, true));
    } else if (r.state === "blackhole") {
      out.push(bad(Reason.RouteBlackholed, `${where} is blackholed: its target ${r.target.id} no longer exists`, true));
    } else if (target && r.target.id !== target) {
      const ours = ownedNats.has(r.target.id);
      out.push(
        ours || dr.replaceExisting
          ? bad(Reason.Progressing, `${where} points at ${r.target.id}, not ${target}`, true)
          : bad(
              Reason.RouteTargetsOther,
              `${where} points at ${r.target.id}, not at ecsnet's ${target}: remove that route, or set spec.egress.natGateway.replaceExistingDefaultRoute: true`,
              false,
            ),
      );
    }
  }
  return out.length > 0
    ? out
    : [
        ok(
          Reason.Converged,
          `${[...natId.values()].join(", ")} available; ${d.routes.size} route table(s) route ${"0.0.0.0/0"} through them`,
        ),
      ];
}

function dnsFindings(d: DesiredNetwork, o: ObservedNetwork): Finding[] {
  const needed = [...d.interfaceEndpoints.values()].some((e) => e.privateDns);
  if (!needed) return [ok(Reason.NotRequired, "no endpoint uses private DNS")];
  const enforce = d.vpcDns === "enforce";
  const fix = (flag: string): string =>
    enforce
      ? "ecsnet is turning it on (vpcDns: Enforce)"
      : `set spec.vpcDns: Enforce, or run aws ec2 modify-vpc-attribute --vpc-id ${o.vpcId} --${flag}`;
  const out: Finding[] = [];
  if (!o.dnsSupport) {
    out.push(
      bad(
        Reason.DnsSupportDisabled,
        `${o.vpcId} has enableDnsSupport off: endpoint private DNS names do not resolve; ${fix("enable-dns-support")}`,
        enforce,
      ),
    );
  }
  if (!o.dnsHostnames) {
    out.push(
      bad(
        Reason.DnsHostnamesDisabled,
        `${o.vpcId} has enableDnsHostnames off: endpoint private DNS does not work; ${fix("enable-dns-hostnames")}`,
        enforce,
      ),
    );
  }
  return out.length > 0 ? out : [ok(Reason.Converged, `${o.vpcId} has enableDnsSupport and enableDnsHostnames on`)];
}

/** Every part's findings, most urgent first, from desired vs observed (and ids created in this reconcile). */
export function evaluateParts(
  d: DesiredNetwork,
  o: ObservedNetwork,
  results: readonly ActionResult[],
): Map<PartType, Finding[]> {
  const created = new Map(
    results.flatMap((r) => (r.outcome === "done" && r.id ? [[r.key as string, r.id] as const] : [])),
  );
  return new Map<PartType, Finding[]>([
    [ConditionType.SecurityGroupReady, byUrgency(securityGroupFindings(d.securityGroup, o, created))],
    [ConditionType.EndpointsReady, byUrgency(endpointFindings(d, o, created))],
    [ConditionType.S3GatewayReady, byUrgency(s3Findings(d, o, created))],
    [ConditionType.EgressReady, byUrgency(egressFindings(d, o, created))],
    [ConditionType.DnsReady, byUrgency(dnsFindings(d, o))],
  ]);
}

/** Deep equality of JSON data, independent of object key order. */
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
 */
export function statusChanged(a: PrivateEcsNetworkStatus | undefined, b: PrivateEcsNetworkStatus | undefined): boolean {
  const strip = (s: PrivateEcsNetworkStatus | undefined): Record<string, unknown> => {
    const { lastSyncTime: _t, conditions: _c, ...rest } = s ?? {};
    return rest;
  };
  return !(conditionsEqual(a?.conditions, b?.conditions) && jsonEqual(strip(a), strip(b)));
}
