import { assert, assertEquals, assertStringIncludes, assertThrows } from "../../../tests/assert.ts";
import { GatewayError, InvalidRequestError, NotFoundError } from "../../core/errors.ts";
import type { ChatMessage } from "../../schemas/chat.ts";
import { decodeResponsesRequest } from "./request.ts";
import type { StoredResponse } from "./store.ts";

/** A `previous` lookup that knows no stored response. */
const none = (_id: string): StoredResponse | undefined => undefined;

/** Decodes `fields` as a request to model `chat` with no stored responses. */
function decode(fields: Record<string, unknown>) {
  return decodeResponsesRequest({ model: "chat", ...fields }, none);
}

/** The GatewayError `fn` throws. */
function gatewayErrorOf(fn: () => unknown, pattern?: RegExp): GatewayError {
  const error = assertThrows(fn, pattern);
  assert(error instanceof GatewayError, `not a GatewayError: ${error}`);
  return error;
}

Deno.test("decodeResponsesRequest() makes a string input one user message", () => {
  const decoded = decode({ input: "Hello!" });
  assertEquals(decoded.name, "chat");
  assertEquals(decoded.request, { messages: [{ role: "user", content: "Hello!" }] });
  assertEquals(decoded.conversation, [{ role: "user", content: "Hello!" }]);
  assertEquals(decoded.stream, false);
  assertEquals(decoded.warnings, []);
});

Deno.test("decodeResponsesRequest() puts instructions first as a system message, not in the conversation", () => {
  const decoded = decode({ instructions: "Be brief.", input: "Hi" });
  assertEquals(decoded.request.messages, [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hi" },
  ]);
  assertEquals(decoded.conversation, [{ role: "user", content: "Hi" }]);
});

Deno.test("decodeResponsesRequest() drops null fields anywhere but keeps the nulls of a tool's parameters", () => {
  const parameters = {
    type: "object",
    properties: { unit: { type: ["string", "null"], default: null } },
  };
  const decoded = decode({
    input: [{ type: "message", role: "user", content: "Hi", status: null }],
    instructions: null,
    temperature: null,
    max_output_tokens: null,
    previous_response_id: null,
    text: null,
    tools: [{ type: "function", name: "f", description: null, strict: null, parameters }],
    tool_choice: null,
  });
  assertEquals(decoded.request, {
    messages: [{ role: "user", content: "Hi" }],
    tools: [{ type: "function", function: { name: "f", parameters } }],
  });
});

