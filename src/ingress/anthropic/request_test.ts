import { assert, assertEquals, assertThrows } from "../../../tests/assert.ts";
import { ChatRequest } from "../../schemas/chat.ts";
import type { GatewayError } from "../../core/errors.ts";
import {
  countTokensEstimate,
  decodeCountTokensRequest,
  decodeMessagesRequest,
  withoutNulls,
} from "./request.ts";

const base = { model: "chat", max_tokens: 64 };

Deno.test("decodeMessagesRequest() names the endpoint by model and maps sampling fields", () => {
  const decoded = decodeMessagesRequest({
    ...base,
    messages: [{ role: "user", content: "Hi" }],
    stop_sequences: ["END"],
    temperature: 0.3,
    top_p: 0.9,
    top_k: 40,
    metadata: { user_id: "u-1" },
  });
  assertEquals(decoded.name, "chat");
  assertEquals(decoded.stream, false);
  assertEquals(decoded.stopSequences, ["END"]);
  assertEquals(decoded.request, {
    messages: [{ role: "user", content: "Hi" }],
    stop: ["END"],
    temperature: 0.3,
    top_p: 0.9,
    top_k: 40,
    user: "u-1",
    max_tokens: 64,
  });
  assertEquals(decoded.warnings, []);
});

Deno.test("decodeMessagesRequest() takes null for absent, as SDKs send unset parameters", () => {
  const decoded = decodeMessagesRequest({
    ...base,
    messages: [{ role: "user", content: "Hi" }],
    temperature: null,
    system: null,
    tools: null,
    metadata: null,
    stream: null,
  });
  assertEquals(decoded.request, { messages: [{ role: "user", content: "Hi" }], max_tokens: 64 });
  assertEquals(withoutNulls({ a: null, b: [{ c: null, d: 1 }] }), { b: [{ d: 1 }] });
  // the client's own data keeps its nulls: a tool call's input, a tool's schema
  assertEquals(
    withoutNulls({ input: { unit: null }, input_schema: { default: null } }),
    { input: { unit: null }, input_schema: { default: null } },
  );
});

Deno.test("decodeMessagesRequest() turns system blocks into one system message, noting cache_control", () => {
  const decoded = decodeMessagesRequest({
    ...base,
    system: [
      { type: "text", text: "You are terse." },
      { type: "text", text: "Answer in French.", cache_control: { type: "ephemeral" } },
    ],
    messages: [{ role: "user", content: "Hi" }],
  });
  assertEquals(decoded.request.messages[0], {
    role: "system",
    content: "You are terse.\n\nAnswer in French.",
  });
  assertEquals(decoded.warnings, ["cache_control: prompt caching hints are not passed on"]);
});

Deno.test("decodeMessagesRequest() maps images, documents and text blocks to content parts", () => {
  const decoded = decodeMessagesRequest({
    ...base,
    messages: [{
      role: "user",
      content: [
        { type: "text", text: "What is this?" },
        { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBO" } },
        { type: "image", source: { type: "url", url: "https://example.com/a.jpg" } },
        {
          type: "document",
          title: "spec.pdf",
          source: { type: "base64", media_type: "application/pdf", data: "JVBE" },
        },
        { type: "document", source: { type: "text", media_type: "text/plain", data: "notes" } },
      ],
    }],
  });
  assertEquals(decoded.request.messages[0]?.content, [
    { type: "text", text: "What is this?" },
    { type: "image_url", image_url: { url: "data:image/png;base64,iVBO" } },
    { type: "image_url", image_url: { url: "https://example.com/a.jpg" } },
    { type: "file", file: { file_data: "data:application/pdf;base64,JVBE", filename: "spec.pdf" } },
    { type: "text", text: "notes" },
  ]);
});

Deno.test("decodeMessagesRequest() turns tool_use into tool calls and tool_result into tool messages first", () => {
  const decoded = decodeMessagesRequest({
    ...base,
    messages: [
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "I should call the tool.", signature: "sig" },
          { type: "text", text: "Checking." },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "text", text: "Thanks" },
          {
            type: "tool_result",
            tool_use_id: "toolu_1",
            content: [{ type: "text", text: "sunny" }],
          },
        ],
      },
      {
        role: "assistant",
        content: [{ type: "tool_use", id: "toolu_2", name: "get_weather", input: {} }],
      },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "toolu_2", content: "down", is_error: true }],
      },
    ],
  });
  assertEquals(decoded.request.messages, [
    { role: "user", content: "Weather in Paris?" },
    {
      role: "assistant",
      content: "Checking.",
      tool_calls: [{
        id: "toolu_1",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Paris"}' },
      }],
    },
    { role: "tool", tool_call_id: "toolu_1", content: "sunny" },
    { role: "user", content: "Thanks" },
    {
      role: "assistant",
      content: null,
      tool_calls: [{
        id: "toolu_2",
        type: "function",
        function: { name: "get_weather", arguments: "{}" },
      }],
    },
    { role: "tool", tool_call_id: "toolu_2", content: "Error: down" },
  ]);
  assertEquals(decoded.warnings, ["thinking: earlier thinking blocks are not passed on"]);
});

