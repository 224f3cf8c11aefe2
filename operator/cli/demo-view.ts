/**
 * What `ecsnet demo` shows: a table of the two objects and the AWS resources they manage, redrawn in
 * place on a terminal, or printed only when it changes otherwise (CI logs, pipes).
 */
import type { EcrAccess } from "../api/ecr-access.js";
import type { PrivateEcsNetwork } from "../api/private-ecs-network.js";

const cond = (conds: readonly { type: string; status: string; reason: string }[] | undefined, type: string) => {
  const c = conds?.find((x) => x.type === type);
  return c ? `${c.status === "True" ? "✓" : c.status === "False" ? "✗" : "?"} ${c.reason}` : "-";
};

/** The lines of the live table for the current objects. */
export function renderWorld(net: PrivateEcsNetwork | undefined, access: EcrAccess | undefined): string[] {
  const s = net?.status;
  const lines = [
    `PrivateEcsNetwork ${net ? `${net.metadata.namespace}/${net.metadata.name}` : "(gone)"}   Ready ${cond(s?.conditions, "Ready")}   endpoints ${s?.readyEndpoints ?? "-"}`,
    `  security group   ${s?.securityGroupId ?? "-"}   ${cond(s?.conditions, "SecurityGroupReady")}`,
  ];
  for (const e of s?.endpoints ?? [])
    lines.push(
      `  endpoint ${e.service.padEnd(15)} ${e.id.padEnd(24)} ${e.state.padEnd(10)} private DNS ${e.privateDns ? "on" : "off"}`,
    );
  lines.push(`  s3 gateway       ${s?.s3GatewayEndpointId ?? "-"} on ${(s?.s3RouteTableIds ?? []).join(", ") || "-"}`);
  for (const n of s?.natGateways ?? [])
    lines.push(`  NAT ${n.az.padEnd(12)} ${n.id.padEnd(24)} ${n.state.padEnd(10)} ${n.publicIp ?? ""}`);
  for (const r of s?.routes ?? []) lines.push(`  route ${r.routeTableId} ${r.destination} → ${r.target} (${r.state})`);
  const a = access?.status;
  lines.push(
    `EcrAccess ${access ? `${access.metadata.namespace}/${access.metadata.name}` : "(gone)"}   Ready ${cond(a?.conditions, "Ready")}   PathVerified ${cond(a?.conditions, "PathVerified")}`,
  );
  if (a?.requiredEndpoints) lines.push(`  needs ${a.requiredEndpoints.join(", ")}`);
  const failing = (a?.checks ?? []).filter((c) => !c.ok);
  lines.push(
    `  checks ${(a?.checks ?? []).length - failing.length}/${(a?.checks ?? []).length} pass${failing[0] ? `; first failing: ${failing[0].name}` : ""}`,
  );
  return lines;
}

/**
 * Writes frames: on a terminal the whole table, redrawn in place; otherwise (CI logs, pipes) only the rows
 * that changed since the last frame, one line each, so a log reads as a list of state changes.
 */
export class LiveView {
  private last: readonly string[] = [];
  private height = 0;

  constructor(private readonly out: { write(s: string): unknown; readonly isTTY?: boolean }) {}

  /** Show `lines` (no-op when unchanged). */
  frame(lines: readonly string[]): void {
    if (lines.join("\n") === this.last.join("\n")) return;
    if (!this.out.isTTY) {
      const before = new Set(this.last);
      const changed = lines.filter((l) => !before.has(l));
      this.last = lines;
      if (changed.length > 0) this.out.write(`${changed.join("\n")}\n`);
      return;
    }
    this.last = lines;
    // Move up over the previous frame and clear it, so the table updates in place.
    if (this.height > 0) this.out.write(`\x1b[${this.height}F\x1b[J`);
    this.height = lines.length;
    this.out.write(`${lines.join("\n")}\n`);
  }

  /** Print a line of narration below the table; on a terminal the next frame starts fresh below it. */
  say(line: string): void {
    this.height = 0;
    if (this.out.isTTY) this.last = [];
    this.out.write(`${line}\n`);
  }
}
