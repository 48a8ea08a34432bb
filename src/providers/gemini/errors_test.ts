import { assertEquals, assertNotIncludes } from "../../../tests/assert.ts";
import { parseDurationSeconds, parseGeminiError, redactApiKeys } from "./errors.ts";
import rateLimited from "./testdata/error_429.json" with { type: "json" };
import badKey from "./testdata/error_api_key.json" with { type: "json" };
import badField from "./testdata/error_invalid_field.json" with { type: "json" };

const none = new Headers();

Deno.test("parseGeminiError() reads a 429 with the body's RetryInfo delay", () => {
  const info = parseGeminiError(429, JSON.stringify(rateLimited), none);
  assertEquals(info.code, "RESOURCE_EXHAUSTED");
  assertEquals(info.retryAfter, 12);
  assertEquals(info.message.startsWith("You exceeded your current quota"), true);
});

Deno.test("parseGeminiError() prefers a Retry-After header over the body's delay", () => {
  const info = parseGeminiError(
    429,
    JSON.stringify(rateLimited),
    new Headers({ "retry-after": "3" }),
  );
  assertEquals(info.retryAfter, 3);
});

Deno.test("parseDurationSeconds() rounds protobuf durations up to whole seconds", () => {
  assertEquals(parseDurationSeconds("12s"), 12);
  assertEquals(parseDurationSeconds("1.5s"), 2);
  assertEquals(parseDurationSeconds("0.250s"), 1);
  assertEquals(parseDurationSeconds("30.000s"), 30);
  assertEquals(parseDurationSeconds("soon"), undefined);
  assertEquals(parseDurationSeconds(undefined), undefined);
});

Deno.test("parseGeminiError() names the reason of a rejected key and the field of a bad value", () => {
  assertEquals(parseGeminiError(400, JSON.stringify(badKey), none), {
    message: "API key not valid. Please pass a valid API key.",
    code: "API_KEY_INVALID",
    param: null,
    authFailure: true,
  });
  const field = parseGeminiError(400, JSON.stringify(badField), none);
  assertEquals(field.code, "INVALID_ARGUMENT");
  assertEquals(field.param, "generation_config.temperature");
});

Deno.test("parseGeminiError() reads the array-wrapped bodies of the streaming method", () => {
  const body = JSON.stringify([{
    error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" },
  }]);
  assertEquals(parseGeminiError(503, body, none), {
    message: "The model is overloaded.",
    code: "UNAVAILABLE",
    param: null,
  });
});

Deno.test("parseGeminiError() keeps non-JSON bodies short and never passes an API key on", () => {
  const key = "AIzaSyA1234567890abcdefghijklmnopqrstuv";
  const html = parseGeminiError(502, `<html>Bad gateway for key=${key}</html>`, none);
  assertNotIncludes(html.message, key);
  const json = parseGeminiError(
    400,
    JSON.stringify({ error: { message: `bad key ${key}` } }),
    none,
  );
  assertNotIncludes(json.message, key);
  assertEquals(parseGeminiError(500, "", none).message, "HTTP 500 with an empty body");
  assertEquals(redactApiKeys(`x ${key} y`), "x [redacted] y");
});
