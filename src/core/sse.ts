/**
 * Server-sent events, in one place: decoding upstream streams (SSE and NDJSON framing) into
 * events, and writing streams to clients (`streamBody`, framed by the client API's writer).
 * Decoders are synchronous and fed one network read at a time, so a read carrying many events
 * costs one pass, not one promise per line.
 */
import type { StreamEvent } from "./provider.ts";
import { ProviderError } from "./errors.ts";
import { isAscii } from "node:buffer";
import { setImmediate } from "node:timers";
import { STREAM_FIRST_WRITE_MAX } from "../runtime/mod.ts";

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
  /**
   * While lines are handed on: the read they came from when its text is its bytes one for one
   * (ASCII, nothing held from the read before), so that a line's bytes can be found again.
   */
  source: Uint8Array | undefined;
  /** Where the read's text begins in the text given to `onLine` (after a line carried over). */
  shift = 0;

  constructor(readonly max: number) {}

  push(bytes: Uint8Array, onLine: OnLine): void {
    const text = this.decode(bytes);
    try {
      this.feed(text, 0, onLine);
    } finally {
      this.source = undefined;
    }
  }

  /** Whether no partial line waits: the next read's text begins a line. */
  get atLineStart(): boolean {
    return this.#pieces.length === 0;
  }

  /** A read as text, `source` set to its bytes when they are its text one for one. */
  decode(bytes: Uint8Array): string {
    const text = this.#decoder.decode(bytes, { stream: true });
    // isAscii and equal lengths: every byte is one character (none completed a held sequence).
    this.source = text.length === bytes.length && isAscii(bytes) ? bytes : undefined;
    return text;
  }

  /** Splits a read's text (from `decode`) into lines from `from` on (0 unless at a line start). */
  feed(text: string, from: number, onLine: OnLine): void {
    this.#feed(text, onLine, from);
  }

  end(onLine: OnLine): void {
    this.shift = 0;
    this.#feed(this.#decoder.decode(), onLine);
    const rest = this.#pieces.join("");
    this.#pieces = [];
    this.#pending = 0;
    if (rest !== "") onLine(rest, 0, rest.endsWith("\r") ? rest.length - 1 : rest.length);
  }

  #feed(text: string, onLine: OnLine, from = 0): void {
    this.shift = 0;
    let newline = text.indexOf("\n", from);
    if (newline === -1) {
      if (text.length === from) return;
      const rest = from === 0 ? text : text.slice(from);
      this.#pending += rest.length;
      if (this.#pending > this.max) throw this.#overflow();
      this.#pieces.push(rest);
      return;
    }
    let buffer = text;
    if (this.#pieces.length > 0) {
      // The pieces hold no line break: the first one is where this read's first one is.
      const head = this.#pieces.join("");
      if (head.length + newline > this.max) throw this.#overflow();
      buffer = head + text;
      newline += head.length;
      this.shift = head.length;
      this.#pieces = [];
      this.#pending = 0;
    }
    let start = from;
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
  /**
   * Where the event began in the current read's bytes, while it is one `data: ` line met in
   * this read (-1 otherwise): such an event says where its bytes are (`StreamEvent.source`).
   */
  #from = -1;
  #out: StreamEvent[] = [];
  #onLine: OnLine = (text, start, end) => this.#line(text, start, end);

  constructor(readonly max: number = DEFAULT_MAX_EVENT) {
    this.#lines = new LineSplitter(max);
  }

  push(bytes: Uint8Array): StreamEvent[] {
    this.#from = -1;
    const lines = this.#lines;
    const atEventStart = lines.atLineStart && this.#data.length === 0 &&
      this.#event === undefined;
    const text = lines.decode(bytes);
    try {
      // Not ASCII: events are matched to their bytes one by one where nothing was replaced (no
      // U+FFFD: the bytes are what a client of the text would get).
      const from = !atEventStart
        ? 0
        : lines.source !== undefined
        ? this.#quick(text, bytes, false)
        : !text.includes("\ufffd")
        ? this.#quick(text, bytes, true)
        : 0;
      lines.feed(text, from, this.#onLine);
    } finally {
      lines.source = undefined;
    }
    return this.#take();
  }

  /**
   * The usual events of a read, each exactly `data: <data>\n\n`, taken with less work than line
   * by line; returns where in the text the first other one begins (the rest is read line by
   * line). `multibyte`: the text is not its bytes one for one, so each event's bytes are found
   * apart: from where the one before ended, they must begin with `data: ` (not so after a byte
   * order mark, or a character begun in the read before) and end at the line breaks that end its
   * text (a line break is one byte, never part of a character's bytes).
   */
  #quick(text: string, bytes: Uint8Array, multibyte: boolean): number {
    const out = this.#out;
    let at = 0;
    let byteAt = 0;
    for (;;) {
      if (!text.startsWith("data: ", at)) return at;
      const newline = text.indexOf("\n", at + 6);
      if (
        newline === -1 || text.charCodeAt(newline + 1) !== 10 ||
        text.charCodeAt(newline - 1) === 13 || newline - at > this.max
      ) {
        return at;
      }
      let byteNewline = newline;
      if (multibyte) {
        if (!startsWithData(bytes, byteAt)) return at;
        byteNewline = bytes.indexOf(10, byteAt + 6);
      }
      out.push({
        event: undefined,
        data: text.slice(at + 6, newline),
        source: bytes,
        from: byteAt,
        to: byteNewline + 2,
      });
      at = newline + 2;
      byteAt = byteNewline + 2;
    }
  }

  end(): StreamEvent[] {
    this.#from = -1;
    this.#lines.end(this.#onLine);
    this.#dispatch();
    return this.#take();
  }

  #take(): StreamEvent[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }

  /** Ends the event at a blank line (`to`: where its bytes end in the read, or -1). */
  #dispatch(to = -1): void {
    const data = this.#data;
    if (data.length > 0) {
      const value = data.length === 1 ? data[0] as string : data.join("\n");
      const from = this.#from;
      // Exactly `data: <value>\n\n` (no CR, no other field): the bytes `sseEvent` would write.
      const kept = from >= 0 && to - from === value.length + 8 && this.#event === undefined;
      this.#out.push({
        event: this.#event,
        data: value,
        source: kept ? this.#lines.source : undefined,
        from,
        to,
      });
      data.length = 0;
    }
    this.#from = -1;
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
    const lines = this.#lines;
    if (end === start) {
      // A blank line of one LF in a read whose bytes are its text: the event's bytes end here.
      const shift = lines.shift;
      return this.#dispatch(
        lines.source !== undefined && start >= shift && text.charCodeAt(start) === 10
          ? start - shift + 1
          : -1,
      );
    }
    // The usual line first, its value cut out at once. ("data:" holds no line break, so a match
    // lies within this line.)
    if (text.startsWith("data:", start)) {
      const from = start + 5;
      const spaced = from < end && text.charCodeAt(from) === 32;
      this.#from = spaced && this.#data.length === 0 && lines.source !== undefined &&
          start >= lines.shift
        ? start - lines.shift
        : -1;
      this.#addData(text.slice(spaced ? from + 1 : from, end));
      return;
    }
    this.#from = -1;
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

