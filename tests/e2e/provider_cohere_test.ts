/**
 * The Cohere provider end to end through the official `openai` SDK, mock upstream: what is
 * Cohere's own (v2 names, usage from `tokens`, tool plans, ids and choices, embeddings' input
 * types, warnings). The checks every provider shares (streams, MLflow invocations, errors, cut
 * streams, rejected keys, records) are in `conformance_test.ts`.
 */
import OpenAI from "openai";
import { assert, assertEquals } from "../assert.ts";
import { startMockCohere } from "../mocks/cohere.ts";
import { postJson, startGateway, UNDER_TEST } from "./harness.ts";
import { assertSecretNeverShown, readChatStream, readCompletionsText } from "./provider_helpers.ts";

const KEY = "co-e2e-secret-key-5f3a9b1c";

Deno.test(`cohere provider through the gateway (${UNDER_TEST})`, async (t) => {
  const upstream = startMockCohere({ apiKey: KEY });
  const endpoint = (name: string, type: string, model: string) => `
  - name: ${name}
    endpoint_type: llm/v1/${type}
    retries: 0
    model:
      provider: cohere
      name: ${model}
      config:
        cohere_api_key: $E2E_COHERE_KEY
        cohere_api_base: ${upstream.url}`;
  const gateway = await startGateway({
    env: { E2E_COHERE_KEY: KEY },
    config: `endpoints:${endpoint("chat", "chat", "command-a-03-2025")}${
      endpoint("completions", "completions", "command-r7b-12-2024")
    }${endpoint("embeddings", "embeddings", "embed-v4.0")}
`,
  });
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
  const seen: string[] = [];
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

    await t.step("no response carried the API key", () => {
      assertSecretNeverShown(KEY, seen, gateway);
    });
  } finally {
    await gateway.stop();
    await upstream.close();
  }
});
