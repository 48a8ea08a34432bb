/**
 * Reading request bodies: a size cap enforced while the bytes arrive (413 before the upload
 * ends), a time limit (a slow client cannot hold a request forever), strict UTF-8, and JSON
 * errors that say what is wrong. Used instead of zod-openapi's validator, which reads without a
 * cap and ignores bodies not labelled application/json.
 */
import { GatewayError, InvalidRequestError } from "../core/errors.ts";
import { TimedWork } from "../core/deadlines.ts";
import { keepText } from "../core/request_text.ts";
import { joinBytes } from "../core/bytes.ts";

/** How long a client may take to send its body. */
export const BODY_TIMEOUT_MS = 60_000;

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError(
    413,
    "request_too_large",
    `the request body is larger than the limit of ${maxBytes} bytes`,
    { code: "request_too_large" },
  );
}

function tooSlow(timeoutMs: number): GatewayError {
  return new GatewayError(
    408,
    "timeout_error",
    `the request body did not arrive within ${timeoutMs / 1000}s`,
    { code: "request_timeout" },
  );
}

/** Reads a body of unknown length, stopping as soon as it passes the cap. */
async function readCounted(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array> {
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    parts.push(value);
  }
  return joinBytes(parts);
}

/** The body, read under the size cap (a 413 may be thrown at once). */
function bodyBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  const header = request.headers.get("content-length");
  const declared = header === null ? undefined : Number(header);
  if (declared !== undefined && declared > maxBytes) throw tooLarge(maxBytes);
  if (declared !== undefined && Number.isFinite(declared)) {
    // With a declared length the server reads exactly that many bytes: no need to count. (Not
    // looking at `request.body` first: that would make the runtime build a stream for it.)
    return request.bytes();
  }
  const body = request.body;
  if (!body) return Promise.resolve(new Uint8Array());
  return readCounted(body, maxBytes);
}

/**
 * Starts reading the body under the size cap (a 413 may be thrown at once) and the time limit:
 * await its `promise`, then call its `done()`.
 */
export function startBodyRead(
  request: Request,
  maxBytes: number,
  timeoutMs = BODY_TIMEOUT_MS,
): TimedWork<Uint8Array> {
  return new TimedWork(bodyBytes(request, maxBytes), timeoutMs, tooSlow);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A body's bytes as a JSON object, or a 400 that says what is wrong with them. */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new InvalidRequestError("the request body is not valid UTF-8", {
      code: "invalid_encoding",
    });
  }
  if (text.trim() === "") {
    throw new InvalidRequestError("the request body is empty; send a JSON object", {
      code: "invalid_json",
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof RangeError
      ? "it is nested too deeply"
      : (error as Error).message;
    throw new InvalidRequestError(`the request body is not valid JSON: ${reason}`, {
      code: "invalid_json",
    });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const got = Array.isArray(value) ? "an array" : value === null ? "null" : typeof value;
    throw new InvalidRequestError(`the request body must be a JSON object, got ${got}`, {
      code: "invalid_json",
    });
  }
  keepText(value, text);
  return value as Record<string, unknown>;
}