/** Whether `bytes` hold `data: ` at `at`. */
function startsWithData(bytes: Uint8Array, at: number): boolean {
  return bytes[at] === 100 && bytes[at + 1] === 97 && bytes[at + 2] === 116 &&
    bytes[at + 3] === 97 && bytes[at + 4] === 58 && bytes[at + 5] === 32;
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
 * One write of a stream, built from text and from spans of upstream reads relayed as they came:
 * adjacent spans of one read are joined, so a read relayed whole is written as a view of it,
 * with nothing encoded or copied. Only text given: the text; else the pieces in order (not
 * copied into one: the server takes them together, and a large copy costs more than it saves).
 */
export class StreamOutput {
  #pieces: Uint8Array[] = [];
  #text = "";
  #source: Uint8Array | undefined;
  #from = 0;
  #to = 0;

  text(value: string): void {
    if (this.#source !== undefined) this.#endSpan();
    this.#text += value;
  }

  /** The bytes of `source` from `from` to `to`. */
  bytes(source: Uint8Array, from: number, to: number): void {
    if (this.#source === source && this.#to === from) {
      this.#to = to;
      return;
    }
    if (this.#source !== undefined) this.#endSpan();
    if (this.#text !== "") {
      this.#pieces.push(encoder.encode(this.#text));
      this.#text = "";
    }
    this.#source = source;
    this.#from = from;
    this.#to = to;
  }

  /** What was given since the last take. */
  take(): string | Uint8Array[] {
    const text = this.#text;
    this.#text = "";
    if (this.#pieces.length === 0 && this.#source === undefined) return text;
    if (this.#source !== undefined) this.#endSpan();
    const pieces = this.#pieces;
    this.#pieces = [];
    if (text !== "") pieces.push(encoder.encode(text));
    return pieces;
  }

  #endSpan(): void {
    this.#pieces.push((this.#source as Uint8Array).subarray(this.#from, this.#to));
    this.#source = undefined;
  }
}

/**
 * Gives a stream's writes to its client. The first write is kept to `firstMax` bytes (the
 * runtime's `STREAM_FIRST_WRITE_MAX`), and what the first batch holds beyond that waits for the
 * next pull: on Bun a larger first write sends the response head piece by piece, and pieces given
 * together are written as one, so the rest must come a turn of the event loop later.
 */
class ClientWrites {
  #first = true;
  /** What the first write held back, for the next pull. */
  #held: Uint8Array[] = [];

  constructor(
    readonly controller: ReadableStreamDefaultController<Uint8Array>,
    readonly firstMax: number,
  ) {}

  get holding(): boolean {
    return this.#held.length > 0;
  }

  /** Gives what the first write held back. */
  release(): void {
    for (const piece of this.#held) this.controller.enqueue(piece);
    this.#held = [];
  }

  /**
   * Gives what a batch wrote (and text after it, if any); false for nothing. A first write past
   * `firstMax` is cut there and the rest held for `release`.
   */
  give(written: string | Uint8Array[], text = ""): boolean {
    const pieces = typeof written !== "string"
      ? text === "" ? written : [...written, encoder.encode(text)]
      : written === "" && text === ""
      ? []
      : [encoder.encode(written + text)];
    if (pieces.length === 0) return false;
    let i = 0;
    if (this.#first) {
      this.#first = false;
      let size = 0;
      for (; i < pieces.length; i++) {
        const piece = pieces[i] as Uint8Array;
        if (size + piece.length <= this.firstMax) {
          size += piece.length;
          this.controller.enqueue(piece);
          continue;
        }
        if (size === 0) {
          this.controller.enqueue(piece.subarray(0, this.firstMax));
          this.#held.push(piece.subarray(this.firstMax));
          i++;
        }
        for (; i < pieces.length; i++) this.#held.push(pieces[i] as Uint8Array);
        return true;
      }
    }
    for (; i < pieces.length; i++) this.controller.enqueue(pieces[i] as Uint8Array);
    return true;
  }
}

/**
 * How a stream is written for one client API (its codec's): each batch of parts as text (or
 * bytes, where parts are relayed as they came: `StreamOutput`), the end of a complete stream,
 * and the event that reports a failure after the stream began.
 */
export interface StreamWriter<T> {
  /** What one batch writes ("" or no pieces: nothing). */
  batch(items: readonly T[]): string | Uint8Array[];
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
  /** The most the first write holds (default: the runtime's `STREAM_FIRST_WRITE_MAX`). */
  firstWriteMax?: number;
}

/**
 * A response body relaying batches as they arrive, written by `writer`: each batch (what one
 * upstream read produced) is written at once (a large first one in two: `ClientWrites`), the last
 * (`LAST_BATCH`) with the end. A failure mid-stream writes the error event and no end; a client
 * that goes away cancels the iterator (which aborts upstream).
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
  let writes: ClientWrites | undefined;
  /** The stream ends once what its first write held back is given. */
  let endAfterHeld = false;
  // Ends a complete stream, or lets it end once what the first write held back is given.
  const end = (client: ClientWrites) => {
    if (client.holding) {
      endAfterHeld = true;
      return;
    }
    client.controller.close();
    finish("done");
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const client = writes ??= new ClientWrites(
        controller,
        hooks.firstWriteMax ?? STREAM_FIRST_WRITE_MAX,
      );
      if (client.holding) {
        // A turn of the event loop first, so that the first write goes out alone.
        await new Promise((resolve) => setImmediate(resolve));
        if (closed) return; // the client went away meanwhile
        client.release();
        if (endAfterHeld) {
          controller.close();
          finish("done");
        }
        return;
      }
      // The last batch's write while its source finishes (written before an error, if it fails).
      let unsent: string | Uint8Array[] = "";
      try {
        for (;;) {
          const next = await batches.next();
          if (next.done) {
            client.give("", writer.end());
            end(client);
            return;
          }
          const batch = next.value;
          if (batch[LAST_BATCH] === true) {
            // The source is let finish first (its usage reported), as at any stream's end.
            unsent = writer.batch(batch);
            if (!(await batches.next()).done) throw new Error("a batch came after the last");
            client.give(unsent, writer.end());
            end(client);
            return;
          }
          if (!client.give(writer.batch(batch))) continue;
          return;
        }
      } catch (error) {
        if (closed) return;
        try {
          client.give(unsent, writer.error(error));
          client.release(); // all of it now: the stream closes
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
