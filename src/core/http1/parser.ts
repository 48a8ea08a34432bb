/**
 * An incremental HTTP/1.1 response parser for the upstream client: the status line and headers
 * (bounded), then the body framed by Content-Length, the chunked transfer coding, or the end of
 * the connection. It is fed whatever the socket reads and hands body bytes on as they come.
 * Everything it reads is bounded: the head, a chunk-size line, the trailers.
 */
import { joinBytes } from "../bytes.ts";

/** The status line and headers of a response. */
export interface ResponseHead {
  status: number;
  statusText: string;
  /** Header fields in the order they came, names lower-cased, values trimmed. */
  headers: [string, string][];
}

/** Where a parser sends what it reads. */
export interface ParserEvents {
  head(head: ResponseHead): void;
  body(bytes: Uint8Array): void;
  end(): void;
}

/** A response that breaks HTTP/1.1 framing; the connection cannot be used again. */
export class HttpParseError extends Error {
  readonly code = "HTTP_PARSE_ERROR";
}

/** The most a response's status line and headers (and a chunked body's trailers) may hold. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** The most a chunk-size line may hold (size, extensions and line break). */
const MAX_CHUNK_LINE = 4096;
/** Chunk sizes beyond this (2^44 bytes) are refused rather than trusted. */
const MAX_CHUNK_HEX_DIGITS = 11;

type State =
  | "head"
  | "length"
  | "chunk-size"
  | "chunk-data"
  | "chunk-data-end"
  | "trailers"
  | "until-close"
  | "done";

const LF = 10;
const CR = 13;
const latin1 = new TextDecoder("latin1");
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;
/** A Content-Length's value. */
const DIGITS = /^\d{1,15}$/;

export class ResponseParser {
  #state: State = "head";
  /** Bytes of a head (or the trailers) that came in earlier reads, and how many. */
  #head: Uint8Array | undefined;
  #headLength = 0;
  /** The start of a chunk-size line that came in an earlier read. */
  #pending: Uint8Array | undefined;
  /** Body bytes still to come: the rest of the Content-Length, or of the current chunk. */
  #remaining = 0;
  #keepAlive = false;
  #status = 0;

  /** `noBody`: the request was a HEAD, so no response to it carries a body. */
  constructor(readonly events: ParserEvents, readonly noBody = false) {}

  /** The response has ended (its body complete). */
  get done(): boolean {
    return this.#state === "done";
  }

  /** Bytes have been read of this response (its head at least in part). */
  get started(): boolean {
    return this.#state !== "head" || this.#headLength > 0;
  }

  /** The connection may carry another request once this response has ended. */
  get keepAlive(): boolean {
    return this.#keepAlive;
  }

  get status(): number {
    return this.#status;
  }

