/**
 * The reconcile's stop signal, carried to every AWS call it makes without threading it through each port
 * method: `withAbortSignal(signal, fn)` runs `fn` in an async context, and the EC2 client's middleware
 * (clients.ts) refuses to start any attempt (first try, retry, next page) once that signal is aborted. A
 * request already on the wire finishes; nothing new starts after an instance lost its Lease.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const scope = new AsyncLocalStorage<AbortSignal>();

/** Run `fn` so that the AWS calls it makes stop starting once `signal` is aborted. */
export function withAbortSignal<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  return scope.run(signal, fn);
}

/** Thrown instead of starting an AWS call after the reconcile's signal was aborted; classified retryable. */
export class CallAbortedError extends Error {
  override readonly name = "AbortError";
  constructor(operation: string) {
    super(`${operation} not started: the reconcile was stopped (leadership lost or shutting down)`);
  }
}

/** Throw {@link CallAbortedError} when the current reconcile's signal is aborted. */
export function throwIfAborted(operation: string): void {
  if (scope.getStore()?.aborted) throw new CallAbortedError(operation);
}

/** The current reconcile's signal, if the call runs inside {@link withAbortSignal}. */
export function currentAbortSignal(): AbortSignal | undefined {
  return scope.getStore();
}
