import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { CallContext } from "../../core/provider.ts";
import { parseChatResponse, parseCompletionsResponse } from "./response.ts";
import { mapAnthropicStopReason } from "./finish_reason.ts";
import { mapAnthropicUsage, mergeUsage } from "./usage.ts";

const ctx: CallContext<unknown> = {
  endpoint: "claude",
  model: "claude-sonnet-4-5",
  config: {},
  stream: false,
};

const fixture = (name: string): unknown =>
  JSON.parse(Deno.readTextFileSync(new URL(`./testdata/${name}`, import.meta.url)));

Deno.test("parseChatResponse() reads a text answer as a plain string", () => {
  const response = parseChatResponse(fixture("message_text.json"), ctx);
  assertEquals(response.id, "msg_013Zva2CMHLNnXjNJJKqJ2EF");
  assertEquals(response.object, "chat.completion");
  assertEquals(response.model, "claude-sonnet-4-5-20250929");
  assertEquals(response.choices, [{
    index: 0,
    message: {
      role: "assistant",
      content: "Hi! My name is Claude.",
      tool_calls: null,
      refusal: null,
    },
    finish_reason: "stop",
  }]);
  assertEquals(response.usage, {
    prompt_tokens: 2095,
    completion_tokens: 503,
    total_tokens: 2598,
    prompt_tokens_details: { cached_tokens: 0 },
  });
});

Deno.test("parseChatResponse() turns tool_use blocks into tool calls with JSON arguments", () => {
  const response = parseChatResponse(fixture("message_tool_use.json"), ctx);
  const choice = response.choices[0];
  assertEquals(choice?.message.content, "I'll check the current weather in San Francisco for you.");
  assertEquals(choice?.message.tool_calls, [{
    id: "toolu_01A09q90qw90lq917835lq9",
    type: "function",
    function: {
      name: "get_weather",
      arguments: '{"location":"San Francisco, CA","unit":"celsius"}',
    },
  }]);
  assertEquals(choice?.finish_reason, "tool_calls");
  // cache writes and reads count as prompt tokens; the reads are OpenAI's cached_tokens
  assertEquals(response.usage, {
    prompt_tokens: 1484,
    completion_tokens: 89,
    total_tokens: 1573,
    prompt_tokens_details: { cached_tokens: 1000 },
  });
});

Deno.test("parseChatResponse() gives null content for tool calls alone and keeps thinking apart", () => {
  const response = parseChatResponse({
    id: "msg_1",
    model: "claude-opus-4-1",
    content: [
      { type: "thinking", thinking: "The user wants the time.", signature: "sig" },
      { type: "tool_use", id: "toolu_1", name: "now", input: {} },
    ],
    stop_reason: "max_tokens",
    usage: { input_tokens: 5, output_tokens: 7 },
  }, ctx);
  const message = response.choices[0]?.message;
  assertEquals(message?.content, null);
  assertEquals(message?.reasoning_content, "The user wants the time.");
  assertEquals(message?.tool_calls?.[0]?.function.arguments, "{}");
  assertEquals(response.choices[0]?.finish_reason, "tool_calls");
});

Deno.test("parseChatResponse() answers 502 for a body that is not a message", () => {
  assertThrows(() => parseChatResponse({ id: "x", content: "nope" }, ctx), /Anthropic returned/);
});

Deno.test("parseCompletionsResponse() returns the answer's text", () => {
  const response = parseCompletionsResponse(fixture("message_text.json"), ctx);
  assertEquals(response.object, "text_completion");
  assertEquals(response.choices, [{
    index: 0,
    text: "Hi! My name is Claude.",
    finish_reason: "stop",
  }]);
  assertEquals(response.usage.total_tokens, 2598);
});

Deno.test("mapAnthropicStopReason() maps every stop reason to OpenAI's values", () => {
  const cases: [string | null, boolean, string | null][] = [
    ["end_turn", false, "stop"],
    ["stop_sequence", false, "stop"],
    ["pause_turn", false, "stop"],
    ["max_tokens", false, "length"],
    ["model_context_window_exceeded", false, "length"],
    ["tool_use", false, "tool_calls"],
    ["refusal", false, "content_filter"],
    ["end_turn", true, "tool_calls"],
    ["something_new", false, "stop"],
    [null, false, null],
  ];
  for (const [reason, tools, expected] of cases) {
    assertEquals(mapAnthropicStopReason(reason, tools), expected, `${reason}/${tools}`);
  }
});

Deno.test("mapAnthropicUsage() and mergeUsage() fold start and delta usage", () => {
  assertEquals(mapAnthropicUsage(undefined), {
    prompt_tokens: null,
    completion_tokens: null,
    total_tokens: null,
  });
  const merged = mergeUsage({ input_tokens: 10, output_tokens: 1 }, { output_tokens: 30 });
  assertEquals(mapAnthropicUsage(merged), {
    prompt_tokens: 10,
    completion_tokens: 30,
    total_tokens: 40,
  });
});
