import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { CallContext, TranslationWarning } from "../../core/provider.ts";
import type { ChatRequest } from "../../schemas/chat.ts";
import type { CohereConfig } from "./config.ts";
import {
  buildCohereChatRequest,
  buildCohereCompletionsRequest,
  buildCohereEmbedRequest,
  toCohereChatBody,
} from "./request.ts";
import { toCohereMessages } from "./messages.ts";

const KEY = "co-test-key-123";

function ctx(stream = false, config: Partial<CohereConfig> = {}): CallContext<CohereConfig> {
  return {
    endpoint: "chat",
    model: "command-a-03-2025",
    config: { cohere_api_key: KEY, ...config },
    stream,
  };
}

function body(request: ChatRequest, stream = false) {
  const warnings: TranslationWarning[] = [];
  return { body: toCohereChatBody(request, ctx(stream), warnings), warnings };
}

Deno.test("buildCohereChatRequest() posts to /v2/chat with Bearer auth", () => {
  const req = buildCohereChatRequest({ messages: [{ role: "user", content: "hi" }] }, ctx());
  assertEquals(req.url, "https://api.cohere.com/v2/chat");
  assertEquals(req.headers.authorization, `Bearer ${KEY}`);
  assertEquals(JSON.parse(req.body as string), {
    model: "command-a-03-2025",
    messages: [{ role: "user", content: "hi" }],
  });
  assertEquals(req.warnings, []);
});

Deno.test("buildCohereChatRequest() keeps a custom base and drops a trailing version", () => {
  const custom = buildCohereChatRequest(
    { messages: [{ role: "user", content: "hi" }] },
    ctx(false, { cohere_api_base: "http://127.0.0.1:9999/" }),
  );
  assertEquals(custom.url, "http://127.0.0.1:9999/v2/chat");
  const versioned = buildCohereChatRequest(
    { messages: [{ role: "user", content: "hi" }] },
    ctx(false, { cohere_api_base: "https://api.cohere.ai/v1" }),
  );
  assertEquals(versioned.url, "https://api.cohere.ai/v2/chat");
});

Deno.test("toCohereMessages() maps every role natively, developer as system", () => {
  const warnings: TranslationWarning[] = [];
  const messages = toCohereMessages([
    { role: "system", content: "Be brief." },
    { role: "developer", content: [{ type: "text", text: "Use metric." }] },
    {
      role: "user",
      content: [
        { type: "text", text: "What is this?" },
        { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
      ],
    },
    {
      role: "assistant",
      content: "Let me look.",
      tool_calls: [{
        id: "call_1",
        type: "function",
        function: { name: "lookup", arguments: '{"q":"x"}' },
      }],
    },
    { role: "tool", tool_call_id: "call_1", content: [{ type: "text", text: "a cat" }] },
    { role: "assistant", content: "A cat." },
  ], warnings);
  assertEquals(messages, [
    { role: "system", content: "Be brief." },
    { role: "system", content: "Use metric." },
    {
      role: "user",
      content: [
        { type: "text", text: "What is this?" },
        { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
      ],
    },
    {
      role: "assistant",
      tool_plan: "Let me look.",
      tool_calls: [{
        id: "call_1",
        type: "function",
        function: { name: "lookup", arguments: '{"q":"x"}' },
      }],
    },
    { role: "tool", tool_call_id: "call_1", content: "a cat" },
    { role: "assistant", content: "A cat." },
  ]);
  assertEquals(warnings, []);
});

Deno.test("toCohereMessages() refuses audio parts and tool messages without an id", () => {
  assertThrows(
    () =>
      toCohereMessages([{
        role: "user",
        content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }],
      }], []),
    /does not accept 'input_audio' content in user messages/,
  );
  assertThrows(
    () => toCohereMessages([{ role: "tool", content: "x" }], []),
    /no 'tool_call_id'/,
  );
  assertThrows(
    () =>
      toCohereMessages([{
        role: "system",
        content: [{ type: "image_url", image_url: { url: "u" } }],
      }], []),
    /'image_url' content in system messages/,
  );
});

Deno.test("toCohereMessages() warns that message names are not sent", () => {
  const warnings: TranslationWarning[] = [];
  toCohereMessages([{ role: "user", content: "hi", name: "ana" }], warnings);
  assertEquals(warnings.map((w) => w.param), ["messages[].name"]);
});

Deno.test("toCohereChatBody() renames sampling fields and clamps Cohere's ranges", () => {
  const { body: sent, warnings } = body({
    messages: [{ role: "user", content: "hi" }],
    temperature: 1.7,
    top_p: 1,
    top_k: 40,
    max_tokens: 50,
    max_completion_tokens: 60,
    stop: "END",
    seed: 7,
    frequency_penalty: 0.5,
    presence_penalty: -1,
  });
  assertEquals(sent.temperature, 1.7, "temperature passes unchanged (no MLflow scaling)");
  assertEquals(sent.p, 0.99);
  assertEquals(sent.k, 40);
  assertEquals(sent.max_tokens, 60, "max_completion_tokens wins over max_tokens");
  assertEquals(sent.stop_sequences, ["END"]);
  assertEquals(sent.seed, 7);
  assertEquals(sent.frequency_penalty, 0.5);
  assertEquals(sent.presence_penalty, 0);
  assertEquals(warnings.map((w) => [w.type, w.param]), [
    ["clamped", "top_p"],
    ["clamped", "presence_penalty"],
  ]);
  for (const openaiName of ["top_p", "top_k", "stop", "max_completion_tokens", "n"]) {
    assertEquals(openaiName in sent, false, `${openaiName} is not sent under its OpenAI name`);
  }
});

