import { assert, assertEquals, assertThrows } from "../../../tests/assert.ts";
import { ChatRequest } from "../../schemas/chat.ts";
import type { GatewayError } from "../../core/errors.ts";
import {
  countTokensEstimate,
  decodeCountTokensRequest,
  decodeMessagesRequest,
  effortOfBudget,
  IMAGE_TOKENS,
  withoutNulls,
  withTextBlocks,
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
  assertEquals((parallel.request as Record<string, unknown>).reasoning_effort, undefined);
  assertEquals(parallel.warnings, ["thinking: the reasoning effort ('medium') is not passed on"]);
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

const hi = [{ role: "user", content: "Hi" }];
const weatherTool = {
  name: "get_weather",
  description: "The weather",
  input_schema: { type: "object", properties: { city: { type: "string" } } },
};
/** A conversation in which the assistant called get_weather as `toolu_1`. */
const calledWeather = [
  { role: "user", content: "Weather?" },
  {
    role: "assistant",
    content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }],
  },
];

function refusal(body: unknown): GatewayError {
  return assertThrows(() => decodeMessagesRequest(body)) as GatewayError;
}

Deno.test("decodeMessagesRequest() takes null as absent for every optional field", () => {
  const nulls: Record<string, unknown>[] = [
    { system: null },
    { stop_sequences: null },
    { temperature: null },
    { top_p: null },
    { top_k: null },
    { stream: null },
    { metadata: null },
    { metadata: { user_id: null } },
    { tools: null },
    { tool_choice: null },
    { thinking: null },
    { output_config: null },
    { service_tier: null },
    { container: null },
    { mcp_servers: null },
    { cache_control: null },
  ];
  for (const fields of nulls) {
    const decoded = decodeMessagesRequest({ ...base, messages: hi, ...fields });
    assertEquals(decoded.request, { messages: hi, max_tokens: 64 }, JSON.stringify(fields));
    assertEquals(decoded.stream, false);
    assertEquals(decoded.warnings, [], JSON.stringify(fields));
  }
  const inside = decodeMessagesRequest({
    ...base,
    system: [{ type: "text", text: "Be brief.", cache_control: null, citations: null }],
    tools: [{ ...weatherTool, description: null, cache_control: null, type: null, strict: null }],
    tool_choice: { type: "auto", disable_parallel_tool_use: null },
    messages: [
      ...calledWeather,
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: null, is_error: null },
          { type: "text", text: "And?", cache_control: null },
          {
            type: "document",
            source: { type: "text", media_type: null, data: "notes" },
            title: null,
            context: null,
            citations: null,
          },
        ],
      },
    ],
  });
  assertEquals(inside.warnings, []);
  assertEquals(inside.request.messages[0], { role: "system", content: "Be brief." });
  assertEquals(inside.request.tools, [{
    type: "function",
    function: { name: "get_weather", parameters: weatherTool.input_schema },
  }]);
  assertEquals(inside.request.tool_choice, "auto");
  assertEquals(inside.request.parallel_tool_calls, undefined);
  assertEquals(inside.request.messages.slice(3), [
    { role: "tool", tool_call_id: "toolu_1", content: "" },
    { role: "user", content: [{ type: "text", text: "And?" }, { type: "text", text: "notes" }] },
  ]);
});

Deno.test("withTextBlocks() turns string contents and a string system prompt into text blocks", () => {
  assertEquals(withTextBlocks({ system: "S", messages: [{ role: "user", content: "Hi" }] }), {
    system: [{ type: "text", text: "S" }],
    messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
  });
  assertEquals(withTextBlocks("not an object"), "not an object");
});

Deno.test("decodeMessagesRequest() names the bad field of a block, not just the whole content", () => {
  const error = refusal({
    ...base,
    messages: [{ role: "user", content: [{ type: "text", text: "ok" }, { type: "text" }] }],
  });
  assertEquals([error.status, error.param], [400, "messages[0].content[1].text"]);
  assertEquals(
    refusal({ ...base, system: [{ type: "text" }], messages: hi }).param,
    "system[0].text",
  );
});

Deno.test("decodeMessagesRequest() refuses a missing or invalid model, max_tokens and sampling", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ max_tokens: 64, messages: hi }, "model"],
    [{ model: "", max_tokens: 64, messages: hi }, "model"],
    [{ model: "chat", max_tokens: 0, messages: hi }, "max_tokens"],
    [{ ...base, messages: hi, temperature: 1.5 }, "temperature"],
    [{ ...base, messages: hi, top_k: 2.5 }, "top_k"],
    [{ ...base, messages: hi, stop_sequences: Array(17).fill("x") }, "stop_sequences"],
    [{ ...base, messages: [{ role: "system", content: "x" }] }, "messages[0].role"],
    [{ ...base, messages: hi, thinking: { type: "enabled" } }, "thinking.budget_tokens"],
  ];
  for (const [body, param] of cases) {
    const error = refusal(body);
    assertEquals([error.status, error.param], [400, param], error.message);
  }
});

