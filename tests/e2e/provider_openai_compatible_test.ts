/**
 * Azure OpenAI and the OpenAI-compatible presets end to end: the real gateway process against
 * flavoured OpenAI mocks on loopback, through the official `openai` SDK: what each preset does
 * its own way (Azure's deployment URLs and auth, renamed and dropped parameters, where stream
 * usage comes from, tool call ids, error bodies); and the retired providers through
 * `gateway validate` / `gateway start`. The checks every provider shares (streams, tool round
 * trips, MLflow invocations, 501s, errors, rejected keys, records) are in `conformance_test.ts`.
 */
import OpenAI from "openai";
import { assert, assertEquals, assertMatch, assertNotIncludes } from "../assert.ts";
import { type MockOpenAI, startMockOpenAI } from "../mocks/openai.ts";
import { runCli, startGateway, tempFile, UNDER_TEST } from "./harness.ts";

const KEYS = {
  azure: "az-e2e-key-7c1d0b2e",
  azuread: "eyJ0eXAi-e2e-entra-token-41aa",
  mistral: "mistral-e2e-key-93f1",
  together: "together-e2e-key-5b77",
  groq: "gsk_e2e_key_0d3c",
};

type Body = Record<string, unknown>;

function endpoint(
  name: string,
  type: "chat" | "completions" | "embeddings",
  provider: string,
  model: string,
  config: Record<string, string>,
): string {
  const lines = Object.entries(config).map(([k, v]) => `        ${k}: ${v}`).join("\n");
  return `
  - name: ${name}
    endpoint_type: llm/v1/${type}
    retries: 0
    model:
      provider: ${provider}
      name: ${model}
      config:
${lines}`;
}

