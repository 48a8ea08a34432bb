/**
 * Server-sent events, in one place: decoding upstream streams (SSE and NDJSON framing) into
 * events, and writing streams to clients (`streamBody`, framed by the client API's writer).
 * Decoders are synchronous and fed one network read at a time, so a read carrying many events
 * costs one pass, not one promise per line.
 */
import type { StreamEvent } from "./provider.ts";
import { ProviderError } from "./errors.ts";

const encoder = new TextEncoder();

/** Turns raw bytes of a stream into events, one network read at a time. */
export interface FrameDecoder {
  push(bytes: Uint8Array): StreamEvent[];
  /** The events still buffered when the stream ends (or an error if it ended mid-frame). */
  end(): StreamEvent[];
}

/**
 * A line of decoded text, given as `text` from `start` to `end` (its line break left out) so that
 * a decoder cuts out only the part it keeps.
 */
type OnLine = (text: string, start: number, end: number) => void;

/** The default cap on one line or event of an upstream stream (`server.max_upstream_event_bytes`). */
export const DEFAULT_MAX_EVENT = 4 * 1024 * 1024;

/** An upstream stream line or event over the cap: the stream is ended, its memory let go. */
export function eventTooLarge(max: number, what = "line or event"): ProviderError {
  return new ProviderError(
    502,
    "upstream_error",
    `the upstream stream sent a ${what} larger than ${max} bytes (server.max_upstream_event_bytes); the stream was ended`,
    { code: "upstream_event_too_large" },
  );
}

/**
 * Splits decoded text into lines (LF or CRLF), keeping a partial last line for the next read.
 * Linear in the bytes received: a partial line is kept as pieces and each read is scanned once,
 * so a long line arriving in many reads is not re-scanned on each. A line longer than `max`
 * (counted in decoded characters) fails the stream.
 */
class LineSplitter {
  #decoder = new TextDecoder();
  #pieces: string[] = [];
  #pending = 0;

  constructor(readonly max: number) {}

  push(bytes: Uint8Array, onLine: OnLine): void {
    this.#feed(this.#decoder.decode(bytes, { stream: true }), onLine);
  }

  end(onLine: OnLine): void {
    this.#feed(this.#decoder.decode(), onLine);
    const rest = this.#pieces.join("");
    this.#pieces = [];
    this.#pending = 0;
    if (rest !== "") onLine(rest, 0, rest.endsWith("\r") ? rest.length - 1 : rest.length);
  }

  #feed(text: string, onLine: OnLine): void {
    let newline = text.indexOf("\n");
    if (newline === -1) {
      if (text === "") return;
      this.#pending += text.length;
      if (this.#pending > this.max) throw this.#overflow();
      this.#pieces.push(text);
      return;
    }
    let buffer = text;
    if (this.#pieces.length > 0) {
      // The pieces hold no line break: the first one is where this read's first one is.
      const head = this.#pieces.join("");
      if (head.length + newline > this.max) throw this.#overflow();
      buffer = head + text;
      newline += head.length;
      this.#pieces = [];
      this.#pending = 0;
    }
    let start = 0;
    while (newline !== -1) {
      const end = newline > start && buffer.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      if (end - start > this.max) throw this.#overflow();
      onLine(buffer, start, end);
      start = newline + 1;
      newline = buffer.indexOf("\n", start);
    }
    if (start < buffer.length) {
      const rest = buffer.slice(start);
      if (rest.length > this.max) throw this.#overflow();
      this.#pieces.push(rest);
      this.#pending = rest.length;
    }
  }

  #overflow(): ProviderError {
    this.#pieces = [];
    this.#pending = 0;
    return eventTooLarge(this.max, "line");
  }
}

/** SSE framing: `event:` and `data:` fields, blank-line separated; comments skipped. */
export class SseDecoder implements FrameDecoder {
  #lines: LineSplitter;
  #event: string | undefined;
  #data: string[] = [];
  /** Characters of the event's data so far (an event may span many `data:` lines). */
  #size = 0;
  #out: StreamEvent[] = [];
  #onLine: OnLine = (text, start, end) => this.#line(text, start, end);

  constructor(readonly max: number = DEFAULT_MAX_EVENT) {
    this.#lines = new LineSplitter(max);
  }

  push(bytes: Uint8Array): StreamEvent[] {
    this.#lines.push(bytes, this.#onLine);
    return this.#take();
  }

  end(): StreamEvent[] {
    this.#lines.end(this.#onLine);
    this.#dispatch();
    return this.#take();
  }

  #take(): StreamEvent[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }

  #dispatch(): void {
    const data = this.#data;
    if (data.length > 0) {
      this.#out.push({
        event: this.#event,
        data: data.length === 1 ? data[0] as string : data.join("\n"),
      });
      data.length = 0;
    }
    this.#size = 0;
    this.#event = undefined;
  }

  #addData(value: string): void {
    this.#size += value.length;
    if (this.#size > this.max) {
      this.#data.length = 0;
      this.#size = 0;
      throw eventTooLarge(this.max, "event");
    }
    this.#data.push(value);
  }

  #line(text: string, start: number, end: number): void {
    if (end === start) return this.#dispatch();
    // The usual line first, its value cut out at once. ("data:" holds no line break, so a match
    // lies within this line.)
    if (text.startsWith("data:", start)) {
      const from = start + 5;
      this.#addData(text.slice(from < end && text.charCodeAt(from) === 32 ? from + 1 : from, end));
      return;
    }
    if (text.charCodeAt(start) === 58 /* ":" */) return;
    const line = text.slice(start, end);
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* " " */) value = value.slice(1);
    if (field === "data") this.#addData(value);
    else if (field === "event") this.#event = value;
  }
}

/** Newline-delimited JSON: one event per non-empty line. */
export class NdjsonDecoder implements FrameDecoder {
  #lines: LineSplitter;
  #out: StreamEvent[] = [];
  #onLine: OnLine = (text, start, end) => {
    const line = text.slice(start, end);
    if (line.trim() !== "") this.#out.push({ event: undefined, data: line });
  };

  constructor(max: number = DEFAULT_MAX_EVENT) {
    this.#lines = new LineSplitter(max);
  }

  push(bytes: Uint8Array): StreamEvent[] {
    this.#lines.push(bytes, this.#onLine);
    return this.#take();
  }

  end(): StreamEvent[] {
    this.#lines.end(this.#onLine);
    return this.#take();
  }

  #take(): StreamEvent[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }
}

/** Runs a decoder over a byte stream (for clients and tests; the gateway feeds reads itself). */
export async function* decodeAll(
  decoder: FrameDecoder,
  bytes: AsyncIterable<Uint8Array>,
): AsyncGenerator<StreamEvent> {
  for await (const chunk of bytes) yield* decoder.push(chunk);
  yield* decoder.end();
}

/** Decodes SSE framing from a byte stream. */
export function parseSse(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<StreamEvent> {
  return decodeAll(new SseDecoder(), bytes);
}

/** Decodes newline-delimited JSON from a byte stream. */
export function parseNdjson(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<StreamEvent> {
  return decodeAll(new NdjsonDecoder(), bytes);
}

/** One SSE event, as text: an optional `event:` line and one `data:` line. */
export function sseEvent(data: string, event?: string): string {
  return event === undefined ? `data: ${data}\n\n` : `event: ${event}\ndata: ${data}\n\n`;
}

/**
 * How a stream is written for one client API (its codec's): each batch of parts as text, the
 * end of a complete stream, and the event that reports a failure after the stream began.
 */
export interface StreamWriter<T> {
  /** The text of one batch ("" writes nothing). */
  batch(items: readonly T[]): string;
  /** What follows the last batch of a complete stream (OpenAI: `data: [DONE]`). */
  end(): string;
  /** The event for a failure after the stream began (no end follows it). */
  error(error: unknown): string;
}

/**
 * Set by a source on the batch it knows to be its last (the upstream's end event came, the
 * stream is complete): the batch and the stream's end are written together, one write instead
 * of two.
 */
export const LAST_BATCH: unique symbol = Symbol("the stream's last batch");

/** A batch of a stream, maybe marked as its last. */
export type Batch<T> = readonly T[] & { [LAST_BATCH]?: true };

export interface StreamBodyHooks {
  /** Called once, when the stream ends for any reason. */
  onClose?: (outcome: "done" | "error" | "cancelled", error?: unknown) => void;
}

/**
 * A response body relaying batches as they arrive, written by `writer`: each batch (what one
 * upstream read produced) is written at once, the last (`LAST_BATCH`) with the end. A failure
 * mid-stream writes the error event and no end; a client that goes away cancels the iterator
 * (which aborts upstream).
 */
export function streamBody<T>(
  batches: AsyncIterator<Batch<T>>,
  writer: StreamWriter<T>,
  hooks: StreamBodyHooks = {},
): ReadableStream<Uint8Array> {
  let closed = false;
  const finish = (outcome: "done" | "error" | "cancelled", error?: unknown) => {
    if (closed) return;
    closed = true;
    hooks.onClose?.(outcome, error);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // The last batch's text while its source finishes (written before an error, if it fails).
      let unsent = "";
      try {
        for (;;) {
          const next = await batches.next();
          if (next.done) {
            const end = writer.end();
            if (end !== "") controller.enqueue(encoder.encode(end));
            controller.close();
            finish("done");
            return;
          }
          const batch = next.value;
          if (batch[LAST_BATCH] === true) {
            // The source is let finish first (its usage reported), as at any stream's end.
            unsent = writer.batch(batch);
            if (!(await batches.next()).done) throw new Error("a batch came after the last");
            controller.enqueue(encoder.encode(unsent + writer.end()));
            controller.close();
            finish("done");
            return;
          }
          const text = writer.batch(batch);
          if (text === "") continue;
          controller.enqueue(encoder.encode(text));
          return;
        }
      } catch (error) {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(unsent + writer.error(error)));
          controller.close();
        } catch {
          // the client is already gone
        }
        finish("error", error);
      }
    },
    async cancel() {
      finish("cancelled");
      await batches.return?.();
    },
  }, { highWaterMark: 0 });
}