Deno.test("decodeMessagesRequest() keeps a single text block as a plain string and several as parts", () => {
  const one = decodeMessagesRequest({
    ...base,
    messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
  });
  assertEquals(one.request.messages, [{ role: "user", content: "Hi" }]);
  const two = decodeMessagesRequest({
    ...base,
    messages: [
      { role: "user", content: "Hi" },
      { role: "assistant", content: [{ type: "text", text: "A" }, { type: "text", text: "B" }] },
      { role: "user", content: "More" },
    ],
  });
  assertEquals(two.request.messages[1], {
    role: "assistant",
    content: [{ type: "text", text: "A" }, { type: "text", text: "B" }],
  });
});

Deno.test("decodeMessagesRequest() maps document sources: content blocks, untitled PDFs, titled text", () => {
  const { request } = decodeMessagesRequest({
    ...base,
    messages: [{
      role: "user",
      content: [
        {
          type: "document",
          source: { type: "base64", media_type: "application/pdf", data: "JVBE" },
        },
        { type: "document", title: "Notes", source: { type: "text", data: "n1" } },
        {
          type: "document",
          title: "Bundle",
          source: {
            type: "content",
            content: [
              { type: "text", text: "part one" },
              { type: "image", source: { type: "url", url: "https://e.com/p.png" } },
            ],
          },
        },
        { type: "document", source: { type: "content", content: "plain" } },
      ],
    }],
  });
  assertEquals(request.messages[0]?.content, [
    {
      type: "file",
      file: { file_data: "data:application/pdf;base64,JVBE", filename: "document.pdf" },
    },
    { type: "text", text: "Notes\n\nn1" },
    { type: "text", text: "Bundle" },
    { type: "text", text: "part one" },
    { type: "image_url", image_url: { url: "https://e.com/p.png" } },
    { type: "text", text: "plain" },
  ]);
});

Deno.test("decodeMessagesRequest() refuses documents by URL and files from Anthropic's Files API", () => {
  const cases: [unknown, string][] = [
    [{ type: "document", source: { type: "url", url: "https://e.com/a.pdf" } }, "source"],
    [{ type: "document", source: { type: "file", file_id: "file_1" } }, "source"],
    [{ type: "image", source: { type: "file", file_id: "file_2" } }, "source"],
  ];
  for (const [block, field] of cases) {
    const error = refusal({ ...base, messages: [{ role: "user", content: [block] }] });
    assertEquals([error.status, error.param], [400, `messages[0].content[0].${field}`]);
  }
});

Deno.test("decodeMessagesRequest() joins a tool result's text, and moves its images to a user message", () => {
  const decode = (result: Record<string, unknown>) =>
    decodeMessagesRequest({
      ...base,
      messages: [
        ...calledWeather,
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", ...result }] },
      ],
    }).request.messages.slice(2);
  assertEquals(
    decode({ content: [{ type: "text", text: "line 1" }, { type: "text", text: "line 2" }] }),
    [{ role: "tool", tool_call_id: "toolu_1", content: "line 1\nline 2" }],
  );
  // OpenAI-shaped APIs take images in user messages only
  const image = { type: "image", source: { type: "base64", media_type: "image/png", data: "iV" } };
  const note = "(the attachments of this tool result follow in the next user message)";
  assertEquals(decode({ content: [{ type: "text", text: "a screenshot" }, image] }), [
    { role: "tool", tool_call_id: "toolu_1", content: `a screenshot\n${note}` },
    {
      role: "user",
      content: [{ type: "image_url", image_url: { url: "data:image/png;base64,iV" } }],
    },
  ]);
  // is_error: the content says so in front, whatever its shape
  assertEquals(decode({ content: [image], is_error: true })[0]?.content, `Error\n${note}`);
  assertEquals(decode({ is_error: true })[0]?.content, "Error");
  assertEquals(decode({ content: "boom", is_error: true })[0]?.content, "Error: boom");
  assertEquals(decode({ content: "fine", is_error: false })[0]?.content, "fine");
});

