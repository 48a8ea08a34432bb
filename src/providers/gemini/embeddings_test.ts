import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { CallContext, TranslationWarning } from "../../core/provider.ts";
import type { GeminiConfig } from "./config.ts";
import { buildEmbeddingsRequest, embeddingsBody, parseEmbeddingsResponse } from "./embeddings.ts";
import batch from "./testdata/batch_embed.json" with { type: "json" };

const ctx: CallContext<GeminiConfig> = {
  endpoint: "embeddings",
  model: "gemini-embedding-001",
  config: {
    gemini_api_key: "AIza-test",
    gemini_api_base: "https://generativelanguage.googleapis.com",
  },
  stream: false,
};

Deno.test("buildEmbeddingsRequest() sends every input in one batchEmbedContents call", () => {
  const request = buildEmbeddingsRequest({ input: ["a", "b", "c"], dimensions: 256 }, ctx);
  assertEquals(
    request.url,
    "https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-001:batchEmbedContents",
  );
  assertEquals(request.headers["x-goog-api-key"], "AIza-test");
  assertEquals(JSON.parse(request.body as string), {
    requests: ["a", "b", "c"].map((text) => ({
      model: "models/gemini-embedding-001",
      content: { parts: [{ text }] },
      outputDimensionality: 256,
    })),
  });
  assertEquals(request.warnings, []);
});

Deno.test("embeddingsBody() takes a single string, refuses token ids; base64 is the API's job", () => {
  const warnings: TranslationWarning[] = [];
  const body = embeddingsBody(
    { input: "hello", encoding_format: "base64", user: "u" },
    "models/m",
    warnings,
  );
  assertEquals(body.requests, [{ model: "models/m", content: { parts: [{ text: "hello" }] } }]);
  assertEquals(warnings.map((w) => w.param).sort(), ["user"]);
  assertThrows(() => embeddingsBody({ input: [1, 2, 3] }, "models/m", []), /text only/);
});

Deno.test("parseEmbeddingsResponse() keeps the input order", () => {
  const response = parseEmbeddingsResponse(batch, ctx);
  assertEquals(response.object, "list");
  assertEquals(response.model, "gemini-embedding-001");
  assertEquals(response.data.map((d) => d.index), [0, 1, 2]);
  assertEquals(response.data[1]?.embedding, [0.0188, -0.0025, -0.0211, 0.0417]);
  assertEquals(response.usage, { prompt_tokens: null, total_tokens: null });
});
