/**
 * The gateway's own HTTP/1.1 client for plain-`http:` upstreams (self-hosted servers: vLLM,
 * Ollama, TGI, a sidecar), over TCP (`runtime/tcp.ts`) with keep-alive connections kept per
 * origin. It answers with a standard `Response`, or more cheaply, where its caller asks, with a
 * whole answer's bytes (`callUpstreamJson`) or a reader of a streamed body (`callUpstream`), so
 * `core/http.ts` treats it as it treats `fetch`, which still serves everything else:
 * `https:`, a proxy set in the environment, other body types, bodies over 64 KiB.
 * Why: the runtimes' fetch is costly per call. Measured under chat load at c=32 (bench/README
 * "The upstream client"): the gateway under Deno went from ~150 to ~75 µs of CPU per request, the
 * Bun binary from 55–65 to 44–58.
 *
 * Like the gateway's fetch calls: no redirect is followed (a 3xx is returned as it is), the
 * caller's signal aborts the exchange and closes its connection, and what is read is bounded
 * (the head here, the body by the caller). A connection is reused only after a complete,
 * successful answer that came alone; an idle one is closed after a few seconds, before a
 * typical server's own keep-alive timeout, and does not keep the process alive. A request that
 * fails on a reused connection before any byte of an answer came is sent once more on a new one
 * (the server had closed it).
 */
import { Buffer } from "node:buffer";
import process from "node:process";
import { clearInterval, setInterval } from "node:timers";
import { HttpParseError, type ResponseHead, ResponseParser } from "./parser.ts";
import { connectTcp, type TcpConnection } from "../../runtime/tcp.ts";
import { joinBytes } from "../bytes.ts";
import { BodyChannel, type BodyReader } from "./body_channel.ts";

/** How long a connection may wait idle in the pool. */
export const IDLE_MS = 4_000;
/** Idle connections kept per origin; more are closed as they come back. */
const MAX_IDLE_PER_ORIGIN = 256;
/**
 * Bodies longer than this (in characters or bytes) go through fetch: with this client a 200 KB
 * prompt cost the Bun binary 620–700 µs of CPU against fetch's 555–585 (bench/README "The
 * upstream client").
 */
const LARGE_BODY = 64 * 1024;
/** How much of an answer's body may wait unread before the socket is paused. */
const BODY_HIGH_WATER = 64 * 1024;

interface Target {
  /** `host:port`, the pool's key. */
  key: string;
  host: string;
  port: number;
  /** The request line's target (path and query). */
  path: string;
  /** The Host header's value. */
  hostHeader: string;
}

const targets = new Map<string, Target>();

/** The parts of a plain-http URL (cached: an endpoint's URLs repeat). */
function targetOf(url: string): Target {
  let target = targets.get(url);
  if (target === undefined) {
    const parsed = new URL(url);
    const host = parsed.hostname.startsWith("[") ? parsed.hostname.slice(1, -1) : parsed.hostname;
    const port = parsed.port === "" ? 80 : Number(parsed.port);
    target = {
      key: `${parsed.hostname}:${port}`,
      host,
      port,
      path: `${parsed.pathname}${parsed.search}`,
      hostHeader: parsed.host,
    };
    if (targets.size >= 1024) targets.clear();
    targets.set(url, target);
  }
  return target;
}

let proxyConfigured: boolean | undefined;

/** A proxy set in the environment: then every call goes through the runtime's fetch. */
function proxyInEnvironment(): boolean {
  if (proxyConfigured === undefined) {
    const env = process.env;
    proxyConfigured = [env.HTTP_PROXY, env.http_proxy, env.ALL_PROXY, env.all_proxy]
      .some((value) => value !== undefined && value.trim() !== "");
  }
  return proxyConfigured;
}

/**
 * Whether `http1Fetch` serves this call: a plain-http URL, no proxy in the environment, and a
 * body it can send as it is, of at most 64 KiB.
 */
export function servesDirectly(url: string, init: RequestInit): boolean {
  if (!url.startsWith("http://") || proxyInEnvironment()) return false;
  const body = init.body;
  if (body === undefined || body === null) return true;
  if (typeof body === "string" || body instanceof Uint8Array) return body.length <= LARGE_BODY;
  return body instanceof ArrayBuffer && body.byteLength <= LARGE_BODY;
}

