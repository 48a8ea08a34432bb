/**
 * Reads Google's error bodies (`{"error": {"code", "message", "status", "details"}}`, also sent
 * wrapped in an array by the streaming method), including the retry delay of a 429.
 */
import { parseRetryAfter, type ProviderError, upstreamError } from "../../core/errors.ts";
import type { ProviderErrorInfo } from "../../core/provider.ts";
import { parseErrorBody } from "../shared/errors.ts";
import { WireError } from "./wire.ts";

const RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo";
const BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest";
const ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo";

/** Google API keys look like `AIza` + 35 characters; never pass one on in a message. */
const API_KEY_PATTERN = /AIza[0-9A-Za-z_-]{35}/g;

/** Removes anything shaped like a Google API key from a message. */
export function redactApiKeys(text: string): string {
  return text.replace(API_KEY_PATTERN, "[redacted]");
}

/**
 * Seconds in a protobuf Duration as JSON ("12s", "1.5s", "0.250s"), rounded up so a client
 * never retries early; undefined when it is not one.
 */
export function parseDurationSeconds(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)s\s*$/.exec(value);
  if (!match) return undefined;
  return Math.ceil(Number(match[1]));
}

/** The error object of a body, whether sent bare or (by the streaming method) in an array. */
function errorOf(json: unknown): WireError["error"] | undefined {
  const value = Array.isArray(json) ? json[0] : json;
  const parsed = WireError.safeParse(value);
  return parsed.success ? parsed.data.error : undefined;
}

/** The parts of a Google error body the gateway uses; undefined when it is not one. */
export function readGeminiError(json: unknown): ProviderErrorInfo | undefined {
  const error = errorOf(json);
  if (!error) return undefined;
  const details = error.details ?? [];
  const retryAfter = parseDurationSeconds(
    details.find((d) => d["@type"] === RETRY_INFO)?.retryDelay,
  );
  const violation = details.find((d) => d["@type"] === BAD_REQUEST)?.fieldViolations?.[0];
  const reason = details.find((d) => d["@type"] === ERROR_INFO)?.reason;
  const message = error.message?.trim() || error.status || "unknown error";
  const info: ProviderErrorInfo = {
    message: redactApiKeys(message),
    // ErrorInfo's reason (e.g. API_KEY_INVALID) says more than the status (INVALID_ARGUMENT).
    code: reason ?? error.status ??
      (error.code === null || error.code === undefined ? null : String(error.code)),
    param: violation?.field ?? null,
  };
  if (retryAfter !== undefined) info.retryAfter = retryAfter;
  // Gemini answers a bad or missing key with 400/403 and these reasons.
  if (reason === "API_KEY_INVALID" || reason === "API_KEY_SERVICE_BLOCKED") info.authFailure = true;
  return info;
}

/**
 * Reads an error response of the Gemini API. The wait of a 429 comes from Retry-After when
 * present, else from the body's `google.rpc.RetryInfo.retryDelay`.
 */
export function parseGeminiError(
  status: number,
  body: string,
  headers: Headers,
): ProviderErrorInfo {
  const info = parseErrorBody(status, body, readGeminiError, redactApiKeys);
  const header = parseRetryAfter(headers.get("retry-after"));
  if (header !== undefined) info.retryAfter = header;
  return info;
}

/**
 * An error object sent inside a stream, as the error the client sees: its `code` is an HTTP
 * status, mapped like any upstream failure (a mid-stream 429 stays a rate limit).
 */
export function streamError(json: unknown, endpoint: string): ProviderError | undefined {
  const error = errorOf(json);
  if (!error) return undefined;
  const info = readGeminiError(json) ?? { message: "unknown error" };
  const status = typeof error.code === "number" && error.code >= 400 ? error.code : 500;
  return upstreamError({
    status,
    message: `error in the stream: ${info.message}`,
    code: info.code ?? null,
    param: info.param ?? null,
    retryAfter: info.retryAfter,
    endpoint,
    provider: "Gemini",
  });
}
