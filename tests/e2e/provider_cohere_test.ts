/** The Cohere provider end to end: the official `openai` SDK and MLflow invocations, mock upstream. */
import OpenAI from "openai";
import { assert, assertEquals, assertMatch, assertNotIncludes } from "../assert.ts";
import { startMockCohere } from "../mocks/cohere.ts";
import { postJson, sseData, startGateway, UNDER_TEST } from "./harness.ts";
import {
  assertSecretNeverShown,
  assertStreamEndsInError,
  poster,
  readChatStream,
  readCompletionsText,
} from "./provider_helpers.ts";

const KEY = "co-e2e-secret-key-5f3a9b1c";

Deno.test(`cohere provider through the gateway (${UNDER_TEST})`, async (t) => {
  const upstream = startMockCohere({ apiKey: KEY });
  const endpoint = (name: string, type: string, model: string, key = "$E2E_COHERE_KEY") => `
  - name: ${name}
    endpoint_type: llm/v1/${type}
    retries: 0
    model:
      provider: cohere
      name: ${model}
      config:
        cohere_api_key: ${key}
        cohere_api_base: ${upstream.url}`;
  const gateway = await startGateway({
    env: { E2E_COHERE_KEY: KEY },
    config: `endpoints:${endpoint("chat", "chat", "command-a-03-2025")}${
      endpoint("completions", "completions", "command-r7b-12-2024")
    }${endpoint("embeddings", "embeddings", "embed-v4.0")}${
      endpoint("wrong-key", "chat", "command-a-03-2025", "co-not-the-right-key")
    }
`,
  });
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
  const seen: string[] = [];
  const post = poster(gateway.url, seen);
  try {
    await t.step("chat.completions.create reaches /v2/chat with Cohere's names", async () => {
      const completion = await client.chat.completions.create({
        model: "chat",
        messages: [{ role: "system", content: "Be brief." }, {
          role: "user",
          content: "Hello there",
        }],
        temperature: 0.2,
        top_p: 0.5,
        max_tokens: 50,
        stop: ["END"],
      });
      seen.push(JSON.stringify(completion));
      assertEquals(completion.choices[0]?.message.content, "Echo: Hello there");
      assertEquals(completion.choices[0]?.finish_reason, "stop");
      assertEquals(completion.usage?.prompt_tokens, 70);
      const last = upstream.recorder.last;
      assertEquals(last?.path, "/v2/chat");
      assertEquals(last?.headers["authorization"], `Bearer ${KEY}`);
      assertEquals(last?.body, {
        model: "command-a-03-2025",
        messages: [{ role: "system", content: "Be brief." }, {
          role: "user",
          content: "Hello there",
        }],
        temperature: 0.2,
        p: 0.5,
        max_tokens: 50,
        stop_sequences: ["END"],
      });
    });

    await t.step("streaming chat relays text, the finish reason and usage", async () => {
      const stream = await client.chat.completions.create({
        model: "chat",
        messages: [{ role: "user", content: "one two three" }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const { role, text, finish, usage } = await readChatStream(stream);
      assertEquals(role, "assistant");
      assertEquals(text, "Echo: one two three");
      assertEquals(finish, "stop");
      assertEquals(usage?.total_tokens, 70 + 4);
      assertEquals((upstream.recorder.last?.body as { stream: boolean }).stream, true);
    });

    const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [{
      type: "function",
      function: {
        name: "get_weather",
        description: "Weather for a city",
        parameters: {
          type: "object",
          properties: { q: { type: "string" }, unit: { type: "string", enum: ["c", "f"] } },
          required: ["q"],
        },
      },
    }];

    await t.step("a tool round trip: the call, then the tool's result", async () => {
      const first = await client.chat.completions.create({
        model: "chat",
        messages: [{ role: "user", content: "Paris" }],
        tools,
        tool_choice: "required",
      });
      const sent = upstream.recorder.last?.body as Record<string, unknown>;
      assertEquals(sent.tools, tools, "Cohere v2 takes OpenAI's function tools unchanged");
      assertEquals(sent.tool_choice, "REQUIRED");
      const message = first.choices[0]?.message;
      const call = message?.tool_calls?.[0];
      assert(call && call.type === "function");
      assertEquals(call.id, "get_weather_mock0001");
      assertEquals(call.function.name, "get_weather");
      assertEquals(JSON.parse(call.function.arguments), { q: "Paris" });
      assertEquals(first.choices[0]?.finish_reason, "tool_calls");
      assertEquals(message?.content, "I will call get_weather.");

      const second = await client.chat.completions.create({
        model: "chat",
        messages: [
          { role: "user", content: "Paris" },
          { role: "assistant", content: message?.content ?? null, tool_calls: [call] },
          { role: "tool", tool_call_id: call.id, content: "sunny" },
        ],
        tools,
      });
      assertEquals(second.choices[0]?.message.content, "Tool said: sunny");
      const messages = (upstream.recorder.last?.body as { messages: unknown[] }).messages;
      assertEquals(messages.slice(1), [
        {
          role: "assistant",
          tool_plan: "I will call get_weather.",
          tool_calls: [{
            id: "get_weather_mock0001",
            type: "function",
            function: { name: "get_weather", arguments: '{"q":"Paris"}' },
          }],
        },
        { role: "tool", tool_call_id: "get_weather_mock0001", content: "sunny" },
      ]);
    });

    await t.step("streamed tool calls keep their index and reassemble", async () => {
      const stream = await client.chat.completions.create({
        model: "chat",
        messages: [{ role: "user", content: "Rome" }],
        tools,
        stream: true,
      });
      const { calls, callOrder, finish } = await readChatStream(stream);
      assertEquals(callOrder, [0], "one call, always at index 0");
      assertEquals(calls[0]?.id, "get_weather_mock0001");
      assertEquals(calls[0]?.name, "get_weather");
      assertEquals(JSON.parse(calls[0]?.args ?? ""), { q: "Rome" });
      assertEquals(finish, "tool_calls");
    });

    await t.step("completions.create, plain and streaming, through /v2/chat", async () => {
      const completion = await client.completions.create({
        model: "completions",
        prompt: "Say hi",
        max_tokens: 2,
      });
      assertEquals(completion.choices[0]?.text, "Echo: Say");
      assertEquals(completion.choices[0]?.finish_reason, "length");
      assertEquals((upstream.recorder.last?.body as { messages: unknown }).messages, [
        { role: "user", content: "Say hi" },
      ]);
      const stream = await client.completions.create({
        model: "completions",
        prompt: "a b",
        stream: true,
      });
      assertEquals(await readCompletionsText(stream), "Echo: a b");
    });

    await t.step(
      "embeddings.create sends texts with input_type, returns one vector each",
      async () => {
        const result = await client.embeddings.create({
          model: "embeddings",
          input: ["a", "bb"],
          encoding_format: "float",
        });
        assertEquals(result.data.length, 2);
        assertEquals(result.data[1]?.index, 1);
        assertEquals(result.data[0]?.embedding.length, 8);
        const sent = upstream.recorder.last?.body as Record<string, unknown>;
        assertEquals(upstream.recorder.last?.path, "/v2/embed");
        assertEquals(sent, {
          model: "embed-v4.0",
          texts: ["a", "bb"],
          input_type: "search_document",
          embedding_types: ["float"],
        });
        // Cohere's own `input_type`, passed as an extra field of the request.
        const withInputType = {
          model: "embeddings",
          input: "query",
          encoding_format: "float",
          input_type: "search_query",
        } as OpenAI.EmbeddingCreateParams;
        await client.embeddings.create(withInputType);
        assertEquals(
          (upstream.recorder.last?.body as Record<string, unknown>).input_type,
          "search_query",
        );
      },
    );

    await t.step("MLflow invocations answer with MLflow's always-present fields", async () => {
      const { response, text } = await post("/endpoints/chat/invocations", {
        messages: [{ role: "user", content: "hi" }],
      });
      assertEquals(response.status, 200);
      const body = JSON.parse(text);
      assertEquals(body.object, "chat.completion");
      assertEquals(body.choices[0].message, {
        role: "assistant",
        content: "Echo: hi",
        tool_calls: null,
        refusal: null,
      });
      const embedded = await post("/endpoints/embeddings/invocations", { input: ["x"] });
      assertEquals(JSON.parse(embedded.text).data.length, 1);
      const stream = await postJson(`${gateway.url}/gateway/chat/invocations`, {
        messages: [{ role: "user", content: "a b" }],
        stream: true,
      });
      const data = await sseData(stream);
      assertEquals(data.at(-1), "[DONE]");
      const text2 = data.slice(0, -1).map((d) => JSON.parse(d).choices[0]?.delta.content ?? "")
        .join("");
      assertEquals(text2, "Echo: a b");
    });

    await t.step("parameters Cohere cannot honour are reported in x-gateway-warnings", async () => {
      const response = await postJson(`${gateway.url}/v1/chat/completions`, {
        model: "chat",
        messages: [{ role: "user", content: "hi" }],
        n: 2,
        presence_penalty: 1.5,
      });
      assertEquals(response.status, 200);
      assertEquals(
        response.headers.get("x-gateway-warnings"),
        "clamped=presence_penalty, unsupported=n",
      );
      assertEquals((upstream.recorder.last?.body as Record<string, unknown>).presence_penalty, 1);
      await response.body?.cancel();
    });

    await t.step("Cohere's 400 message reaches the client as a 400", async () => {
      const { response, text } = await post("/v1/chat/completions", {
        model: "chat",
        messages: [{ role: "user", content: "hi" }],
        stop: ["a", "b", "c", "d", "e", "f"],
      });
      assertEquals(response.status, 400);
      assertEquals(
        JSON.parse(text).error.message,
        "invalid request: stop_sequences can have at most 5 items",
      );
    });

    await t.step(
      "upstream faults: 429 keeps Retry-After, 500 and bad bodies become 502",
      async () => {
        upstream.faults.push({
          kind: "status",
          status: 429,
          body: {
            id: "x",
            message: "You are using a Trial key, which is limited to 10 API calls / minute.",
          },
          headers: { "retry-after": "7" },
        });
        const limited = await post("/v1/chat/completions", {
          model: "chat",
          messages: [{ role: "user", content: "hi" }],
        });
        assertEquals(limited.response.status, 429);
        assertEquals(limited.response.headers.get("retry-after"), "7");
        assertMatch(JSON.parse(limited.text).error.message, /Trial key/);

        upstream.faults.push({ kind: "status", status: 500, body: { message: "internal error" } });
        const failed = await post("/v1/chat/completions", {
          model: "chat",
          messages: [{ role: "user", content: "hi" }],
        });
        assertEquals(failed.response.status, 502);
        assertMatch(JSON.parse(failed.text).error.message, /HTTP 500: internal error/);

        upstream.faults.push({ kind: "malformed" });
        const malformed = await post("/v1/chat/completions", {
          model: "chat",
          messages: [{ role: "user", content: "hi" }],
        });
        assertEquals(malformed.response.status, 502);
        assertMatch(JSON.parse(malformed.text).error.message, /not JSON/);
      },
    );

    await t.step("a stream cut mid-way ends in an error event, not [DONE]", async () => {
      upstream.faults.push({ kind: "cut", afterChunks: 3 });
      const response = await postJson(`${gateway.url}/v1/chat/completions`, {
        model: "chat",
        messages: [{ role: "user", content: "one two three four" }],
        stream: true,
      });
      await assertStreamEndsInError(response, seen);
    });

    await t.step("a rejected key is a 502 that names the credentials, never a key", async () => {
      const { response, text } = await post("/v1/chat/completions", {
        model: "wrong-key",
        messages: [{ role: "user", content: "hi" }],
      });
      assertEquals(response.status, 502);
      assertEquals(JSON.parse(text).error.type, "upstream_auth_error");
      assertNotIncludes(text, "co-not-the-right-key");
    });

    await t.step("no response carried the API key", () => {
      assertSecretNeverShown(KEY, seen, gateway);
    });
  } finally {
    await gateway.stop();
    await upstream.close();
  }
});
