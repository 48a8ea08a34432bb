/** The official `openai` npm SDK, unchanged, against the gateway's /v1 routes (OpenAI upstream). */
import OpenAI from "openai";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { startMockOpenAI } from "../mocks/openai.ts";
import { startGateway, UNDER_TEST } from "./harness.ts";

const KEY = "sk-mock-sdk-key-0123456789";

Deno.test(`openai SDK against the gateway (${UNDER_TEST})`, async (t) => {
  const upstream = startMockOpenAI({ apiKey: KEY });
  const gateway = await startGateway({
    env: { SDK_TEST_OPENAI_KEY: KEY },
    config: `
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-4o-mini
      config:
        openai_api_key: $SDK_TEST_OPENAI_KEY
        openai_api_base: ${upstream.baseUrl}
  - name: completions
    endpoint_type: llm/v1/completions
    model:
      provider: openai
      name: gpt-3.5-turbo-instruct
      config:
        openai_api_key: $SDK_TEST_OPENAI_KEY
        openai_api_base: ${upstream.baseUrl}
  - name: embeddings
    endpoint_type: llm/v1/embeddings
    model:
      provider: openai
      name: text-embedding-3-small
      config:
        openai_api_key: \${SDK_TEST_OPENAI_KEY}
        openai_api_base: ${upstream.baseUrl}
  - name: local
    endpoint_type: llm/v1/chat
    model: {provider: mock, name: mock-1}
  - name: mistral-completions
    endpoint_type: llm/v1/completions
    model:
      provider: mistral
      name: mistral-small-latest
      config: {mistral_api_key: $SDK_TEST_OPENAI_KEY, mistral_api_base: ${upstream.baseUrl}}
`,
  });
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "anything", maxRetries: 0 });
  try {
    await t.step(
      "chat.completions.create answers through the upstream with the endpoint's model",
      async () => {
        const completion = await client.chat.completions.create({
          model: "chat",
          messages: [{ role: "system", content: "Be brief." }, {
            role: "user",
            content: "Hello there",
          }],
          temperature: 0.2,
        });
        assertEquals(completion.choices[0]?.message.content, "Echo: Hello there");
        assertEquals(completion.choices[0]?.finish_reason, "stop");
        assert((completion.usage?.total_tokens ?? 0) > 0);
        const sent = upstream.recorder.last?.body as Record<string, unknown>;
        assertEquals(sent.model, "gpt-4o-mini");
        assertEquals(sent.temperature, 0.2);
        assertEquals(upstream.recorder.last?.headers["authorization"], `Bearer ${KEY}`);
      },
    );

    await t.step("streaming chat relays every chunk and ends cleanly", async () => {
      const stream = await client.chat.completions.create({
        model: "chat",
        messages: [{ role: "user", content: "one two three" }],
        stream: true,
      });
      let text = "";
      let finish: string | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      assertEquals(text, "Echo: one two three");
      assertEquals(finish, "stop");
    });

    await t.step("stream_options.include_usage gives a final usage chunk", async () => {
      const stream = await client.chat.completions.create({
        model: "chat",
        messages: [{ role: "user", content: "count me" }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) usage = chunk.usage ?? usage;
      assert(usage && usage.total_tokens > 0, "usage arrives in the stream");
    });

    await t.step(
      "logprobs, system_fingerprint, service_tier and usage details come through as OpenAI sends them",
      async () => {
        const completion = await client.chat.completions.create({
          model: "chat",
          messages: [{ role: "user", content: "rate this" }],
          logprobs: true,
          top_logprobs: 2,
        });
        const tokens = completion.choices[0]?.logprobs?.content ?? [];
        assertEquals(tokens.map((t) => t.token).join(""), "Echo: rate this");
        assertEquals(tokens[0]?.top_logprobs.length, 2);
        assertEquals([completion.system_fingerprint, completion.service_tier], [
          "fp_mock",
          "default",
        ]);
        assertEquals(completion.usage?.prompt_tokens_details?.cached_tokens, 0);
        assertEquals(completion.usage?.completion_tokens_details?.reasoning_tokens, 0);
        // Not asked for: no logprobs in the answer.
        const plain = await client.chat.completions.create({
          model: "chat",
          messages: [{ role: "user", content: "rate this" }],
        });
        assertEquals(plain.choices[0]?.logprobs ?? null, null);

        const stream = await client.chat.completions.create({
          model: "chat",
          messages: [{ role: "user", content: "stream these" }],
          logprobs: true,
          stream: true,
          stream_options: { include_usage: true },
        });
        let streamed = "";
        let usage: OpenAI.CompletionUsage | null | undefined;
        for await (const chunk of stream) {
          for (const token of chunk.choices[0]?.logprobs?.content ?? []) streamed += token.token;
          assertEquals(chunk.system_fingerprint, "fp_mock");
          usage = chunk.usage ?? usage;
        }
        assertEquals(streamed, "Echo: stream these");
        assertEquals(usage?.completion_tokens_details?.reasoning_tokens, 0);
      },
    );

    await t.step(
      "OpenAI's obfuscation padding reaches the client, unless it turns it off",
      async () => {
        const padded = async (options: OpenAI.Chat.Completions.ChatCompletionStreamOptions) => {
          const stream = await client.chat.completions.create({
            model: "chat",
            messages: [{ role: "user", content: "pad me" }],
            stream: true,
            stream_options: options,
          });
          let count = 0;
          for await (const chunk of stream) {
            if (typeof (chunk as { obfuscation?: unknown }).obfuscation === "string") count++;
          }
          return count;
        };
        assert(await padded({ include_usage: false }) > 0, "padding relayed");
        assertEquals(await padded({ include_obfuscation: false }), 0);
        assertEquals(
          (upstream.recorder.last?.body as { stream_options?: unknown }).stream_options,
          { include_obfuscation: false, include_usage: true },
        );
      },
    );

    await t.step("tools pass through, and a tool round trip works", async () => {
      const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [{
        type: "function",
        function: {
          name: "get_weather",
          description: "Weather for a city",
          parameters: {
            type: "object",
            properties: {
              q: { type: "string" },
              unit: { type: "object", properties: { kind: { type: "string", enum: ["c", "f"] } } },
            },
            required: ["q"],
          },
        },
      }];
      const first = await client.chat.completions.create({
        model: "chat",
        messages: [{ role: "user", content: "Paris" }],
        tools,
        tool_choice: "auto",
      });
      const call = first.choices[0]?.message.tool_calls?.[0];
      assert(call && call.type === "function");
      assertEquals(call.function.name, "get_weather");
      assertEquals(JSON.parse(call.function.arguments), { q: "Paris" });
      assertEquals(first.choices[0]?.finish_reason, "tool_calls");
      const sentTools = (upstream.recorder.last?.body as { tools: unknown }).tools;
      assertEquals(sentTools, tools, "nested tool schemas reach the upstream unchanged");

      const second = await client.chat.completions.create({
        model: "chat",
        messages: [
          { role: "user", content: "Paris" },
          { role: "assistant", content: null, tool_calls: [call] },
          { role: "tool", tool_call_id: call.id, content: "sunny" },
        ],
        tools,
      });
      assertEquals(second.choices[0]?.message.content, "Tool said: sunny");
    });

    await t.step("streamed tool calls keep their index and reassemble", async () => {
      const stream = await client.chat.completions.create({
        model: "chat",
        messages: [{ role: "user", content: "Rome" }],
        tools: [{
          type: "function",
          function: { name: "lookup", parameters: { type: "object", properties: {} } },
        }],
        stream: true,
      });
      let args = "";
      let name = "";
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta.tool_calls?.[0];
        if (delta) assertEquals(delta.index, 0);
        name += delta?.function?.name ?? "";
        args += delta?.function?.arguments ?? "";
      }
      assertEquals(name, "lookup");
      assertEquals(JSON.parse(args), { q: "Rome" });
    });

    await t.step("completions.create, plain and streaming", async () => {
      const completion = await client.completions.create({
        model: "completions",
        prompt: "Say hi",
        max_tokens: 5,
      });
      assertEquals(completion.choices[0]?.text, "Echo: Say hi");
      // a list of prompts, as LangChain's OpenAI LLM sends it: one answer, choices by prompt
      const one = await client.completions.create({ model: "completions", prompt: ["Say hi"] });
      assertEquals(one.choices.map((c) => [c.index, c.text]), [[0, "Echo: Say hi"]]);
      const several = await client.completions.create({
        model: "completions",
        prompt: ["first", "second", "third"],
        max_tokens: 5,
      });
      assertEquals(several.choices.map((c) => [c.index, c.text]), [
        [0, "Echo: first"],
        [1, "Echo: second"],
        [2, "Echo: third"],
      ]);
      assertEquals(
        several.usage?.total_tokens,
        (several.usage?.prompt_tokens ?? 0) + (several.usage?.completion_tokens ?? 0),
      );
      const stream = await client.completions.create({
        model: "completions",
        prompt: "a b",
        stream: true,
      });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
      assertEquals(text, "Echo: a b");
    });

    await t.step(
      "completions with token ids: relayed to /completions, refused where text is read",
      async () => {
        const one = await client.completions.create({ model: "completions", prompt: [11, 12, 13] });
        assertEquals(one.choices.map((c) => [c.index, c.text]), [[0, "Echo: tokens 11 12 13"]]);
        assertEquals(one.usage?.prompt_tokens, 3);
        assertEquals(upstream.recorder.last?.body, {
          model: "gpt-3.5-turbo-instruct",
          prompt: [11, 12, 13],
        });
        const several = await client.completions.create({
          model: "completions",
          prompt: [[1, 2], [3]],
        });
        assertEquals(several.choices.map((c) => [c.index, c.text]), [
          [0, "Echo: tokens 1 2"],
          [1, "Echo: tokens 3"],
        ]);
        assertEquals(several.usage?.prompt_tokens, 3);
        let streamed = "";
        const stream = await client.completions.create({
          model: "completions",
          prompt: [7, 8],
          stream: true,
        });
        for await (const chunk of stream) streamed += chunk.choices[0]?.text ?? "";
        assertEquals(streamed, "Echo: tokens 7 8");
        // Mistral serves completions through its chat API, which reads text only.
        const before = upstream.recorder.requests.length;
        const refused = await client.completions.create({
          model: "mistral-completions",
          prompt: [1, 2],
        }).catch((e) => e);
        assert(refused instanceof OpenAI.BadRequestError, String(refused));
        assertEquals([refused.param, refused.code], ["prompt", "unsupported_parameter"]);
        assertMatch(refused.message, /token ids, which Mistral endpoints do not take/);
        assertEquals(upstream.recorder.requests.length, before, "nothing was sent upstream");
        const malformed = await client.completions.create({
          model: "completions",
          prompt: [1, -2] as number[],
        }).catch((e) => e);
        assertEquals([malformed.status, malformed.param], [400, "prompt"]);
      },
    );

    await t.step(
      "a large prompt reaches the upstream as the client sent it, with the endpoint's model",
      async () => {
        // Large bodies are sent on as their own JSON text with the model put in (spliced_body.ts).
        const big = `Summarise this: ${'the "quoted" sea\n é 😀'.repeat(2_000)}`;
        const answer = await client.chat.completions.create({
          messages: [{ role: "user", content: big }],
          model: "chat",
          max_tokens: 8,
        });
        assertEquals(answer.choices[0]?.message.content, `Echo: ${big}`);
        assertEquals(upstream.recorder.last?.body, {
          messages: [{ role: "user", content: big }],
          model: "gpt-4o-mini",
          max_tokens: 8,
        });
        const stream = await client.chat.completions.create({
          messages: [{ role: "user", content: big }],
          model: "chat",
          stream: true,
        });
        let streamed = "";
        for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? "";
        assertEquals(streamed, `Echo: ${big}`);
        assertEquals(upstream.recorder.last?.body, {
          messages: [{ role: "user", content: big }],
          model: "gpt-4o-mini",
          stream: true,
          stream_options: { include_usage: true },
        });
        // MLflow's invocation path: the body names no model; the endpoint's goes in
        const invoked = await fetch(`${gateway.url}/gateway/chat/invocations`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ messages: [{ role: "user", content: big }], temperature: 0 }),
        });
        assertEquals(invoked.status, 200);
        await invoked.body?.cancel();
        assertEquals(upstream.recorder.last?.body, {
          model: "gpt-4o-mini",
          messages: [{ role: "user", content: big }],
          temperature: 0,
        });
      },
    );

    await t.step("embeddings.create returns one vector per input", async () => {
      const result = await client.embeddings.create({
        model: "embeddings",
        input: ["a", "bb"],
        encoding_format: "float",
      });
      assertEquals(result.data.length, 2);
      assertEquals(result.data[1]?.index, 1);
      assertEquals(result.data[0]?.embedding.length, 8);
      assertEquals(
        (upstream.recorder.last?.body as { model: string }).model,
        "text-embedding-3-small",
      );
      // The SDK's default, base64: asked of the upstream as the client asked, its answer relayed;
      // the SDK decodes the same vectors the float answer had.
      const packed = await client.embeddings.create({ model: "embeddings", input: ["a", "bb"] });
      assertEquals(
        (upstream.recorder.last?.body as { encoding_format: string }).encoding_format,
        "base64",
      );
      assertEquals(
        packed.data.map((item) => item.embedding),
        result.data.map((item) => Array.from(new Float32Array(item.embedding))),
      );
    });

    await t.step("models.list names every endpoint; models.retrieve reads one", async () => {
      const ids = [];
      for await (const model of client.models.list()) ids.push(model.id);
      assertEquals(ids.sort(), [
        "chat",
        "completions",
        "embeddings",
        "local",
        "mistral-completions",
      ]);
      const chat = await client.models.retrieve("chat");
      assertEquals([chat.id, chat.object, chat.owned_by], ["chat", "model", "openai"]);
      try {
        await client.models.retrieve("chta");
        throw new Error("expected a failure");
      } catch (error) {
        assert(error instanceof OpenAI.NotFoundError, String(error));
        assertMatch(error.message, /Did you mean 'chat'\?/);
      }
    });

    await t.step("errors surface as the SDK's typed errors", async () => {
      try {
        await client.chat.completions.create({
          model: "nope",
          messages: [{ role: "user", content: "x" }],
        });
        throw new Error("expected a failure");
      } catch (error) {
        assert(error instanceof OpenAI.NotFoundError, String(error));
        assertMatch(error.message, /nope/);
      }
      try {
        await client.chat.completions.create({
          model: "embeddings",
          messages: [{ role: "user", content: "x" }],
        });
        throw new Error("expected a failure");
      } catch (error) {
        assert(error instanceof OpenAI.BadRequestError, String(error));
        assertMatch(error.message, /v1\/embeddings/);
      }
    });

    await t.step("the mock provider works through the SDK too", async () => {
      const completion = await client.chat.completions.create({
        model: "local",
        messages: [{ role: "user", content: "ping" }],
      });
      assertEquals(completion.choices[0]?.message.content, "ping");
    });
  } finally {
    await gateway.stop();
    await upstream.close();
  }
});