Deno.test("decodeMessagesRequest() puts several tool results first, in order, before the turn's text", () => {
  const { request } = decodeMessagesRequest({
    ...base,
    messages: [
      { role: "user", content: "Two cities" },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "a", name: "get_weather", input: { city: "Paris" } },
          { type: "tool_use", id: "b", name: "get_weather", input: { city: "Oslo" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "a", content: "sunny" },
          { type: "text", text: "compare them" },
          { type: "tool_result", tool_use_id: "b", content: "snow" },
        ],
      },
    ],
  });
  assertEquals(request.messages.slice(1), [
    {
      role: "assistant",
      content: null,
      tool_calls: [
        {
          id: "a",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Paris"}' },
        },
        {
          id: "b",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
        },
      ],
    },
    { role: "tool", tool_call_id: "a", content: "sunny" },
    { role: "tool", tool_call_id: "b", content: "snow" },
    { role: "user", content: "compare them" },
  ]);
});

Deno.test("decodeMessagesRequest() refuses tool blocks in the wrong turn and unknown nested blocks", () => {
  const cases: [unknown[], string][] = [
    [[{
      role: "user",
      content: [{ type: "tool_use", id: "x", name: "get_weather", input: {} }],
    }], "messages[0].content[0].type"],
    [[...calledWeather, {
      role: "assistant",
      content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "x" }],
    }], "messages[2].content[0].type"],
    [[...calledWeather, {
      role: "user",
      content: [{
        type: "tool_result",
        tool_use_id: "toolu_1",
        content: [{ type: "search_result", source: "s", title: "t", content: [] }],
      }],
    }], "messages[2].content[0].content[0].type"],
    [
      [{ role: "assistant", content: [{ type: "server_tool_use", id: "s", name: "web_search" }] }],
      "messages[0].content[0].type",
    ],
  ];
  for (const [messages, param] of cases) {
    const error = refusal({ ...base, messages });
    assertEquals([error.status, error.param], [400, param], error.message);
  }
});

Deno.test("decodeMessagesRequest() maps tool strictness and leaves out tool_choice auto or none without tools", () => {
  const strict = decodeMessagesRequest({
    ...base,
    messages: hi,
    tools: [{ ...weatherTool, strict: true }, { name: "noop" }],
  });
  assertEquals(strict.request.tools, [
    {
      type: "function",
      function: {
        name: "get_weather",
        description: "The weather",
        parameters: weatherTool.input_schema,
        strict: true,
      },
    },
    {
      type: "function",
      function: { name: "noop", parameters: { type: "object", properties: {} } },
    },
  ]);
  for (const type of ["auto", "none"]) {
    const { request } = decodeMessagesRequest({ ...base, messages: hi, tool_choice: { type } });
    assertEquals(request, { messages: hi, max_tokens: 64 });
  }
  const none = decodeMessagesRequest({
    ...base,
    messages: hi,
    tools: [weatherTool],
    tool_choice: { type: "none" },
  });
  assertEquals([none.request.tool_choice, none.request.parallel_tool_calls], ["none", undefined]);
});

Deno.test("decodeMessagesRequest() refuses a tool_choice naming no tool, or asking for one without tools", () => {
  assertEquals(
    refusal({ ...base, messages: hi, tool_choice: { type: "any" } }).param,
    "tool_choice",
  );
  assertEquals(
    refusal({ ...base, messages: hi, tool_choice: { type: "tool", name: "get_weather" } }).param,
    "tool_choice",
  );
  assertEquals(
    refusal({
      ...base,
      messages: hi,
      tools: [weatherTool],
      tool_choice: { type: "tool", name: "get_time" },
    }).param,
    "tool_choice.name",
  );
});

Deno.test("decodeMessagesRequest() refuses Anthropic's built-in tools by their type", () => {
  for (
    const tool of [
      { type: "web_search_20250305", name: "web_search", max_uses: 3 },
      { type: "bash_20250124", name: "bash" },
      { type: "text_editor_20250728", name: "str_replace_based_edit_tool" },
    ]
  ) {
    const error = refusal({ ...base, messages: hi, tools: [weatherTool, tool] });
    assertEquals([error.status, error.param], [400, "tools[1].type"]);
    assert(error.message.includes(tool.type), error.message);
  }
  const custom = decodeMessagesRequest({
    ...base,
    messages: hi,
    tools: [{ ...weatherTool, type: "custom" }],
  });
  assertEquals(custom.request.tools?.length, 1);
});

Deno.test("effortOfBudget() maps thinking budgets to low, medium and high at 4096 and 16384", () => {
  assertEquals(
    [1024, 4095, 4096, 16383, 16384, 31999].map(effortOfBudget),
    ["low", "low", "medium", "medium", "high", "high"],
  );
});

