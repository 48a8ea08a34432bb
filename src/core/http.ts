/**
 * The one place that calls fetch: first-byte and idle timeouts, client aborts, and mapping of
 * network failures and upstream error statuses to GatewayErrors.
 */
import { GatewayError, parseRetryAfter, ProviderError, upstreamError } from "./errors.ts";
import type { Provider, UpstreamRequest } from "./provider.ts";
import { deadlines, withDeadline } from "./deadlines.ts";

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
  fetch?: typeof fetch;
}

const MAX_ERROR_BODY = 64 * 1024;

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

/** The fetch options of one upstream request on `call` (whatever aborts it stops the request). */
function fetchInit(req: UpstreamRequest, call: AbortController): RequestInit {
  return { method: "POST", headers: req.headers, body: req.body as BodyInit, signal: call.signal };
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
 * Sends one upstream request and returns the response once its headers arrive. Non-2xx answers
 * are read and thrown as mapped GatewayErrors.
 */
export async function callUpstream(req: UpstreamRequest, opts: CallOptions): Promise<Response> {
  if (opts.signal.aborted) throw abortError(opts.signal);
  // One controller for both reasons to stop (client gone, first-byte timeout), aborted by the
  // shared deadline sweep: cheaper than AbortSignal.any, a timer or a listener per call.
  const call = new AbortController();
  const deadline = deadlines.add(opts.timeoutMs, call, opts.signal);
  let response: Response;
  try {
    response = await (opts.fetch ?? fetch)(req.url, fetchInit(req, call));
  } catch (error) {
    throw sendFailed(error, req, opts, call);
  } finally {
    deadlines.cancel(deadline);
  }
  if (!response.ok) throw await readUpstreamError(response, opts);
  return response;
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
  read: (json: unknown, text: string) => T,
): Promise<T> {
  if (opts.signal.aborted) throw abortError(opts.signal);
  const call = new AbortController();
  const deadline = deadlines.add(opts.timeoutMs, call, opts.signal);
  try {
    let response: Response;
    try {
      response = await (opts.fetch ?? fetch)(req.url, fetchInit(req, call));
    } catch (error) {
      throw sendFailed(error, req, opts, call);
    }
    deadlines.extend(deadline, opts.idleTimeoutMs);
    if (!response.ok) throw await readUpstreamError(response, opts);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (opts.signal.aborted) throw abortError(opts.signal);
      if (call.signal.aborted) throw wholeAnswerLate(opts);
      throw brokeOff(opts, error);
    }
    return read(parseJson(text, response, opts), text);
  } finally {
    deadlines.cancel(deadline);
  }
}

/** Reads a non-2xx upstream answer into the mapped error the client sees. */
async function readUpstreamError(response: Response, opts: CallOptions): Promise<GatewayError> {
  let body = "";
  try {
    body = (await readBody(response, opts)).slice(0, MAX_ERROR_BODY);
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
  response: Response,
  opts: CallOptions,
): AsyncGenerator<Uint8Array> {
  if (!response.body) return;
  const reader = response.body.getReader();
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
  let done = false;
  try {
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
      if (result.done) {
        done = true;
        return;
      }
      yield result.value;
    }
  } finally {
    clearTimeout(watchdog);
    if (!done) await reader.cancel().catch(() => {});
  }
}

/**
 * The whole body of an error answer as text; it must arrive within the idle timeout (the upstream
 * sends it right after its headers). One read by the runtime, not a loop of chunks.
 */
async function readBody(response: Response, opts: CallOptions): Promise<string> {
  try {
    return await withDeadline(response.text(), opts.idleTimeoutMs, () => {
      response.body?.cancel().catch(() => {});
      return wholeAnswerLate(opts);
    });
  } catch (error) {
    if (opts.signal.aborted) throw abortError(opts.signal);
    if (error instanceof GatewayError) throw error;
    throw brokeOff(opts, error);
  }
}

/** The body parsed as JSON; anything else is a 502 naming the provider. */
function parseJson(text: string, response: Response, opts: CallOptions): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const type = response.headers.get("content-type") ?? "no content type";
    throw new ProviderError(
      502,
      "upstream_error",
      `${opts.provider.displayName} (endpoint '${opts.endpoint}') returned a body that is not JSON (${type}): ${
        text.slice(0, 200)
      }`,
      { retryable: true },
    );
  }
}
