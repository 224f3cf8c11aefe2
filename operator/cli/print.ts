/**
 * Human rendering of plans and statuses: the one place that formats them for a terminal.
 */
import type { Action, Plan } from "../core/actions.js";
import { isRef } from "../core/actions.js";
import type { ActionResult } from "../core/errors.js";
import type { PrivateEcsNetworkStatus } from "../api/private-ecs-network.js";
import { ConditionType } from "../api/conditions.js";
import { didYouMean, type SpecError } from "../api/validate.js";
import {
  EC2_EXTRA_ENDPOINTS,
  FARGATE_DEFAULT_ENDPOINTS,
  GATEWAY_SERVICES,
  KNOWN_EXTRA_ENDPOINTS,
} from "../core/endpoints.js";
import type { NetworkOutcome } from "../controllers/reconcile-network.js";
import { settingsHint } from "./errors.js";

const SYMBOL: Record<string, string> = {
  Create: "+",
  Allocate: "+",
  Authorize: "+",
  Modify: "~",
  Replace: "~",
  Tag: "~",
  Delete: "-",
  Release: "-",
  Revoke: "-",
};

const KNOWN_ENDPOINTS = [
  ...FARGATE_DEFAULT_ENDPOINTS,
  ...EC2_EXTRA_ENDPOINTS,
  ...KNOWN_EXTRA_ENDPOINTS,
  ...GATEWAY_SERVICES,
];

/** `; did you mean ecr.api?` for a blocked `endpoint:ecr-api` whose name is a near miss of a known one. */
export function endpointHint(key: string): string {
  if (!key.startsWith("endpoint:")) return "";
  const name = key.slice("endpoint:".length);
  if (KNOWN_ENDPOINTS.includes(name)) return "";
  const m = didYouMean(name, KNOWN_ENDPOINTS);
  return m ? `; did you mean ${m}?` : "";
}

/** `+` create, `~` change, `-` delete: the verb prefix of an action kind decides. */
export function actionSymbol(a: Action): string {
  const verb = Object.keys(SYMBOL).find((v) => a.kind.startsWith(v));
  return verb ? (SYMBOL[verb] ?? "~") : "~";
}

/** A plan as text: one line per action with its reason, then what is pending and what is blocked. */
export function renderPlan(title: string, plan: Plan): string {
  const lines = [title];
  if (plan.actions.length === 0 && plan.pending.length === 0 && plan.blocked.length === 0) {
    lines.push("  no changes: AWS matches the spec");
  }
  for (const a of plan.actions) {
    lines.push(`  ${actionSymbol(a)} ${a.kind.padEnd(24)} ${a.key}`);
    lines.push(`      ${a.detail} (reason: ${a.reason})`);
  }
  for (const p of plan.pending) lines.push(`  … pending  ${p.key}: ${p.message} (${p.reason})`);
  for (const b of plan.blocked) lines.push(`  ✗ blocked  ${b.key}: ${b.message} (${b.reason})${endpointHint(b.key)}`);
  const counts = countKinds(plan.actions);
  lines.push(
    `Plan: ${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy; ` +
      `${plan.pending.length} pending, ${plan.blocked.length} blocked.`,
  );
  return `${lines.join("\n")}\n`;
}

function countKinds(actions: readonly Action[]): { add: number; change: number; destroy: number } {
  const c = { add: 0, change: 0, destroy: 0 };
  for (const a of actions) {
    const s = actionSymbol(a);
    if (s === "+") c.add++;
    else if (s === "-") c.destroy++;
    else c.change++;
  }
  return c;
}

/** A plan as JSON-safe data (Refs and Maps made plain). */
export function planToJson(plan: Plan): unknown {
  const plain = (v: unknown): unknown => (isRef(v) ? `(ref ${v.ref})` : v);
  return {
    actions: plan.actions.map((a) =>
      Object.fromEntries(Object.entries(a).map(([k, v]) => [k, Array.isArray(v) ? v.map(plain) : plain(v)])),
    ),
    dependsOn: Object.fromEntries(plan.dependsOn),
    pending: plan.pending,
    blocked: plan.blocked,
  };
}

/** One line per failed action result. */
export function renderFailures(results: readonly ActionResult[]): string {
  return results
    .filter((r) => r.outcome === "failed")
    .map((r) => (r.outcome === "failed" ? `  ✗ ${r.key}: ${r.error.code}: ${r.error.message}\n` : ""))
    .join("");
}

/** The conditions of a status as an aligned block. */
export function renderConditions(status: PrivateEcsNetworkStatus): string {
  return (status.conditions ?? [])
    .map((c) => `  ${c.type.padEnd(20)} ${c.status.padEnd(7)} ${c.reason.padEnd(28)} ${c.message}`)
    .join("\n");
}

/** Every spec error on its own line: `  ✗ path: message`. */
export function renderSpecErrors(errors: readonly SpecError[]): string {
  return errors.map((e) => `  ✗ ${e.path}: ${e.message}\n`).join("");
}

/**
 * Every reason an outcome cannot go on, one per line: what is blocked (and what to do about it), the AWS
 * errors that retrying cannot fix, or the Stalled condition when there was no plan (e.g. a missing VPC).
 */
export function renderReasons(o: NetworkOutcome): string {
  const lines: string[] = [];
  for (const b of o.plan?.blocked ?? []) lines.push(`  ✗ ${b.key}: ${b.message} (${b.reason})${endpointHint(b.key)}`);
  for (const r of o.results)
    if (r.outcome === "failed" && r.error.class === "terminal")
      lines.push(`  ✗ ${r.key}: ${r.error.code}: ${r.error.message}`);
  if (lines.length === 0) {
    const stalled = o.status.conditions?.find((c) => c.type === ConditionType.Stalled && c.status === "True");
    if (stalled) lines.push(`  ✗ ${stalled.reason}: ${stalled.message}`);
  }
  const hint = settingsHint(lines.join("\n"));
  if (hint) lines.push(hint);
  return lines.join("\n");
}
