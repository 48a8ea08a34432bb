import { assertEquals, assertMatch } from "../../../tests/assert.ts";
import type { ChatResponse, ResponseMessage } from "../../schemas/chat.ts";
import type { Usage } from "../../schemas/common.ts";
import {
  anthropicMessageId,
  anthropicStopReason,
  anthropicUsage,
  toAnthropicMessage,
  toolInputOf,
  UNPARSED_ARGUMENTS_KEY,
} from "./response.ts";

const USAGE: Usage = { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 };

/** A one-choice chat answer with `message` fields over a plain text one. */
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

Deno.test("toAnthropicMessage() gives a text answer as one text block under the requested model", () => {
  assertEquals(toAnthropicMessage(answer({ content: "Hello!" }), "my-endpoint"), {
    id: "msg_chatcmpl-abc123",
    type: "message",
    role: "assistant",
    model: "my-endpoint",
    content: [{ type: "text", text: "Hello!" }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: {
      input_tokens: 10,
      output_tokens: 4,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  });
});

Deno.test("toAnthropicMessage() gives tool calls as tool_use blocks after the text, input parsed", () => {
  const message = toAnthropicMessage(
    answer({
      content: "Checking.",
      tool_calls: [
        {
          id: "call_1",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Paris","days":2}' },
        },
        { id: "call_2", type: "function", function: { name: "get_time", arguments: "" } },
      ],
    }, "tool_calls"),
    "gpt",
  );
  assertEquals(message.content, [
    { type: "text", text: "Checking." },
    { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris", days: 2 } },
    { type: "tool_use", id: "call_2", name: "get_time", input: {} },
  ]);
  assertEquals(message.stop_reason, "tool_use");
});

Deno.test("toAnthropicMessage() leaves out empty text and gives a tool call without id a fresh one", () => {
  const message = toAnthropicMessage(
    answer({
      content: "",
      tool_calls: [{ id: "", type: "function", function: { name: "f", arguments: "{}" } }],
    }, "tool_calls"),
    "gpt",
  );
  assertEquals(message.content.length, 1);
  const block = message.content[0];
  assertEquals(block?.type, "tool_use");
  if (block?.type === "tool_use") assertMatch(block.id, /^toolu_[0-9a-f]{32}$/);
});

Deno.test("toAnthropicMessage() puts reasoning first as a thinking block with an empty signature", () => {
  const message = toAnthropicMessage(
    answer({ content: "42", reasoning_content: "Let me think." }),
    "gpt",
  );
  assertEquals(message.content, [
    { type: "thinking", thinking: "Let me think.", signature: "" },
    { type: "text", text: "42" },
  ]);
});

Deno.test("toAnthropicMessage() joins text parts and gives a refusal as text with stop reason refusal", () => {
  assertEquals(
    toAnthropicMessage(
      answer({ content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] }),
      "m",
    ).content,
    [{ type: "text", text: "ab" }],
  );
  const refused = toAnthropicMessage(answer({ refusal: "I can't help with that." }), "m");
  assertEquals(refused.content, [{ type: "text", text: "I can't help with that." }]);
  assertEquals(refused.stop_reason, "refusal");
});

Deno.test("toAnthropicMessage() maps each finish reason to Anthropic's stop reason", () => {
  const cases: [string | null, string | null][] = [
    ["stop", "end_turn"],
    ["length", "max_tokens"],
    ["tool_calls", "tool_use"],
    ["function_call", "tool_use"],
    ["content_filter", "refusal"],
    ["something_new", "end_turn"],
    [null, null],
  ];
  for (const [finish, stop] of cases) {
    const message = toAnthropicMessage(answer({ content: "x" }, finish), "m");
    assertEquals([finish, message.stop_reason, message.stop_sequence], [finish, stop, null]);
  }
});

Deno.test("toAnthropicMessage() says tool_use for an answer with tool calls that finished on stop", () => {
  const message = toAnthropicMessage(
    answer({ tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "" } }] }),
    "m",
  );
  assertEquals(message.stop_reason, "tool_use");
  // ...but a cut-off tool call is still max_tokens
  const cut = toAnthropicMessage(
    answer({
      tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: '{"a' } }],
    }, "length"),
    "m",
  );
  assertEquals(cut.stop_reason, "max_tokens");
});

