import { assert, assertEquals, assertMatch, assertThrows } from "../../../tests/assert.ts";
import type { CallContext } from "../../core/provider.ts";
import { mapStopReason } from "./finish_reason.ts";
import { parseChatResponse, parseCompletionsResponse, usageOf } from "./response.ts";

const ctx: CallContext<unknown> = {
  endpoint: "chat",
  model: "anthropic.claude-3-haiku-20240307-v1:0",
  config: {},
  stream: false,
};

// The shape of a Converse answer with a tool use, as AWS's Converse API reference documents it.
const TOOL_ANSWER = {
  output: {
    message: {
      role: "assistant",
      content: [
        { text: "Let me look that up." },
        {
          toolUse: {
            toolUseId: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
            name: "top_song",
            input: { sign: "WZPZ" },
          },
        },
      ],
    },
  },
  stopReason: "tool_use",
  usage: { inputTokens: 375, outputTokens: 65, totalTokens: 440 },
  metrics: { latencyMs: 2212 },
};

Deno.test("parseChatResponse() joins text and maps tool uses to tool_calls", () => {
  const response = parseChatResponse(TOOL_ANSWER, ctx);
  assertMatch(response.id ?? "", /^chatcmpl-[0-9a-f]{32}$/);
  assertEquals(response.object, "chat.completion");
  assertEquals(response.model, "anthropic.claude-3-haiku-20240307-v1:0");
  assertEquals(response.choices, [{
    index: 0,
    message: {
      role: "assistant",
      content: "Let me look that up.",
      tool_calls: [{
        id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
        type: "function",
        function: { name: "top_song", arguments: '{"sign":"WZPZ"}' },
      }],
      refusal: null,
    },
    finish_reason: "tool_calls",
  }]);
  assertEquals(response.usage, { prompt_tokens: 375, completion_tokens: 65, total_tokens: 440 });
});

Deno.test("parseChatResponse() gives null content when the answer is only a tool call", () => {
  const response = parseChatResponse({
    output: {
      message: {
        role: "assistant",
        content: [{ toolUse: { toolUseId: "t", name: "f", input: {} } }],
      },
    },
    stopReason: "tool_use",
  }, ctx);
  assertEquals(response.choices[0]?.message.content, null);
  assertEquals(response.usage, {
    prompt_tokens: null,
    completion_tokens: null,
    total_tokens: null,
  });
});

Deno.test("parseChatResponse() keeps reasoning text apart from the answer", () => {
  const response = parseChatResponse({
    output: {
      message: {
        role: "assistant",
        content: [
          { reasoningContent: { reasoningText: { text: "Think.", signature: "sig" } } },
          { text: "Answer." },
        ],
      },
    },
    stopReason: "end_turn",
    usage: { inputTokens: 3, outputTokens: 4 },
  }, ctx);
  const message = response.choices[0]?.message;
  assertEquals(message?.content, "Answer.");
  assertEquals(message?.reasoning_content, "Think.");
  assertEquals(response.usage.total_tokens, 7);
});

Deno.test("parseChatResponse() reports a body without output as a 502", () => {
  const error = assertThrows(() => parseChatResponse({ message: "hi" }, ctx), /could not read/);
  assertEquals((error as { status?: number }).status, 502);
});

Deno.test("parseCompletionsResponse() returns the text and a mapped finish reason", () => {
  const response = parseCompletionsResponse({
    output: { message: { role: "assistant", content: [{ text: "Once " }, { text: "more" }] } },
    stopReason: "max_tokens",
    usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7 },
  }, ctx);
  assert(response.id?.startsWith("cmpl-"));
  assertEquals(response.choices, [{ index: 0, text: "Once more", finish_reason: "length" }]);
});

Deno.test("mapStopReason() maps every Bedrock stop reason to OpenAI's values", () => {
  assertEquals(mapStopReason("end_turn", false), "stop");
  assertEquals(mapStopReason("stop_sequence", false), "stop");
  assertEquals(mapStopReason("max_tokens", false), "length");
  assertEquals(mapStopReason("model_context_window_exceeded", false), "length");
  assertEquals(mapStopReason("tool_use", true), "tool_calls");
  assertEquals(mapStopReason("end_turn", true), "tool_calls");
  assertEquals(mapStopReason("tool_use", false), "stop");
  assertEquals(mapStopReason("guardrail_intervened", false), "content_filter");
  assertEquals(mapStopReason("content_filtered", false), "content_filter");
  assertEquals(mapStopReason("malformed_model_output", false), "stop");
  assertEquals(mapStopReason(undefined, false), null);
});

Deno.test("usageOf() renames Bedrock's token counts", () => {
  assertEquals(usageOf({ inputTokens: 1, outputTokens: 2, totalTokens: 3 }), {
    prompt_tokens: 1,
    completion_tokens: 2,
    total_tokens: 3,
  });
  assertEquals(usageOf(undefined).total_tokens, null);
});

Deno.test("usageOf() counts cache reads and writes as prompt tokens; the reads are cached_tokens", () => {
  const usage = {
    inputTokens: 12,
    outputTokens: 30,
    totalTokens: 2042,
    cacheReadInputTokens: 1500,
    cacheWriteInputTokens: 500,
  };
  assertEquals(usageOf(usage), {
    prompt_tokens: 2012,
    completion_tokens: 30,
    total_tokens: 2042,
    prompt_tokens_details: { cached_tokens: 1500 },
  });
  assertEquals(usageOf({ inputTokens: 4, outputTokens: 1, cacheWriteInputTokens: 100 }), {
    prompt_tokens: 104,
    completion_tokens: 1,
    total_tokens: 105,
  });
});
