/**
 * `ecsnet plan -f network.yaml [-o text|json]`: what the operator would do, changing nothing.
 * Exit codes as terraform's -detailed-exitcode: 0 converged, 2 changes pending, 1 error.
 */
import { Command, Option } from "commander";
import { formatSpecErrors, validateSpec } from "../api/validate.js";
import { isConverged } from "../core/actions.js";
import { reconcileNetwork } from "../controllers/reconcile-network.js";
import { localAws } from "./local.js";
import { readNetworks } from "./manifest.js";
import { planToJson, renderConditions, renderPlan } from "./print.js";

/** The `plan` command. */
export function planCommand(): Command {
  return new Command("plan")
    .description("show the AWS changes a PrivateEcsNetwork needs (changes nothing; exit 2 when changes are pending)")
    .requiredOption("-f, --file <path>", "YAML or JSON file with one or more PrivateEcsNetwork objects")
    .option("--region <region>", "region for specs that name none (default: the AWS SDK's configuration)")
    .addOption(new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text"))
    .action(async (o: { file: string; region?: string; output: "text" | "json" }) => {
      const networks = await readNetworks(o.file);
      const aws = await localAws(o.region ? { region: o.region } : {});
      let exit = 0;
      const json: unknown[] = [];
      try {
        for (const m of networks) {
          const title = `PrivateEcsNetwork ${m.owner.namespace}/${m.owner.name}`;
          const v = validateSpec("PrivateEcsNetwork", m.rawSpec);
          if (!v.ok) {
            // Invalid input is an error of the file, reported before any AWS call.
            process.stderr.write(`${title}: invalid spec: ${formatSpecErrors(v.errors)}\n`);
            exit = 1;
            continue;
          }
          const out = await reconcileNetwork(aws.deps, {
            owner: m.owner,
            generation: m.generation,
            rawSpec: m.rawSpec,
            prevStatus: undefined,
            contributions: [],
            deleting: false,
            dryRun: true,
          });
          if (o.output === "json")
            json.push({ object: title, plan: out.plan ? planToJson(out.plan) : null, status: out.status });
          else
            process.stdout.write(
              out.plan ? renderPlan(title, out.plan) : `${title}\n${renderConditions(out.status)}\n`,
            );
          if (!out.plan) exit = 1;
          else if (!isConverged(out.plan) && exit === 0) exit = 2;
        }
      } finally {
        aws.close();
      }
      if (o.output === "json") process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      process.exitCode = exit;
    });
}
