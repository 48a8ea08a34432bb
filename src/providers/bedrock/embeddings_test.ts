import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import type { CallContext } from "../../core/provider.ts";
import type { EmbeddingsRequest } from "../../schemas/embeddings.ts";
import { BedrockConfig } from "./config.ts";
import { buildEmbeddingsRequest, parseEmbeddingsResponse } from "./embeddings.ts";

function ctx(model: string): CallContext<BedrockConfig> {
  return {
    endpoint: "emb",
    model,
    config: BedrockConfig.parse({ aws_config: { aws_region: "eu-west-1" } }),
    stream: false,
  };
}

function build(request: EmbeddingsRequest, model: string) {
  const upstream = buildEmbeddingsRequest(request, ctx(model));
  return { ...upstream, json: JSON.parse(upstream.body as string) as Record<string, unknown> };
}

Deno.test("buildEmbeddingsRequest() calls InvokeModel with Titan's inputText", () => {
  const request = build({ input: "hello", dimensions: 256 }, "amazon.titan-embed-text-v2:0");
  assertEquals(
    request.url,
    "https://bedrock-runtime.eu-west-1.amazonaws.com/model/amazon.titan-embed-text-v2%3A0/invoke",
  );
  assertEquals(request.json, { inputText: "hello", dimensions: 256 });
  assertEquals(request.warnings, []);
});

Deno.test("buildEmbeddingsRequest() warns that Titan v1 has a fixed vector size", () => {
  const request = build({ input: ["hello"], dimensions: 256 }, "amazon.titan-embed-text-v1");
  assertEquals(request.json, { inputText: "hello" });
  assertEquals(request.warnings.map((w) => w.param), ["dimensions"]);
});

Deno.test("buildEmbeddingsRequest() refuses several inputs for Titan with a clear 400", () => {
  const error = assertThrows(
    () => build({ input: ["a", "b"] }, "amazon.titan-embed-text-v2:0"),
    /one input per request, and this one has 2/,
  );
  assertEquals((error as { status?: number }).status, 400);
});

Deno.test("buildEmbeddingsRequest() sends Cohere every text at once as search documents", () => {
  const request = build(
    { input: ["a", "b"], encoding_format: "base64", user: "u" },
    "cohere.embed-english-v3",
  );
  assertEquals(request.json, { texts: ["a", "b"], input_type: "search_document" });
  assertEquals(request.warnings.map((w) => w.param), ["user"]);
  const query = build(
    { input: "q", input_type: "search_query" } as EmbeddingsRequest,
    "cohere.embed-multilingual-v3",
  );
  assertEquals(query.json.input_type, "search_query");
  assertEquals(query.warnings, []);
});

Deno.test("buildEmbeddingsRequest() asks Cohere v4 for float vectors of the given size", () => {
  const request = build({ input: "a", dimensions: 512 }, "us.cohere.embed-v4:0");
  assertEquals(request.json, {
    texts: ["a"],
    input_type: "search_document",
    embedding_types: ["float"],
    output_dimension: 512,
  });
});

Deno.test("buildEmbeddingsRequest() refuses token arrays, too many texts and other models", () => {
  assertThrows(() => build({ input: [1, 2, 3] }, "cohere.embed-english-v3"), /text input/);
  assertThrows(
    () => build({ input: Array.from({ length: 97 }, () => "x") }, "cohere.embed-english-v3"),
    /at most 96/,
  );
  const error = assertThrows(() => build({ input: "a" }, "anthropic.claude-v2"), /neither/);
  assertEquals((error as { status?: number }).status, 501);
});

Deno.test("parseEmbeddingsResponse() reads Titan's vector and token count", () => {
  const response = parseEmbeddingsResponse(
    { embedding: [0.1, 0.2], inputTextTokenCount: 3, embeddingsByType: { float: [0.1, 0.2] } },
    ctx("amazon.titan-embed-text-v2:0"),
  );
  assertEquals(response, {
    object: "list",
    data: [{ object: "embedding", embedding: [0.1, 0.2], index: 0 }],
    model: "amazon.titan-embed-text-v2:0",
    usage: { prompt_tokens: 3, total_tokens: 3 },
  });
});

Deno.test("parseEmbeddingsResponse() reads Cohere's list and by-type answers", () => {
  const plain = parseEmbeddingsResponse(
    { embeddings: [[1], [2]], id: "x", response_type: "embeddings_floats", texts: ["a", "b"] },
    ctx("cohere.embed-english-v3"),
  );
  assertEquals(plain.data.map((d) => [d.index, d.embedding]), [[0, [1]], [1, [2]]]);
  assertEquals(plain.usage, { prompt_tokens: null, total_tokens: null });
  const byType = parseEmbeddingsResponse(
    { embeddings: { float: [[3]] }, response_type: "embeddings_by_type" },
    ctx("cohere.embed-v4:0"),
  );
  assertEquals(byType.data[0]?.embedding, [3]);
});