type Bytes = Uint8Array<ArrayBuffer>;

/** One pooled connection. */
interface Connection {
  socket: TcpConnection;
  key: string;
  /** The exchange using it; undefined while idle. */
  exchange: Exchange | undefined;
  idleSince: number;
  /** It has carried an exchange before (a failure on it may be the server having closed it). */
  reused: boolean;
}

const idle = new Map<string, Connection[]>();
let idleCount = 0;
let sweeper: ReturnType<typeof setInterval> | undefined;

function takeIdle(key: string): Connection | undefined {
  const list = idle.get(key);
  if (list === undefined) return undefined;
  const now = performance.now();
  for (;;) {
    const connection = list.pop();
    if (connection === undefined) return undefined;
    idleCount--;
    if (!connection.socket.destroyed && now - connection.idleSince < IDLE_MS) {
      connection.socket.keepProcessAlive(true);
      return connection;
    }
    connection.socket.destroy();
  }
}

function putIdle(connection: Connection): void {
  let list = idle.get(connection.key);
  if (list === undefined) {
    list = [];
    idle.set(connection.key, list);
  }
  if (list.length >= MAX_IDLE_PER_ORIGIN) {
    connection.socket.destroy();
    return;
  }
  connection.exchange = undefined;
  connection.idleSince = performance.now();
  connection.reused = true;
  // An idle connection does not keep the process alive.
  connection.socket.keepProcessAlive(false);
  list.push(connection);
  idleCount++;
  if (sweeper === undefined) {
    sweeper = setInterval(sweepIdle, 1_000);
    sweeper.unref?.();
  }
}

function dropIdle(connection: Connection): void {
  const list = idle.get(connection.key);
  const index = list === undefined ? -1 : list.indexOf(connection);
  if (index >= 0) {
    list!.splice(index, 1);
    idleCount--;
  }
}

/** Closes connections idle for too long; stops itself when none are left. */
function sweepIdle(): void {
  const now = performance.now();
  for (const [key, list] of idle) {
    const kept = list.filter((connection) => {
      if (now - connection.idleSince < IDLE_MS && !connection.socket.destroyed) return true;
      connection.socket.destroy();
      idleCount--;
      return false;
    });
    if (kept.length === 0) idle.delete(key);
    else idle.set(key, kept);
  }
  if (idleCount <= 0 && sweeper !== undefined) {
    clearInterval(sweeper);
    sweeper = undefined;
    idleCount = 0;
  }
}

/** Closes every idle connection (for tests and shutdown). */
export function closeIdleConnections(): void {
  for (const list of idle.values()) for (const connection of list) connection.socket.destroy();
  idle.clear();
  idleCount = 0;
  if (sweeper !== undefined) clearInterval(sweeper);
  sweeper = undefined;
}

function openConnection(target: Target): Connection {
  const connection: Connection = {
    socket: undefined as unknown as TcpConnection,
    key: target.key,
    exchange: undefined,
    idleSince: 0,
    reused: false,
  };
  connection.socket = connectTcp(target.host, target.port, {
    data: (bytes) => {
      if (connection.exchange === undefined) {
        // Nothing was asked: a server that talks out of turn is not to be trusted with the next.
        dropIdle(connection);
        connection.socket.destroy();
        return;
      }
      connection.exchange.data(bytes);
    },
    error: (error) => connection.exchange?.fail(error),
    close: () => {
      if (connection.exchange === undefined) dropIdle(connection);
      else connection.exchange.closed();
    },
  });
  return connection;
}

const FORBIDDEN_VALUE = /[\r\n\0]/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Fields the client writes itself. */
const OWN_FIELDS = new Set(["host", "content-length", "connection", "transfer-encoding"]);

