/**
 * `ecsnet apply -f` and `ecsnet destroy -f`: the operator's reconcile without a cluster, repeated until
 * the network is Ready (or, destroying, until nothing ecsnet owns is left), showing each resource's state
 * as it changes (progress.ts). Exit codes: exit-codes.ts.
 */
import { Command, Option } from "commander";
import { validateSpec } from "../api/validate.js";
import type { NetworkOutcome } from "../controllers/reconcile-network.js";
import { ExitCode } from "./exit-codes.js";
import { converge, localAws, type ConvergeEnd } from "./local.js";
import { cliRole } from "../aws/targets.js";
import { readNetworks } from "./manifest.js";
import { renderConditions, renderReasons, renderSpecErrors } from "./print.js";
import { Progress, progressMode, elapsed } from "./progress.js";
import { trackedPort } from "./tracked-port.js";

interface Opts {
  file: string;
  region?: string;
  wait: boolean;
  timeout: string;
  output: "text" | "json";
  ec2RateScale?: string;
  roleArn?: string;
  externalId?: string;
}

/** `90s`, `10m`, `1h`, `500ms` (a bare number is seconds) → ms. */
export function durationMs(v: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new Error(`--timeout must look like 90s, 10m, 1h or 500ms, got ${JSON.stringify(v)}`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? "s"] ?? 1000;
  return n * unit;
}

/** The exit code of one network's end. */
export function exitCodeOf(end: ConvergeEnd): ExitCode {
  switch (end) {
    case "ready":
    case "deleted":
    case "observe-only":
    case "in-progress":
      return ExitCode.Ok;
    case "timeout":
      return ExitCode.Timeout;
    default:
      return ExitCode.Error;
  }
}

/** Of two exit codes, the one to report: an error over a timeout over success. */
export function worse(a: ExitCode, b: ExitCode): ExitCode {
  const rank = (c: ExitCode) => (c === ExitCode.Error ? 3 : c === ExitCode.Timeout ? 2 : c === ExitCode.Ok ? 0 : 1);
  return rank(b) > rank(a) ? b : a;
}

/** What the end means, in words, for the summary line. */
function summary(end: ConvergeEnd, o: NetworkOutcome, deleting: boolean, timeout: string): string {
  // ObserveOnly never changes AWS, for apply and destroy alike: say so rather than "ready" or "deleted".
  if (o.desired?.mode === "ObserveOnly" && (end === "observe-only" || end === "deleted"))
    return "ObserveOnly: AWS left unchanged (see ecsnet plan)";
  switch (end) {
    case "ready":
      return "ready";
    case "deleted":
      return o.spec?.deletionPolicy === "Retain"
        ? "deleted (deletionPolicy Retain: AWS left untouched)"
        : "deleted (nothing ecsnet created for it is left in AWS)";
    case "observe-only":
      return "ObserveOnly: AWS left unchanged (see ecsnet plan)";
    case "in-progress": {
      const pending = o.plan?.pending.length ?? 0;
      const what = deleting ? "deletion" : "changes";
      return `${what} submitted, not waiting (--no-wait)${pending ? `; ${pending} still in progress` : ""}; ecsnet plan shows where it stands`;
    }
    case "stalled":
      return deleting ? "cannot finish the deletion" : "cannot be applied as it is";
    case "failed":
      return "AWS kept refusing a change";
    case "timeout":
      return `timed out after ${timeout}, not ${deleting ? "deleted" : "Ready"} yet (run it again to go on, or raise --timeout)`;
  }
}

