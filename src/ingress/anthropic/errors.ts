/**
 * Anthropic's error body `{"type": "error", "error": {"type", "message"}}`, for error answers and
 * for the `error` event of a broken stream. The status is the gateway's; the error type is the one
 * Anthropic gives that status, so a client's handling by type matches its handling by status.
 */
import type { GatewayError } from "../../core/errors.ts";
import type { Redactor } from "../../observe/redact.ts";

/** Anthropic's error body. */
export interface AnthropicErrorBody {
  type: "error";
  error: { type: string; message: string };
}

/** Anthropic's error type for each status it documents. */
const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  409: "conflict_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  // The upstream failed or answered badly: Anthropic's own failures are api_error.
  502: "api_error",
  // The gateway or every destination is unavailable: Anthropic's word for "try again later".
  503: "overloaded_error",
  504: "timeout_error",
  529: "overloaded_error",
};

/**
 * Anthropic's error type for a status: the documented ones as Anthropic gives them; another 4xx
 * (405, 408, 422...) is `invalid_request_error`; 501 (a feature the endpoint's provider cannot
 * serve) is `invalid_request_error` too, since it is the request that asks for it; any other 5xx
 * is `api_error`.
 */
export function anthropicErrorType(status: number): string {
  const known = ERROR_TYPES[status];
  if (known !== undefined) return known;
  if (status === 501) return "invalid_request_error";
  return status >= 400 && status < 500 ? "invalid_request_error" : "api_error";
}

/** The body of an error answer, secrets removed from every field. */
export function anthropicErrorBody(error: GatewayError, redactor: Redactor): AnthropicErrorBody {
  return redactor.redactDeep({
    type: "error",
    error: { type: anthropicErrorType(error.status), message: error.message },
  });
}

/** An error answer in Anthropic's shape, with the gateway's status. */
export function anthropicError(
  error: GatewayError,
  redactor: Redactor,
): { status: number; body: AnthropicErrorBody } {
  return { status: error.status, body: anthropicErrorBody(error, redactor) };
}