Deno.test("decodeMessagesRequest() names thinking's effort, and sends output_config's format", () => {
  const effort = (fields: Record<string, unknown>) => {
    const decoded = decodeMessagesRequest({ ...base, messages: hi, ...fields });
    return [(decoded.request as Record<string, unknown>).reasoning_effort, decoded.warnings];
  };
  // reasoning effort is named, not sent: a model without reasoning refuses the field
  const notSent = (level: string) => `thinking: the reasoning effort ('${level}') is not passed on`;
  assertEquals(effort({ thinking: { type: "enabled", budget_tokens: 2000 } }), [undefined, [
    notSent("low"),
  ]]);
  assertEquals(effort({ thinking: { type: "disabled" } }), [undefined, []]);
  assertEquals(effort({ thinking: { type: "adaptive" } }), [undefined, [
    "thinking: adaptive thinking has no budget to pass on; the model's default holds",
  ]]);
  assertEquals(
    effort({
      thinking: { type: "enabled", budget_tokens: 2000 },
      output_config: { effort: "high" },
    }),
    [undefined, [notSent("high")]],
  );
  assertEquals(effort({ output_config: { effort: "max" } }), [undefined, [
    "output_config.effort: 'max' is taken for reasoning effort 'high'",
    notSent("high"),
  ]]);
  assertEquals(effort({ thinking: { type: "enabled", budget_tokens: 5000, display: "omitted" } }), [
    undefined,
    ["thinking.display: not passed on", notSent("medium")],
  ]);
  const schema = { type: "object", properties: { answer: { type: ["string", "null"] } } };
  const format = decodeMessagesRequest({
    ...base,
    messages: hi,
    output_config: { format: { type: "json_schema", schema } },
  });
  assertEquals(format.request.response_format, {
    type: "json_schema",
    json_schema: { name: "output", schema },
  });
});

Deno.test("decodeMessagesRequest() warns once about cache_control wherever it appears", () => {
  const { warnings } = decodeMessagesRequest({
    ...base,
    cache_control: { type: "ephemeral" },
    system: [{ type: "text", text: "S", cache_control: { type: "ephemeral" } }],
    tools: [{ ...weatherTool, cache_control: { type: "ephemeral", ttl: "1h" } }],
    messages: [
      ...calledWeather.map((message, i) =>
        i === 0
          ? {
            role: "user",
            content: [{ type: "text", text: "Q", cache_control: { type: "ephemeral" } }],
          }
          : message
      ),
      {
        role: "user",
        content: [{
          type: "tool_result",
          tool_use_id: "toolu_1",
          content: "r",
          cache_control: { type: "ephemeral" },
        }],
      },
    ],
  });
  assertEquals(warnings, ["cache_control: prompt caching hints are not passed on"]);
});

Deno.test("decodeMessagesRequest() names every field it cannot carry, at any depth, once each", () => {
  const { warnings, request } = decodeMessagesRequest({
    ...base,
    service_tier: "auto",
    container: "c-1",
    mcp_servers: [{ type: "url", url: "https://mcp.example", name: "m" }],
    context_management: { edits: [] },
    metadata: { user_id: "u", team: "t" },
    tools: [{ ...weatherTool, defer_loading: true, eager_input_streaming: false }],
    tool_choice: { type: "auto", extra: 1 },
    messages: [
      { role: "user", content: "Q", id: "m-1" },
      {
        role: "assistant",
        content: [
          { type: "redacted_thinking", data: "opaque" },
          { type: "text", text: "A", citations: [{ type: "char_location", cited_text: "x" }] },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: {}, caller: "direct" },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "r" },
          {
            type: "document",
            source: { type: "text", data: "d" },
            context: "background",
            citations: { enabled: true },
          },
          {
            type: "image",
            source: { type: "url", url: "https://e.com/i.png" },
            transformations: { crop: 1 },
          },
        ],
      },
      { role: "assistant", content: "Sure, " },
    ],
  });
  assertEquals(warnings.sort(), [
    "citations: citations are not passed on (answers carry none)",
    "container: not passed on",
    "context_management: not passed on",
    "document.context: not passed on",
    "image.transformations: not passed on",
    "mcp_servers: not passed on",
    "messages: a final assistant turn (a prefill) is sent as history; the endpoint's model may answer after it rather than continue it",
    "messages[].id: not passed on",
    "metadata.team: not passed on",
    "redacted_thinking: earlier thinking blocks are not passed on",
    "service_tier: not passed on",
    "tool_choice.extra: not passed on",
    "tool_use.caller: not passed on",
    "tools[].defer_loading: not passed on",
  ]);
  assertEquals(request.user, "u");
  assertEquals(request.messages[request.messages.length - 1], {
    role: "assistant",
    content: "Sure, ",
  });
});