  /**
   * Feeds one read. Returns the bytes after the end of the response, if any came with it (the
   * caller decides what to make of them: nothing was asked for, so the connection is not reused).
   */
  push(bytes: Uint8Array): Uint8Array | undefined {
    let at = 0;
    while (at < bytes.length) {
      switch (this.#state) {
        case "head":
        case "trailers":
          at = this.#readHead(bytes, at);
          break;
        case "length": {
          const take = Math.min(this.#remaining, bytes.length - at);
          this.events.body(bytes.subarray(at, at + take));
          at += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#finish();
          break;
        }
        case "chunk-size":
          at = this.#readChunkSize(bytes, at);
          break;
        case "chunk-data": {
          const take = Math.min(this.#remaining, bytes.length - at);
          this.events.body(bytes.subarray(at, at + take));
          at += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = "chunk-data-end";
          break;
        }
        case "chunk-data-end": {
          const byte = bytes[at++];
          if (byte === LF) this.#state = "chunk-size";
          else if (byte !== CR) throw new HttpParseError("a chunk did not end with a line break");
          break;
        }
        case "until-close":
          this.events.body(at === 0 ? bytes : bytes.subarray(at));
          at = bytes.length;
          break;
        case "done":
          return bytes.subarray(at);
      }
    }
    return undefined;
  }

  /** The connection closed: ends a body that runs until then; anywhere else it is an error. */
  close(): void {
    if (this.#state === "done") return;
    if (this.#state === "until-close") {
      this.#finish();
      return;
    }
    throw new HttpParseError(
      this.started
        ? "the connection closed before the response ended"
        : "the connection closed before a response came",
    );
  }

  /**
   * The head (or the trailers) up to its blank line. Usually it comes in one read; otherwise its
   * bytes are gathered in one growing buffer (up to the cap), and each read is scanned once.
   */
  #readHead(bytes: Uint8Array, at: number): number {
    if (this.#headLength === 0) {
      const end = headEnd(bytes, at, at);
      if (end !== -1) {
        if (end - at > MAX_HEAD_BYTES) throw headTooLarge();
        this.#headRead(latin1.decode(bytes.subarray(at, end)));
        return end;
      }
    }
    const before = this.#headLength;
    const room = MAX_HEAD_BYTES - before;
    const taken = bytes.subarray(at, Math.min(bytes.length, at + room));
    this.#gather(taken);
    const gathered = (this.#head as Uint8Array).subarray(0, this.#headLength);
    const end = headEnd(gathered, 0, Math.max(0, before - 3));
    if (end === -1) {
      if (this.#headLength >= MAX_HEAD_BYTES) throw headTooLarge();
      return at + taken.length;
    }
    const text = latin1.decode(gathered.subarray(0, end));
    this.#head = undefined;
    this.#headLength = 0;
    this.#headRead(text);
    return at + (end - before);
  }

  /** Appends to the head buffer, doubling it as needed (linear in the bytes gathered). */
  #gather(bytes: Uint8Array): void {
    const needed = this.#headLength + bytes.length;
    if (this.#head === undefined || needed > this.#head.length) {
      const grown = new Uint8Array(Math.min(MAX_HEAD_BYTES, Math.max(1024, needed * 2)));
      if (this.#head !== undefined) grown.set(this.#head.subarray(0, this.#headLength));
      this.#head = grown;
    }
    this.#head.set(bytes, this.#headLength);
    this.#headLength = needed;
  }

  #headRead(text: string): void {
    if (this.#state === "trailers") this.#finish();
    else this.#startBody(text);
  }

  #startBody(text: string): void {
    const head = parseHead(text);
    const statusLine = STATUS_LINE.exec(head.statusLine);
    if (statusLine === null) {
      throw new HttpParseError(`not an HTTP/1.x status line: '${head.statusLine.slice(0, 80)}'`);
    }
    const status = Number(statusLine[2]);
    const headers = head.headers;
    // Interim answers (100 Continue, 103 Early Hints) come before the real one.
    if (status >= 100 && status < 200) {
      if (status === 101) throw new HttpParseError("the upstream switched protocols (HTTP 101)");
      return;
    }
    this.#status = status;
    const connection = fieldValues(headers, "connection");
    this.#keepAlive = statusLine[1] === "1"
      ? !connection.includes("close")
      : connection.includes("keep-alive");
    this.events.head({ status, statusText: statusLine[3] ?? "", headers });
    if (this.noBody || status === 204 || status === 304) return this.#finish();
    const coding = fieldValues(headers, "transfer-encoding");
    if (coding.length > 0) {
      if (coding[coding.length - 1] === "chunked") {
        // A Content-Length beside a transfer coding is not to be trusted for the next message.
        if (headers.some(([name]) => name === "content-length")) this.#keepAlive = false;
        this.#state = "chunk-size";
      } else {
        this.#keepAlive = false;
        this.#state = "until-close";
      }
      return;
    }
    const length = contentLength(headers);
    if (length === undefined) {
      this.#keepAlive = false;
      this.#state = "until-close";
    } else if (length === 0) {
      this.#finish();
    } else {
      this.#remaining = length;
      this.#state = "length";
    }
  }

  #readChunkSize(bytes: Uint8Array, at: number): number {
    const newline = bytes.indexOf(LF, at);
    const pending = this.#pending;
    if (newline === -1) {
      const size = (pending?.length ?? 0) + bytes.length - at;
      if (size > MAX_CHUNK_LINE) throw new HttpParseError("a chunk-size line is too long");
      this.#pending = pending === undefined
        ? bytes.slice(at)
        : joinBytes([pending, bytes.subarray(at)]);
      return bytes.length;
    }
    const plain = pending === undefined ? plainChunkSize(bytes, at, newline) : -1;
    if (plain !== -1) return this.#chunkOf(plain, newline);
    let line = latin1.decode(bytes.subarray(at, newline));
    if (pending !== undefined) {
      line = latin1.decode(pending) + line;
      this.#pending = undefined;
    }
    if (line.length > MAX_CHUNK_LINE) throw new HttpParseError("a chunk-size line is too long");
    const semicolon = line.indexOf(";");
    const hex = (semicolon === -1 ? line : line.slice(0, semicolon)).trim();
    if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.replace(/^0+(?=.)/, "").length > MAX_CHUNK_HEX_DIGITS) {
      throw new HttpParseError(`not a chunk size: '${hex.slice(0, 40)}'`);
    }
    return this.#chunkOf(parseInt(hex, 16), newline);
  }

  /** A chunk of `size` bytes begins after the line ending at `newline`; 0 ends the body. */
  #chunkOf(size: number, newline: number): number {
    if (size === 0) {
      // Trailer fields, if any, then a blank line: read as a head is.
      this.#state = "trailers";
      return newline + 1;
    }
    this.#remaining = size;
    this.#state = "chunk-data";
    return newline + 1;
  }

  #finish(): void {
    this.#state = "done";
    this.#pending = undefined;
    this.#head = undefined;
    this.#headLength = 0;
    this.events.end();
  }
}

/**
 * The size on a chunk-size line that is only hex digits (at most `MAX_CHUNK_HEX_DIGITS`), then
 * its line break: the usual line, read from its bytes (one per chunk, and a streamed answer's
 * chunk is often one event). -1 for any other line, which is read as text.
 */
