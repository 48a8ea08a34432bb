/**
 * The official `openai` npm SDK, unchanged, through the real gateway to a mock of Google's
 * Gemini API: what is Gemini's own (generateContent translation, thought signatures, parallel
 * tool calls, batch embeddings and dimensions, blocked prompts, a rejected key answered with a
 * 400, thinking tokens in usage). The checks every provider shares (streams, errors, cut
 * streams, records) are in `conformance_test.ts`.
 */
import OpenAI from "openai";
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
} from "../assert.ts";
import { MOCK_THOUGHT_SIGNATURE, startMockGemini } from "../mocks/gemini.ts";
import { postJson, startGateway, UNDER_TEST } from "./harness.ts";
import { expectFailure, readChatStream, readCompletionsText } from "./provider_helpers.ts";

const KEY = "AIzaE2eGeminiKey-abcdefghijklmnopqrstuvw";
const WRONG_KEY = "AIzaWrongGeminiKey-abcdefghijklmnopqrstu";

type Json = Record<string, unknown>;

/** Everything the gateway sent back, to check that no key leaked into it. */
const seen: string[] = [];

Deno.test(`openai SDK through the gateway to Gemini (${UNDER_TEST})`, async (t) => {
  const upstream = startMockGemini({ apiKey: KEY });
  const gateway = await startGateway({
    env: { E2E_GEMINI_KEY: KEY },
    config: `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: gemini
      name: gemini-2.5-flash
      config:
        gemini_api_key: $E2E_GEMINI_KEY
        gemini_api_base: ${upstream.baseUrl}
  - name: completions
    endpoint_type: llm/v1/completions
    model:
      provider: gemini
      name: gemini-2.5-flash
      config:
        gemini_api_key: \${E2E_GEMINI_KEY}
        gemini_api_base: ${upstream.baseUrl}
  - name: embeddings
    endpoint_type: llm/v1/embeddings
    model:
      provider: gemini
      name: gemini-embedding-001
      config:
        gemini_api_key: $E2E_GEMINI_KEY
        gemini_api_base: ${upstream.baseUrl}
  - name: wrong-key
    endpoint_type: llm/v1/chat
    model:
      provider: gemini
      name: gemini-2.5-flash
      config:
        gemini_api_key: ${WRONG_KEY}
        gemini_api_base: ${upstream.baseUrl}
`,
  });
  const fetchAndKeep: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const copy = response.clone();
    seen.push(JSON.stringify([...response.headers]), await copy.text());
    return response;
  };
  const client = new OpenAI({
    baseURL: `${gateway.url}/v1`,
    apiKey: "anything",
    maxRetries: 0,
    timeout: 20_000,
    fetch: fetchAndKeep,
  });
  const lastBody = () => upstream.recorder.last?.body as Json;
  try {
    await t.step("chat.completions.create translates to generateContent and back", async () => {
      const completion = await client.chat.completions.create({
        model: "chat",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hello there" },
        ],
        temperature: 1.5,
        max_tokens: 50,
      });
      assertEquals(completion.choices[0]?.message.content, "Echo: Hello there");
      assertEquals(completion.choices[0]?.finish_reason, "stop");
      assertEquals(completion.object, "chat.completion");
      assert((completion.usage?.total_tokens ?? 0) > 0);
      const sent = upstream.recorder.last!;
      assertEquals(sent.path, "/v1beta/models/gemini-2.5-flash:generateContent");
      assertEquals(sent.headers["x-goog-api-key"], KEY);
      assertEquals(lastBody().systemInstruction, { parts: [{ text: "Be brief." }] });
      assertEquals(lastBody().contents, [{ role: "user", parts: [{ text: "Hello there" }] }]);
      assertEquals(lastBody().generationConfig, { temperature: 1.5, maxOutputTokens: 50 });
    });

    const weatherParameters = {
      type: "object",
      properties: {
        q: { type: "string" },
        unit: { anyOf: [{ type: "string", enum: ["c", "f"] }, { type: "null" }] },
      },
      required: ["q"],
    };
    const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [{
      type: "function",
      function: {
        name: "get_weather",
        description: "Weather for a city",
        parameters: weatherParameters,
      },
    }];

    await t.step("a tool round trip works, thought signature included", async () => {
      const first = await client.chat.completions.create({
        model: "chat",
        messages: [{ role: "user", content: "Paris" }],
        tools,
        tool_choice: "auto",
      });
      const message = first.choices[0]!.message;
      const call = message.tool_calls?.[0];
      assert(call && call.type === "function");
      assertEquals(call.function.name, "get_weather");
      assertEquals(JSON.parse(call.function.arguments), { q: "Paris" });
      assertEquals(first.choices[0]?.finish_reason, "tool_calls");
      const declarations = (lastBody().tools as { functionDeclarations: Json[] }[])[0]
        ?.functionDeclarations;
      assertEquals(declarations?.[0]?.parametersJsonSchema, weatherParameters);
      assertEquals(lastBody().toolConfig, { functionCallingConfig: { mode: "AUTO" } });

      // The assistant message goes back as the SDK returned it (with Gemini's signature).
      const second = await client.chat.completions.create({
        model: "chat",
        messages: [
          { role: "user", content: "Paris" },
          message as OpenAI.Chat.Completions.ChatCompletionAssistantMessageParam,
          { role: "tool", tool_call_id: call.id, content: '{"sky": "sunny"}' },
        ],
        tools,
      });
      assertEquals(second.choices[0]?.message.content, 'Tool said: {"sky":"sunny"}');
      const contents = lastBody().contents as { role: string; parts: Json[] }[];
      assertEquals(contents[1]?.parts[0]?.thoughtSignature, MOCK_THOUGHT_SIGNATURE);
      assertEquals(contents[2]?.parts[0]?.functionResponse, {
        id: call.id,
        name: "get_weather",
        response: { sky: "sunny" },
      });
    });

    await t.step(
      "a tool call sent back without its signature still passes Gemini 3's check",
      async () => {
        const answer = await client.chat.completions.create({
          model: "chat",
          messages: [
            { role: "user", content: "Rome" },
            {
              role: "assistant",
              content: null,
              tool_calls: [{
                id: "call_from_elsewhere",
                type: "function",
                function: { name: "get_weather", arguments: '{"q":"Rome"}' },
              }],
            },
            { role: "tool", tool_call_id: "call_from_elsewhere", content: "cloudy" },
          ],
          tools,
        });
        assertEquals(answer.choices[0]?.message.content, 'Tool said: {"result":"cloudy"}');
      },
    );

    await t.step("streamed parallel tool calls get an index each and reassemble", async () => {
      const stream = await client.chat.completions.create({
        model: "chat",
        messages: [{ role: "user", content: "Rome" }],
        tools: [
          ...tools,
          {
            type: "function",
            function: { name: "get_time", parameters: { type: "object", properties: {} } },
          },
        ],
        stream: true,
      });
      const { calls, callOrder, finish } = await readChatStream(stream);
      assertEquals(callOrder, [0, 1]);
      assertEquals(calls.map((c) => c.name), ["get_weather", "get_time"]);
      assertEquals(JSON.parse(calls[1]!.args), { q: "Rome" });
      assert(calls[0]!.id !== calls[1]!.id, "each call has its own id");
      assertEquals(finish, "tool_calls");
    });

    await t.step("completions.create, plain and streaming", async () => {
      const completion = await client.completions.create({
        model: "completions",
        prompt: "Say hi",
        max_tokens: 5,
      });
      assertEquals(completion.choices[0]?.text, "Echo: Say hi");
      assertEquals(lastBody().contents, [{ role: "user", parts: [{ text: "Say hi" }] }]);
      const stream = await client.completions.create({
        model: "completions",
        prompt: "a b",
        stream: true,
      });
      assertEquals(await readCompletionsText(stream), "Echo: a b");
    });

    await t.step(
      "embeddings.create sends several inputs in one call and keeps their order",
      async () => {
        const result = await client.embeddings.create({
          model: "embeddings",
          input: ["alpha", "beta", "gamma"],
          dimensions: 4,
          encoding_format: "float",
        });
        assertEquals(result.data.map((d) => d.index), [0, 1, 2]);
        assertEquals(result.data[0]?.embedding.length, 4);
        assert(
          result.data[0]?.embedding[0] !== result.data[1]?.embedding[0],
          "different inputs differ",
        );
        assertEquals(
          upstream.recorder.last?.path,
          "/v1beta/models/gemini-embedding-001:batchEmbedContents",
        );
        const requests = lastBody().requests as Json[];
        assertEquals(
          requests.map((r) => (r.content as { parts: { text: string }[] }).parts[0]?.text),
          [
            "alpha",
            "beta",
            "gamma",
          ],
        );
        assert(
          requests.every((r) =>
            r.model === "models/gemini-embedding-001" && r.outputDimensionality === 4
          ),
        );
        // the SDK's default asks for base64: the gateway encodes Gemini's floats, the SDK decodes them
        const defaults = await client.embeddings.create({ model: "embeddings", input: "solo" });
        assertEquals(defaults.data.length, 1);
        assertEquals(defaults.data[0]?.embedding.length, 8);
        const raw = await fetch(`${gateway.url}/v1/embeddings`, {
          method: "POST",
          body: JSON.stringify({ model: "embeddings", input: "solo", encoding_format: "base64" }),
        });
        assertEquals(raw.headers.get("x-gateway-warnings"), null);
        const encoded = (await raw.json()).data[0].embedding;
        assertEquals(typeof encoded, "string");
        const floats = new Float32Array(
          Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0)).buffer,
        );
        assertEquals(
          [...floats].map((x) => Math.round(x * 1e5)),
          defaults.data[0]?.embedding.map((x) => Math.round(x * 1e5)),
        );
      },
    );

    await t.step("a blocked prompt is a 400 that says so", async () => {
      const error = await expectFailure(
        OpenAI.BadRequestError,
        () =>
          client.chat.completions.create({
            model: "chat",
            messages: [{ role: "user", content: "BLOCK_ME" }],
          }),
      );
      assertMatch(error.message, /blocked the prompt \(blockReason SAFETY\)/);
    });

    await t.step("a rejected API key is reported without the key", async () => {
      const error = await expectFailure(OpenAI.APIError, () =>
        client.chat.completions.create({
          model: "wrong-key",
          messages: [{ role: "user", content: "x" }],
        }));
      assertEquals(
        error.status,
        502,
        "Gemini's 400 API_KEY_INVALID is the gateway's credentials problem",
      );
      assertMatch(error.message, /rejected the gateway's credentials/);
      assertEquals(upstream.recorder.last?.headers["x-goog-api-key"], WRONG_KEY);
    });

    await t.step(
      "MLflow's POST /endpoints/{name}/invocations answers in the canonical shape",
      async () => {
        const response = await postJson(`${gateway.url}/endpoints/chat/invocations`, {
          messages: [{ role: "user", content: "from mlflow" }],
          temperature: 0.3,
          max_tokens: 20,
        });
        const text = await response.text();
        seen.push(text);
        assertEquals(response.status, 200, text);
        const body = JSON.parse(text);
        assertEquals(body.object, "chat.completion");
        assertEquals(body.choices[0].message, {
          role: "assistant",
          content: "Echo: from mlflow",
          tool_calls: null,
          refusal: null,
        });
        assertEquals(body.choices[0].finish_reason, "stop");
        // The three counts, and Gemini's thinking tokens as OpenAI's breakdown.
        assertEquals(Object.keys(body.usage).sort(), [
          "completion_tokens",
          "completion_tokens_details",
          "prompt_tokens",
          "total_tokens",
        ]);
        assertEquals(Object.keys(body.usage.completion_tokens_details), ["reasoning_tokens"]);
        const embeddings = await postJson(`${gateway.url}/endpoints/embeddings/invocations`, {
          input: ["x", "y"],
        });
        const embeddingsText = await embeddings.text();
        seen.push(embeddingsText);
        assertEquals(JSON.parse(embeddingsText).data.length, 2);
      },
    );

    await t.step("the API key never appears in anything the gateway sent back", () => {
      assert(seen.length > 20, "responses were collected");
      const all = seen.join("\n");
      assertNotIncludes(all, KEY);
      assertNotIncludes(all, WRONG_KEY);
      assertStringIncludes(all, "Echo:");
    });
  } finally {
    await gateway.stop();
    await upstream.close();
  }
});
