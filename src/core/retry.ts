/** When to try an upstream call again, and how long to wait first. */
import { GatewayError } from "./errors.ts";

/** Whether another attempt (or the next fallback destination) might succeed. */
export function isRetryable(error: unknown): boolean {
  return error instanceof GatewayError && error.retryable;
}

/**
 * Milliseconds to wait before retry number `attempt` (0-based): the upstream's Retry-After when
 * it gave one, otherwise exponential backoff with jitter. Undefined when Retry-After is longer
 * than the gateway is willing to wait (the error then goes to the client, or to the next route
 * destination).
 */
export function retryDelayMs(
  error: unknown,
  attempt: number,
  maxRetryAfterSeconds: number,
  random: () => number = Math.random,
): number | undefined {
  const retryAfter = error instanceof GatewayError ? error.retryAfter : undefined;
  if (retryAfter !== undefined) {
    return retryAfter > maxRetryAfterSeconds ? undefined : retryAfter * 1000;
  }
  const base = Math.min(200 * 2 ** attempt, 4000);
  return Math.round(base * (0.5 + random() * 0.5));
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
