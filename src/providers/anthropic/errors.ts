/** Reads Anthropic error bodies (`{"type":"error","error":{"type","message"}}`) and stream errors. */
import { type ErrorType, ProviderError } from "../../core/errors.ts";
import type { ProviderErrorInfo } from "../../core/provider.ts";
import { parseErrorBody } from "../shared/errors.ts";
import { WireErrorBody } from "./wire.ts";
import { DISPLAY_NAME } from "./config.ts";

/** Removes anything shaped like an Anthropic API key from text that may reach a client. */
export function redactKeys(text: string): string {
  return text.replace(/sk-ant-[A-Za-z0-9_-]+/g, "[REDACTED]");
}

/** Reads an error answer of the Messages API; the core maps the status. */
export function parseAnthropicError(status: number, body: string): ProviderErrorInfo {
  return parseErrorBody(status, body, (json) => {
    const parsed = WireErrorBody.safeParse(json);
    if (!parsed.success) return undefined;
    const { error, request_id } = parsed.data;
    const message = error.message ?? error.type ?? `HTTP ${status}`;
    const suffix = request_id ? ` (request_id ${request_id})` : "";
    return { message: redactKeys(message) + suffix, code: error.type ?? null };
  }, redactKeys);
}

/** Status and envelope type for the error types Anthropic can send inside a stream. */
const STREAM_ERRORS: Readonly<Record<string, [number, ErrorType]>> = {
  invalid_request_error: [400, "invalid_request_error"],
  request_too_large: [413, "request_too_large"],
  rate_limit_error: [429, "rate_limit_error"],
};

/** The error to throw for an `error` event inside a stream. */
export function streamError(
  detail: { type?: string | null | undefined; message?: string | null | undefined },
): ProviderError {
  const type = detail.type ?? "api_error";
  // overloaded_error, api_error and anything new are the upstream's failure: 502, retryable.
  const [status, errorType] = STREAM_ERRORS[type] ?? [502, "upstream_error"];
  const message = redactKeys(detail.message ?? type);
  return new ProviderError(
    status,
    errorType,
    `${DISPLAY_NAME} reported an error mid-stream (${type}): ${message}`,
    { code: type, retryable: status === 429 || status >= 500 },
  );
}