Deno.test("decodeMessagesRequest() drops an assistant turn that held only thinking", () => {
  const { request, warnings } = decodeMessagesRequest({
    ...base,
    messages: [
      { role: "user", content: "Q" },
      { role: "assistant", content: [{ type: "thinking", thinking: "hm", signature: "s" }] },
      { role: "user", content: "Again" },
    ],
  });
  assertEquals(request.messages, [
    { role: "user", content: "Q" },
    { role: "user", content: "Again" },
  ]);
  assertEquals(warnings, ["thinking: earlier thinking blocks are not passed on"]);
});

Deno.test("decodeMessagesRequest() gives a multi-turn Claude Code session the chat schema accepts unchanged", () => {
  const decoded = decodeMessagesRequest({
    model: "claude-sonnet-4-5",
    max_tokens: 32000,
    stream: true,
    temperature: 1,
    system: [
      {
        type: "text",
        text: "You are Claude Code, Anthropic's official CLI for Claude.",
        cache_control: { type: "ephemeral" },
      },
      { type: "text", text: "Working directory: /repo", cache_control: { type: "ephemeral" } },
    ],
    tools: [
      {
        name: "Read",
        description: "Reads a file",
        input_schema: {
          $schema: "http://json-schema.org/draft-07/schema#",
          type: "object",
          properties: { file_path: { type: "string" }, limit: { type: "number" } },
          required: ["file_path"],
          additionalProperties: false,
        },
      },
      {
        name: "Bash",
        description: "Runs a command",
        input_schema: {
          type: "object",
          properties: { command: { type: "string" }, timeout: { type: "number" } },
          required: ["command"],
        },
        cache_control: { type: "ephemeral" },
      },
    ],
    tool_choice: { type: "auto" },
    metadata: { user_id: "user_abc_account_1_session_2" },
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "<system-reminder>context</system-reminder>" },
          { type: "text", text: "Fix the failing test", cache_control: { type: "ephemeral" } },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "Look at the test first.", signature: "EqoB" },
          { type: "text", text: "Let me look." },
          {
            type: "tool_use",
            id: "toolu_01A",
            name: "Read",
            input: { file_path: "/repo/a_test.ts" },
          },
          { type: "tool_use", id: "toolu_01B", name: "Bash", input: { command: "deno test" } },
        ],
      },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: "toolu_01A",
            content: [{ type: "text", text: "1\tDeno.test(...)" }],
          },
          { type: "tool_result", tool_use_id: "toolu_01B", content: "FAILED", is_error: true },
        ],
      },
      {
        role: "assistant",
        content: [{ type: "tool_use", id: "toolu_01C", name: "Bash", input: { command: "ls" } }],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_01C", content: "a_test.ts" },
          { type: "text", text: "Keep going", cache_control: { type: "ephemeral" } },
        ],
      },
    ],
  });
  const parsed = ChatRequest.safeParse(decoded.request);
  assert(parsed.success, JSON.stringify(parsed.error?.issues));
  assertEquals(parsed.data, decoded.request);
  assertEquals(decoded.name, "claude-sonnet-4-5");
  assertEquals(decoded.stream, true);
  assertEquals(decoded.request.messages.map((m) => m.role), [
    "system",
    "user",
    "assistant",
    "tool",
    "tool",
    "assistant",
    "tool",
    "user",
  ]);
  assertEquals(decoded.request.messages[4], {
    role: "tool",
    tool_call_id: "toolu_01B",
    content: "Error: FAILED",
  });
  assertEquals(decoded.warnings, [
    "cache_control: prompt caching hints are not passed on",
    "thinking: earlier thinking blocks are not passed on",
  ]);
});

Deno.test("countTokensEstimate() counts tool schemas, tool calls and images, deterministically", () => {
  const { request } = decodeCountTokensRequest({
    model: "chat",
    tools: [weatherTool],
    messages: [
      ...calledWeather,
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "sunny" },
          { type: "image", source: { type: "url", url: "https://e.com/a.png" } },
        ],
      },
    ],
  });
  const characters = "Weather?".length + "get_weather".length + '{"city":"Paris"}'.length +
    "sunny".length + JSON.stringify(request.tools?.[0]?.function).length;
  const expected = 4 * 4 + IMAGE_TOKENS + Math.ceil(characters / 4);
  assertEquals(countTokensEstimate(request), expected);
  assertEquals(countTokensEstimate(request), expected);
});
