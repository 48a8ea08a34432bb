import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { CallContext } from "../../core/provider.ts";
import { ProviderError } from "../../core/errors.ts";
import { parseCohereChat, parseCohereCompletions, parseCohereEmbed } from "./response.ts";
import { parseCohereError } from "./errors.ts";
import { mapCohereFinishReason } from "./finish_reason.ts";

const ctx: CallContext<unknown> = {
  endpoint: "chat",
  model: "command-a-03-2025",
  config: {},
  stream: false,
};

const usage = {
  billed_units: { input_tokens: 5, output_tokens: 7 },
  tokens: { input_tokens: 71, output_tokens: 7 },
};

Deno.test("parseCohereChat() joins text content and reads usage.tokens", () => {
  const response = parseCohereChat({
    id: "c14c80c3-18eb-4519-9460-6c92edd8cfb4",
    finish_reason: "COMPLETE",
    message: {
      role: "assistant",
      content: [{ type: "thinking", thinking: "hmm" }, { type: "text", text: "Hello" }, {
        type: "text",
        text: " there",
      }],
    },
    usage,
  }, ctx);
  assertEquals(response.id, "c14c80c3-18eb-4519-9460-6c92edd8cfb4");
  assertEquals(response.object, "chat.completion");
  assertEquals(response.model, "command-a-03-2025");
  assertEquals(response.choices, [{
    index: 0,
    message: { role: "assistant", content: "Hello there", tool_calls: null, refusal: null },
    finish_reason: "stop",
  }]);
  assertEquals(response.usage, { prompt_tokens: 71, completion_tokens: 7, total_tokens: 78 });
});

Deno.test("parseCohereChat() returns tool calls with Cohere's ids and the plan as content", () => {
  const response = parseCohereChat({
    id: "r1",
    finish_reason: "TOOL_CALL",
    message: {
      role: "assistant",
      tool_plan: "I will look up the weather.",
      tool_calls: [
        {
          id: "get_weather_k88p0m8504w5",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Paris"}' },
        },
        { type: "function", function: { name: "get_time", arguments: { tz: "CET" } } },
      ],
    },
    usage: { billed_units: { input_tokens: 3, output_tokens: 4 } },
  }, ctx);
  const choice = response.choices[0];
  assertEquals(choice?.finish_reason, "tool_calls");
  assertEquals(choice?.message.content, "I will look up the weather.");
  assertEquals(choice?.message.tool_calls, [
    {
      id: "get_weather_k88p0m8504w5",
      type: "function",
      function: { name: "get_weather", arguments: '{"city":"Paris"}' },
    },
    {
      id: "call_r1_1",
      type: "function",
      function: { name: "get_time", arguments: '{"tz":"CET"}' },
    },
  ]);
  assertEquals(response.usage, { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
});

Deno.test("mapCohereFinishReason() maps Cohere's reasons and fails on ERROR and TIMEOUT", () => {
  assertEquals(mapCohereFinishReason("COMPLETE", false), "stop");
  assertEquals(mapCohereFinishReason("STOP_SEQUENCE", false), "stop");
  assertEquals(mapCohereFinishReason("MAX_TOKENS", false), "length");
  assertEquals(mapCohereFinishReason("TOOL_CALL", false), "tool_calls");
  assertEquals(mapCohereFinishReason("COMPLETE", true), "tool_calls");
  assertEquals(mapCohereFinishReason(undefined, false), null);
  const error = assertThrows(() => mapCohereFinishReason("ERROR", false, "boom"), /boom/);
  assertEquals((error as ProviderError).status, 502);
  const timeout = assertThrows(() => mapCohereFinishReason("TIMEOUT", false), /timed out/);
  assertEquals((timeout as ProviderError).status, 504);
});

Deno.test("parseCohereChat() turns finish_reason ERROR into an error", () => {
  assertThrows(
    () =>
      parseCohereChat({
        id: "x",
        finish_reason: "ERROR",
        message: { role: "assistant", content: [] },
      }, ctx),
    /failed generation/,
  );
});

Deno.test("parseCohereChat() is a 502 naming the field when the body is not Cohere's", () => {
  const error = assertThrows(() => parseCohereChat({ text: "v1 shape" }, ctx), /'message'/);
  assertEquals((error as ProviderError).status, 502);
});

Deno.test("parseCohereCompletions() reads the text and maps MAX_TOKENS to length", () => {
  const response = parseCohereCompletions({
    id: "r2",
    finish_reason: "MAX_TOKENS",
    message: { role: "assistant", content: [{ type: "text", text: "there was" }] },
    usage,
  }, ctx);
  assertEquals(response.object, "text_completion");
  assertEquals(response.choices, [{ index: 0, text: "there was", finish_reason: "length" }]);
  assertEquals(response.usage.total_tokens, 78);
});

Deno.test("parseCohereEmbed() reads embeddings.float in order with billed tokens", () => {
  const response = parseCohereEmbed({
    id: "e1",
    embeddings: { float: [[0.1, 0.2], [0.3, 0.4]] },
    texts: ["a", "b"],
    meta: { api_version: { version: "2" }, billed_units: { input_tokens: 2 } },
    response_type: "embeddings_by_type",
  }, ctx);
  assertEquals(response, {
    object: "list",
    data: [
      { object: "embedding", embedding: [0.1, 0.2], index: 0 },
      { object: "embedding", embedding: [0.3, 0.4], index: 1 },
    ],
    model: "command-a-03-2025",
    usage: { prompt_tokens: 2, total_tokens: 2 },
  });
});

Deno.test("parseCohereError() reads Cohere's message and copes with text bodies", () => {
  assertEquals(
    parseCohereError(400, '{"id":"a1","message":"invalid request: messages is required"}'),
    { message: "invalid request: messages is required" },
  );
  assertEquals(parseCohereError(502, "Bad Gateway"), { message: "Bad Gateway" });
  assertEquals(parseCohereError(500, ""), { message: "HTTP 500 with an empty body" });
  assertEquals(parseCohereError(500, '{"weird":1}'), { message: '{"weird":1}' });
});