Deno.test("decodeResponsesRequest() maps input_text, output_text and input_image parts of a message item", () => {
  const decoded = decode({
    input: [{
      type: "message",
      role: "user",
      content: [
        { type: "input_text", text: "What is this?" },
        { type: "output_text", text: " (quoted)" },
        { type: "input_image", image_url: "https://example.com/a.png", detail: "low" },
        { type: "input_image", image_url: "data:image/png;base64,AAAA" },
      ],
    }],
  });
  assertEquals(decoded.request.messages, [{
    role: "user",
    content: [
      { type: "text", text: "What is this?" },
      { type: "text", text: " (quoted)" },
      { type: "image_url", image_url: { url: "https://example.com/a.png", detail: "low" } },
      { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
    ],
  }]);
});

Deno.test("decodeResponsesRequest() makes an assistant message item plain text", () => {
  const decoded = decode({
    input: [
      { role: "user", content: "Hi" },
      {
        type: "message",
        role: "assistant",
        content: [{ type: "output_text", text: "Hel" }, { type: "output_text", text: "lo" }],
      },
    ],
  });
  assertEquals(decoded.request.messages, [
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Hello" },
  ]);
});

Deno.test("decodeResponsesRequest() joins consecutive function_call items into one assistant message", () => {
  const decoded = decode({
    input: [
      { role: "user", content: "Weather in Oslo and Rome?" },
      { type: "function_call", call_id: "call_1", name: "weather", arguments: '{"city":"Oslo"}' },
      { type: "function_call", call_id: "call_2", name: "weather", arguments: '{"city":"Rome"}' },
      { type: "function_call_output", call_id: "call_1", output: "cold" },
      { type: "function_call_output", call_id: "call_2", output: "warm" },
    ],
  });
  assertEquals(decoded.request.messages, [
    { role: "user", content: "Weather in Oslo and Rome?" },
    {
      role: "assistant",
      content: null,
      tool_calls: [
        {
          id: "call_1",
          type: "function",
          function: { name: "weather", arguments: '{"city":"Oslo"}' },
        },
        {
          id: "call_2",
          type: "function",
          function: { name: "weather", arguments: '{"city":"Rome"}' },
        },
      ],
    },
    { role: "tool", tool_call_id: "call_1", content: "cold" },
    { role: "tool", tool_call_id: "call_2", content: "warm" },
  ]);
});

Deno.test("decodeResponsesRequest() makes a function_call_output a tool message with its call id", () => {
  const decoded = decode({
    input: [
      { type: "function_call", call_id: "call_9", name: "lookup", arguments: "{}" },
      {
        type: "function_call_output",
        call_id: "call_9",
        output: [{ type: "input_text", text: "found" }],
      },
    ],
  });
  assertEquals(decoded.request.messages[1], {
    role: "tool",
    tool_call_id: "call_9",
    content: "found",
  });
});

Deno.test("decodeResponsesRequest() drops reasoning items with a warning", () => {
  const decoded = decode({
    input: [
      { role: "user", content: "Hi" },
      { type: "reasoning", id: "rs_1", summary: [] },
      { role: "assistant", content: "Hello" },
    ],
  });
  assertEquals(decoded.request.messages, [
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Hello" },
  ]);
  assertEquals(decoded.warnings.length, 1);
  assertStringIncludes(decoded.warnings[0] ?? "", "reasoning");
});

Deno.test("decodeResponsesRequest() makes function tools chat tools", () => {
  const parameters = { type: "object", properties: { q: { type: "string" } } };
  const decoded = decode({
    input: "Hi",
    tools: [
      { type: "function", name: "lookup", description: "Looks up", parameters, strict: true },
      { type: "function", name: "now" },
    ],
  });
  assertEquals(decoded.request.tools, [
    {
      type: "function",
      function: { name: "lookup", description: "Looks up", parameters, strict: true },
    },
    { type: "function", function: { name: "now" } },
  ]);
});

Deno.test("decodeResponsesRequest() maps tool_choice strings and a named function", () => {
  assertEquals(decode({ input: "Hi", tool_choice: "required" }).request.tool_choice, "required");
  assertEquals(decode({ input: "Hi", tool_choice: "none" }).request.tool_choice, "none");
  assertEquals(
    decode({ input: "Hi", tool_choice: { type: "function", name: "lookup" } }).request.tool_choice,
    { type: "function", function: { name: "lookup" } },
  );
});

Deno.test("decodeResponsesRequest() maps a json_schema text format to response_format", () => {
  const schema = { type: "object", properties: { a: { type: "string" } } };
  assertEquals(
    decode({
      input: "Hi",
      text: {
        format: {
          type: "json_schema",
          name: "answer",
          description: "An answer",
          schema,
          strict: true,
        },
      },
    }).request.response_format,
    {
      type: "json_schema",
      json_schema: { name: "answer", description: "An answer", schema, strict: true },
    },
  );
});

Deno.test("decodeResponsesRequest() names a json_schema format 'response' when it has no name", () => {
  const schema = { type: "object" };
  assertEquals(
    decode({ input: "Hi", text: { format: { type: "json_schema", schema } } }).request
      .response_format,
    { type: "json_schema", json_schema: { name: "response", schema } },
  );
});

Deno.test("decodeResponsesRequest() maps a json_object text format and leaves a text format out", () => {
  assertEquals(
    decode({ input: "Hi", text: { format: { type: "json_object" } } }).request.response_format,
    { type: "json_object" },
  );
  assertEquals(
    decode({ input: "Hi", text: { format: { type: "text" } } }).request.response_format,
    undefined,
  );
});

Deno.test("decodeResponsesRequest() maps max_output_tokens to max_tokens and reasoning.effort to reasoning_effort", () => {
  const decoded = decode({
    input: "Hi",
    max_output_tokens: 256,
    reasoning: { effort: "low" },
    temperature: 0.2,
    top_p: 0.5,
  });
  assertEquals(decoded.request, {
    messages: [{ role: "user", content: "Hi" }],
    max_tokens: 256,
    reasoning_effort: "low",
    temperature: 0.2,
    top_p: 0.5,
  });
});

Deno.test("decodeResponsesRequest() asks a stream for its usage when stream is true", () => {
  const decoded = decode({ input: "Hi", stream: true });
  assertEquals(decoded.stream, true);
  assertEquals(decoded.request.stream, true);
  assertEquals(decoded.request.stream_options, { include_usage: true });
  const plain = decode({ input: "Hi", stream: false });
  assertEquals(plain.stream, false);
  assertEquals(plain.request.stream, undefined);
  assertEquals(plain.request.stream_options, undefined);
});

Deno.test("decodeResponsesRequest() stores by default and not when store is false", () => {
  assertEquals(decode({ input: "Hi" }).store, true);
  assertEquals(decode({ input: "Hi", store: true }).store, true);
  assertEquals(decode({ input: "Hi", store: false }).store, false);
});

Deno.test("decodeResponsesRequest() puts the stored conversation of previous_response_id before the input", () => {
  const earlier: ChatMessage[] = [
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Hello" },
  ];
  const asked: string[] = [];
  const previous = (id: string): StoredResponse | undefined => {
    asked.push(id);
    return id === "resp_1"
      ? { response: { id }, conversation: earlier, client: "anonymous", bytes: 10 }
      : undefined;
  };
  const decoded = decodeResponsesRequest({
    model: "chat",
    instructions: "Be brief.",
    previous_response_id: "resp_1",
    input: "And then?",
  }, previous);
  assertEquals(asked, ["resp_1"]);
  assertEquals(decoded.request.messages, [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Hello" },
    { role: "user", content: "And then?" },
  ]);
  assertEquals(decoded.conversation, [...earlier, { role: "user", content: "And then?" }]);
  // The stored conversation itself is left as it was.
  assertEquals(earlier.length, 2);
});

Deno.test("decodeResponsesRequest() refuses an unknown previous_response_id with a 404", () => {
  const error = gatewayErrorOf(
    () => decode({ input: "Hi", previous_response_id: "resp_missing" }),
    /resp_missing/,
  );
  assert(error instanceof NotFoundError);
  assertEquals(error.status, 404);
  assertEquals(error.param, "previous_response_id");
});

Deno.test("decodeResponsesRequest() refuses a built-in tool, naming it", () => {
  const error = gatewayErrorOf(
    () => decode({ input: "Hi", tools: [{ type: "web_search" }] }),
    /web_search/,
  );
  assert(error instanceof InvalidRequestError);
  assertEquals(error.status, 400);
  assertEquals(error.param, "tools[0].type");
});

Deno.test("decodeResponsesRequest() refuses an input_image given only by file_id", () => {
  const error = gatewayErrorOf(() =>
    decode({
      input: [{ role: "user", content: [{ type: "input_image", file_id: "file-123" }] }],
    })
  );
  assertEquals(error.status, 400);
  assertEquals(error.param, "input[0].content[0].file_id");
});

Deno.test("decodeResponsesRequest() refuses an empty input without instructions", () => {
  for (const fields of [{}, { input: [] }]) {
    const error = gatewayErrorOf(() => decode(fields));
    assertEquals(error.status, 400);
    assertEquals(error.param, "input");
  }
});