Deno.test(`Azure OpenAI and OpenAI-compatible presets through the gateway (${UNDER_TEST})`, async (t) => {
  const azure = startMockOpenAI({
    apiKey: KEYS.azure,
    azure: { deployment: "gpt4o-prod", apiVersion: "2024-10-21", auth: "api-key" },
  });
  const azuread = startMockOpenAI({
    apiKey: KEYS.azuread,
    azure: { deployment: "gpt4o-prod", apiVersion: "2024-10-21", auth: "bearer" },
  });
  const mistral = startMockOpenAI({ apiKey: KEYS.mistral, flavor: "mistral" });
  const together = startMockOpenAI({ apiKey: KEYS.together, flavor: "together" });
  const groq = startMockOpenAI({ apiKey: KEYS.groq, flavor: "groq" });
  const ollama = startMockOpenAI({ apiKey: null, flavor: "ollama" });
  const vllm = startMockOpenAI({ apiKey: null, flavor: "vllm" });
  const mocks: MockOpenAI[] = [azure, azuread, mistral, together, groq, ollama, vllm];

  const azureConfig = (base: string, extra: Record<string, string> = {}) => ({
    openai_api_key: "$E2E_AZURE_KEY",
    openai_api_base: base,
    openai_deployment_name: "gpt4o-prod",
    openai_api_version: "2024-10-21",
    ...extra,
  });
  const gateway = await startGateway({
    env: {
      E2E_AZURE_KEY: KEYS.azure,
      E2E_AZUREAD_TOKEN: KEYS.azuread,
      E2E_MISTRAL_KEY: KEYS.mistral,
      E2E_TOGETHER_KEY: KEYS.together,
      E2E_GROQ_KEY: KEYS.groq,
    },
    config: `endpoints:${
      [
        endpoint("azure-chat", "chat", "azure", "gpt-4o", azureConfig(azure.url)),
        endpoint("azuread-chat", "chat", "azure", "gpt-4o", {
          ...azureConfig(azuread.url),
          openai_api_key: "$E2E_AZUREAD_TOKEN",
          openai_api_type: "azuread",
        }),
        endpoint(
          "openai-azure-emb",
          "embeddings",
          "openai",
          "text-embedding-3-small",
          azureConfig(azure.url, { openai_api_type: "azure" }),
        ),
        ...(["chat", "completions"] as const).map((type) =>
          endpoint(`mistral-${type}`, type, "mistral", "mistral-small-latest", {
            mistral_api_key: "$E2E_MISTRAL_KEY",
            mistral_api_base: mistral.baseUrl,
          })
        ),
        endpoint("mistral-emb", "embeddings", "mistral", "mistral-embed", {
          mistral_api_key: "$E2E_MISTRAL_KEY",
          mistral_api_base: mistral.baseUrl,
        }),
        ...(["chat", "completions", "embeddings"] as const).map((type) =>
          endpoint(`together-${type}`, type, "togetherai", "meta-llama/Llama-3.3-70B", {
            togetherai_api_key: "$E2E_TOGETHER_KEY",
            togetherai_api_base: together.baseUrl,
          })
        ),
        ...(["chat", "completions"] as const).map((type) =>
          endpoint(`groq-${type}`, type, "groq", "llama-3.3-70b-versatile", {
            groq_api_key: "$E2E_GROQ_KEY",
            groq_api_base: groq.baseUrl,
          })
        ),
        endpoint("ollama-chat", "chat", "ollama", "llama3.2", { ollama_api_base: ollama.baseUrl }),
        // MLflow 3's plain key names.
        endpoint("ollama-mlflow3", "chat", "ollama", "llama3.2", { api_base: ollama.baseUrl }),
        endpoint("groq-mlflow3", "chat", "groq", "llama-3.3-70b-versatile", {
          api_key: "$E2E_GROQ_KEY",
          api_base: groq.baseUrl,
        }),
        endpoint("vllm-chat", "chat", "vllm", "Qwen/Qwen2.5-7B-Instruct", {
          vllm_api_base: vllm.baseUrl,
        }),
      ].join("")
    }
`,
  });
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
  const seen: string[] = [];
  const keep = <T>(value: T): T => {
    seen.push(JSON.stringify(value));
    return value;
  };
  const ask = (model: string, content: string, extra: Body = {}) =>
    client.chat.completions.create({
      model,
      messages: [{ role: "user", content }],
      ...extra,
    } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming).then(keep);
  const streamText = async (model: string, content: string, extra: Body = {}) => {
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content }],
      stream: true,
      ...extra,
    } as OpenAI.Chat.ChatCompletionCreateParamsStreaming);
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let roles = 0;
    for await (const chunk of stream) {
      keep(chunk);
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.choices[0]?.delta.role) roles++;
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    return { text, finish, usage, roles };
  };
  const sent = (mock: MockOpenAI) => mock.recorder.last?.body as Body;

  try {
    await t.step(
      "azure: deployment URL with api-version, api-key header, no model in the body",
      async () => {
        const completion = await ask("azure-chat", "Hello Azure", { temperature: 0.3 });
        assertEquals(completion.choices[0]?.message.content, "Echo: Hello Azure");
        const last = azure.recorder.last;
        assertEquals(last?.path, "/openai/deployments/gpt4o-prod/chat/completions");
        assertEquals(last?.query, "?api-version=2024-10-21");
        assertEquals(last?.headers["api-key"], KEYS.azure);
        assertEquals(last?.headers["authorization"], undefined);
        assert(!("model" in sent(azure)), "Azure names the deployment in the URL, not the body");
        assertEquals(sent(azure).temperature, 0.3);
      },
    );

    await t.step("azuread: the Entra ID token goes as a Bearer header", async () => {
      const completion = await ask("azuread-chat", "Hi AD");
      assertEquals(completion.choices[0]?.message.content, "Echo: Hi AD");
      assertEquals(azuread.recorder.last?.headers["authorization"], `Bearer ${KEYS.azuread}`);
      assertEquals(azuread.recorder.last?.headers["api-key"], undefined);
      assertEquals(azuread.recorder.last?.path, "/openai/deployments/gpt4o-prod/chat/completions");
    });

    await t.step(
      "openai provider with openai_api_type azure (MLflow's config) serves embeddings",
      async () => {
        const result = keep(
          await client.embeddings.create({ model: "openai-azure-emb", input: ["a", "b"] }),
        );
        assertEquals(result.data.length, 2);
        assertEquals(azure.recorder.last?.path, "/openai/deployments/gpt4o-prod/embeddings");
        assert(!("model" in sent(azure)));
      },
    );

    await t.step(
      "mistral: chat with seed as random_seed; dropped parameters are announced",
      async () => {
        const { data, response } = await client.chat.completions.create({
          model: "mistral-chat",
          messages: [{ role: "developer", content: "Be brief." }, {
            role: "user",
            content: "Bonjour",
          }],
          seed: 42,
          user: "user-1",
          max_completion_tokens: 30,
        }).withResponse();
        keep(data);
        assertEquals(data.choices[0]?.message.content, "Echo: Bonjour");
        const body = sent(mistral);
        assertEquals(body.model, "mistral-small-latest");
        assertEquals(body.random_seed, 42);
        assertEquals(body.max_tokens, 30);
        assertEquals((body.messages as Body[])[0]?.role, "system");
        assertEquals(mistral.recorder.last?.path, "/v1/chat/completions");
        assertEquals(mistral.recorder.last?.headers["authorization"], `Bearer ${KEYS.mistral}`);
        assertEquals(response.headers.get("x-gateway-warnings"), "unsupported=user");
      },
    );

    await t.step("mistral: streaming; usage from the last chunk only when asked", async () => {
      const plain = await streamText("mistral-chat", "a b c");
      assertEquals(plain.text, "Echo: a b c");
      assertEquals(plain.finish, "stop");
      assertEquals(plain.usage, undefined);
      assertEquals(plain.roles, 1);
      assert(!("stream_options" in sent(mistral)), "Mistral is not sent stream_options");
      const counted = await streamText("mistral-chat", "a b", {
        stream_options: { include_usage: true },
      });
      assert(counted.usage && counted.usage.total_tokens > 0, "usage moved into a final chunk");
    });

    await t.step("mistral: tools round trip, the SDK's own message echoed back", async () => {
      const tools: OpenAI.Chat.ChatCompletionTool[] = [{
        type: "function",
        function: {
          name: "get_weather",
          parameters: { type: "object", properties: { q: { type: "string" } } },
        },
      }];
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{
        role: "user",
        content: "Paris",
      }];
      const first = await ask("mistral-chat", "Paris", { tools });
      const call = first.choices[0]?.message.tool_calls?.[0];
      assert(call && call.type === "function");
      assertEquals(call.id, "Ab3dE6gH9");
      assertEquals(JSON.parse(call.function.arguments), { q: "Paris" });
      assertEquals(first.choices[0]?.finish_reason, "tool_calls");
      messages.push(first.choices[0]!.message, {
        role: "tool",
        tool_call_id: call.id,
        content: "sunny",
      });
      const second = keep(
        await client.chat.completions.create({ model: "mistral-chat", messages, tools }),
      );
      assertEquals(second.choices[0]?.message.content, "Tool said: sunny");
      const assistant = (sent(mistral).messages as Body[])[1];
      assert(assistant && !("refusal" in assistant), "refusal: null is not sent to Mistral");
    });

    await t.step("mistral: streamed tool calls arrive whole and get an index", async () => {
      const stream = await client.chat.completions.create({
        model: "mistral-chat",
        messages: [{ role: "user", content: "Rome" }],
        tools: [{
          type: "function",
          function: { name: "lookup", parameters: { type: "object", properties: {} } },
        }],
        stream: true,
      });
      let args = "";
      let finish: string | null = null;
      for await (const chunk of stream) {
        keep(chunk);
        const delta = chunk.choices[0]?.delta.tool_calls?.[0];
        if (delta) {
          assertEquals(delta.index, 0);
          assertEquals(delta.function?.name, "lookup");
        }
        args += delta?.function?.arguments ?? "";
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      assertEquals(JSON.parse(args), { q: "Rome" });
      assertEquals(finish, "tool_calls");
    });

    await t.step("mistral: completions through chat, plain and streaming", async () => {
      const completion = keep(
        await client.completions.create({
          model: "mistral-completions",
          prompt: "Say hi",
          max_tokens: 5,
          stop: ["\n"],
        }),
      );
      assertEquals(completion.choices[0]?.text, "Echo: Say hi");
      assertEquals(completion.object, "text_completion");
      assertEquals(mistral.recorder.last?.path, "/v1/chat/completions");
      assertEquals(sent(mistral).messages, [{ role: "user", content: "Say hi" }]);
      assertEquals(sent(mistral).stop, ["\n"]);
      const stream = await client.completions.create({
        model: "mistral-completions",
        prompt: "x y",
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = "";
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) {
        keep(chunk);
        text += chunk.choices[0]?.text ?? "";
        usage = chunk.usage ?? usage;
      }
      assertEquals(text, "Echo: x y");
      assert(usage && usage.total_tokens > 0);
    });

    await t.step("mistral: embeddings, dimensions sent as output_dimension", async () => {
      const result = keep(
        await client.embeddings.create({ model: "mistral-emb", input: "hello", dimensions: 4 }),
      );
      assertEquals(result.data[0]?.embedding.length, 4);
      assertEquals(sent(mistral), {
        model: "mistral-embed",
        input: "hello",
        output_dimension: 4,
        encoding_format: "base64",
      });
    });

    await t.step(
      "together: chat with top_logprobs as Together's integer logprobs, eos as stop",
      async () => {
        const completion = await ask("together-chat", "Hi Together", {
          logprobs: true,
          top_logprobs: 2,
        });
        assertEquals(completion.choices[0]?.message.content, "Echo: Hi Together");
        assertEquals(completion.choices[0]?.finish_reason, "stop");
        assertEquals(sent(together).logprobs, 2);
        assert(!("top_logprobs" in sent(together)));
        const streamed = await streamText("together-chat", "p q", {
          stream_options: { include_usage: true },
        });
        assertEquals(streamed.text, "Echo: p q");
        assertEquals(streamed.finish, "stop");
        assert(streamed.usage && streamed.usage.total_tokens > 0);
      },
    );

    await t.step(
      "together: completions (plain, streaming) and embeddings with the model",
      async () => {
        const completion = keep(
          await client.completions.create({ model: "together-completions", prompt: "Once" }),
        );
        assertEquals(completion.choices[0]?.text, "Echo: Once");
        assertEquals(completion.choices[0]?.finish_reason, "stop");
        assertEquals(together.recorder.last?.path, "/v1/completions");
        const stream = await client.completions.create({
          model: "together-completions",
          prompt: "u v",
          stream: true,
          stream_options: { include_usage: true },
        });
        let text = "";
        let usage: OpenAI.CompletionUsage | undefined;
        for await (const chunk of stream) {
          keep(chunk);
          text += chunk.choices[0]?.text ?? "";
          usage = chunk.usage ?? usage;
        }
        assertEquals(text, "Echo: u v");
        assert(usage && usage.total_tokens > 0);
        const emb = keep(
          await client.embeddings.create({ model: "together-embeddings", input: ["x"] }),
        );
        assertEquals(emb.data.length, 1);
        assertEquals(sent(together).model, "meta-llama/Llama-3.3-70B");
      },
    );

    await t.step(
      "groq: n clamped and logprobs dropped with warnings; usage from x_groq",
      async () => {
        const { data, response } = await client.chat.completions.create({
          model: "groq-chat",
          messages: [{ role: "user", content: "Hi Groq", name: "ann" }],
          n: 2,
          logprobs: true,
        }).withResponse();
        keep(data);
        assertEquals(data.choices[0]?.message.content, "Echo: Hi Groq");
        assertEquals(groq.recorder.last?.path, "/openai/v1/chat/completions");
        assertEquals(sent(groq).n, 1);
        const warnings = response.headers.get("x-gateway-warnings") ?? "";
        for (const w of ["clamped=n", "unsupported=logprobs", "unsupported=messages[].name"]) {
          assertMatch(warnings, new RegExp(w.replace(/[[\]]/g, "\\$&")));
        }
        const streamed = await streamText("groq-chat", "g h", {
          stream_options: { include_usage: true },
        });
        assertEquals(streamed.text, "Echo: g h");
        assert(streamed.usage && streamed.usage.total_tokens > 0);
        const completion = keep(
          await client.completions.create({ model: "groq-completions", prompt: "Hey" }),
        );
        assertEquals(completion.choices[0]?.text, "Echo: Hey");
        assertEquals(groq.recorder.last?.path, "/openai/v1/chat/completions");
      },
    );

    await t.step("ollama: no key configured, no authorization header sent", async () => {
      const completion = await ask("ollama-chat", "Hi Ollama");
      assertEquals(completion.choices[0]?.message.content, "Echo: Hi Ollama");
      assertEquals(ollama.recorder.last?.headers["authorization"], undefined);
      assertEquals(sent(ollama).model, "llama3.2");
    });

    await t.step("MLflow 3's api_key / api_base name the key and the server", async () => {
      const local = await ask("ollama-mlflow3", "Hi again");
      assertEquals(local.choices[0]?.message.content, "Echo: Hi again");
      assertEquals(ollama.recorder.last?.path, "/v1/chat/completions");
      const hosted = await ask("groq-mlflow3", "Hi Groq");
      assertEquals(hosted.choices[0]?.message.content, "Echo: Hi Groq");
      assertEquals(groq.recorder.last?.path, "/openai/v1/chat/completions");
    });

    await t.step("errors: each server's error body reaches the client as its message", async () => {
      const cases: [MockOpenAI, string, number, unknown, string][] = [
        [mistral, "mistral-chat", 422, {
          object: "error",
          message: "Invalid model: nope",
          type: "invalid_request_error",
          param: "model",
          code: "1500",
        }, "Invalid model: nope"],
        [together, "together-chat", 400, {
          message: "Input validation error: max_tokens too large",
        }, "max_tokens too large"],
        [groq, "groq-chat", 400, {
          error: { message: "model_decommissioned", type: "invalid_request_error" },
        }, "model_decommissioned"],
        [
          vllm,
          "vllm-chat",
          400,
          { detail: "This model's maximum context length is 32768 tokens" },
          "maximum context length",
        ],
      ];
      for (const [mock, model, status, body, expected] of cases) {
        mock.faults.push({ kind: "status", status, body });
        try {
          await ask(model, "x");
          throw new Error(`expected ${model} to fail`);
        } catch (error) {
          assert(error instanceof OpenAI.BadRequestError, `${model}: ${error}`);
          seen.push(JSON.stringify(error.error));
          assertMatch(error.message, new RegExp(expected));
        }
      }
    });

    await t.step("no key or token ever appears in a response", () => {
      const all = seen.join("\n");
      assert(seen.length > 20);
      for (const key of Object.values(KEYS)) assertNotIncludes(all, key);
    });
  } finally {
    await gateway.stop();
    await Promise.all(mocks.map((m) => m.close()));
  }
});

