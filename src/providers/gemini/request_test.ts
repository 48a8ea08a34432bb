import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { CallContext, TranslationWarning } from "../../core/provider.ts";
import type { ChatRequest } from "../../schemas/chat.ts";
import type { GeminiConfig } from "./config.ts";
import { buildChatRequest, buildCompletionsRequest, chatBody, completionsBody } from "./request.ts";

const ctx = (stream = false): CallContext<GeminiConfig> => ({
  endpoint: "chat",
  model: "gemini-2.5-flash",
  config: {
    gemini_api_key: "AIza-test",
    gemini_api_base: "https://generativelanguage.googleapis.com",
  },
  stream,
});

const user = [{ role: "user" as const, content: "Hi" }];

Deno.test("buildChatRequest() calls generateContent, or streamGenerateContent with alt=sse", () => {
  const plain = buildChatRequest({ messages: user }, ctx());
  assertEquals(
    plain.url,
    "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
  );
  assertEquals(plain.headers["x-goog-api-key"], "AIza-test");
  assertEquals(JSON.parse(plain.body as string), {
    contents: [{ role: "user", parts: [{ text: "Hi" }] }],
  });
  const streamed = buildChatRequest({ messages: user, stream: true }, ctx(true));
  assertEquals(
    streamed.url,
    "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
  );
  assertEquals(streamed.warnings, []);
});

Deno.test("chatBody() maps every sampling parameter into generationConfig, temperature unscaled", () => {
  const warnings: TranslationWarning[] = [];
  const body = chatBody({
    messages: user,
    temperature: 1.7,
    top_p: 0.9,
    top_k: 40,
    max_completion_tokens: 256,
    stop: "END",
    n: 2,
    presence_penalty: 0.5,
    frequency_penalty: -0.5,
    seed: 7,
    stream: false,
    stream_options: { include_usage: true },
  }, warnings);
  assertEquals(body.generationConfig, {
    temperature: 1.7,
    topP: 0.9,
    topK: 40,
    maxOutputTokens: 256,
    stopSequences: ["END"],
    candidateCount: 2,
    presencePenalty: 0.5,
    frequencyPenalty: -0.5,
    seed: 7,
  });
  assertEquals(warnings, []);
});

Deno.test("chatBody() prefers max_tokens over max_completion_tokens (as MLflow)", () => {
  const body = chatBody({ messages: user, max_tokens: 10, max_completion_tokens: 99 }, []);
  assertEquals(body.generationConfig?.maxOutputTokens, 10);
});

Deno.test("chatBody() clamps stop sequences and n to Gemini's limits with warnings", () => {
  const warnings: TranslationWarning[] = [];
  const body = chatBody({ messages: user, stop: ["a", "b", "c", "d", "e", "f"], n: 12 }, warnings);
  assertEquals(body.generationConfig?.stopSequences, ["a", "b", "c", "d", "e"]);
  assertEquals(body.generationConfig?.candidateCount, 8);
  assertEquals(warnings.map((w) => [w.type, w.param]), [["clamped", "stop"], ["clamped", "n"]]);
});

Deno.test("a streamed request asks for n candidates, as a plain one does", () => {
  const chat = buildChatRequest({ messages: user, stream: true, n: 3 }, ctx(true));
  assertEquals(JSON.parse(chat.body as string).generationConfig, { candidateCount: 3 });
  assertEquals(chat.warnings, []);
});

Deno.test("chatBody() maps response_format to responseMimeType and responseJsonSchema", () => {
  const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
  assertEquals(
    chatBody({ messages: user, response_format: { type: "json_object" } }, []).generationConfig,
    { responseMimeType: "application/json" },
  );
  assertEquals(
    chatBody({
      messages: user,
      response_format: { type: "json_schema", json_schema: { name: "city", schema } },
    }, []).generationConfig,
    { responseMimeType: "application/json", responseJsonSchema: schema },
  );
  assertEquals(
    chatBody({ messages: user, response_format: { type: "text" } }, []).generationConfig,
    undefined,
  );
});

Deno.test("chatBody() passes tool schemas through as parametersJsonSchema and maps tool_choice", () => {
  const parameters = {
    type: "object",
    properties: {
      unit: { anyOf: [{ type: "string", enum: ["c", "f"] }, { type: "null" }] },
      where: { type: "object", properties: { city: { type: "string", format: "city" } } },
    },
    required: ["where"],
  };
  const request: ChatRequest = {
    messages: user,
    tools: [{
      type: "function",
      function: { name: "get_weather", description: "Weather", parameters },
    }, {
      type: "function",
      function: { name: "noop" },
    }],
    tool_choice: { type: "function", function: { name: "get_weather" } },
  };
  const body = chatBody(request, []);
  assertEquals(body.tools, [{
    functionDeclarations: [
      { name: "get_weather", description: "Weather", parametersJsonSchema: parameters },
      { name: "noop" },
    ],
  }]);
  assertEquals(body.toolConfig, {
    functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] },
  });
  const modes = (["auto", "none", "required"] as const).map((choice) =>
    chatBody({ ...request, tool_choice: choice }, []).toolConfig?.functionCallingConfig.mode
  );
  assertEquals(modes, ["AUTO", "NONE", "ANY"]);
});

Deno.test("chatBody() warns about parameters Gemini cannot honour instead of dropping them quietly", () => {
  const warnings: TranslationWarning[] = [];
  chatBody({
    messages: user,
    user: "u-1",
    parallel_tool_calls: false,
    logprobs: true,
    logit_bias: null,
    tool_choice: "required",
  } as ChatRequest, warnings);
  assertEquals(warnings.map((w) => w.param).sort(), [
    "logprobs",
    "parallel_tool_calls",
    "tool_choice",
    "user",
  ]);
});

Deno.test("chatBody() refuses Gemini-native parameter names as MLflow does", () => {
  assertThrows(
    () => chatBody({ messages: user, maxOutputTokens: 5 } as ChatRequest, []),
    /Invalid parameter maxOutputTokens\. Use max_tokens instead\./,
  );
});

Deno.test("completionsBody() sends the prompt as one user message, system_prompt as instruction", () => {
  const warnings: TranslationWarning[] = [];
  const body = completionsBody({
    prompt: "Once upon",
    max_tokens: 5,
    system_prompt: "Tell stories.",
    echo: false,
    suffix: "The end.",
  } as never, warnings);
  assertEquals(body, {
    contents: [{ role: "user", parts: [{ text: "Once upon" }] }],
    systemInstruction: { parts: [{ text: "Tell stories." }] },
    generationConfig: { maxOutputTokens: 5 },
  });
  assertEquals(warnings.map((w) => w.param), ["suffix"]);
  const request = buildCompletionsRequest({ prompt: "x" }, ctx(true));
  assertEquals(request.url.endsWith(":streamGenerateContent?alt=sse"), true);
});