/** The request head's header lines; a name or value that could split the head is refused. */
function headerLines(headers: HeadersInit | undefined): string {
  let lines = "";
  const add = (name: string, value: string) => {
    if (!TOKEN.test(name) || FORBIDDEN_VALUE.test(value)) {
      throw new TypeError(`invalid header '${name.slice(0, 80)}' for the upstream request`);
    }
    if (!OWN_FIELDS.has(name.toLowerCase())) lines += `${name}: ${value}\r\n`;
  };
  if (headers === undefined) return lines;
  if (headers instanceof Headers) headers.forEach((value, name) => add(name, value));
  else if (Array.isArray(headers)) {
    for (const pair of headers) add(String(pair[0]), String(pair[1]));
  } else {
    for (const name in headers) add(name, String((headers as Record<string, string>)[name]));
  }
  return lines;
}

/**
 * A successful answer that came whole with its head, no Response made for it (most JSON answers
 * of a local server: the head and a small body in one read). Its headers are lower-cased.
 */
export interface WholeAnswer {
  status: number;
  headers: [string, string][];
  bytes: Bytes;
}

/**
 * A successful, unencoded answer whose body is read as it comes, with no Response or
 * ReadableStream made for it (a stream). Its headers are lower-cased.
 */
export interface StreamedAnswer {
  status: number;
  headers: [string, string][];
  reader: BodyReader;
}

/**
 * What an exchange answers with: always a `Response`; a `WholeAnswer` when a 2xx answer came
 * whole with its head; a `StreamedAnswer` for any 2xx answer (each unencoded; else a Response).
 */
type Mode = "response" | "whole" | "streamed";

type Answer = Response | WholeAnswer | StreamedAnswer;

/** A plain-http request on a pooled connection, answered as a standard `Response`. */
export function http1Fetch(url: string, init: RequestInit): Promise<Response> {
  return exchange(url, init, "response") as Promise<Response>;
}

/**
 * As `http1Fetch`, but a 2xx answer that came whole, unencoded, with its head is given as a
 * `WholeAnswer` (cheaper than a Response and the read of its body).
 */
export function http1Call(url: string, init: RequestInit): Promise<Response | WholeAnswer> {
  return exchange(url, init, "whole") as Promise<Response | WholeAnswer>;
}

/**
 * As `http1Fetch`, but a 2xx unencoded answer is given as a `StreamedAnswer`, its body read
 * through a `BodyChannel` (for streams: cheaper than a Response's ReadableStream).
 */
export function http1Stream(url: string, init: RequestInit): Promise<Response | StreamedAnswer> {
  return exchange(url, init, "streamed") as Promise<Response | StreamedAnswer>;
}

