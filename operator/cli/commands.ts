/**
 * The table of subcommands. Each module under cli/ exports a factory returning a commander Command;
 * add one line here per command.
 */
import type { Command } from "commander";
import { crdsCommand } from "./crds.js";
import { diagnoseCommand } from "./diagnose.js";
import { iamPolicyCommand } from "./iam-policy.js";
import { applyCommand, destroyCommand } from "./apply.js";
import { demoCommand } from "./demo.js";
import { planCommand } from "./plan.js";
import { runCommand } from "./run.js";
import { sandboxCommand } from "./sandbox.js";

/** Every `ecsnet` subcommand, in help order. */
export function commands(): Command[] {
  return [
    demoCommand(),
    runCommand(),
    planCommand(),
    applyCommand(),
    destroyCommand(),
    diagnoseCommand(),
    crdsCommand(),
    iamPolicyCommand(),
    sandboxCommand(),
  ];
}