const RETIRED = `
endpoints:
  - name: palm-chat
    endpoint_type: llm/v1/chat
    model: {provider: palm, name: chat-bison-001, config: {palm_api_key: palm-secret-1}}
  - name: mosaic-completions
    endpoint_type: llm/v1/completions
    model: {provider: mosaicml, name: mpt-7b-instruct, config: {mosaicml_api_key: mosaic-secret-2}}
  - name: j2
    endpoint_type: llm/v1/completions
    model: {provider: ai21labs, name: j2-mid, config: {ai21labs_api_key: ai21-secret-3}}
`;

Deno.test(`retired providers: validate warns with the replacement, start refuses (${UNDER_TEST})`, async () => {
  const path = tempFile(RETIRED);
  const validated = await runCli(["validate", path]);
  const report = validated.stdout + validated.stderr;
  assertEquals(validated.code, 0, report);
  const expected: [string, string][] = [
    ["palm", "gemini"],
    ["mosaicml", "vllm"],
    ["ai21labs", "api\\.ai21\\.com"],
  ];
  for (const [provider, replacement] of expected) {
    assertMatch(report, new RegExp(`warning: .*provider '${provider}' is retired.*${replacement}`));
  }
  const started = await runCli(["start", "--config-path", path, "--port", "0"], {
    timeoutMs: 20_000,
  });
  const output = started.stdout + started.stderr;
  assertEquals(started.code, 1, output);
  assertMatch(output, /error: .*provider 'palm' is retired.*use provider 'gemini'/);
  assertMatch(output, /provider 'ai21labs' is retired/);
  for (const secret of ["palm-secret-1", "mosaic-secret-2", "ai21-secret-3"]) {
    assertNotIncludes(report + output, secret);
  }
});
