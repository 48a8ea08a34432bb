/**
 * The one place that calls upstreams (the runtime's fetch, or for plain-http URLs the gateway's
 * own HTTP/1.1 client: `http1/client.ts`): first-byte and idle timeouts, client aborts, size caps
 * on everything read, no redirects, and mapping of network failures and upstream error statuses
 * to GatewayErrors.
 */
import { GatewayError, parseRetryAfter, ProviderError, upstreamError } from "./errors.ts";
import type { Provider, UpstreamRequest } from "./provider.ts";
import { deadlines, withDeadline } from "./deadlines.ts";
import { readCapped, readCappedBytes } from "./bounded.ts";
import type { Redactor } from "../observe/redact.ts";
import {
  http1Call,
  http1Stream,
  servesDirectly,
  type StreamedAnswer,
  type WholeAnswer,
} from "./http1/client.ts";
import type { BodyReader } from "./http1/body_channel.ts";

/** The client went away; nothing is sent back and nothing is retried. */
export class ClientClosedError extends GatewayError {
  constructor() {
    super(499, "invalid_request_error", "the client closed the request");
  }
}

export interface CallOptions {
  /** Aborts when the client goes away. */
  signal: AbortSignal;
  /** Milliseconds until the upstream's response headers. */
  timeoutMs: number;
  /** Milliseconds allowed between two body chunks. */
  idleTimeoutMs: number;
  provider: Provider;
  endpoint: string;
  /** Caps on what is read from the upstream (`server.max_upstream_*`). */
  limits: UpstreamLimits;
  /** The config's secrets, removed from upstream text before anything reads or cuts it. */
  redactor: Redactor;
  fetch?: typeof fetch;
}

/** Caps on what is read from an upstream, in bytes after decompression. */
export interface UpstreamLimits {
  /** A complete (non-streamed) answer. */
  answerBytes: number;
  /** An error answer's body: the rest is dropped unread. */
  errorBytes: number;
  /** One stream line or event (SSE, NDJSON, AWS event stream message). */
  eventBytes: number;
}

/**
 * Why a call was aborted: the gateway's own reason (e.g. shutting down) when it gave one,
 * otherwise the client went away.
 */
export function abortError(signal: AbortSignal): GatewayError {
  return signal.reason instanceof GatewayError ? signal.reason : new ClientClosedError();
}

