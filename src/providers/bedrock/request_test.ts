import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { CallContext } from "../../core/provider.ts";
import type { ChatRequest } from "../../schemas/chat.ts";
import { BedrockConfig } from "./config.ts";
import { buildChatRequest, buildCompletionsRequest } from "./request.ts";

function ctx(
  model: string | null = "anthropic.claude-3-haiku-20240307-v1:0",
  config: Record<string, unknown> = { aws_config: { aws_region: "us-east-1" } },
  stream = false,
): CallContext<BedrockConfig> {
  return { endpoint: "chat", model, config: BedrockConfig.parse(config), stream };
}

function body(request: { body: string | Uint8Array }): Record<string, unknown> {
  return JSON.parse(request.body as string);
}

Deno.test("buildChatRequest() calls Converse on the regional host with the model id encoded", () => {
  const request = buildChatRequest(
    { messages: [{ role: "user", content: "Hi" }] },
    ctx("us.anthropic.claude-3-5-sonnet-20241022-v2:0"),
  );
  assertEquals(
    request.url,
    "https://bedrock-runtime.us-east-1.amazonaws.com/model/" +
      "us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse",
  );
  assertEquals(request.headers, { "content-type": "application/json", accept: "application/json" });
  assertEquals(body(request), { messages: [{ role: "user", content: [{ text: "Hi" }] }] });
  assertEquals(request.warnings, []);
});

Deno.test("buildChatRequest() encodes ARNs and uses converse-stream when streaming", () => {
  const arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-2-1b";
  const request = buildChatRequest(
    { messages: [{ role: "user", content: "Hi" }] },
    ctx(arn, { bedrock_api_base: "http://127.0.0.1:9/" }, true),
  );
  assertEquals(
    request.url,
    "http://127.0.0.1:9/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3A" +
      "inference-profile%2Fus.meta.llama3-2-1b/converse-stream",
  );
  assertEquals(request.headers.accept, "application/vnd.amazon.eventstream");
});

Deno.test("buildChatRequest() maps sampling to inferenceConfig and clamps temperature", () => {
  const request = buildChatRequest({
    messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }],
    max_tokens: 100,
    max_completion_tokens: 50,
    temperature: 1.5,
    top_p: 0.9,
    stop: "END",
  }, ctx());
  const sent = body(request);
  assertEquals(sent.system, [{ text: "Be brief." }]);
  assertEquals(sent.inferenceConfig, {
    maxTokens: 50,
    temperature: 1,
    topP: 0.9,
    stopSequences: ["END"],
  });
  assertEquals(request.warnings.map((w) => [w.type, w.param]), [["clamped", "temperature"]]);
});

Deno.test("buildChatRequest() passes temperature unchanged in range (no MLflow scaling)", () => {
  const sent = body(buildChatRequest({
    messages: [{ role: "user", content: "Hi" }],
    temperature: 0.8,
  }, ctx()));
  assertEquals(sent.inferenceConfig, { temperature: 0.8 });
});

Deno.test("buildChatRequest() sends top_k where the model family takes it, else warns", () => {
  const messages: ChatRequest["messages"] = [{ role: "user", content: "Hi" }];
  assertEquals(
    body(buildChatRequest({ messages, top_k: 5 }, ctx())).additionalModelRequestFields,
    { top_k: 5 },
  );
  assertEquals(
    body(buildChatRequest({ messages, top_k: 5 }, ctx("us.amazon.nova-lite-v1:0")))
      .additionalModelRequestFields,
    { inferenceConfig: { topK: 5 } },
  );
  const llama = buildChatRequest({ messages, top_k: 5 }, ctx("meta.llama3-8b-instruct-v1:0"));
  assertEquals(body(llama).additionalModelRequestFields, undefined);
  assertEquals(llama.warnings.map((w) => w.param), ["top_k"]);
});

Deno.test("buildChatRequest() maps tools and every tool_choice", () => {
  const tools: ChatRequest["tools"] = [{
    type: "function",
    function: {
      name: "weather",
      description: "Weather for a city",
      parameters: { type: "object", properties: { city: { type: "string" } } },
    },
  }, { type: "function", function: { name: "time" } }];
  const messages: ChatRequest["messages"] = [{ role: "user", content: "Hi" }];
  const toolConfig = (choice?: ChatRequest["tool_choice"]) =>
    body(
      buildChatRequest(
        choice === undefined ? { messages, tools } : { messages, tools, tool_choice: choice },
        ctx(),
      ),
    ).toolConfig as Record<string, unknown> | undefined;
  assertEquals(toolConfig()?.tools, [
    {
      toolSpec: {
        name: "weather",
        inputSchema: { json: { type: "object", properties: { city: { type: "string" } } } },
        description: "Weather for a city",
      },
    },
    { toolSpec: { name: "time", inputSchema: { json: { type: "object", properties: {} } } } },
  ]);
  assertEquals(toolConfig()?.toolChoice, undefined);
  assertEquals(toolConfig("auto")?.toolChoice, { auto: {} });
  assertEquals(toolConfig("required")?.toolChoice, { any: {} });
  assertEquals(
    toolConfig({ type: "function", function: { name: "time" } })?.toolChoice,
    { tool: { name: "time" } },
  );
  const none = buildChatRequest({ messages, tools, tool_choice: "none" }, ctx());
  assertEquals(body(none).toolConfig, undefined);
  assertEquals(none.warnings.map((w) => w.param), ["tool_choice"]);
});