async function run(o: Opts, deleting: boolean): Promise<void> {
  const timeoutMs = durationMs(o.timeout);
  const networks = await readNetworks(o.file);
  const scale = o.ec2RateScale === undefined ? undefined : Number(o.ec2RateScale);
  if (scale !== undefined && !(scale > 0))
    throw new Error(`--ec2-rate-scale must be a positive number, got ${JSON.stringify(o.ec2RateScale)}`);
  const mode = progressMode(o.output, process.stderr.isTTY);
  // Progress goes to stderr, results to stdout; as JSON, both are one event stream on stdout.
  const progress = new Progress(mode, mode === "json" ? process.stdout : process.stderr);
  const role = cliRole(o.roleArn, o.externalId);
  const aws = await localAws({
    ...(o.region ? { region: o.region } : {}),
    ...(role ? { role } : {}),
    ...(scale ? { ec2RateScale: scale } : {}),
    wrap: (port) => trackedPort(port, progress),
  });
  let exit: ExitCode = ExitCode.Ok;
  try {
    for (const m of networks) {
      const title = `${m.owner.namespace}/${m.owner.name}`;
      const started = Date.now();
      // An invalid file is refused before any AWS call, with every error at once. (A deletion goes on: what an
      // object created is found by its tags, also when its spec no longer validates.)
      const v = deleting ? undefined : validateSpec("PrivateEcsNetwork", m.rawSpec);
      if (v && !v.ok) {
        exit = worse(exit, ExitCode.Error);
        if (mode === "json")
          progress.event(title, { type: "end", result: "invalid", exitCode: ExitCode.Error, errors: v.errors });
        else process.stderr.write(`${title}: invalid spec, nothing was changed:\n${renderSpecErrors(v.errors)}`);
        continue;
      }
      progress.start(title, deleting, m.owner.uid);
      const { end, outcome } = await converge(aws.deps, m, {
        deleting,
        wait: o.wait,
        timeoutMs,
        intervalMs: 1_000,
        onRound: (round, out) => progress.observe(out, round),
      });
      const code = exitCodeOf(end);
      progress.end(end, code);
      exit = worse(exit, code);
      if (mode === "json") continue;
      const took = end === "stalled" ? "" : ` after ${elapsed(Date.now() - started)}`;
      const reasons = end === "stalled" || end === "failed" ? renderReasons(outcome) : "";
      const lines = [`${title}: ${summary(end, outcome, deleting, o.timeout)}${took}${reasons ? ":" : ""}`, reasons];
      // Conditions describe a network that exists: after a deletion there is nothing left to describe.
      if (end !== "deleted") lines.push(renderConditions(outcome.status));
      process.stdout.write(`${lines.filter((l) => l !== "").join("\n")}\n`);
    }
  } finally {
    progress.close();
    aws.close();
  }
  process.exitCode = exit;
}

const common = (c: Command) =>
  c
    .requiredOption("-f, --file <path>", "YAML or JSON file with one or more PrivateEcsNetwork objects")
    .option("--region <region>", "region for specs that name none (default: the AWS SDK's configuration)")
    .option("--no-wait", "make one pass (send the changes) and return instead of waiting")
    .option("--timeout <duration>", "how long to wait (e.g. 10m, 90s); exit 124 when it passes", "15m")
    .addOption(
      new Option("-o, --output <format>", "text, or json: one JSON event per line")
        .choices(["text", "json"])
        .default("text"),
    )
    .option("--ec2-rate-scale <factor>", "scale the client-side EC2 rate limiter's buckets (as ecsnet run; default 1)")
    .option(
      "--role-arn <arn>",
      "assume this IAM role (on top of the SDK's credentials, AWS_PROFILE included) for every AWS call",
    )
    .option("--external-id <id>", "with --role-arn: the external id the role's trust policy requires");

const EXIT_HELP = (done: string) => `
Exit codes:
  0    ${done}
  1    error: invalid file, a spec that cannot be acted on (every reason is printed), AWS refused a change
  124  --timeout passed first; nothing is rolled back, run it again to go on

Progress: on a terminal a live view of every resource (pending → available, elapsed time); otherwise one
line per state change; with -o json one JSON event per line (start, resource, round, end).`;

/** The `apply` command. */
export function applyCommand(): Command {
  return common(new Command("apply").description("make AWS match a PrivateEcsNetwork file, and wait until Ready"))
    .addHelpText("after", EXIT_HELP("every network is Ready (or ObserveOnly; with --no-wait: the changes were sent)"))
    .action((o: Opts) => run(o, false));
}

/** The `destroy` command. */
export function destroyCommand(): Command {
  return common(
    new Command("destroy").description("delete what ecsnet created for a PrivateEcsNetwork file (Retain: nothing)"),
  )
    .addHelpText("after", EXIT_HELP("nothing ecsnet created for the networks is left in AWS"))
    .action((o: Opts) => run(o, true));
}
