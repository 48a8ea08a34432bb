/**
 * Accounting for a served call: its usage goes into the request's record, and its tokens are
 * spent from the endpoint's limit — at once for a complete answer, as the usage arrives for a
 * stream (its last chunks carry it).
 */
import type { LimitSubject, RateLimiter } from "./limits.ts";
import { recordUsage, type RequestRecord } from "./request_record.ts";
import { observeUsage, totalTokens, usageOf } from "./streaming.ts";
import type { OpenStream } from "./attempt.ts";

/** A complete answer's usage and tokens; a promise only when a remote limit store is waited on. */
export function accountAnswer(
  value: unknown,
  subject: LimitSubject | undefined,
  record: RequestRecord,
  limiter: RateLimiter,
): Promise<void> | undefined {
  const usage = usageOf(value);
  if (usage) record.usage = recordUsage(usage);
  const keyLimit = record.key?.limit;
  if (keyLimit !== undefined) void limiter.spend(keyLimit, totalTokens(value));
  return subject ? limiter.spend(subject, totalTokens(value)) : undefined;
}

/** Wraps a stream's parts so that its usage is accounted for when it ends. */
export function accountStream(
  stream: OpenStream,
  subject: LimitSubject | undefined,
  record: RequestRecord,
  limiter: RateLimiter,
): void {
  stream.parts = observeUsage(stream.parts, async (usage) => {
    if (usage) record.usage = recordUsage(usage);
    const keyLimit = record.key?.limit;
    if (keyLimit !== undefined) void limiter.spend(keyLimit, usage?.total_tokens ?? 0);
    if (subject) await limiter.spend(subject, usage?.total_tokens ?? 0);
  });
}
