/**
 * Process entry: parse argv, hand off to the command modules in cli/, map errors to exit codes.
 * Exit codes: 0 success; 1 error; 2 "changes pending" for `ecsnet plan` (terraform's -detailed-exitcode).
 */
import { Command, CommanderError } from "commander";
import { commands } from "./cli/commands.js";

const program = new Command("ecsnet")
  .description("keeps the AWS networking of ECS workloads in private subnets correct and self-healing")
  .showHelpAfterError()
  .exitOverride();
for (const c of commands()) program.addCommand(c);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  const e = err as Error;
  process.stderr.write(`ecsnet: ${e.message ?? String(err)}\n`);
  if (process.env.ECSNET_DEBUG) process.stderr.write(`${e.stack ?? ""}\n`);
  process.exit(1);
}