function plainChunkSize(bytes: Uint8Array, at: number, newline: number): number {
  const end = bytes[newline - 1] === CR ? newline - 1 : newline;
  if (end <= at || end - at > MAX_CHUNK_HEX_DIGITS) return -1;
  let size = 0;
  for (let i = at; i < end; i++) {
    const c = bytes[i] as number;
    const digit = c >= 0x30 && c <= 0x39
      ? c - 0x30
      : c >= 0x61 && c <= 0x66
      ? c - 0x57
      : c >= 0x41 && c <= 0x46
      ? c - 0x37
      : -1;
    if (digit === -1) return -1;
    size = size * 16 + digit;
  }
  return size;
}

/**
 * The index just past the blank line that ends a head starting at `start`, scanning from `from`,
 * or -1 (CRLF or bare LF line ends).
 */
function headEnd(buffer: Uint8Array, start: number, from: number): number {
  let newline = buffer.indexOf(LF, from);
  while (newline !== -1) {
    // A head that is only its blank line (trailers with no fields: the usual end of a body).
    if (newline === start || (newline === start + 1 && buffer[start] === CR)) return newline + 1;
    const next = buffer[newline + 1];
    if (next === LF) return newline + 2;
    if (next === CR && buffer[newline + 2] === LF) return newline + 3;
    newline = buffer.indexOf(LF, newline + 1);
  }
  return -1;
}

function headTooLarge(): HttpParseError {
  return new HttpParseError(`the response head is larger than ${MAX_HEAD_BYTES} bytes`);
}

/**
 * A head's status line (its first line that is not empty) and its header fields, names
 * lower-cased and values trimmed, in one pass over its text (CRLF or LF line breaks). Obsolete
 * line folding joins a line to the field before. Measured on Bun (bench/README.md, "The upstream
 * client"): a third of the cost of splitting the head into lines and lower-casing each name.
 */
function parseHead(text: string): { statusLine: string; headers: [string, string][] } {
  // Latin-1 text keeps its length when lower-cased, so every name is cut from one copy.
  const lower = text.toLowerCase();
  const lowered = lower.length === text.length ? lower : undefined;
  let statusLine: string | undefined;
  const headers: [string, string][] = [];
  let start = 0;
  while (start < text.length) {
    let newline = text.indexOf("\n", start);
    if (newline === -1) newline = text.length;
    const end = newline > start && text.charCodeAt(newline - 1) === CR ? newline - 1 : newline;
    if (end > start) {
      if (statusLine === undefined) statusLine = text.slice(start, end);
      else addField(text, lowered, start, end, headers);
    }
    start = newline + 1;
  }
  return { statusLine: statusLine ?? "", headers };
}

/** What `String.prototype.trim` removes, within Latin-1. */
function isTrimmed(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 0xa0;
}

/** The text in [from, to) without what `String.prototype.trim` removes at either end. */
function trimmedSlice(text: string, from: number, to: number): string {
  while (from < to && isTrimmed(text.charCodeAt(from))) from++;
  while (to > from && isTrimmed(text.charCodeAt(to - 1))) to--;
  return text.slice(from, to);
}

/** Adds the header line at [start, end) of `text` to `headers`. */
function addField(
  text: string,
  lowered: string | undefined,
  start: number,
  end: number,
  headers: [string, string][],
): void {
  const first = text.charCodeAt(start);
  if ((first === 32 || first === 9) && headers.length > 0) {
    const last = headers[headers.length - 1] as [string, string];
    last[1] = `${last[1]} ${trimmedSlice(text, start, end)}`;
    return;
  }
  // The name is checked where the headers are made (the Response refuses a bad one).
  const colon = text.indexOf(":", start);
  if (colon <= start || colon >= end) {
    throw new HttpParseError(
      `a malformed header line: '${text.slice(start, Math.min(end, start + 80))}'`,
    );
  }
  const name = lowered === undefined
    ? text.slice(start, colon).toLowerCase()
    : lowered.slice(start, colon);
  headers.push([name, trimmedSlice(text, colon + 1, end)]);
}

/** The comma-separated values of every field named `name`, lower-cased. */
function fieldValues(headers: [string, string][], name: string): string[] {
  const values: string[] = [];
  for (const [field, value] of headers) {
    if (field !== name) continue;
    for (const part of value.split(",")) {
      const item = part.trim().toLowerCase();
      if (item !== "") values.push(item);
    }
  }
  return values;
}

/** The Content-Length, if given; several that disagree, or one that is not a number, fail. */
function contentLength(headers: [string, string][]): number | undefined {
  let length: number | undefined;
  for (const [field, value] of headers) {
    if (field !== "content-length") continue;
    // Nearly always one number: then no list is made.
    const parts = value.indexOf(",") === -1 ? undefined : value.split(",");
    for (let i = 0; i < (parts?.length ?? 1); i++) {
      const text = parts === undefined ? value : (parts[i] as string).trim();
      const size = DIGITS.test(text) ? Number(text) : NaN;
      if (Number.isNaN(size) || (length !== undefined && size !== length)) {
        throw new HttpParseError(`an invalid Content-Length: '${value.slice(0, 40)}'`);
      }
      length = size;
    }
  }
  return length;
}
