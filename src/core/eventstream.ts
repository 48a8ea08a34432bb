/**
 * AWS's binary event stream framing (`application/vnd.amazon.eventstream`), used by Bedrock's
 * ConverseStream: length-prefixed messages with typed headers and CRC32 checksums.
 */
import type { StreamEvent } from "./provider.ts";
import { decodeAll, DEFAULT_MAX_EVENT, eventTooLarge, type FrameDecoder } from "./sse.ts";
import { ProviderError } from "./errors.ts";
import { joinBytes } from "./bytes.ts";

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE), as the event stream's prelude and message checksums use. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) {
    crc = (CRC_TABLE[(crc ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export type HeaderValue = string | number | boolean | Uint8Array | bigint;

export interface EventStreamMessage {
  headers: Record<string, HeaderValue>;
  payload: Uint8Array;
}

const decoder = new TextDecoder();

function corrupt(reason: string): ProviderError {
  return new ProviderError(
    502,
    "upstream_error",
    `the upstream event stream is corrupt: ${reason}`,
    { retryable: true },
  );
}

function readHeaders(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  end: number,
): Record<string, HeaderValue> {
  const headers: Record<string, HeaderValue> = {};
  let at = start;
  while (at < end) {
    const nameLength = bytes[at] ?? 0;
    const name = decoder.decode(bytes.subarray(at + 1, at + 1 + nameLength));
    at += 1 + nameLength;
    const type = bytes[at++];
    switch (type) {
      case 0:
        headers[name] = true;
        break;
      case 1:
        headers[name] = false;
        break;
      case 2:
        headers[name] = view.getInt8(at);
        at += 1;
        break;
      case 3:
        headers[name] = view.getInt16(at);
        at += 2;
        break;
      case 4:
        headers[name] = view.getInt32(at);
        at += 4;
        break;
      case 5:
      case 8:
        headers[name] = view.getBigInt64(at);
        at += 8;
        break;
      case 6:
      case 7: {
        const length = view.getUint16(at);
        const value = bytes.subarray(at + 2, at + 2 + length);
        headers[name] = type === 7 ? decoder.decode(value) : value;
        at += 2 + length;
        break;
      }
      case 9:
        headers[name] = bytes.subarray(at, at + 16);
        at += 16;
        break;
      default:
        throw corrupt(`unknown header type ${type}`);
    }
  }
  return headers;
}

/**
 * Splits bytes into event stream messages, checking both checksums of each. A message that says
 * it is longer than `max` fails at once, before it is buffered; the parts of a long message are
 * joined once it is complete, not on every read.
 */
export class EventStreamSplitter {
  #buffer: Uint8Array = new Uint8Array(0);
  /** Reads not yet joined into the buffer, and their total length. */
  #parts: Uint8Array[] = [];
  #partsLength = 0;
  /** The length of the message being received, once its prelude is known. */
  #needed = 0;

  constructor(readonly max: number = DEFAULT_MAX_EVENT) {}

  /** The complete messages the bytes so far contain. */
  push(chunk: Uint8Array): EventStreamMessage[] {
    if (this.#buffer.length + this.#partsLength + chunk.length < this.#needed) {
      this.#parts.push(chunk);
      this.#partsLength += chunk.length;
      return [];
    }
    if (this.#buffer.length === 0 && this.#parts.length === 0) {
      this.#buffer = chunk;
    } else {
      this.#buffer = joinBytes([this.#buffer, ...this.#parts, chunk]);
      this.#parts = [];
      this.#partsLength = 0;
    }
    this.#needed = 0;
    const messages: EventStreamMessage[] = [];
    let buffer = this.#buffer;
    while (buffer.length >= 12) {
      const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      const total = view.getUint32(0);
      const headersLength = view.getUint32(4);
      if (total < 16 || headersLength > total - 16) throw corrupt("bad message length");
      if (crc32(buffer, 0, 8) !== view.getUint32(8)) throw corrupt("prelude checksum mismatch");
      if (total > this.max) throw eventTooLarge(this.max, "message");
      if (buffer.length < total) {
        this.#needed = total;
        break;
      }
      if (crc32(buffer, 0, total - 4) !== view.getUint32(total - 4)) {
        throw corrupt("message checksum mismatch");
      }
      const headers = readHeaders(buffer, view, 12, 12 + headersLength);
      messages.push({ headers, payload: buffer.slice(12 + headersLength, total - 4) });
      buffer = buffer.subarray(total);
    }
    this.#buffer = buffer.length === 0 ? new Uint8Array(0) : buffer.slice();
    return messages;
  }

  /** Fails if the stream ended inside a message. */
  end(): void {
    if (this.#buffer.length + this.#partsLength > 0) {
      throw corrupt("the stream ended inside a message");
    }
  }
}

/** Splits a byte stream into event stream messages, checking both checksums of each. */
export async function* decodeEventStream(
  chunks: AsyncIterable<Uint8Array>,
): AsyncGenerator<EventStreamMessage> {
  const splitter = new EventStreamSplitter();
  for await (const chunk of chunks) yield* splitter.push(chunk);
  splitter.end();
}

/**
 * A message as a stream event: `event` is the `:event-type` header (or `exception:<type>` for
 * exceptions), `data` the payload text.
 */
function toEvent(message: EventStreamMessage): StreamEvent {
  const messageType = message.headers[":message-type"];
  const data = decoder.decode(message.payload);
  if (messageType === "exception") {
    return { event: `exception:${String(message.headers[":exception-type"] ?? "unknown")}`, data };
  }
  if (messageType === "error") {
    return {
      event: `exception:${String(message.headers[":error-code"] ?? "error")}`,
      data: JSON.stringify({ message: String(message.headers[":error-message"] ?? "") }),
    };
  }
  return { event: String(message.headers[":event-type"] ?? ""), data };
}

/** AWS event stream framing as a frame decoder, fed one network read at a time. */
export class AwsEventStreamDecoder implements FrameDecoder {
  #splitter: EventStreamSplitter;

  constructor(max: number = DEFAULT_MAX_EVENT) {
    this.#splitter = new EventStreamSplitter(max);
  }

  push(bytes: Uint8Array): StreamEvent[] {
    return this.#splitter.push(bytes).map(toEvent);
  }

  end(): StreamEvent[] {
    this.#splitter.end();
    return [];
  }
}

/** Decodes AWS event stream framing from a byte stream into events. */
export function parseAwsEventStream(
  chunks: AsyncIterable<Uint8Array>,
): AsyncGenerator<StreamEvent> {
  return decodeAll(new AwsEventStreamDecoder(), chunks);
}

const encoder = new TextEncoder();

/** Encodes one message with string headers (for tests and mock upstreams). */
export function encodeEventStreamMessage(
  headers: Record<string, string>,
  payload: Uint8Array | string,
): Uint8Array {
  const body = typeof payload === "string" ? encoder.encode(payload) : payload;
  const headerParts: Uint8Array[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const nameBytes = encoder.encode(name);
    const valueBytes = encoder.encode(value);
    const part = new Uint8Array(1 + nameBytes.length + 1 + 2 + valueBytes.length);
    part[0] = nameBytes.length;
    part.set(nameBytes, 1);
    part[1 + nameBytes.length] = 7;
    new DataView(part.buffer).setUint16(2 + nameBytes.length, valueBytes.length);
    part.set(valueBytes, 4 + nameBytes.length);
    headerParts.push(part);
  }
  const headersLength = headerParts.reduce((sum, p) => sum + p.length, 0);
  const total = 12 + headersLength + body.length + 4;
  const message = new Uint8Array(total);
  const view = new DataView(message.buffer);
  view.setUint32(0, total);
  view.setUint32(4, headersLength);
  view.setUint32(8, crc32(message, 0, 8));
  let at = 12;
  for (const part of headerParts) {
    message.set(part, at);
    at += part.length;
  }
  message.set(body, at);
  view.setUint32(total - 4, crc32(message, 0, total - 4));
  return message;
}
