/**
 * The Hugging Face TGI provider end to end, the `openai` SDK and MLflow invocations, mock TGI:
 * what is TGI's own (the Messages API and /generate with their parameters and finish reasons,
 * special tokens, its 422 and 424, a cut /generate_stream). The checks every provider shares
 * (including the 501 for embeddings, the 400 for tools and a rejected token) are in
 * `conformance_test.ts`.
 */
import OpenAI from "openai";
import { assertEquals, assertMatch } from "../assert.ts";
import { startMockTgi } from "../mocks/tgi.ts";
import { postJson, startGateway, UNDER_TEST } from "./harness.ts";
import {
  assertSecretNeverShown,
  assertStreamEndsInError,
  poster,
  readChatStream,
} from "./provider_helpers.ts";

const KEY = "hf_e2e_secret_token_71c2d9";

Deno.test(`huggingface-text-generation-inference provider through the gateway (${UNDER_TEST})`, async (t) => {
  const upstream = startMockTgi({ apiKey: KEY });
  const endpoint = (name: string, type: string) => `
  - name: ${name}
    endpoint_type: llm/v1/${type}
    retries: 0
    model:
      provider: huggingface-text-generation-inference
      name: llama-3-8b
      config:
        hf_server_url: ${upstream.url}
        hf_api_key: $E2E_HF_KEY`;
  const gateway = await startGateway({
    env: { E2E_HF_KEY: KEY },
    config: `endpoints:${endpoint("chat", "chat")}${endpoint("completions", "completions")}
`,
  });
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
  const seen: string[] = [];
  const post = poster(gateway.url, seen);
  try {
    await t.step("chat.completions.create goes through TGI's Messages API", async () => {
      const completion = await client.chat.completions.create({
        model: "chat",
        messages: [{ role: "system", content: "Be brief." }, {
          role: "user",
          content: "Hello there",
        }],
        temperature: 0,
        top_p: 1,
      });
      seen.push(JSON.stringify(completion));
      assertEquals(completion.choices[0]?.message.content, "Echo: Hello there");
      assertEquals(completion.choices[0]?.finish_reason, "stop", "eos_token is OpenAI's stop");
      assertEquals(completion.usage?.total_tokens, 15);
      const last = upstream.recorder.last;
      assertEquals(last?.path, "/v1/chat/completions");
      assertEquals(last?.headers["authorization"], `Bearer ${KEY}`);
      assertEquals(last?.body, {
        model: "llama-3-8b",
        messages: [{ role: "system", content: "Be brief." }, {
          role: "user",
          content: "Hello there",
        }],
        temperature: 0,
      });
    });

    await t.step("streaming chat: role first, text, finish reason, one usage chunk", async () => {
      const stream = await client.chat.completions.create({
        model: "chat",
        messages: [{ role: "user", content: "one two three" }],
        stream: true,
        stream_options: { include_usage: true },
        max_tokens: 3,
      });
      const { chunks, text, finish } = await readChatStream(stream);
      assertEquals(chunks[0]?.choices[0]?.delta.role, "assistant");
      const usageChunks = chunks.filter((chunk) => chunk.usage);
      for (const chunk of usageChunks) {
        assertEquals(chunk.choices, []);
        assertEquals(chunk.usage?.completion_tokens, 3);
      }
      assertEquals(text, "Echo: one two");
      assertEquals(finish, "length");
      assertEquals(usageChunks.length, 1);
    });

    await t.step("completions.create goes to /generate with TGI's parameters", async () => {
      const completion = await client.completions.create({
        model: "completions",
        prompt: "Say hi",
        max_tokens: 2,
        temperature: 0,
        stop: ["\n"],
      });
      seen.push(JSON.stringify(completion));
      assertEquals(completion.choices[0]?.text, "Echo: Say");
      assertEquals(completion.choices[0]?.finish_reason, "length");
      assertEquals(completion.usage, { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
      const last = upstream.recorder.last;
      assertEquals(last?.path, "/generate");
      assertEquals(last?.body, {
        inputs: "Say hi",
        parameters: {
          max_new_tokens: 2,
          do_sample: false,
          stop: ["\n"],
          details: true,
          decoder_input_details: true,
        },
      });
    });

    await t.step(
      "streaming completions come from /generate_stream, special tokens skipped",
      async () => {
        const stream = await client.completions.create({
          model: "completions",
          prompt: "a b",
          stream: true,
          temperature: 0.5,
          stream_options: { include_usage: true },
        });
        let text = "";
        let finish: string | null | undefined;
        let usage: OpenAI.CompletionUsage | undefined;
        for await (const chunk of stream) {
          text += chunk.choices[0]?.text ?? "";
          finish = chunk.choices[0]?.finish_reason ?? finish;
          usage = chunk.usage ?? usage;
        }
        assertEquals(text, "Echo: a b");
        assertEquals(finish, "stop");
        assertEquals(usage?.completion_tokens, 3);
        assertEquals(upstream.recorder.last?.path, "/generate_stream");
      },
    );

    await t.step("MLflow invocations for completions and chat", async () => {
      const completion = await post("/endpoints/completions/invocations", {
        prompt: "hello",
        temperature: 0.3,
      });
      assertEquals(completion.response.status, 200);
      const body = JSON.parse(completion.text);
      assertEquals(body.object, "text_completion");
      assertEquals(body.choices, [{ index: 0, text: "Echo: hello", finish_reason: "stop" }]);
      const chat = await post("/gateway/chat/invocations", {
        messages: [{ role: "user", content: "hi" }],
      });
      assertEquals(JSON.parse(chat.text).choices[0].message, {
        role: "assistant",
        content: "Echo: hi",
        tool_calls: null,
        refusal: null,
      });
    });

    await t.step("TGI's validation errors (422) reach the client as 400s", async () => {
      const { response, text } = await post("/v1/completions", {
        model: "completions",
        prompt: "x",
        stop: ["a", "b", "c", "d", "e"],
      });
      assertEquals(response.status, 400);
      assertEquals(
        JSON.parse(text).error.message,
        "Input validation error: `stop` supports up to 4 stop sequences. Given: 5",
      );
    });

    await t.step(
      "faults: overloaded 429, generation error 424, bad bodies, cut streams",
      async () => {
        upstream.faults.push({
          kind: "status",
          status: 429,
          body: { error: "Model is overloaded", error_type: "overloaded" },
          headers: { "retry-after": "2" },
        });
        const limited = await post("/v1/completions", { model: "completions", prompt: "x" });
        assertEquals(limited.response.status, 429);
        assertEquals(limited.response.headers.get("retry-after"), "2");
        assertMatch(JSON.parse(limited.text).error.message, /Model is overloaded/);

        upstream.faults.push({
          kind: "status",
          status: 424,
          body: { error: "Request failed during generation: CUDA OOM", error_type: "generation" },
        });
        const failed = await post("/v1/chat/completions", {
          model: "chat",
          messages: [{ role: "user", content: "x" }],
        });
        assertEquals(failed.response.status, 502);
        assertMatch(
          JSON.parse(failed.text).error.message,
          /HTTP 424: Request failed during generation/,
        );

        upstream.faults.push({ kind: "malformed" });
        const malformed = await post("/v1/completions", { model: "completions", prompt: "x" });
        assertEquals(malformed.response.status, 502);

        upstream.faults.push({ kind: "cut", afterChunks: 2 });
        const response = await postJson(`${gateway.url}/v1/completions`, {
          model: "completions",
          prompt: "one two three four",
          stream: true,
        });
        await assertStreamEndsInError(response, seen);
      },
    );

    await t.step("no response carried the token", () => {
      assertSecretNeverShown(KEY, seen, gateway);
    });
  } finally {
    await gateway.stop();
    await upstream.close();
  }
});