Deno.test("toAnthropicMessage() says stop_sequence when the text ends with a requested stop sequence", () => {
  const message = toAnthropicMessage(answer({ content: "a, b</list>" }), "m", ["END", "</list>"]);
  assertEquals([message.stop_reason, message.stop_sequence], ["stop_sequence", "</list>"]);
  // the text is kept as the upstream gave it
  assertEquals(message.content, [{ type: "text", text: "a, b</list>" }]);
  // OpenAI leaves the sequence out, so nothing tells it from the end of the turn
  const plain = toAnthropicMessage(answer({ content: "a, b" }), "m", ["</list>"]);
  assertEquals([plain.stop_reason, plain.stop_sequence], ["end_turn", null]);
  // not for a cut-off answer
  const cut = toAnthropicMessage(answer({ content: "a</list>" }, "length"), "m", ["</list>"]);
  assertEquals(cut.stop_reason, "max_tokens");
});

Deno.test("toAnthropicMessage() takes the stop string an upstream names (vLLM's stop_reason)", () => {
  const response = answer({ content: "a, b" });
  (response.choices[0] as Record<string, unknown>).stop_reason = "</list>";
  const message = toAnthropicMessage(response, "m", ["</list>"]);
  assertEquals([message.stop_reason, message.stop_sequence], ["stop_sequence", "</list>"]);
  // a stop string the client did not ask for is not taken
  assertEquals(toAnthropicMessage(response, "m", ["END"]).stop_sequence, null);
});

Deno.test("anthropicStopReason() picks the longest stop sequence the text ends with", () => {
  assertEquals(
    anthropicStopReason("stop", {
      hasToolCalls: false,
      text: "x ###",
      stopSequences: ["#", "###", ""],
    }),
    { stop_reason: "stop_sequence", stop_sequence: "###" },
  );
});

Deno.test("toAnthropicMessage() counts cached prompt tokens apart from input_tokens", () => {
  const message = toAnthropicMessage(
    answer({ content: "x" }, "stop", {
      prompt_tokens: 1200,
      completion_tokens: 30,
      total_tokens: 1230,
      prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
    }),
    "m",
  );
  assertEquals(message.usage, {
    input_tokens: 176,
    output_tokens: 30,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 1024,
  });
});

Deno.test("anthropicUsage() gives 0 for counts the upstream did not report", () => {
  assertEquals(
    anthropicUsage({ prompt_tokens: null, completion_tokens: null, total_tokens: null }),
    {
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  );
});

Deno.test("anthropicMessageId() keeps an id's safe characters behind msg_, or makes one", () => {
  assertEquals(anthropicMessageId("chatcmpl-B9x/Q:1"), "msg_chatcmpl-B9xQ1");
  assertEquals(anthropicMessageId("msg_01Aq9w938a90dw8q"), "msg_01Aq9w938a90dw8q");
  assertMatch(anthropicMessageId(null), /^msg_[0-9a-f]{32}$/);
  assertMatch(anthropicMessageId("///"), /^msg_[0-9a-f]{32}$/);
  assertMatch(toAnthropicMessage({ ...answer({ content: "x" }), id: null }, "m").id, /^msg_/);
});

Deno.test("toolInputOf() parses an object, and keeps what is not one as text under its own key", () => {
  assertEquals(toolInputOf('{"a":[1,2]}'), { a: [1, 2] });
  assertEquals(toolInputOf(""), {});
  assertEquals(toolInputOf("  "), {});
  assertEquals(toolInputOf("null"), {});
  assertEquals(toolInputOf('{"a":'), { [UNPARSED_ARGUMENTS_KEY]: '{"a":' });
  assertEquals(toolInputOf("[1]"), { [UNPARSED_ARGUMENTS_KEY]: "[1]" });
  assertEquals(toolInputOf('"x"'), { [UNPARSED_ARGUMENTS_KEY]: '"x"' });
});

Deno.test("toAnthropicMessage() of an answer without choices is an empty message", () => {
  const message = toAnthropicMessage({ ...answer({}), choices: [] }, "m");
  assertEquals([message.content, message.stop_reason], [[], null]);
});
