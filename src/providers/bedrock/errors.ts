/**
 * Bedrock's errors: `{"message": ...}` bodies with the type in `x-amzn-errortype`, and exception
 * events inside a ConverseStream (`exception:throttlingException`...).
 */
import { type ProviderError, upstreamError } from "../../core/errors.ts";
import type { ProviderErrorInfo } from "../../core/provider.ts";
import { WireError } from "./wire.ts";
import { PROVIDER_NAME } from "./config.ts";

/** HTTP statuses of the exceptions a ConverseStream may send mid-stream. */
const STREAM_EXCEPTION_STATUS: Readonly<Record<string, number>> = {
  validationException: 400,
  accessDeniedException: 403,
  resourceNotFoundException: 404,
  modelTimeoutException: 408,
  throttlingException: 429,
  modelNotReadyException: 429,
  serviceQuotaExceededException: 429,
  modelStreamErrorException: 424,
  modelErrorException: 424,
  internalServerException: 500,
  serviceUnavailableException: 503,
};

/**
 * Drops what must not reach a client: AWS's signature errors can quote the canonical request,
 * which carries the session token.
 */
export function sanitizeMessage(message: string): string {
  const cut = message.search(/\s*The Canonical String for this request should have been/);
  const kept = cut === -1 ? message : message.slice(0, cut);
  return kept.replace(/(x-amz-security-token[:=])\S+/gi, "$1[redacted]").trim().slice(0, 1000);
}

/** The message of a Bedrock error body (JSON `message`/`Message`, else the text itself). */
export function bedrockErrorMessage(body: string, fallback: string): string {
  const text = body.trim();
  if (text === "") return fallback;
  try {
    const parsed = WireError.safeParse(JSON.parse(text));
    if (parsed.success) {
      const message = parsed.data.message ?? parsed.data.Message;
      if (message) return sanitizeMessage(message);
    }
  } catch {
    // not JSON: the text is the message
  }
  return sanitizeMessage(text).slice(0, 500);
}

/** The error type: `x-amzn-errortype` up to its first `:` (AWS appends a namespace URL). */
export function errorTypeOf(headers: Headers): string | undefined {
  const type = headers.get("x-amzn-errortype")?.split(":")[0]?.trim();
  return type === undefined || type === "" ? undefined : type;
}

/** AWS error types that mean the gateway's credentials or signature were rejected. */
const AUTH_FAILURES = new Set([
  "AccessDeniedException",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "IncompleteSignatureException",
  "MissingAuthenticationTokenException",
  "ExpiredTokenException",
]);

/** Reads a Bedrock error response (the core maps the status). */
export function parseBedrockError(
  status: number,
  body: string,
  headers: Headers,
): ProviderErrorInfo {
  const type = errorTypeOf(headers);
  const info: ProviderErrorInfo = {
    message: bedrockErrorMessage(body, type ?? `HTTP ${status} with an empty body`),
    code: type ?? null,
  };
  if (type !== undefined && AUTH_FAILURES.has(type)) info.authFailure = true;
  return info;
}

/** An exception event of a ConverseStream as the error the client sees. */
export function streamException(type: string, data: string, endpoint: string): ProviderError {
  const status = STREAM_EXCEPTION_STATUS[type] ?? 500;
  const code = type.charAt(0).toUpperCase() + type.slice(1);
  return upstreamError({
    status,
    message: `${code} mid-stream: ${bedrockErrorMessage(data, "no message")}`,
    code,
    endpoint,
    provider: PROVIDER_NAME,
  });
}
