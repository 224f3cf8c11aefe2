/**
 * The exit codes of `ecsnet`, as terraform's `-detailed-exitcode` for `plan` (docs/cli.md lists them):
 * scripts and CI read them instead of parsing output.
 */
export const ExitCode = {
  /** plan: nothing to do. apply: Ready. destroy: everything ecsnet created is gone. Every other command: success. */
  Ok: 0,
  /** An error: unreadable or invalid file, a spec that cannot be acted on (blocked), AWS refusing a change, no connection. */
  Error: 1,
  /** plan only: changes to make, or resources still becoming available. */
  Changes: 2,
  /** apply / destroy: `--timeout` passed before the network was Ready (or gone); run it again to go on. */
  Timeout: 124,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
