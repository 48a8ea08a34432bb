/**
 * One error hierarchy for the whole gateway. Every failure that reaches a client is a
 * GatewayError; `app.onError` turns it into OpenAI's envelope `{"error": {...}}`.
 */

/** The `type` field of the OpenAI error envelope. */
export type ErrorType =
  | "invalid_request_error"
  | "not_found_error"
  | "method_not_allowed"
  | "request_too_large"
  | "rate_limit_error"
  | "insufficient_quota"
  | "authentication_error"
  | "permission_error"
  | "upstream_error"
  | "upstream_auth_error"
  | "timeout_error"
  | "service_unavailable"
  | "not_implemented"
  | "server_error";

export interface GatewayErrorOptions {
  param?: string | null;
  code?: string | null;
  /** Whether a retry (or a fallback destination) might succeed. */
  retryable?: boolean;
  /** Seconds the client should wait, sent as Retry-After. */
  retryAfter?: number | undefined;
  /** Extra response headers (e.g. x-ratelimit-*). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** An error with an HTTP status and the fields of OpenAI's error envelope. */
export class GatewayError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly param: string | null;
  readonly code: string | null;
  readonly retryable: boolean;
  readonly retryAfter: number | undefined;
  readonly headers: Record<string, string>;

  constructor(status: number, type: ErrorType, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.type = type;
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.retryable = options.retryable ?? false;
    this.retryAfter = options.retryAfter;
    this.headers = options.headers ?? {};
  }

  /** The JSON body sent to clients. */
  toJSON(): {
    error: { message: string; type: string; param: string | null; code: string | null };
  } {
    return {
      error: { message: this.message, type: this.type, param: this.param, code: this.code },
    };
  }
}

/** A bad request from the client (400). */
export class InvalidRequestError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super(400, "invalid_request_error", message, options);
  }
}

/** An unknown endpoint, route or path (404). */
export class NotFoundError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super(404, "not_found_error", message, options);
  }
}

/** A feature the endpoint's provider cannot serve (501). */
export class UnsupportedFeatureError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super(501, "not_implemented", message, options);
  }
}

/** A failure of, or a refusal by, the upstream provider. */
export class ProviderError extends GatewayError {}

/** A configuration problem found while serving (e.g. a provider needing a missing key). */
export class ConfigError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super(500, "server_error", message, options);
  }
}

/** Statuses that a retry may cure: timeouts, conflicts, rate limits and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Parses a Retry-After header (seconds or an HTTP date) into seconds, if present. */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

export interface UpstreamFailure {
  /** The upstream HTTP status. */
  status: number;
  /** The provider's own error message (already extracted from its body). */
  message: string;
  /** The provider's error code or type, when it has one. */
  code?: string | null;
  param?: string | null;
  /** Seconds from Retry-After (header or body). */
  retryAfter?: number | undefined;
  /** The provider said the credentials were rejected, whatever the status. */
  authFailure?: boolean;
  /** The endpoint that called the provider, named in messages the client sees. */
  endpoint: string;
  provider: string;
}

/**
 * Maps an upstream HTTP failure to the status the client sees:
 * 429 stays 429 (with Retry-After), 400/413/422 stay client errors with the provider's message,
 * 401/403 become 502 (the gateway's credentials were rejected, not the client's), 408 and 504
 * become 504, everything else 502.
 */
export function upstreamError(f: UpstreamFailure): ProviderError {
  const where = `${f.provider} (endpoint '${f.endpoint}')`;
  const base = { code: f.code ?? null, param: f.param ?? null, retryAfter: f.retryAfter };
  if (f.status === 429) {
    return new ProviderError(429, "rate_limit_error", `${where} is rate limited: ${f.message}`, {
      ...base,
      retryable: true,
    });
  }
  if (f.status === 401 || f.status === 403 || f.authFailure) {
    return new ProviderError(
      502,
      "upstream_auth_error",
      `${where} rejected the gateway's credentials (HTTP ${f.status}); check the API key configured for this endpoint`,
      { code: "upstream_auth_failed" },
    );
  }
  if (f.status === 400 || f.status === 422) {
    return new ProviderError(400, "invalid_request_error", f.message, base);
  }
  if (f.status === 413) {
    return new ProviderError(413, "request_too_large", f.message, base);
  }
  if (f.status === 408 || f.status === 504) {
    return new ProviderError(
      504,
      "timeout_error",
      `${where} timed out (HTTP ${f.status}): ${f.message}`,
      {
        ...base,
        retryable: true,
      },
    );
  }
  return new ProviderError(
    502,
    "upstream_error",
    `${where} returned HTTP ${f.status}: ${f.message}`,
    {
      ...base,
      retryable: isRetryableStatus(f.status),
    },
  );
}
