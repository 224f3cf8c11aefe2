/**
 * `ecsnet plan -f network.yaml [-o text|json]`: what the operator would do, changing nothing.
 * Exit codes as terraform's -detailed-exitcode (exit-codes.ts): 0 nothing to do, 2 changes to make (or
 * resources still becoming available), 1 error: invalid, blocked (with every reason), or AWS unreachable.
 */
import { cliRole } from "../aws/targets.js";
import { Command, Option } from "commander";
import { validateSpec } from "../api/validate.js";
import { reconcileNetwork, type NetworkOutcome } from "../controllers/reconcile-network.js";
import { ExitCode } from "./exit-codes.js";
import { localAws } from "./local.js";
import { readNetworks } from "./manifest.js";
import { planToJson, renderConditions, renderPlan, renderReasons, renderSpecErrors } from "./print.js";

/** The exit code of one network's plan outcome. */
export function planExitCode(out: NetworkOutcome): ExitCode {
  if (!out.plan || out.stalled || out.plan.blocked.length > 0) return ExitCode.Error;
  return out.plan.actions.length > 0 || out.plan.pending.length > 0 ? ExitCode.Changes : ExitCode.Ok;
}

/** The flags of `plan`. */
interface PlanFlags {
  file: string;
  region?: string;
  output: "text" | "json";
  roleArn?: string;
  externalId?: string;
}

const rank = (c: ExitCode) => (c === ExitCode.Error ? 2 : c === ExitCode.Changes ? 1 : 0);

/** The `plan` command. */
export function planCommand(): Command {
  return new Command("plan")
    .description("show the AWS changes a PrivateEcsNetwork needs (changes nothing; exit 2 when there are changes)")
    .requiredOption("-f, --file <path>", "YAML or JSON file with one or more PrivateEcsNetwork objects")
    .option("--region <region>", "region for specs that name none (default: the AWS SDK's configuration)")
    .option(
      "--role-arn <arn>",
      "assume this IAM role (on top of the SDK's credentials, AWS_PROFILE included) for every AWS call",
    )
    .option("--external-id <id>", "with --role-arn: the external id the role's trust policy requires")
    .addOption(new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text"))
    .addHelpText(
      "after",
      `
Exit codes (as terraform plan -detailed-exitcode):
  0  nothing to do: AWS matches the spec
  2  changes to make, or resources still becoming available (apply would make or wait for them)
  1  error: invalid file, a spec that cannot be acted on (every reason is printed), AWS unreachable`,
    )
    .action(async (o: PlanFlags) => {
      const role = cliRole(o.roleArn, o.externalId);
      const networks = await readNetworks(o.file);
      let exit: ExitCode = ExitCode.Ok;
      const worse = (c: ExitCode) => (exit = rank(c) > rank(exit) ? c : exit);
      const json: unknown[] = [];
      // Invalid input is an error of the file, reported (every error at once) before any AWS call.
      const valid = networks.filter((m) => {
        const title = `PrivateEcsNetwork ${m.owner.namespace}/${m.owner.name}`;
        const v = validateSpec("PrivateEcsNetwork", m.rawSpec);
        if (v.ok) return true;
        worse(ExitCode.Error);
        if (o.output === "json") json.push({ object: title, exitCode: ExitCode.Error, errors: v.errors });
        else process.stderr.write(`${title}: invalid spec:\n${renderSpecErrors(v.errors)}`);
        return false;
      });
      if (valid.length > 0) {
        const aws = await localAws({ ...(o.region ? { region: o.region } : {}), ...(role ? { role } : {}) });
        try {
          for (const m of valid) {
            const title = `PrivateEcsNetwork ${m.owner.namespace}/${m.owner.name}`;
            const out = await reconcileNetwork(aws.deps, {
              owner: m.owner,
              generation: m.generation,
              rawSpec: m.rawSpec,
              prevStatus: undefined,
              contributions: [],
              deleting: false,
              dryRun: true,
            });
            const code = planExitCode(out);
            worse(code);
            if (o.output === "json") {
              json.push({
                object: title,
                exitCode: code,
                plan: out.plan ? planToJson(out.plan) : null,
                status: out.status,
              });
              continue;
            }
            if (out.plan) process.stdout.write(renderPlan(title, out.plan));
            else process.stdout.write(`${title}\n${renderReasons(out)}\n${renderConditions(out.status)}\n`);
            if (out.plan && code === ExitCode.Error)
              process.stdout.write(`Cannot be applied as it is: fix the blocked item(s) above.\n`);
          }
        } finally {
          aws.close();
        }
      }
      if (o.output === "json") process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      process.exitCode = exit;
    });
}
