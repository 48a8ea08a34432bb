import { assert, assertEquals, assertMatch, assertThrows } from "../../../tests/assert.ts";
import type { CallContext } from "../../core/provider.ts";
import { GatewayError } from "../../core/errors.ts";
import { parseChatResponse, parseCompletionsResponse } from "./response.ts";
import { mapGeminiFinishReason } from "./finish_reason.ts";
import { geminiUsage } from "./usage.ts";
import text from "./testdata/generate_text.json" with { type: "json" };
import calls from "./testdata/generate_function_calls.json" with { type: "json" };
import mixed from "./testdata/generate_text_and_call_with_id.json" with { type: "json" };
import blocked from "./testdata/generate_blocked_prompt.json" with { type: "json" };
import safety from "./testdata/generate_safety_stop.json" with { type: "json" };

const ctx: CallContext<unknown> = {
  endpoint: "chat",
  model: "gemini-2.5-flash",
  config: {},
  stream: false,
};

Deno.test("parseChatResponse() reads a text answer with its usage (thinking counts as output)", () => {
  const response = parseChatResponse(text, ctx);
  assertEquals(response.id, "aXjBaMuyL4Dj7M8Pk-GQiAM");
  assertEquals(response.object, "chat.completion");
  assertEquals(response.model, "gemini-2.5-flash");
  assertEquals(response.choices, [{
    index: 0,
    message: {
      role: "assistant",
      content: "Hello! How can I help you today?",
      tool_calls: null,
      refusal: null,
    },
    finish_reason: "stop",
  }]);
  assertEquals(response.usage, {
    prompt_tokens: 8,
    completion_tokens: 32,
    total_tokens: 40,
    completion_tokens_details: { reasoning_tokens: 23 },
  });
});

Deno.test("parseChatResponse() turns every functionCall part into a tool call (finish tool_calls)", () => {
  const response = parseChatResponse(calls, ctx);
  const choice = response.choices[0]!;
  assertEquals(choice.finish_reason, "tool_calls");
  assertEquals(choice.message.content, null);
  const toolCalls = choice.message.tool_calls ?? [];
  assertEquals(toolCalls.length, 2);
  assertEquals(toolCalls.map((c) => JSON.parse(c.function.arguments)), [
    { location: "Paris" },
    { location: "London" },
  ]);
  assertMatch(toolCalls[0]!.id, /^call_[0-9a-f]{16}$/);
  assert(toolCalls[0]!.id !== toolCalls[1]!.id, "two calls get two ids");
  assertEquals(toolCalls[0]!.extra_content, {
    google: { thought_signature: "CiQB0e2Kb3Jh0VqcBVkKq1sCWzN0Y0dKqSpxN5Wm+Hdj1vI2aGsKXgHR7Ypv" },
  });
  assertEquals(toolCalls[1]!.extra_content, undefined);
  assertEquals(
    parseChatResponse(calls, ctx).choices[0]!.message.tool_calls,
    toolCalls,
    "ids are stable",
  );
});

Deno.test("parseChatResponse() keeps text and calls together, skips thoughts, maps every candidate", () => {
  const response = parseChatResponse(mixed, ctx);
  assertEquals(response.choices.length, 2);
  const first = response.choices[0]!;
  assertEquals(first.message.content, "Let me look that up. ");
  assertEquals(first.message.tool_calls, [{
    id: "fc-7d1e2a",
    type: "function",
    function: {
      name: "list_events",
      arguments: '{"day":"2025-09-10","filters":{"tags":["work"]}}',
    },
  }]);
  assertEquals(first.finish_reason, "tool_calls");
  assertEquals(response.choices[1]!.index, 1);
  assertEquals(response.choices[1]!.message.content, "I'll check.");
  assertEquals(response.choices[1]!.finish_reason, "length");
});

Deno.test("parseChatResponse() answers a blocked prompt with a clear 400", () => {
  const error = assertThrows(() => parseChatResponse(blocked, ctx));
  assert(error instanceof GatewayError);
  assertEquals(error.status, 400);
  assertEquals(error.code, "prompt_blocked");
  assertMatch(error.message, /blocked the prompt \(blockReason PROHIBITED_CONTENT\)/);
});

Deno.test("parseChatResponse() reports a filtered candidate as content_filter with null content", () => {
  const choice = parseChatResponse(safety, ctx).choices[0]!;
  assertEquals(choice.message.content, null);
  assertEquals(choice.finish_reason, "content_filter");
});

Deno.test("parseChatResponse() refuses a body that is not a Gemini answer with a 502", () => {
  const error = assertThrows(() => parseChatResponse({ candidates: "nope" }, ctx));
  assert(error instanceof GatewayError && error.status === 502);
  const empty = assertThrows(() => parseChatResponse({ candidates: [] }, ctx));
  assertMatch(empty.message, /no candidates/);
});

Deno.test("parseCompletionsResponse() returns the text of each candidate", () => {
  const response = parseCompletionsResponse(text, { ...ctx, endpoint: "completions" });
  assertEquals(response.object, "text_completion");
  assertEquals(response.choices, [{
    index: 0,
    text: "Hello! How can I help you today?",
    finish_reason: "stop",
  }]);
  assertEquals(response.usage.total_tokens, 40);
});

Deno.test("mapGeminiFinishReason() maps to OpenAI's values", () => {
  const cases: [string | undefined, boolean, string | null][] = [
    ["STOP", false, "stop"],
    ["STOP", true, "tool_calls"],
    ["MAX_TOKENS", false, "length"],
    ["SAFETY", false, "content_filter"],
    ["RECITATION", false, "content_filter"],
    ["BLOCKLIST", false, "content_filter"],
    ["PROHIBITED_CONTENT", false, "content_filter"],
    ["SPII", false, "content_filter"],
    ["MALFORMED_FUNCTION_CALL", false, "stop"],
    ["OTHER", false, "stop"],
    [undefined, false, null],
  ];
  for (const [reason, hasCalls, expected] of cases) {
    assertEquals(mapGeminiFinishReason(reason, hasCalls), expected, String(reason));
  }
});

Deno.test("geminiUsage() treats left-out counts as zero and no usage as unknown", () => {
  assertEquals(geminiUsage({ promptTokenCount: 12, totalTokenCount: 12 }), {
    prompt_tokens: 12,
    completion_tokens: 0,
    total_tokens: 12,
  });
  assertEquals(geminiUsage(undefined), {
    prompt_tokens: null,
    completion_tokens: null,
    total_tokens: null,
  });
});