Deno.test("decodeMessagesRequest() maps tools, each tool_choice and thinking", () => {
  const tool = {
    name: "get_weather",
    description: "The weather",
    input_schema: { type: "object", properties: { city: { type: "string" } } },
  };
  const choices: [unknown, unknown][] = [
    [{ type: "auto" }, "auto"],
    [{ type: "any" }, "required"],
    [{ type: "none" }, "none"],
    [{ type: "tool", name: "get_weather" }, {
      type: "function",
      function: { name: "get_weather" },
    }],
  ];
  for (const [given, expected] of choices) {
    const { request } = decodeMessagesRequest({
      ...base,
      messages: [{ role: "user", content: "x" }],
      tools: [tool],
      tool_choice: given,
    });
    assertEquals(request.tool_choice, expected);
    assertEquals(request.tools, [{
      type: "function",
      function: { name: "get_weather", description: "The weather", parameters: tool.input_schema },
    }]);
  }
  const parallel = decodeMessagesRequest({
    ...base,
    messages: [{ role: "user", content: "x" }],
    tools: [tool],
    tool_choice: { type: "auto", disable_parallel_tool_use: true },
    thinking: { type: "enabled", budget_tokens: 8000 },
  });
  assertEquals(parallel.request.parallel_tool_calls, false);
  assertEquals((parallel.request as Record<string, unknown>).reasoning_effort, "medium");
});

Deno.test("decodeMessagesRequest() asks a stream for its usage, and names fields it cannot carry", () => {
  const decoded = decodeMessagesRequest({
    ...base,
    messages: [{ role: "user", content: "x" }],
    stream: true,
    service_tier: "auto",
  });
  assertEquals(decoded.stream, true);
  assertEquals(decoded.request.stream_options, { include_usage: true });
  assertEquals(decoded.warnings, ["service_tier: not passed on"]);
});

Deno.test("decodeMessagesRequest() refuses what it cannot serve, naming the field", () => {
  const refused = (body: unknown, param: string) => {
    const error = assertThrows(() => decodeMessagesRequest(body)) as GatewayError;
    assertEquals([error.status, error.param], [400, param], error.message);
  };
  refused({ model: "chat", messages: [{ role: "user", content: "x" }] }, "max_tokens");
  refused({ ...base, messages: [] }, "messages");
  refused(
    {
      ...base,
      messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "nope" }] }],
    },
    "messages[0].content[0].tool_use_id",
  );
  refused(
    {
      ...base,
      messages: [{ role: "user", content: "x" }],
      tools: [{ type: "web_search_20250305", name: "web_search" }],
    },
    "tools[0].type",
  );
  refused(
    { ...base, messages: [{ role: "user", content: [{ type: "video", url: "x" }] }] },
    "messages[0].content[0].type",
  );
});

Deno.test("decodeMessagesRequest() gives a Claude-Code-like request the chat schema accepts unchanged", () => {
  const { request } = decodeMessagesRequest({
    model: "route-a",
    max_tokens: 32000,
    stream: true,
    system: [
      { type: "text", text: "You are Claude Code.", cache_control: { type: "ephemeral" } },
      { type: "text", text: "Work in /repo." },
    ],
    tools: [{
      name: "Bash",
      description: "Run a command",
      input_schema: {
        type: "object",
        properties: { command: { type: "string" } },
        required: ["command"],
      },
    }],
    messages: [
      {
        role: "user",
        content: [{ type: "text", text: "List files", cache_control: { type: "ephemeral" } }],
      },
      {
        role: "assistant",
        content: [{ type: "tool_use", id: "toolu_01", name: "Bash", input: { command: "ls" } }],
      },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "toolu_01", content: "a.ts\nb.ts" }],
      },
    ],
    metadata: { user_id: "session-1" },
  });
  const parsed = ChatRequest.safeParse(request);
  assert(parsed.success, JSON.stringify(parsed.error?.issues));
  assertEquals(parsed.data, request);
});

Deno.test("decodeCountTokensRequest() and countTokensEstimate() give a deterministic estimate", () => {
  const { name, request } = decodeCountTokensRequest({
    model: "chat",
    messages: [{ role: "user", content: "x".repeat(400) }],
  });
  assertEquals(name, "chat");
  assertEquals(countTokensEstimate(request), 104);
  const withImage = decodeCountTokensRequest({
    model: "chat",
    messages: [{
      role: "user",
      content: [{ type: "image", source: { type: "url", url: "https://e.com/a.png" } }],
    }],
  });
  assertEquals(countTokensEstimate(withImage.request), 1604);
});