Deno.test("buildChatRequest() keeps tools for tool_choice none once tools were used", () => {
  const request = buildChatRequest({
    messages: [
      { role: "user", content: "Hi" },
      {
        role: "assistant",
        tool_calls: [{ id: "t1", type: "function", function: { name: "time", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "t1", content: "noon" },
    ],
    tools: [{ type: "function", function: { name: "time" } }],
    tool_choice: "none",
  }, ctx());
  const toolConfig = body(request).toolConfig as Record<string, unknown>;
  assertEquals((toolConfig.tools as unknown[]).length, 1);
  assertEquals(toolConfig.toolChoice, undefined);
  assertEquals(request.warnings.map((w) => w.param), ["tool_choice"]);
});

Deno.test("buildChatRequest() warns about every parameter Converse cannot take", () => {
  const request = buildChatRequest({
    messages: [{ role: "user", content: "Hi" }],
    n: 2,
    presence_penalty: 0.5,
    frequency_penalty: 0.5,
    seed: 7,
    user: "u1",
    parallel_tool_calls: false,
    response_format: { type: "json_object" },
    logprobs: true,
    stream: true,
    stream_options: { include_usage: true },
  } as ChatRequest, ctx());
  assertEquals(request.warnings.map((w) => w.param).sort(), [
    "frequency_penalty",
    "logprobs",
    "n",
    "parallel_tool_calls",
    "presence_penalty",
    "response_format",
    "seed",
    "user",
  ]);
  assertEquals(request.warnings.every((w) => w.type === "unsupported"), true);
  const quiet = buildChatRequest({
    messages: [{ role: "user", content: "Hi" }],
    n: 1,
    parallel_tool_calls: true,
    response_format: { type: "text" },
  }, ctx());
  assertEquals(quiet.warnings, []);
});

Deno.test("buildCompletionsRequest() sends the prompt as one user turn", () => {
  const request = buildCompletionsRequest(
    { prompt: "Once upon a time", max_tokens: 20, suffix: "The end." },
    ctx("amazon.titan-text-express-v1"),
  );
  assertEquals(body(request), {
    messages: [{ role: "user", content: [{ text: "Once upon a time" }] }],
    inferenceConfig: { maxTokens: 20 },
  });
  assertEquals(request.warnings.map((w) => w.param), ["suffix"]);
});

Deno.test("buildChatRequest() needs a model name", () => {
  assertThrows(
    () => buildChatRequest({ messages: [{ role: "user", content: "Hi" }] }, ctx(null)),
    /has no model.name/,
  );
});

Deno.test("buildChatRequest() leaves the host region-less until authorize knows the region", () => {
  const request = buildChatRequest(
    { messages: [{ role: "user", content: "Hi" }] },
    ctx("m", {}),
  );
  assertEquals(request.url, "https://bedrock-runtime.amazonaws.com/model/m/converse");
});

Deno.test("buildChatRequest() merges the client's additionalModelRequestFields", () => {
  const request = buildChatRequest({
    messages: [{ role: "user", content: "Hi" }],
    top_k: 5,
    additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 1024 } },
  } as ChatRequest, ctx());
  assertEquals(body(request).additionalModelRequestFields, {
    top_k: 5,
    thinking: { type: "enabled", budget_tokens: 1024 },
  });
  assertEquals(request.warnings, []);
  const wrong = buildChatRequest({
    messages: [{ role: "user", content: "Hi" }],
    additionalModelRequestFields: "x",
  } as ChatRequest, ctx());
  assertEquals(body(wrong).additionalModelRequestFields, undefined);
  assertEquals(wrong.warnings.map((w) => w.param), ["additionalModelRequestFields"]);
});

Deno.test("buildChatRequest() folds the system prompt into the first turn for Titan Text", () => {
  const request = buildChatRequest({
    messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }],
  }, ctx("amazon.titan-text-express-v1"));
  assertEquals(body(request), {
    messages: [{ role: "user", content: [{ text: "Be brief." }, { text: "Hi" }] }],
  });
  assertEquals(request.warnings.map((w) => w.param), ["messages.system"]);
});
