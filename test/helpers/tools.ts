/** Probes for the command-line tools some tests drive (installed by .ci/run from Debian when missing). */
import { execFileSync } from "node:child_process";

/** True when `command args` runs and exits 0 (e.g. `kubectl version --client`). */
export function hasCommand(command: string, args: readonly string[]): boolean {
  try {
    execFileSync(command, [...args], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Whether a kubectl client is on PATH; asked once per test file. */
export const hasKubectl: boolean = hasCommand("kubectl", ["version", "--client"]);