function timeoutError(opts: CallOptions, what: string): ProviderError {
  return new ProviderError(
    504,
    "timeout_error",
    `${opts.provider.displayName} (endpoint '${opts.endpoint}') ${what}`,
    { retryable: true },
  );
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code;
  const message = cause?.message ?? (error as Error).message ?? String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

function wholeAnswerLate(opts: CallOptions): ProviderError {
  return timeoutError(opts, `did not send its whole answer within ${opts.idleTimeoutMs / 1000}s`);
}

/** The upstream's answer stopped part-way (a network error while reading its body). */
function brokeOff(opts: CallOptions, error: unknown): ProviderError {
  return new ProviderError(
    502,
    "upstream_error",
    `${opts.provider.displayName} (endpoint '${opts.endpoint}') broke off its response: ${
      describeNetworkError(error)
    }`,
    { retryable: true, cause: error },
  );
}

/**
 * The fetch options of one upstream request on `call` (whatever aborts it stops the request).
 * Redirects are never followed: they would carry the provider key and the prompt to whatever
 * host the upstream names.
 */
function fetchInit(req: UpstreamRequest, call: AbortController): RequestInit {
  return {
    method: "POST",
    headers: req.headers,
    body: req.body as BodyInit,
    signal: call.signal,
    redirect: "manual",
  };
}

/** A 3xx from the upstream: refused, naming where it pointed. */
function redirected(response: Response, opts: CallOptions): ProviderError {
  response.body?.cancel().catch(() => {});
  const location = response.headers.get("location");
  const target = location === null ? "no Location" : `'${location.slice(0, 500)}'`;
  return new ProviderError(
    502,
    "upstream_error",
    `${opts.provider.displayName} (endpoint '${opts.endpoint}') answered with a redirect (HTTP ${response.status} to ${target}); the gateway does not follow redirects: set the endpoint's base URL to the address that serves the API`,
    { code: "upstream_redirect" },
  );
}

/** An answer over `server.max_upstream_answer_bytes`. */
function answerTooLarge(opts: CallOptions): ProviderError {
  return new ProviderError(
    502,
    "upstream_error",
    `${opts.provider.displayName} (endpoint '${opts.endpoint}') sent an answer larger than ${opts.limits.answerBytes} bytes (server.max_upstream_answer_bytes); it was dropped`,
    { code: "upstream_answer_too_large" },
  );
}

/** Why an upstream request got no response headers, as the error the client sees. */
function sendFailed(
  error: unknown,
  req: UpstreamRequest,
  opts: CallOptions,
  call: AbortController,
): GatewayError {
  if (opts.signal.aborted) return abortError(opts.signal);
  if (call.signal.aborted) {
    return timeoutError(opts, `did not answer within ${opts.timeoutMs / 1000}s`);
  }
  const origin = new URL(req.url).origin;
  return new ProviderError(
    502,
    "upstream_error",
    `could not reach ${opts.provider.displayName} at ${origin} (endpoint '${opts.endpoint}'): ${
      describeNetworkError(error)
    }`,
    { retryable: true, cause: error },
  );
}

/**
 * Sends a call on the gateway's own HTTP/1.1 client where it serves it (`own`: how the caller
 * wants its answer), else on the runtime's `fetch` (or the one the options give, in tests).
 */
function send<Answer>(
  url: string,
  init: RequestInit,
  opts: CallOptions,
  own: (url: string, init: RequestInit) => Promise<Response | Answer>,
): Promise<Response | Answer> {
  if (opts.fetch !== undefined) return opts.fetch(url, init);
  return servesDirectly(url, init) ? own(url, init) : fetch(url, init);
}

/**
 * Sends one upstream request for a stream and returns the reader of its body once the answer's
 * headers arrive. Non-2xx answers are read and thrown as mapped GatewayErrors.
 */
export async function callUpstream(req: UpstreamRequest, opts: CallOptions): Promise<BodyReader> {
  if (opts.signal.aborted) throw abortError(opts.signal);
  // One controller for both reasons to stop (client gone, first-byte timeout), aborted by the
  // shared deadline sweep: cheaper than AbortSignal.any, a timer or a listener per call.
  const call = new AbortController();
  const deadline = deadlines.add(opts.timeoutMs, call, opts.signal);
  let answer: Response | StreamedAnswer;
  try {
    const init = fetchInit(req, call);
    answer = await send(req.url, init, opts, http1Stream);
  } catch (error) {
    throw sendFailed(error, req, opts, call);
  } finally {
    deadlines.cancel(deadline);
  }
  if (!(answer instanceof Response)) return answer.reader;
  if (!answer.ok) throw await failedAnswer(answer, opts);
  return answer.body?.getReader() ?? EMPTY_BODY;
}

/** The reader of an answer with no body. */
const EMPTY_BODY: BodyReader = {
  read: () => Promise.resolve({ done: true }),
  cancel: () => Promise.resolve(),
};

/** The error for a non-2xx answer: a redirect, or the upstream's error body read (capped). */
function failedAnswer(response: Response, opts: CallOptions): Promise<GatewayError> | GatewayError {
  if (response.status >= 300 && response.status < 400) return redirected(response, opts);
  return readUpstreamError(response, opts);
}

/**
 * A complete JSON answer, read by `read` (given the parsed JSON and its text; it may throw the
 * error the client sees): the call and its body in one exchange, with one controller and one
 * deadline that moves from the first-byte timeout to the body's idle timeout once the headers
 * arrive. A client that leaves while the body arrives stops it too.
 */
export async function callUpstreamJson<T>(
  req: UpstreamRequest,
  opts: CallOptions,
  read: (bytes: Uint8Array<ArrayBuffer>, parse: () => unknown) => T,
): Promise<T> {
  if (opts.signal.aborted) throw abortError(opts.signal);
  const call = new AbortController();
  const deadline = deadlines.add(opts.timeoutMs, call, opts.signal);
  try {
    let answer: Response | WholeAnswer;
    try {
      const init = fetchInit(req, call);
      answer = await send(req.url, init, opts, http1Call);
    } catch (error) {
      throw sendFailed(error, req, opts, call);
    }
    if (!(answer instanceof Response)) {
      // A successful answer that came whole with its head: read as it is.
      if (answer.bytes.length > opts.limits.answerBytes) throw answerTooLarge(opts);
      const whole = answer;
      return read(
        whole.bytes,
        () => parseJson(whole.bytes, () => headerOf(whole.headers, "content-type"), opts),
      );
    }
    const response = answer;
    deadlines.extend(deadline, opts.idleTimeoutMs);
    if (!response.ok) throw await failedAnswer(response, opts);
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      const read = await readCappedBytes(response, opts.limits.answerBytes, true);
      if (read.cut) throw answerTooLarge(opts);
      bytes = read.bytes;
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      if (opts.signal.aborted) throw abortError(opts.signal);
      if (call.signal.aborted) throw wholeAnswerLate(opts);
      throw brokeOff(opts, error);
    }
    return read(bytes, () => parseJson(bytes, () => response.headers.get("content-type"), opts));
  } finally {
    deadlines.cancel(deadline);
  }
}

