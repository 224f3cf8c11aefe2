/**
 * The root pino logger. Components take a child with their name; reconciles take a child with the
 * object key and a reconcile id, so one reconcile's lines can be followed. Logs go to stderr so that
 * commands whose stdout is data (`ecsnet plan -o json`, `ecsnet crds`) stay machine-readable.
 *
 * Every line carries `"time"` as an ISO-8601 UTC timestamp with milliseconds (`2026-12-03T21:15:00.123Z`),
 * the form Kubernetes tooling and log pipelines parse without configuration (pino's default is epoch ms).
 */
import { pino, type Logger } from "pino";

export type { Logger };

export interface LogOptions {
  /** pino level; default `info`. `silent` for tests. */
  readonly level?: string;
}

/** Build the root logger (JSON lines on stderr). */
export function createLogger(opts: LogOptions = {}): Logger {
  return pino(
    { level: opts.level ?? "info", base: { app: "ecsnet" }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination(2),
  );
}

/** A logger that drops everything, for tests and library callers that do not want output. */
export const silentLogger: Logger = pino({ level: "silent" });
