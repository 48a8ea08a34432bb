import { assertEquals, assertNotIncludes, assertStringIncludes } from "../../../tests/assert.ts";
import { GatewayError, InvalidRequestError, upstreamError } from "../../core/errors.ts";
import { Redactor } from "../../observe/redact.ts";
import type { ChatResponse, ResponseMessage } from "../../schemas/chat.ts";
import type { Usage } from "../../schemas/common.ts";
import {
  argsOf,
  geminiErrorBody,
  geminiFinishReason,
  toGenerateContentResponse,
} from "./response.ts";

const USAGE: Usage = { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 };
const SECRET = "sk-secret-123456";

/** A one-choice chat answer with `message` fields over an empty one. */
function answer(
  message: Partial<ResponseMessage> & Record<string, unknown>,
  finish: string | null = "stop",
  usage: Usage = USAGE,
): ChatResponse {
  return {
    id: "chatcmpl-abc123",
    object: "chat.completion",
    created: 1,
    model: "gpt-4o-2024-08-06",
    choices: [{
      index: 0,
      message: { role: "assistant", content: null, tool_calls: null, refusal: null, ...message },
      finish_reason: finish,
    }],
    usage,
  };
}

/** The error body a gateway error of `status` gets. */
function errorOf(status: number, message = "went wrong") {
  return geminiErrorBody(new GatewayError(status, "server_error", message), new Redactor());
}

Deno.test("toGenerateContentResponse() gives a text answer as one text part with STOP, usage, model and id", () => {
  assertEquals(toGenerateContentResponse(answer({ content: "Hello!" }), "gemini-endpoint"), {
    candidates: [{
      content: { role: "model", parts: [{ text: "Hello!" }] },
      finishReason: "STOP",
      index: 0,
    }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 4, totalTokenCount: 14 },
    modelVersion: "gemini-endpoint",
    responseId: "chatcmpl-abc123",
  });
});

Deno.test("toGenerateContentResponse() gives tool calls as functionCall parts with parsed args", () => {
  const response = toGenerateContentResponse(
    answer({
      content: "Let me check.",
      tool_calls: [
        {
          id: "call_1",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Paris","days":[1,2]}' },
        },
        { id: "call_2", type: "function", function: { name: "now", arguments: "" } },
      ],
    }, "tool_calls"),
    "m",
  );
  assertEquals(response.candidates, [{
    content: {
      role: "model",
      parts: [
        { text: "Let me check." },
        {
          functionCall: {
            id: "call_1",
            name: "get_weather",
            args: { city: "Paris", days: [1, 2] },
          },
        },
        { functionCall: { id: "call_2", name: "now", args: {} } },
      ],
    },
    finishReason: "STOP",
    index: 0,
  }]);
});

Deno.test("toGenerateContentResponse() keeps invalid JSON arguments under {arguments: text}", () => {
  const response = toGenerateContentResponse(
    answer({
      tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: '{"a":' } }],
    }, "tool_calls"),
    "m",
  );
  const candidates = response.candidates as { content: { parts: unknown[] } }[];
  assertEquals(candidates[0]?.content.parts, [
    { functionCall: { id: "c", name: "f", args: { arguments: '{"a":' } } },
  ]);
});

Deno.test("toGenerateContentResponse() joins the text of content parts and gives no part for no text", () => {
  const parts = toGenerateContentResponse(
    answer({ content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] }),
    "m",
  );
  assertEquals((parts.candidates as { content: unknown }[])[0]?.content, {
    role: "model",
    parts: [{ text: "ab" }],
  });
  const empty = toGenerateContentResponse(answer({ content: null }, null), "m");
  assertEquals(empty.candidates, [{
    content: { role: "model", parts: [] },
    finishReason: "STOP",
    index: 0,
  }]);
});

Deno.test("toGenerateContentResponse() gives MAX_TOKENS for a cut answer and omits a null id", () => {
  const response = toGenerateContentResponse(
    { ...answer({ content: "Hel" }, "length"), id: null },
    "m",
  );
  assertEquals((response.candidates as { finishReason: string }[])[0]?.finishReason, "MAX_TOKENS");
  assertEquals("responseId" in response, false);
});

Deno.test("argsOf() wraps JSON that is not an object under value", () => {
  assertEquals(argsOf("[1,2]"), { value: [1, 2] });
  assertEquals(argsOf("3"), { value: 3 });
  assertEquals(argsOf(""), {});
  assertEquals(argsOf("not json"), { arguments: "not json" });
});

Deno.test("geminiFinishReason() maps OpenAI finish reasons to Gemini's", () => {
  assertEquals(geminiFinishReason("stop"), "STOP");
  assertEquals(geminiFinishReason("length"), "MAX_TOKENS");
  assertEquals(geminiFinishReason("content_filter"), "SAFETY");
  assertEquals(geminiFinishReason("tool_calls"), "STOP");
  assertEquals(geminiFinishReason(null), undefined);
  assertEquals(geminiFinishReason(undefined), undefined);
});

Deno.test("geminiErrorBody() names each HTTP status with Google's status name", () => {
  const names: [number, string][] = [
    [400, "INVALID_ARGUMENT"],
    [401, "UNAUTHENTICATED"],
    [403, "PERMISSION_DENIED"],
    [404, "NOT_FOUND"],
    [429, "RESOURCE_EXHAUSTED"],
    [503, "UNAVAILABLE"],
    [504, "DEADLINE_EXCEEDED"],
  ];
  for (const [status, name] of names) {
    assertEquals(errorOf(status), {
      error: { code: status, message: "went wrong", status: name },
    }, `HTTP ${status}`);
  }
});

Deno.test("geminiErrorBody() names an unlisted server error INTERNAL and a client error INVALID_ARGUMENT", () => {
  assertEquals(errorOf(502).error.status, "INTERNAL");
  assertEquals(errorOf(500).error.status, "INTERNAL");
  assertEquals(errorOf(422).error.status, "INVALID_ARGUMENT");
});

Deno.test("geminiErrorBody() gives an invalid request its message and code 400", () => {
  const body = geminiErrorBody(
    new InvalidRequestError("'contents' must hold at least one part", { param: "contents" }),
    new Redactor(),
  );
  assertEquals(body, {
    error: {
      code: 400,
      message: "'contents' must hold at least one part",
      status: "INVALID_ARGUMENT",
    },
  });
});

Deno.test("geminiErrorBody() redacts a secret in the message", () => {
  const error = upstreamError({
    status: 500,
    message: `bad key ${SECRET} sent`,
    endpoint: "gemini",
    provider: "google",
  });
  const body = geminiErrorBody(error, new Redactor([SECRET]));
  assertEquals(body.error.code, 502);
  assertEquals(body.error.status, "INTERNAL");
  assertNotIncludes(body.error.message, SECRET);
  assertStringIncludes(body.error.message, "bad key [REDACTED] sent");
});
