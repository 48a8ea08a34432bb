import { assertEquals } from "../../../tests/assert.ts";
import {
  GatewayError,
  InvalidRequestError,
  NotFoundError,
  ProviderError,
  UnsupportedFeatureError,
  upstreamError,
} from "../../core/errors.ts";
import { Redactor } from "../../observe/redact.ts";
import { anthropicError, anthropicErrorType } from "./errors.ts";

const SECRET = "sk-test-secret-0123456789";
const redactor = new Redactor([SECRET]);

Deno.test("anthropicError() keeps the gateway's status and gives Anthropic's type for it", () => {
  const cases: [GatewayError, number, string][] = [
    [new InvalidRequestError("bad"), 400, "invalid_request_error"],
    [new GatewayError(401, "invalid_request_error", "no key"), 401, "authentication_error"],
    [new GatewayError(403, "invalid_request_error", "not yours"), 403, "permission_error"],
    [new NotFoundError("no endpoint"), 404, "not_found_error"],
    [new GatewayError(413, "request_too_large", "big"), 413, "request_too_large"],
    [new GatewayError(429, "rate_limit_error", "slow down"), 429, "rate_limit_error"],
    [new GatewayError(500, "server_error", "oops"), 500, "api_error"],
    [new UnsupportedFeatureError("no audio"), 501, "invalid_request_error"],
    [new ProviderError(502, "upstream_error", "upstream failed"), 502, "api_error"],
    [new GatewayError(503, "service_unavailable", "draining"), 503, "overloaded_error"],
    [new ProviderError(504, "timeout_error", "slow upstream"), 504, "timeout_error"],
  ];
  for (const [error, status, type] of cases) {
    assertEquals(anthropicError(error, redactor), {
      status,
      body: { type: "error", error: { type, message: error.message } },
    });
  }
});

Deno.test("anthropicErrorType() gives other 4xx invalid_request_error and other 5xx api_error", () => {
  assertEquals(
    [405, 408, 422, 402, 409, 529, 507].map(anthropicErrorType),
    [
      "invalid_request_error",
      "invalid_request_error",
      "invalid_request_error",
      "billing_error",
      "conflict_error",
      "overloaded_error",
      "api_error",
    ],
  );
});

Deno.test("anthropicError() removes secrets from the message", () => {
  const error = upstreamError({
    status: 500,
    message: `invalid key ${SECRET} and Bearer abcdefghijklmnop`,
    endpoint: "gpt",
    provider: "OpenAI",
  });
  const { status, body } = anthropicError(error, redactor);
  assertEquals(status, 502);
  assertEquals(body.error.type, "api_error");
  assertEquals(
    body.error.message,
    "OpenAI (endpoint 'gpt') returned HTTP 500: invalid key [REDACTED] and Bearer [REDACTED]",
  );
  // what a cut left of a secret at the end goes too
  const cut = anthropicError(
    new ProviderError(502, "upstream_error", "key sk-test-se..."),
    redactor,
  );
  assertEquals(cut.body.error.message, "key [REDACTED]...");
});
