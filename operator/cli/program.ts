/**
 * The `ecsnet` program: parse argv, hand off to the command modules, map errors to exit codes
 * (cli/exit-codes.ts: 0 success; 1 error; 2 changes pending for `ecsnet plan`; 124 timeout of apply/destroy).
 * Two entries use it: operator/main.ts (every command, each module loaded on demand) and operator/run-main.ts
 * (`ecsnet run` only: the entry of the bundled runtime, docs/adr/0009-bundled-runtime.md).
 */
import { Command, CommanderError } from "commander";
import { explainError } from "./errors.js";
import { ExitCode } from "./exit-codes.js";
import { ecsnetVersion } from "./version.js";

/** Run the program on process.argv with the commands `load` returns for the command named (if any). */
export async function runProgram(load: (name?: string) => Promise<Command[]>): Promise<void> {
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
  if (!versionOnly) for (const c of await load(wanted)) program.addCommand(c);
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
}
