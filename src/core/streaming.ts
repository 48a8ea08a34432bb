/**
 * The streaming pipeline between an upstream response and the client: framing decoders, the
 * translation of each network read into a batch of canonical chunks, usage accounting, and the
 * hand-over of an already-started stream (first batch received) to the API layer.
 */
import type { StreamEvent, StreamFormat, StreamParser } from "./provider.ts";
import { GatewayError } from "./errors.ts";
import { type FrameDecoder, NdjsonDecoder, SseDecoder } from "./sse.ts";
import { AwsEventStreamDecoder } from "./eventstream.ts";
import { type StreamPart, usageOfPart } from "./stream_parts.ts";

/** A decoder for each upstream stream framing, given the largest line or event it may hold. */
export const STREAM_DECODERS: Record<StreamFormat, (maxEvent: number) => FrameDecoder> = {
  sse: (max) => new SseDecoder(max),
  ndjson: (max) => new NdjsonDecoder(max),
  "aws-eventstream": (max) => new AwsEventStreamDecoder(max),
};

/**
 * Translates an upstream byte stream synchronously, one network read at a time: each read gives
 * one batch of stream parts (often many), so the cost is per read, not per part.
 */
export async function* relay(
  bytes: AsyncIterable<Uint8Array>,
  decoder: FrameDecoder,
  parser: StreamParser<StreamPart>,
): AsyncGenerator<StreamPart[]> {
  // Parts translated before a failure in the same read still go out first, then the error.
  let failure: { error: unknown } | undefined;
  const translate = (events: () => StreamEvent[], batch: StreamPart[], final = false) => {
    try {
      for (const event of events()) {
        for (const chunk of parser.push(event)) batch.push(chunk);
      }
      if (final) { for (const chunk of parser.end()) batch.push(chunk); }
    } catch (error) {
      failure = { error };
    }
    return batch;
  };
  for await (const read of bytes) {
    const batch = translate(() => decoder.push(read), []);
    if (batch.length > 0) yield batch;
    if (failure) throw failure.error;
  }
  const last = translate(() => decoder.end(), [], true);
  if (last.length > 0) yield last;
  if (failure) throw failure.error;
}

/** Wraps an in-process stream's parts as batches of one. */
export async function* oneByOne(parts: AsyncIterable<StreamPart>): AsyncGenerator<StreamPart[]> {
  for await (const part of parts) yield [part];
}

/** Token counts as a provider reports them (any may be missing). */
export type UsageCounts = {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
};

/** The usage block of an answer or chunk, if it has one. */
export function usageOf(value: unknown): UsageCounts | undefined {
  return (value as { usage?: UsageCounts | null } | undefined)?.usage ?? undefined;
}

/** The total tokens of an answer or chunk (0 when unknown). */
export function totalTokens(value: unknown): number {
  return usageOf(value)?.total_tokens ?? 0;
}

/** Passes batches of parts through and reports the stream's usage when it ends. */
export async function* observeUsage(
  batches: AsyncIterator<StreamPart[]>,
  report: (usage: UsageCounts | undefined) => Promise<void>,
): AsyncGenerator<StreamPart[]> {
  let usage: UsageCounts | undefined;
  try {
    for (;;) {
      const next = await batches.next();
      if (next.done) return;
      for (const part of next.value) usage = usageOfPart(part) ?? usage;
      yield next.value;
    }
  } finally {
    await batches.return?.();
    await report(usage);
  }
}

/** Yields the already-received first chunk, then the rest; aborts upstream when stopped early. */
export async function* resume<Chunk>(
  first: IteratorResult<Chunk>,
  rest: AsyncIterator<Chunk>,
  controller: AbortController,
  done: () => void,
): AsyncGenerator<Chunk> {
  let finished = false;
  try {
    if (first.done) {
      finished = true;
      return;
    }
    yield first.value;
    for (;;) {
      let next: IteratorResult<Chunk>;
      try {
        next = await rest.next();
      } catch (error) {
        // Aborted by the gateway itself (shutdown): say so instead of the low-level failure.
        if (controller.signal.reason instanceof GatewayError) throw controller.signal.reason;
        throw error;
      }
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    done();
    if (!finished) {
      controller.abort();
      await rest.return?.().catch(() => {});
    }
  }
}
