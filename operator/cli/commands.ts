/**
 * The table of subcommands, in help order. Each module under cli/ exports a factory returning a commander
 * Command; add one line here per command. Modules load on demand: `ecsnet plan` never loads the Kubernetes
 * client, and `ecsnet --version` loads no AWS SDK, which keeps a command's start-up short.
 */
import type { Command } from "commander";

const table: Readonly<Record<string, () => Promise<Command>>> = {
  demo: async () => (await import("./demo.js")).demoCommand(),
  run: async () => (await import("./run.js")).runCommand(),
  plan: async () => (await import("./plan.js")).planCommand(),
  apply: async () => (await import("./apply.js")).applyCommand(),
  destroy: async () => (await import("./apply.js")).destroyCommand(),
  diagnose: async () => (await import("./diagnose.js")).diagnoseCommand(),
  crds: async () => (await import("./crds.js")).crdsCommand(),
  "iam-policy": async () => (await import("./iam-policy.js")).iamPolicyCommand(),
  sandbox: async () => (await import("./sandbox.js")).sandboxCommand(),
};

/** Every `ecsnet` subcommand, in help order; only `name`'s when it names one (the others are not needed). */
export async function commands(name?: string): Promise<Command[]> {
  const load = name !== undefined && table[name] ? [table[name]] : Object.values(table);
  return Promise.all(load.map((f) => f()));
}