function exchange(
  url: string,
  init: RequestInit,
  mode: Mode,
): Promise<Answer> {
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(signal.reason);
  let head: string;
  let body: string | Uint8Array | undefined;
  let length: number | undefined;
  let target: Target;
  const method = (init.method ?? "GET").toUpperCase();
  try {
    target = targetOf(url);
    const given = init.body;
    body = given instanceof ArrayBuffer
      ? new Uint8Array(given)
      : given === null || given === undefined
      ? undefined
      : given as string | Uint8Array;
    length = body === undefined
      ? (method === "GET" || method === "HEAD" ? undefined : 0)
      : typeof body === "string"
      ? Buffer.byteLength(body)
      : body.length;
    head = `${method} ${target.path} HTTP/1.1\r\nhost: ${target.hostHeader}\r\n${
      headerLines(init.headers)
    }${length === undefined ? "" : `content-length: ${length}\r\n`}\r\n`;
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise<Answer>((resolve, reject) => {
    const size = Buffer.byteLength(head) + (length ?? 0);
    new Exchange(target, method, head, body, size, signal, mode, resolve, reject).send();
  });
}

/** One request and its answer on one connection (and, once, on a second if the first was stale). */
class Exchange {
  #connection: Connection | undefined;
  #parser: ResponseParser;
  #head: ResponseHead | undefined;
  /** Body bytes read before the Response was made (in the read that carried the head). */
  #early: Bytes[] = [];
  #stream: ReadableStreamDefaultController<Bytes> | undefined;
  #channel: BodyChannel | undefined;
  #settled = false;
  #finished = false;
  #retried = false;
  #onAbort: (() => void) | undefined;

  constructor(
    readonly target: Target,
    readonly method: string,
    readonly head: string,
    readonly body: string | Uint8Array | undefined,
    /** The request's size in bytes, head and body. */
    readonly size: number,
    readonly signal: AbortSignal | undefined,
    /** What a 2xx answer may be given as. */
    readonly mode: Mode,
    readonly resolve: (answer: Answer) => void,
    readonly reject: (error: unknown) => void,
  ) {
    this.#parser = this.#newParser();
  }

  #newParser(): ResponseParser {
    return new ResponseParser({
      head: (head) => {
        this.#head = head;
      },
      body: (bytes) => {
        if (this.#channel !== undefined) this.#push(bytes as Bytes);
        else if (this.#stream === undefined) this.#early.push(bytes as Bytes);
        else this.#enqueue(bytes as Bytes);
      },
      end: () => {
        this.#finished = true;
      },
    }, this.method === "HEAD");
  }

  /** Writes the request on a kept connection, or on a new one (`fresh`, or none is kept). */
  send(fresh = false): void {
    const connection = (fresh ? undefined : takeIdle(this.target.key)) ??
      openConnection(this.target);
    connection.exchange = this;
    this.#connection = connection;
    if (this.signal !== undefined && this.#onAbort === undefined) {
      this.#onAbort = () => this.fail(this.signal!.reason);
      this.signal.addEventListener("abort", this.#onAbort, { once: true });
    }
    // One write: two cost more than joining them (measured on Bun).
    const body = this.body;
    const data = body === undefined
      ? this.head
      : typeof body === "string"
      ? this.head + body
      : Buffer.concat([Buffer.from(this.head), body]);
    connection.socket.write(data, this.size);
  }

  /** One read from the connection. */
  data(bytes: Uint8Array): void {
    let rest: Uint8Array | undefined;
    try {
      rest = this.#parser.push(bytes);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (!this.#settled && this.#head !== undefined) this.#answer();
    if (this.#finished) this.#end(rest === undefined || rest.length === 0);
  }

  /** The connection closed. */
  closed(): void {
    if (this.#finished) return;
    try {
      this.#parser.close();
    } catch (error) {
      this.fail(error);
      return;
    }
    if (!this.#settled && this.#head !== undefined) this.#answer();
    if (this.#finished) this.#end(false);
  }

  /** A network error, a broken answer or an abort: the connection goes, the caller hears why. */
  fail(error: unknown): void {
    const connection = this.#connection;
    if (connection === undefined || connection.exchange !== this) return;
    connection.exchange = undefined;
    connection.socket.destroy();
    const aborted = this.signal?.aborted === true;
    if (
      !this.#settled && !aborted && connection.reused && !this.#retried && !this.#parser.started
    ) {
      // A kept connection the server had closed meanwhile: the request never reached it.
      this.#retried = true;
      this.#parser = this.#newParser();
      this.send(true);
      return;
    }
    this.#release();
    const reason = aborted ? this.signal!.reason : error;
    if (!this.#settled) {
      this.#settled = true;
      this.reject(reason);
    } else if (this.#channel !== undefined) {
      if (!this.#finished) this.#channel.error(reason);
    } else if (this.#stream !== undefined && !this.#finished) {
      try {
        this.#stream.error(reason);
      } catch {
        // the body was cancelled already
      }
    }
  }

  /**
   * Answers once the head has come: a StreamedAnswer or a WholeAnswer where the mode allows,
   * else a Response, whole if its body came with it, else streamed.
   */
  #answer(): void {
    this.#settled = true;
    const head = this.#head as ResponseHead;
    const early = this.#early;
    let body: BodyInit | null;
    const headers = head.headers;
    const status = head.status;
    const encoding = headers.find(([name]) => name === "content-encoding")?.[1].toLowerCase();
    if (
      this.mode === "streamed" && status >= 200 && status < 300 && status !== 204 &&
      this.method !== "HEAD" && encoding === undefined
    ) {
      this.#early = [];
      const channel = new BodyChannel(
        early,
        BODY_HIGH_WATER,
        () => {
          // Once the body ended its connection may serve another exchange: left as that one has it.
          if (!this.#finished) this.#connection?.socket.resume();
        },
        () => {
          if (!this.#finished) this.fail(new Error("the body was cancelled"));
        },
      );
      this.#channel = channel;
      if (this.#finished) channel.close();
      else if (channel.size >= BODY_HIGH_WATER) this.#connection?.socket.pause();
      this.resolve({ status, headers, reader: channel });
      return;
    }
    if (status === 204 || status === 304 || this.method === "HEAD") {
      body = null;
    } else if (this.#finished) {
      body = joinBytes(early);
    } else {
      body = new ReadableStream<Bytes>({
        start: (controller) => {
          this.#stream = controller;
          for (const bytes of early) controller.enqueue(bytes);
        },
        pull: () => {
          this.#connection?.socket.resume();
        },
        cancel: () => {
          if (!this.#finished) this.fail(new Error("the body was cancelled"));
        },
      }, new ByteLengthQueuingStrategy({ highWaterMark: BODY_HIGH_WATER }));
    }
    this.#early = [];
    if (
      this.mode === "whole" && body instanceof Uint8Array && encoding === undefined && status < 300
    ) {
      this.resolve({ status, headers, bytes: body as Bytes });
      return;
    }
    if (encoding !== undefined && encoding !== "identity" && body !== null) {
      const format = encoding === "gzip" || encoding === "x-gzip"
        ? "gzip"
        : encoding === "deflate"
        ? "deflate"
        : undefined;
      if (format === undefined) {
        this.#settled = false;
        this.fail(
          new TypeError(`the upstream sent a body in an unsupported encoding '${encoding}'`),
        );
        return;
      }
      // Unpacked as fetch does; the caller's size caps count the unpacked bytes.
      const packed = (body instanceof ReadableStream
        ? body
        : new Blob([body as Bytes]).stream()) as ReadableStream<Bytes>;
      body = packed.pipeThrough(sliced()).pipeThrough(
        new DecompressionStream(format) as unknown as ReadableWritablePair<Bytes, Bytes>,
      );
    }
    const fields = encoding === undefined || body === null
      ? headers
      : headers.filter(([name]) => name !== "content-encoding" && name !== "content-length");
    let response: Response;
    try {
      response = new Response(body, { status, statusText: head.statusText, headers: fields });
    } catch (error) {
      // A header the standard refuses (a name or value no fetch would pass on).
      this.#settled = false;
      this.fail(error);
      return;
    }
    this.resolve(response);
  }

  #push(bytes: Bytes): void {
    const channel = this.#channel as BodyChannel;
    channel.push(bytes);
    if (channel.size >= BODY_HIGH_WATER) this.#connection?.socket.pause();
  }

  #enqueue(bytes: Bytes): void {
    const stream = this.#stream as ReadableStreamDefaultController<Bytes>;
    try {
      stream.enqueue(bytes);
    } catch {
      return; // cancelled: the connection is being closed
    }
    if ((stream.desiredSize ?? 1) <= 0) this.#connection?.socket.pause();
  }

  /** The answer is complete: its body ends, and its connection is kept if it can carry another. */
  #end(alone: boolean): void {
    const connection = this.#connection;
    this.#channel?.close();
    if (this.#stream !== undefined) {
      try {
        this.#stream.close();
      } catch {
        // cancelled already
      }
    }
    this.#release();
    if (connection === undefined || connection.exchange !== this) return;
    connection.exchange = undefined;
    const status = this.#parser.status;
    if (alone && this.#parser.keepAlive && status >= 200 && status < 300) {
      connection.socket.resume();
      putIdle(connection);
    } else {
      connection.socket.destroy();
    }
  }

  #release(): void {
    if (this.#onAbort !== undefined) {
      this.signal?.removeEventListener("abort", this.#onAbort);
      this.#onAbort = undefined;
    }
  }
}

/** Packed bytes are unpacked this many at a time. */
const PACKED_SLICE = 1024;

/**
 * Cuts packed bytes into small slices: the decompressor unpacks each write whole, and a slice of
 * a gzip bomb unpacks to about a MiB at most, so the caller's caps stop it early.
 */
function sliced(): TransformStream<Bytes, Bytes> {
  return new TransformStream<Bytes, Bytes>({
    transform(chunk, controller) {
      for (let at = 0; at < chunk.length; at += PACKED_SLICE) {
        controller.enqueue(chunk.subarray(at, at + PACKED_SLICE));
      }
    },
  });
}

export { HttpParseError };
