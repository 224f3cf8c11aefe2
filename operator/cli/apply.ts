/**
 * `ecsnet apply -f` and `ecsnet destroy -f`: the operator's reconcile without a cluster, repeated until
 * the network is Ready (or, destroying, until nothing ecsnet owns is left), with a line per round.
 */
import { Command } from "commander";
import { converge, localAws, type ConvergeEnd } from "./local.js";
import { readNetworks } from "./manifest.js";
import { renderConditions, renderFailures } from "./print.js";

interface Opts {
  file: string;
  region?: string;
  wait: boolean;
  timeout: string;
  ec2RateScale?: string;
}

function durationMs(v: string): number {
  const m = /^(\d+)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new Error(`--timeout must look like 90s, 10m or 500ms, got ${v}`);
  const n = Number(m[1]);
  return m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : n * 1000;
}

async function run(o: Opts, deleting: boolean): Promise<void> {
  const networks = await readNetworks(o.file);
  const scale = o.ec2RateScale === undefined ? undefined : Number(o.ec2RateScale);
  if (scale !== undefined && !(scale > 0))
    throw new Error(`--ec2-rate-scale must be a positive number, got ${o.ec2RateScale}`);
  const aws = await localAws({ ...(o.region ? { region: o.region } : {}), ...(scale ? { ec2RateScale: scale } : {}) });
  const ends: ConvergeEnd[] = [];
  try {
    for (const m of networks) {
      const title = `${m.owner.namespace}/${m.owner.name}`;
      const started = Date.now();
      const { end, outcome } = await converge(aws.deps, m, {
        deleting,
        timeoutMs: o.wait ? durationMs(o.timeout) : 0,
        intervalMs: 1_000,
        onRound: (round, out) => {
          const acted = out.results.filter((r) => r.outcome === "done").length;
          const pending = out.plan?.pending.length ?? 0;
          const secs = ((Date.now() - started) / 1000).toFixed(1);
          process.stderr.write(`[${secs}s] ${title} round ${round}: ${acted} changes made, ${pending} pending\n`);
          process.stderr.write(renderFailures(out.results));
        },
      });
      ends.push(end);
      // ObserveOnly never changes AWS, for apply and destroy alike: say so rather than "deleted".
      const said = outcome.desired?.mode === "ObserveOnly" ? "ObserveOnly: AWS left unchanged (see ecsnet plan)" : end;
      process.stdout.write(`${title}: ${said}\n${renderConditions(outcome.status)}\n`);
    }
  } finally {
    aws.close();
  }
  const ok = ends.every(
    (e) => e === (deleting ? "deleted" : "ready") || e === "observe-only" || (!o.wait && e === "timeout"),
  );
  process.exitCode = ok ? 0 : 1;
}

const common = (c: Command) =>
  c
    .requiredOption("-f, --file <path>", "YAML or JSON file with one or more PrivateEcsNetwork objects")
    .option("--region <region>", "region for specs that name none (default: the AWS SDK's configuration)")
    .option("--no-wait", "make one pass and return instead of waiting")
    .option("--timeout <duration>", "how long to wait (e.g. 10m, 90s)", "15m")
    .option("--ec2-rate-scale <factor>", "scale the client-side EC2 rate limiter's buckets (as ecsnet run; default 1)");

/** The `apply` command. */
export function applyCommand(): Command {
  return common(
    new Command("apply").description("make AWS match a PrivateEcsNetwork file, and wait until Ready"),
  ).action((o: Opts) => run(o, false));
}

/** The `destroy` command. */
export function destroyCommand(): Command {
  return common(
    new Command("destroy").description("delete what ecsnet created for a PrivateEcsNetwork file (Retain: nothing)"),
  ).action((o: Opts) => run(o, true));
}
