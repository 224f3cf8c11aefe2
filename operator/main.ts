/**
 * Process entry: parse argv, hand off to the command modules in cli/, map errors to exit codes
 * (cli/exit-codes.ts: 0 success; 1 error; 2 changes pending for `ecsnet plan`; 124 timeout of apply/destroy).
 */
import { Command, CommanderError } from "commander";
import { commands } from "./cli/commands.js";
import { explainError } from "./cli/errors.js";
import { ExitCode } from "./cli/exit-codes.js";
import { ecsnetVersion } from "./cli/version.js";

const program = new Command("ecsnet")
  .description("keeps the AWS networking of ECS workloads in private subnets correct and self-healing")
  .option("--debug", "print the stack of an error that ends a command")
  .showHelpAfterError()
  // The Node.js version is part of the answer: support and the container image are tied to one LTS line.
  .version(
    `ecsnet ${ecsnetVersion()} (node ${process.version}, ${process.platform}/${process.arch})`,
    "-V, --version",
    "print the ecsnet version and the Node.js it runs on",
  )
  .exitOverride();
// The first argument that is not an option names the command: only its module is loaded (see commands.ts).
const wanted = process.argv.slice(2).find((a) => !a.startsWith("-"));
const versionOnly = wanted === undefined && process.argv.slice(2).some((a) => a === "--version" || a === "-V");
if (!versionOnly) for (const c of await commands(wanted)) program.addCommand(c);
program.addHelpText(
  "after",
  `
Exit codes: 0 success; 1 error; plan: 2 changes to make; apply/destroy: 124 timed out. See docs/cli.md.`,
);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  process.stderr.write(`ecsnet: ${explainError(err)}\n`);
  if (program.opts<{ debug?: boolean }>().debug) process.stderr.write(`${(err as Error).stack ?? ""}\n`);
  process.exit(ExitCode.Error);
}