/**
 * Reads a non-2xx upstream answer into the mapped error the client sees. The body is read up to
 * its cap and the config's secrets are removed from it before the provider reads (and maybe
 * cuts) it, so no cut can leave part of a key behind.
 */
async function readUpstreamError(response: Response, opts: CallOptions): Promise<GatewayError> {
  let body = "";
  try {
    body = await readErrorBody(response, opts);
  } catch {
    // the status alone still tells what happened
  }
  const info = opts.provider.parseError?.(response.status, body, response.headers) ??
    { message: body.trim().slice(0, 500) || `HTTP ${response.status}` };
  return upstreamError({
    status: response.status,
    message: info.message,
    code: info.code ?? null,
    param: info.param ?? null,
    retryAfter: parseRetryAfter(response.headers.get("retry-after")) ?? info.retryAfter,
    authFailure: info.authFailure ?? false,
    endpoint: opts.endpoint,
    provider: opts.provider.displayName,
  });
}

/**
 * Iterates a response body, failing if no chunk arrives within the idle timeout and
 * cancelling the body when the consumer stops early.
 */
export async function* bodyChunks(
  reader: BodyReader,
  opts: CallOptions,
): AsyncGenerator<Uint8Array> {
  // One watchdog for the whole body rather than a timer per chunk: it re-arms itself for the
  // time left, and cancels the read when the upstream stays silent. Only time spent waiting on
  // the upstream counts (a slow client that reads late is not the upstream's silence).
  let waitingSince: number | undefined;
  let idle = false;
  let watchdog: ReturnType<typeof setTimeout>;
  const watch = () => {
    const silentFor = waitingSince === undefined ? 0 : performance.now() - waitingSince;
    if (silentFor >= opts.idleTimeoutMs) {
      idle = true;
      reader.cancel().catch(() => {});
    } else {
      watchdog = setTimeout(watch, opts.idleTimeoutMs - silentFor);
    }
  };
  watchdog = setTimeout(watch, opts.idleTimeoutMs);
  // A client that leaves stops the upstream at once, even while no chunk is coming (before the
  // first one, or a long silence): the read is cancelled and the connection let go.
  const onAbort = () => void reader.cancel().catch(() => {});
  opts.signal.addEventListener("abort", onAbort, { once: true });
  let done = false;
  try {
    if (opts.signal.aborted) throw abortError(opts.signal);
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        waitingSince = performance.now();
        result = await reader.read();
        waitingSince = undefined;
      } catch (error) {
        if (opts.signal.aborted) throw abortError(opts.signal);
        if (idle) throw timeoutError(opts, `sent nothing for ${opts.idleTimeoutMs / 1000}s`);
        throw brokeOff(opts, error);
      }
      if (idle) throw timeoutError(opts, `sent nothing for ${opts.idleTimeoutMs / 1000}s`);
      if (opts.signal.aborted) throw abortError(opts.signal);
      if (result.done) {
        done = true;
        return;
      }
      yield result.value;
    }
  } finally {
    clearTimeout(watchdog);
    opts.signal.removeEventListener("abort", onAbort);
    if (!done) await reader.cancel().catch(() => {});
  }
}

/**
 * An error answer's body as text, its secrets removed: at most `limits.errorBytes` (the rest is
 * dropped unread), within the idle timeout (the upstream sends it right after its headers).
 */
async function readErrorBody(response: Response, opts: CallOptions): Promise<string> {
  try {
    const read = await withDeadline(
      readCapped(response, opts.limits.errorBytes),
      opts.idleTimeoutMs,
      () => {
        response.body?.cancel().catch(() => {});
        return wholeAnswerLate(opts);
      },
    );
    return read.cut ? opts.redactor.redactExcerpt(read.text) : opts.redactor.redact(read.text);
  } catch (error) {
    if (opts.signal.aborted) throw abortError(opts.signal);
    if (error instanceof GatewayError) throw error;
    throw brokeOff(opts, error);
  }
}

const utf8 = new TextDecoder();

/** A field of a head given as lower-cased pairs. */
function headerOf(headers: [string, string][], name: string): string | null {
  for (const [field, value] of headers) if (field === name) return value;
  return null;
}

/** The body parsed as JSON; anything else is a 502 naming the provider. */
function parseJson(
  bytes: Uint8Array,
  contentType: () => string | null,
  opts: CallOptions,
): unknown {
  const text = utf8.decode(bytes);
  try {
    return JSON.parse(text);
  } catch {
    const type = contentType() ?? "no content type";
    throw new ProviderError(
      502,
      "upstream_error",
      `${opts.provider.displayName} (endpoint '${opts.endpoint}') returned a body that is not JSON (${type}): ${
        opts.redactor.redactExcerpt(text.slice(0, 1000)).slice(0, 200)
      }`,
      { retryable: true },
    );
  }
}
