/**
 * Process entry: parse argv, hand off to the command modules in cli/, map errors to exit codes.
 * Exit codes: 0 success; 1 error; 2 "changes pending" for `ecsnet plan` (terraform's -detailed-exitcode).
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { commands } from "./cli/commands.js";

const program = new Command("ecsnet")
  .description("keeps the AWS networking of ECS workloads in private subnets correct and self-healing")
  .showHelpAfterError()
  // The Node.js version is part of the answer: support and the container image are tied to one LTS line.
  .version(`ecsnet ${packageVersion()} (node ${process.version}, ${process.platform}/${process.arch})`, "-V, --version")
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

/** The version in package.json, which sits two levels above this file both in dist/ and in the image. */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string })
      .version;
  } catch {
    return "unknown";
  }
}
