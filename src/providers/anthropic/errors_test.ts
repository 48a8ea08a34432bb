import { assertEquals, assertNotIncludes } from "../../../tests/assert.ts";
import { parseAnthropicError, streamError } from "./errors.ts";

Deno.test("parseAnthropicError() reads Anthropic's error body", () => {
  const body = Deno.readTextFileSync(new URL("./testdata/error_overloaded.json", import.meta.url));
  assertEquals(parseAnthropicError(529, body), {
    message: "Overloaded (request_id req_011CSHoEeqs5C35K2UUqR7Fy)",
    code: "overloaded_error",
  });
});

Deno.test("parseAnthropicError() copes with bodies that are not Anthropic's", () => {
  assertEquals(parseAnthropicError(502, "<html>Bad Gateway</html>"), {
    message: "<html>Bad Gateway</html>",
  });
  assertEquals(parseAnthropicError(500, ""), { message: "HTTP 500 with an empty body" });
  assertEquals(parseAnthropicError(500, '{"detail":"x"}'), { message: '{"detail":"x"}' });
});

Deno.test("parseAnthropicError() never repeats an API key", () => {
  const body = JSON.stringify({
    type: "error",
    error: { type: "authentication_error", message: "invalid x-api-key sk-ant-api03-SECRETabc_12" },
  });
  assertNotIncludes(parseAnthropicError(401, body).message, "SECRETabc");
  assertNotIncludes(parseAnthropicError(401, "bad key sk-ant-xyz123").message, "xyz123");
});

Deno.test("streamError() maps in-stream error types to statuses", () => {
  const overloaded = streamError({ type: "overloaded_error", message: "Overloaded" });
  assertEquals([overloaded.status, overloaded.type, overloaded.retryable], [
    502,
    "upstream_error",
    true,
  ]);
  assertEquals(overloaded.code, "overloaded_error");
  const limited = streamError({ type: "rate_limit_error", message: "slow down" });
  assertEquals([limited.status, limited.type], [429, "rate_limit_error"]);
  const invalid = streamError({ type: "invalid_request_error", message: "bad" });
  assertEquals([invalid.status, invalid.retryable], [400, false]);
});
