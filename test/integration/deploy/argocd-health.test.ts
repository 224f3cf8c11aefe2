/**
 * deploy/argocd/health.lua run by a real Lua 5.1 interpreter (Debian's `lua5.1`; Argo CD runs health checks
 * with gopher-lua, which implements Lua 5.1) against a status fixture for every combination of the Ready,
 * Reconciling and Stalled conditions (True / False / Unknown / absent), observedGeneration (current, behind,
 * absent) and deletion, plus the shapes an object has before ecsnet wrote anything.
 *
 * The expected health is kstatus's reading of ecsnet's conditions, written here as a table of rules in order.
 * `.ci/run` installs lua5.1; under CI a missing interpreter fails the test instead of skipping it.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasCommand } from "../../helpers/tools.js";

const hasLua = hasCommand("lua5.1", ["-v"]);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A JSON value as a Lua table constructor (strings escaped with %q-compatible escapes). */
function lua(v: Json): string {
  if (v === null) return "nil";
  if (typeof v === "boolean" || typeof v === "number") return String(v);
  if (typeof v === "string") return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
  if (Array.isArray(v)) return `{${v.map(lua).join(", ")}}`;
  return `{${Object.entries(v)
    .map(([k, x]) => `[${lua(k)}] = ${lua(x)}`)
    .join(", ")}}`;
}

/** Run health.lua once per object in one interpreter; returns [status, message] per object. */
function runHealth(objects: Json[]): [string, string][] {
  const script = readFileSync("deploy/argocd/health.lua", "utf8");
  const file = join(mkdtempSync(join(tmpdir(), "ecsnet-lua-")), "run.lua");
  const body = [
    `local check = function(obj)\n${script}\nend`,
    `local fixtures = ${lua(objects as Json)}`,
    "for i = 1, #fixtures do",
    "  local hs = check(fixtures[i])",
    '  io.write(hs.status, "\\t", hs.message, "\\n")',
    "end",
  ].join("\n");
  writeFileSync(file, body);
  return execFileSync("lua5.1", [file], { encoding: "utf8" })
    .trimEnd()
    .split("\n")
    .map((l) => l.split("\t") as [string, string]);
}

type CondStatus = "True" | "False" | "Unknown" | undefined;
interface Case {
  ready: CondStatus;
  reconciling: CondStatus;
  stalled: CondStatus;
  generation: "current" | "behind" | "absent";
  deleting: boolean;
}

function fixture(c: Case): Json {
  const conditions: Json[] = [];
  const add = (type: string, status: CondStatus, reason: string) =>
    status && conditions.push({ type, status, reason, message: `${type} is ${status}`, observedGeneration: 3 });
  add("Ready", c.ready, c.ready === "True" ? "Ready" : "NatGatewayPending");
  add("Reconciling", c.reconciling, "Progressing");
  add("Stalled", c.stalled, "SubnetNotPrivate");
  return {
    apiVersion: "ecsnet.dev/v1alpha1",
    kind: "PrivateEcsNetwork",
    metadata: {
      name: "apps",
      namespace: "platform",
      generation: c.generation === "behind" ? 4 : 3,
      ...(c.deleting ? { deletionTimestamp: "2026-12-03T21:00:00Z" } : {}),
    },
    status: { ...(c.generation === "absent" ? {} : { observedGeneration: 3 }), conditions },
  };
}

/** kstatus's reading, in order; the first rule that applies decides. */
function expected(c: Case): [string, RegExp] {
  if (c.generation !== "current") return ["Progressing", /has not observed the latest spec/];
  if (c.stalled === "True") return ["Degraded", /^SubnetNotPrivate: Stalled is True$/];
  if (c.deleting) return ["Progressing", /^being deleted/];
  if (c.reconciling === "True") return ["Progressing", /^Progressing: Reconciling is True$/];
  if (c.ready === "True") return ["Healthy", /^Ready: Ready is True$/];
  if (c.ready) return ["Progressing", new RegExp(`^NatGatewayPending: Ready is ${c.ready}$`)];
  return ["Progressing", /^waiting for ecsnet/];
}

const statuses: CondStatus[] = ["True", "False", "Unknown", undefined];
const cases: Case[] = [];
for (const ready of statuses)
  for (const reconciling of statuses)
    for (const stalled of statuses)
      for (const generation of ["current", "behind", "absent"] as const)
        for (const deleting of [false, true]) cases.push({ ready, reconciling, stalled, generation, deleting });

const name = (c: Case) =>
  `Ready=${c.ready ?? "-"} Reconciling=${c.reconciling ?? "-"} Stalled=${c.stalled ?? "-"} ` +
  `observedGeneration=${c.generation}${c.deleting ? " deleting" : ""}`;

const requireLua = process.env.CI === "true";
(hasLua || requireLua ? describe : describe.skip)(
  "deploy/argocd/health.lua under lua5.1 [skipped without lua5.1]",
  () => {
    it("is installed (CI installs it in .ci/run)", () => {
      expect(hasLua).toBe(true);
    });

    it(`answers kstatus's health for all ${cases.length} combinations of conditions, generation and deletion`, () => {
      const got = runHealth(cases.map(fixture));
      expect(got).toHaveLength(cases.length);
      const wrong = cases.flatMap((c, i) => {
        const [status, message] = expected(c);
        const [gs, gm] = got[i]!;
        return gs === status && message.test(gm ?? "")
          ? []
          : [`${name(c)}: got ${gs} "${gm}", want ${status} ${message}`];
      });
      expect(wrong).toEqual([]);
    });

    it.each([
      ["a new object with no status is Progressing", { metadata: { name: "a", generation: 1 } }, "Progressing"],
      [
        "a status with no conditions yet is Progressing",
        { metadata: { name: "a", generation: 1 }, status: {} },
        "Progressing",
      ],
      [
        "a Stalled condition with neither reason nor message is Degraded (no Lua error)",
        {
          metadata: { name: "a", generation: 1 },
          status: { observedGeneration: 1, conditions: [{ type: "Stalled", status: "True" }] },
        },
        "Degraded",
      ],
      [
        "Ready=True with an empty message is Healthy",
        {
          metadata: { name: "a", generation: 2 },
          status: {
            observedGeneration: 2,
            conditions: [{ type: "Ready", status: "True", reason: "Ready", message: "" }],
          },
        },
        "Healthy",
      ],
    ] as [string, Json, string][])("%s", (_what, obj, status) => {
      expect(runHealth([obj])[0]![0]).toBe(status);
    });
  },
);
