import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { CallContext } from "../../core/provider.ts";
import type { ChatRequest } from "../../schemas/chat.ts";
import { MlflowServingConfig } from "./config.ts";
import {
  buildServingChatRequest,
  buildServingCompletionsRequest,
  buildServingEmbeddingsRequest,
} from "./request.ts";

const ctx: CallContext<MlflowServingConfig> = {
  endpoint: "served",
  model: "my-model",
  config: { model_server_url: "http://127.0.0.1:5001/" },
  stream: false,
};

const sent = (body: string | Uint8Array) => JSON.parse(body as string);

Deno.test("MlflowServingConfig requires model_server_url", () => {
  assertEquals(MlflowServingConfig.safeParse({}).success, false);
  assertEquals(MlflowServingConfig.safeParse({ model_server_url: "http://x:5000" }).success, true);
});

Deno.test("buildServingCompletionsRequest() sends [prompt] and every other field as params", () => {
  const request = buildServingCompletionsRequest({
    prompt: "hello",
    temperature: 0.4,
    max_tokens: 10,
    stop: "\n",
    n: 2,
    top_k: 3,
    stream: false,
  }, ctx);
  assertEquals(request.url, "http://127.0.0.1:5001/invocations");
  assertEquals(request.headers["content-type"], "application/json");
  assertEquals(sent(request.body), {
    inputs: ["hello"],
    params: { temperature: 0.4, max_tokens: 10, stop: ["\n"], n: 2, top_k: 3 },
  });
  assertEquals(request.warnings, []);
  assertEquals(sent(buildServingCompletionsRequest({ prompt: "x" }, ctx).body), { inputs: ["x"] });
});

Deno.test("buildServingChatRequest() sends the one user message as the query", () => {
  const request = buildServingChatRequest({
    messages: [{
      role: "user",
      content: [{ type: "text", text: "What is " }, { type: "text", text: "MLflow?" }],
    }],
    temperature: 0.1,
  }, ctx);
  assertEquals(sent(request.body), { inputs: ["What is MLflow?"], params: { temperature: 0.1 } });
});

Deno.test("buildServingChatRequest() refuses several messages with MLflow's wording", () => {
  const two: ChatRequest = {
    messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }],
  };
  assertThrows(
    () => buildServingChatRequest(two, ctx),
    /^MLflow chat models are only capable of processing a single query at a time\. The request submitted consists of 2 queries\.$/,
  );
});

Deno.test("buildServingChatRequest() refuses a system message, tools and images, saying why", () => {
  assertThrows(
    () => buildServingChatRequest({ messages: [{ role: "system", content: "Be brief." }] }, ctx),
    /not a 'system' message: a system prompt cannot be sent/,
  );
  assertThrows(
    () =>
      buildServingChatRequest({
        messages: [{ role: "user", content: "x" }],
        tools: [{ type: "function", function: { name: "f" } }],
      }, ctx),
    /do not take tools/,
  );
  assertThrows(
    () =>
      buildServingChatRequest({
        messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "u" } }] }],
      }, ctx),
    /text only, not 'image_url'/,
  );
});

Deno.test("buildServingEmbeddingsRequest() sends the input as a list", () => {
  assertEquals(sent(buildServingEmbeddingsRequest({ input: "one" }, ctx).body), {
    inputs: ["one"],
  });
  const request = buildServingEmbeddingsRequest(
    { input: ["a", "b"], encoding_format: "base64", dimensions: 4 },
    ctx,
  );
  assertEquals(sent(request.body), { inputs: ["a", "b"], params: { dimensions: 4 } });
  assertEquals(request.warnings, [], "base64 is encoded by the gateway");
});
