/**
 * The real CLI as a process (`bin/ecsnet.js`, built by `npm run build`), configured only through the AWS SDK's
 * standard environment, as a user runs it.
 */
import { spawn, type ChildProcess } from "node:child_process";

/** Where the CLI's AWS calls go, and as whom. */
export interface CliAws {
  readonly endpoint: string;
  readonly region: string;
  /** Default `test`; the sandbox keys some faults (crash points) by access key id. */
  readonly accessKeyId?: string;
}

/** What a finished CLI process said: its exit code and its stdout and stderr interleaved. */
export interface CliResult {
  readonly code: number | null;
  readonly out: string;
}

/** Start `ecsnet <args>` against `aws`; `env` adds variables (e.g. NODE_NO_WARNINGS). */
export function spawnEcsnet(
  args: readonly string[],
  aws: CliAws,
  env: Readonly<Record<string, string>> = {},
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, ["bin/ecsnet.js", ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      AWS_ENDPOINT_URL: aws.endpoint,
      AWS_REGION: aws.region,
      AWS_ACCESS_KEY_ID: aws.accessKeyId ?? "test",
      AWS_SECRET_ACCESS_KEY: "test",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return { child, done: new Promise((resolve) => child.on("exit", (code) => resolve({ code, out }))) };
}

/** Run `ecsnet <args>` against `aws` to its end. */
export const runEcsnet = (
  args: readonly string[],
  aws: CliAws,
  env: Readonly<Record<string, string>> = {},
): Promise<CliResult> => spawnEcsnet(args, aws, env).done;
