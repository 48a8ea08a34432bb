import { assert, assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { CallContext } from "../../core/provider.ts";
import type { ChatRequest } from "../../schemas/chat.ts";
import { AnthropicConfig, messagesUrl } from "./config.ts";
import { buildChatRequest, buildCompletionsRequest } from "./request.ts";
import { DEFAULT_MAX_TOKENS } from "./params.ts";
import { toAnthropicToolChoice } from "./tools.ts";
import { ANTHROPIC_REQUEST, attachNative } from "../../core/native.ts";

const KEY = "sk-ant-test-0123456789";

function ctx(
  overrides: Partial<CallContext<AnthropicConfig>> = {},
  config: Record<string, unknown> = {},
): CallContext<AnthropicConfig> {
  return {
    endpoint: "claude",
    model: "claude-sonnet-4-5",
    config: AnthropicConfig.parse({ anthropic_api_key: KEY, ...config }),
    stream: false,
    ...overrides,
  };
}

function chat(request: Partial<ChatRequest>, c = ctx()) {
  const built = buildChatRequest(
    { messages: [{ role: "user", content: "Hi" }], ...request } as ChatRequest,
    c,
  );
  return { ...built, json: JSON.parse(built.body as string) as Record<string, unknown> };
}

Deno.test("AnthropicConfig requires the key and defaults version and base", () => {
  assertEquals(AnthropicConfig.parse({ anthropic_api_key: KEY }), {
    anthropic_api_key: KEY,
    anthropic_version: "2023-06-01",
    anthropic_api_base: "https://api.anthropic.com",
  });
  assert(!AnthropicConfig.safeParse({}).success);
  assert(!AnthropicConfig.safeParse({ anthropic_api_key: KEY, anthropic_api_base: "x" }).success);
});

Deno.test("messagesUrl() appends /v1/messages and never doubles /v1", () => {
  assertEquals(messagesUrl("https://api.anthropic.com"), "https://api.anthropic.com/v1/messages");
  assertEquals(messagesUrl("http://127.0.0.1:9/"), "http://127.0.0.1:9/v1/messages");
  assertEquals(messagesUrl("https://proxy/anthropic/v1"), "https://proxy/anthropic/v1/messages");
});

Deno.test("buildChatRequest() sends the key, version and JSON headers to /v1/messages", () => {
  const built = chat({}, ctx({}, { anthropic_version: "2023-01-01" }));
  assertEquals(built.url, "https://api.anthropic.com/v1/messages");
  assertEquals(built.headers, {
    "content-type": "application/json",
    "x-api-key": KEY,
    "anthropic-version": "2023-01-01",
  });
  assertEquals(built.json, {
    model: "claude-sonnet-4-5",
    max_tokens: DEFAULT_MAX_TOKENS,
    messages: [{ role: "user", content: "Hi" }],
  });
  assertEquals(built.warnings, []);
});

Deno.test("buildChatRequest() prefers max_completion_tokens, then max_tokens", () => {
  assertEquals(chat({ max_tokens: 10 }).json.max_tokens, 10);
  assertEquals(chat({ max_tokens: 10, max_completion_tokens: 20 }).json.max_tokens, 20);
});

Deno.test("buildChatRequest() passes sampling in range and clamps temperature above 1", () => {
  const inRange = chat({ temperature: 0.3, top_p: 0.9, top_k: 40, stop: "END" });
  assertEquals(inRange.json.temperature, 0.3);
  assertEquals(inRange.json.top_p, 0.9);
  assertEquals(inRange.json.top_k, 40);
  assertEquals(inRange.json.stop_sequences, ["END"]);
  assertEquals(inRange.warnings, []);
  const hot = chat({ temperature: 1.7 });
  assertEquals(hot.json.temperature, 1);
  assertEquals(hot.warnings.map((w) => `${w.type}=${w.param}`), ["clamped=temperature"]);
});

Deno.test("buildChatRequest() warns about n > 1 and parameters Anthropic lacks", () => {
  const built = chat({
    n: 3,
    seed: 1,
    presence_penalty: 0.5,
    frequency_penalty: 0,
    logprobs: true,
  } as Partial<ChatRequest>);
  assertEquals(built.warnings.map((w) => w.param).sort(), [
    "logprobs",
    "n",
    "presence_penalty",
    "seed",
  ]);
  for (const key of ["n", "seed", "presence_penalty", "frequency_penalty", "logprobs"]) {
    assertEquals(built.json[key], undefined, `${key} is not sent`);
  }
});

Deno.test("buildChatRequest() forwards Anthropic-native extras and maps user to metadata", () => {
  const built = chat({
    user: "u-42",
    thinking: { type: "enabled", budget_tokens: 2048 },
    metadata: { other: "x" },
  } as Partial<ChatRequest>);
  assertEquals(built.json.thinking, { type: "enabled", budget_tokens: 2048 });
  assertEquals(built.json.metadata, { other: "x", user_id: "u-42" });
  assertEquals(built.warnings, []);
});

Deno.test("buildChatRequest() maps json_schema response_format to output_config.format", () => {
  const schema = { type: "object", properties: { a: { type: "string" } } };
  const built = chat({
    response_format: { type: "json_schema", json_schema: { name: "x", schema } },
  });
  assertEquals(built.json.output_config, { format: { type: "json_schema", schema } });
  const jsonMode = chat({ response_format: { type: "json_object" } });
  assertEquals(jsonMode.json.output_config, undefined);
  assertEquals(jsonMode.warnings.map((w) => w.param), ["response_format"]);
  assertThrows(() => chat({ response_format: { type: "json_schema" } }), /schema/);
});

Deno.test("buildChatRequest() converts tools, tool_choice and parallel_tool_calls", () => {
  const built = chat({
    tools: [
      {
        type: "function",
        function: { name: "wx", description: "Weather", parameters: { type: "object" } },
      },
      { type: "function", function: { name: "now", strict: true } },
    ],
    tool_choice: "required",
    parallel_tool_calls: false,
  });
  assertEquals(built.json.tools, [
    { name: "wx", description: "Weather", input_schema: { type: "object" } },
    { name: "now", input_schema: { type: "object", properties: {} }, strict: true },
  ]);
  assertEquals(built.json.tool_choice, { type: "any", disable_parallel_tool_use: true });
});

Deno.test("toAnthropicToolChoice() maps every OpenAI choice", () => {
  assertEquals(toAnthropicToolChoice("none"), { type: "none" });
  assertEquals(toAnthropicToolChoice("auto"), { type: "auto" });
  assertEquals(toAnthropicToolChoice("required"), { type: "any" });
  assertEquals(toAnthropicToolChoice({ type: "function", function: { name: "wx" } }), {
    type: "tool",
    name: "wx",
  });
});

Deno.test("buildChatRequest() refuses a forced tool choice without tools", () => {
  assertThrows(() => chat({ tool_choice: "required" }), /requires 'tools'/);
  assertEquals(chat({ tool_choice: "auto" }).json.tool_choice, undefined);
});

Deno.test("buildChatRequest() sets stream only when streaming and never sends stream_options", () => {
  const streamed = chat(
    { stream: true, stream_options: { include_usage: true } },
    ctx({ stream: true }),
  );
  assertEquals(streamed.json.stream, true);
  assertEquals(streamed.json.stream_options, undefined);
  assertEquals(chat({ stream: false }).json.stream, undefined);
});

Deno.test("buildChatRequest() needs a model name", () => {
  assertThrows(() => chat({}, ctx({ model: null })), /model.name/);
});

Deno.test("buildCompletionsRequest() sends the prompt as one user message", () => {
  const built = buildCompletionsRequest(
    { prompt: "Once upon a time", max_tokens: 16, temperature: 2, echo: false, suffix: "end" },
    ctx({ stream: true }),
  );
  assertEquals(JSON.parse(built.body as string), {
    model: "claude-sonnet-4-5",
    max_tokens: 16,
    messages: [{ role: "user", content: "Once upon a time" }],
    temperature: 1,
    stream: true,
  });
  assertEquals(built.warnings.map((w) => `${w.type}=${w.param}`), [
    "clamped=temperature",
    "unsupported=suffix",
  ]);
});

Deno.test("buildChatRequest() sends a client's own Messages body as it came: model and stream set, beta relayed", () => {
  const own = {
    system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
    messages: [
      { role: "user", content: "Weather?" },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "Check it.", signature: "sig-1" },
          { type: "tool_use", id: "toolu_1", name: "weather", input: {} },
        ],
      },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "sun" }] },
    ],
    max_tokens: 2048,
    thinking: { type: "enabled", budget_tokens: 1024 },
  };
  const request = attachNative(
    { messages: [{ role: "user", content: "translated" }] } as ChatRequest,
    ANTHROPIC_REQUEST,
    { body: own, beta: "interleaved-thinking-2025-05-14" },
  );
  const built = buildChatRequest(request, ctx({ stream: true }));
  assertEquals(JSON.parse(built.body as string), {
    ...own,
    model: "claude-sonnet-4-5",
    stream: true,
  });
  assertEquals(built.headers["anthropic-beta"], "interleaved-thinking-2025-05-14");
  assertEquals(built.headers["x-api-key"], KEY);
  assertEquals(built.warnings, []);
  // Without a beta header none is sent; without the native body the request is translated.
  const plain = buildChatRequest(
    attachNative({ messages: [] } as unknown as ChatRequest, ANTHROPIC_REQUEST, {
      body: { messages: [], max_tokens: 5 },
      beta: null,
    }),
    ctx(),
  );
  assertEquals(plain.headers["anthropic-beta"], undefined);
  assertEquals(JSON.parse(plain.body as string).stream, undefined);
  assertEquals(chat({}).json.messages, [{ role: "user", content: "Hi" }]);
});
