/**
 * OpenAI's optional answer fields beyond MLflow's shape, relayed when a server sends them: a
 * choice's `logprobs` (there when the request asked for them), `system_fingerprint` and
 * `service_tier`, and a stream chunk's `obfuscation`. Each is set only when present, so answers
 * from servers without them keep the shape they had. (The usage counts' breakdowns are kept by
 * `wireUsage`.)
 */
import { isRecord } from "../../core/records.ts";

interface ServedBy {
  system_fingerprint?: string | null | undefined;
  service_tier?: string | null | undefined;
}

/** Copies `system_fingerprint` and `service_tier` when the server sent them. */
export function copyServedBy(from: object, to: ServedBy): void {
  const wire = from as { system_fingerprint?: unknown; service_tier?: unknown };
  if (typeof wire.system_fingerprint === "string") to.system_fingerprint = wire.system_fingerprint;
  if (typeof wire.service_tier === "string") to.service_tier = wire.service_tier;
}

/**
 * Copies a stream chunk's `obfuscation`: OpenAI's random padding that hides the length of each
 * token from whoever watches the encrypted stream, so it must reach the client too (a client turns
 * it off with `stream_options.include_obfuscation: false`, which is passed on).
 */
export function copyObfuscation(from: object, to: { obfuscation?: string | undefined }): void {
  const padding = (from as { obfuscation?: unknown }).obfuscation;
  if (typeof padding === "string") to.obfuscation = padding;
}

/** Copies a choice's `logprobs` when the server sent some (OpenAI sends `null` otherwise). */
export function copyLogprobs(
  from: object,
  to: { logprobs?: Record<string, unknown> | null | undefined },
): void {
  const logprobs = (from as { logprobs?: unknown }).logprobs;
  if (isRecord(logprobs)) to.logprobs = logprobs;
}
