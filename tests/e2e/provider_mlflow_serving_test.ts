/**
 * The MLflow model serving provider end to end, the `openai` SDK and MLflow invocations: what is
 * its own (one query per chat, the `predictions` shapes, the scoring server's errors). The
 * checks every provider shares (including streaming, which it does not serve: 501) are in
 * `conformance_test.ts`.
 */
import OpenAI from "openai";
import { assertEquals, assertMatch, assertNotIncludes } from "../assert.ts";
import { type ServedModel, startMockMlflowServing } from "../mocks/mlflow_serving.ts";
import { startGateway, UNDER_TEST } from "./harness.ts";
import { poster } from "./provider_helpers.ts";

Deno.test(`mlflow-model-serving provider through the gateway (${UNDER_TEST})`, async (t) => {
  const upstream = startMockMlflowServing();
  const endpoint = (name: string, type: string, model: ServedModel) => `
  - name: ${name}
    endpoint_type: llm/v1/${type}
    retries: 0
    model:
      provider: mlflow-model-serving
      name: served-${model}
      config:
        model_server_url: ${upstream.modelUrl(model)}`;
  const gateway = await startGateway({
    config: `endpoints:${endpoint("chat", "chat", "text")}${
      endpoint("completions", "completions", "choices")
    }${endpoint("single-key", "completions", "single-key")}${
      endpoint("embeddings", "embeddings", "embeddings")
    }${endpoint("flat", "embeddings", "flat")}${endpoint("broken", "completions", "broken")}
`,
  });
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
  const post = poster(gateway.url);
  try {
    await t.step("chat with one user message sends it as the one input", async () => {
      const completion = await client.chat.completions.create({
        model: "chat",
        messages: [{ role: "user", content: "hi there" }],
        temperature: 0.2,
        max_tokens: 2,
      });
      assertEquals(completion.choices[0]?.message.content, "Echo: hi");
      assertEquals(completion.model, "served-text");
      const last = upstream.recorder.last;
      assertEquals(last?.path, "/text/invocations");
      assertEquals(last?.headers["content-type"], "application/json");
      assertEquals(last?.body, {
        inputs: ["hi there"],
        params: { temperature: 0.2, max_tokens: 2 },
      });
    });

    await t.step("chat with more than one message, or a system message, is a 400", async () => {
      const several = await post("/v1/chat/completions", {
        model: "chat",
        messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }, {
          role: "user",
          content: "c",
        }],
      });
      assertEquals(several.response.status, 400);
      assertEquals(
        JSON.parse(several.text).error.message,
        "MLflow chat models are only capable of processing a single query at a time. The request submitted consists of 3 queries.",
      );
      const system = await post("/v1/chat/completions", {
        model: "chat",
        messages: [{ role: "system", content: "Be brief." }],
      });
      assertEquals(system.response.status, 400);
      assertMatch(JSON.parse(system.text).error.message, /system prompt cannot be sent/);
    });

    await t.step("completions read 'choices' and single-key prediction dicts", async () => {
      const completion = await client.completions.create({
        model: "completions",
        prompt: "Say hi",
        stop: ["\n"],
      });
      assertEquals(completion.choices.map((c) => c.text), ["Echo: Say hi"]);
      assertEquals(upstream.recorder.last?.body, { inputs: ["Say hi"], params: { stop: ["\n"] } });
      const single = await client.completions.create({ model: "single-key", prompt: "x" });
      assertEquals(single.choices[0]?.text, "Echo: x");
    });

    await t.step("embeddings: a vector per input, and a flat list for one input", async () => {
      const result = await client.embeddings.create({
        model: "embeddings",
        input: ["a", "bb"],
        encoding_format: "float",
      });
      assertEquals(result.data.map((d) => d.index), [0, 1]);
      assertEquals(result.data[0]?.embedding.length, 4);
      assertEquals(upstream.recorder.last?.body, { inputs: ["a", "bb"] });
      const flat = await client.embeddings.create({
        model: "flat",
        input: "one",
        encoding_format: "float",
      });
      assertEquals(flat.data.length, 1);
      assertEquals(flat.data[0]?.embedding.length, 4);
    });

    await t.step("MLflow invocations for chat, completions and embeddings", async () => {
      const chat = await post("/endpoints/chat/invocations", {
        messages: [{ role: "user", content: "hello" }],
      });
      assertEquals(chat.response.status, 200);
      assertEquals(JSON.parse(chat.text).choices, [{
        index: 0,
        message: { role: "assistant", content: "Echo: hello", tool_calls: null, refusal: null },
        finish_reason: null,
      }]);
      const completion = await post("/endpoints/completions/invocations", {
        prompt: "p",
        temperature: 0.5,
        n: 1,
      });
      assertEquals(JSON.parse(completion.text).choices[0].text, "Echo: p");
      assertEquals(upstream.recorder.last?.body, {
        inputs: ["p"],
        params: { temperature: 0.5, n: 1 },
      });
      const embedded = await post("/gateway/embeddings/invocations", { input: "q" });
      assertEquals(JSON.parse(embedded.text).data.length, 1);
    });

    await t.step("a body without 'predictions' is MLflow's 502", async () => {
      const { response, text } = await post("/v1/completions", { model: "broken", prompt: "x" });
      assertEquals(response.status, 502);
      assertEquals(
        JSON.parse(text).error.message,
        "The response is missing the required key: predictions.",
      );
    });

    await t.step(
      "scoring-server errors: 400 keeps the message (no stack trace), 500 is 502",
      async () => {
        upstream.faults.push({
          kind: "status",
          status: 400,
          body: {
            error_code: "BAD_REQUEST",
            message: "Failed to enforce schema of data: missing column 'prompt'",
            stack_trace: "Traceback (most recent call last): secret internals",
          },
        });
        const bad = await post("/v1/completions", { model: "completions", prompt: "x" });
        assertEquals(bad.response.status, 400);
        assertEquals(
          JSON.parse(bad.text).error.message,
          "Failed to enforce schema of data: missing column 'prompt'",
        );
        assertNotIncludes(bad.text, "Traceback");

        upstream.faults.push({
          kind: "status",
          status: 500,
          body: { error_code: "INTERNAL_ERROR", message: "model crashed" },
        });
        const crashed = await post("/v1/completions", { model: "completions", prompt: "x" });
        assertEquals(crashed.response.status, 502);
        assertMatch(JSON.parse(crashed.text).error.message, /HTTP 500: model crashed/);

        upstream.faults.push({ kind: "malformed" });
        const malformed = await post("/v1/embeddings", { model: "embeddings", input: "x" });
        assertEquals(malformed.response.status, 502);
      },
    );
  } finally {
    await gateway.stop();
    await upstream.close();
  }
});
