/**
 * The streaming pipeline between an upstream response and the client: framing decoders, the
 * translation of each network read into a batch of canonical chunks, usage accounting, and the
 * hand-over of an already-started stream (first batch received) to the API layer.
 */
import type { StreamEvent, StreamFormat, StreamParser } from "./provider.ts";
import { GatewayError } from "./errors.ts";
import { type Batch, type FrameDecoder, LAST_BATCH, NdjsonDecoder, SseDecoder } from "./sse.ts";
import { AwsEventStreamDecoder } from "./eventstream.ts";
import { type StreamPart, usageOfPart } from "./stream_parts.ts";
import { setTimeout } from "node:timers";

/** A decoder for each upstream stream framing, given the largest line or event it may hold. */
export const STREAM_DECODERS: Record<StreamFormat, (maxEvent: number) => FrameDecoder> = {
  sse: (max) => new SseDecoder(max),
  ndjson: (max) => new NdjsonDecoder(max),
  "aws-eventstream": (max) => new AwsEventStreamDecoder(max),
};

/** After a stream's end event, how long and how many bytes the rest of its body may take. */
export const AFTER_END_MS = 1_000;
export const AFTER_END_BYTES = 64 * 1024;

/**
 * Translates an upstream byte stream synchronously, one network read at a time: each read gives
 * one batch of stream parts (often many), so the cost is per read, not per part.
 * The stream is complete at its own end event (`parser.finished()`), not only when the body
 * ends: the client gets its end at once, and the rest of the body is read apart (`drainRest`),
 * `stopUpstream` closing it if it does not end soon.
 */
export async function* relay(
  bytes: AsyncIterable<Uint8Array>,
  decoder: FrameDecoder,
  parser: StreamParser<StreamPart>,
  stopUpstream: () => void,
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
  const reads = bytes[Symbol.asyncIterator]();
  let handedOver = false;
  try {
    for (;;) {
      const read = await reads.next();
      if (read.done) break;
      const batch = translate(() => decoder.push(read.value), []);
      const ended = failure === undefined && parser.finished?.() === true;
      if (ended) {
        translate(() => [], batch, true);
        handedOver = true;
        drainRest(reads, stopUpstream);
        if (failure === undefined) (batch as Batch<StreamPart>)[LAST_BATCH] = true;
      }
      if (batch.length > 0) yield batch;
      if (failure) throw failure.error;
      if (ended) return;
    }
  } finally {
    // Stopped early (the client left, a failure): the body is let go, as `for await` would.
    if (!handedOver) await reads.return?.();
  }
  const last = translate(() => decoder.end(), [], true);
  if (last.length > 0) yield last;
  if (failure) throw failure.error;
}

/**
 * Reads what an upstream sends after its stream's end event (usually only the body's end, at
 * once) so that its connection can carry another call; past AFTER_END_MS or AFTER_END_BYTES
 * (an upstream that says it is done and keeps sending, or never closes) it is stopped.
 */
function drainRest(reads: AsyncIterator<Uint8Array>, stopUpstream: () => void): void {
  const timer = setTimeout(stopUpstream, AFTER_END_MS);
  timer.unref();
  void (async () => {
    let size = 0;
    try {
      for (;;) {
        const read = await reads.next();
        if (read.done) return;
        size += read.value.length;
        if (size > AFTER_END_BYTES) {
          // Its body let go (the reader cancelled, the connection closed) and its timers ended.
          await reads.return?.();
          return;
        }
      }
    } catch {
      // stopped, or the upstream broke off after its end: the client has its whole answer
    } finally {
      clearTimeout(timer);
    }
  })();
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