Deno.test("toCohereChatBody() warns about n > 1, unknown fields and passes Cohere-native ones", () => {
  const { body: sent, warnings } = body({
    messages: [{ role: "user", content: "hi" }],
    n: 3,
    user: "u-1",
    logit_bias: { "1": 2 },
    safety_mode: "STRICT",
  } as ChatRequest);
  assertEquals(sent.safety_mode, "STRICT");
  assertEquals("logit_bias" in sent || "user" in sent, false);
  assertEquals(warnings.map((w) => w.param).sort(), ["logit_bias", "n", "user"]);
});

Deno.test("toCohereChatBody() maps response_format to Cohere's json_object", () => {
  const schema = { type: "object", properties: { a: { type: "string" } } };
  assertEquals(
    body({ messages: [{ role: "user", content: "x" }], response_format: { type: "json_object" } })
      .body.response_format,
    { type: "json_object" },
  );
  assertEquals(
    body({
      messages: [{ role: "user", content: "x" }],
      response_format: { type: "json_schema", json_schema: { name: "a", schema } },
    }).body.response_format,
    { type: "json_object", json_schema: schema },
  );
  assertEquals(
    "response_format" in body({
      messages: [{ role: "user", content: "x" }],
      response_format: { type: "text" },
    }).body,
    false,
  );
});

const weather = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } } },
  },
};
const time = {
  type: "function" as const,
  function: { name: "get_time", parameters: { type: "object", properties: {} } },
};

Deno.test("toCohereChatBody() sends tools in v2's function shape and maps tool_choice", () => {
  const messages = [{ role: "user" as const, content: "x" }];
  const auto = body({ messages, tools: [weather, time], tool_choice: "auto" }).body;
  assertEquals(auto.tools, [weather, time]);
  assertEquals("tool_choice" in auto, false, "auto is Cohere's default");
  assertEquals(body({ messages, tools: [weather], tool_choice: "none" }).body.tool_choice, "NONE");
  assertEquals(
    body({ messages, tools: [weather], tool_choice: "required" }).body.tool_choice,
    "REQUIRED",
  );
  const named = body({
    messages,
    tools: [weather, time],
    tool_choice: { type: "function", function: { name: "get_time" } },
  }).body;
  assertEquals(named.tools, [time], "a named function is the only tool offered");
  assertEquals(named.tool_choice, "REQUIRED");
  assertThrows(
    () =>
      body({
        messages,
        tools: [weather],
        tool_choice: { type: "function", function: { name: "nope" } },
      }),
    /'nope', which is not in 'tools'/,
  );
});

Deno.test("toCohereChatBody() sets strict_tools only when every tool is strict", () => {
  const messages = [{ role: "user" as const, content: "x" }];
  const strict = (t: typeof weather | typeof time) => ({
    ...t,
    function: { ...t.function, strict: true },
  });
  const all = body({ messages, tools: [strict(weather), strict(time)] });
  assertEquals(all.body.strict_tools, true);
  assertEquals(
    (all.body.tools as { function: Record<string, unknown> }[])[0]?.function.strict,
    undefined,
  );
  const some = body({ messages, tools: [strict(weather), time] });
  assertEquals("strict_tools" in some.body, false);
  assertEquals(some.warnings.map((w) => w.param), ["tools[].function.strict"]);
});

Deno.test("toCohereChatBody() sets stream only when streaming", () => {
  const messages = [{ role: "user" as const, content: "x" }];
  assertEquals(body({ messages, stream: true }, true).body.stream, true);
  assertEquals("stream" in body({ messages }).body, false);
});

Deno.test("buildCohereCompletionsRequest() sends the prompt as one user message", () => {
  const req = buildCohereCompletionsRequest(
    { prompt: "Once upon", max_tokens: 5, echo: true, suffix: "end" },
    ctx(),
  );
  assertEquals(req.url, "https://api.cohere.com/v2/chat");
  assertEquals(JSON.parse(req.body as string), {
    model: "command-a-03-2025",
    messages: [{ role: "user", content: "Once upon" }],
    max_tokens: 5,
  });
  assertEquals(req.warnings.map((w) => w.param), ["echo", "suffix"]);
});

Deno.test("buildCohereEmbedRequest() posts texts with input_type and float embeddings", () => {
  const req = buildCohereEmbedRequest({ input: ["a", "b"], dimensions: 256 }, ctx());
  assertEquals(req.url, "https://api.cohere.com/v2/embed");
  assertEquals(JSON.parse(req.body as string), {
    model: "command-a-03-2025",
    texts: ["a", "b"],
    input_type: "search_document",
    embedding_types: ["float"],
    output_dimension: 256,
  });
  const query = buildCohereEmbedRequest(
    { input: "q", input_type: "search_query", encoding_format: "base64" } as never,
    ctx(),
  );
  const sent = JSON.parse(query.body as string);
  assertEquals(sent.input_type, "search_query");
  assertEquals(sent.texts, ["q"]);
  assertEquals(query.warnings, [], "base64 is encoded by the gateway, not Cohere");
  assertThrows(() => buildCohereEmbedRequest({ input: [1, 2, 3] }, ctx()), /text only/);
});

Deno.test("buildCohereChatRequest() needs the endpoint's model name", () => {
  assertThrows(
    () =>
      buildCohereChatRequest({ messages: [{ role: "user", content: "x" }] }, {
        ...ctx(),
        model: null,
      }),
    /has no model.name/,
  );
});
