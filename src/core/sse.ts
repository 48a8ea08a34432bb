/**
 * Server-sent events, in one place: decoding upstream streams (SSE and NDJSON framing) into
 * events, and encoding canonical chunks for clients as `data: {json}\n\n` ending in `[DONE]`.
 */
import type { StreamEvent } from "./provider.ts";

const encoder = new TextEncoder();

/** Splits a byte stream into lines (LF or CRLF), decoding UTF-8 across chunk boundaries. */
export async function* lines(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of bytes) {
    buffer += decoder.decode(chunk, { stream: true });
    let start = 0;
    let newline: number;
    while ((newline = buffer.indexOf("\n", start)) !== -1) {
      const end = newline > start && buffer.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      yield buffer.slice(start, end);
      start = newline + 1;
    }
    buffer = buffer.slice(start);
  }
  buffer += decoder.decode();
  if (buffer !== "") yield buffer.endsWith("\r") ? buffer.slice(0, -1) : buffer;
}

/** Decodes SSE framing: `event:` and `data:` fields, blank-line separated; comments skipped. */
export async function* parseSse(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<StreamEvent> {
  let event: string | undefined;
  let data: string[] = [];
  for await (const line of lines(bytes)) {
    if (line === "") {
      if (data.length > 0) yield { event, data: data.join("\n") };
      event = undefined;
      data = [];
      continue;
    }
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
  }
  if (data.length > 0) yield { event, data: data.join("\n") };
}

/** Decodes newline-delimited JSON: one event per non-empty line. */
export async function* parseNdjson(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<StreamEvent> {
  for await (const line of lines(bytes)) {
    if (line.trim() !== "") yield { event: undefined, data: line };
  }
}

/** One SSE event carrying a JSON value. */
export function encodeSse(value: unknown): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify(value)}\n\n`);
}

/** The terminator OpenAI clients expect after a complete stream. */
export const SSE_DONE: Uint8Array = encoder.encode("data: [DONE]\n\n");

export interface SseBodyOptions<T> {
  /** Turns a chunk into the value to send; undefined skips it. */
  transform?: (chunk: T) => unknown;
  /** The error event for a stream that broke after it began (no `[DONE]` follows it). */
  errorEvent: (error: unknown) => unknown;
  /** Called once, when the stream ends for any reason. */
  onClose?: (outcome: "done" | "error" | "cancelled", error?: unknown) => void;
}

/**
 * A response body relaying `chunks` as SSE as they arrive. A failure mid-stream sends an error
 * event and no `[DONE]`; a client that goes away cancels the iterator (which aborts upstream).
 */
export function sseBody<T>(
  chunks: AsyncIterator<T>,
  options: SseBodyOptions<T>,
): ReadableStream<Uint8Array> {
  let closed = false;
  const finish = (outcome: "done" | "error" | "cancelled", error?: unknown) => {
    if (closed) return;
    closed = true;
    options.onClose?.(outcome, error);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const next = await chunks.next();
          if (next.done) {
            controller.enqueue(SSE_DONE);
            controller.close();
            finish("done");
            return;
          }
          const value = options.transform ? options.transform(next.value) : next.value;
          if (value === undefined) continue;
          controller.enqueue(encodeSse(value));
          return;
        }
      } catch (error) {
        if (closed) return;
        try {
          controller.enqueue(encodeSse(options.errorEvent(error)));
          controller.close();
        } catch {
          // the client is already gone
        }
        finish("error", error);
      }
    },
    async cancel() {
      finish("cancelled");
      await chunks.return?.();
    },
  }, { highWaterMark: 0 });
}
