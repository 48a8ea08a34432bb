import { assertEquals, assertMatch, assertThrows } from "../../../tests/assert.ts";
import { GeminiConfig, geminiHeaders, geminiUrl, modelResource } from "./config.ts";

Deno.test("GeminiConfig requires gemini_api_key and defaults the base", () => {
  const parsed = GeminiConfig.parse({ gemini_api_key: "k" });
  assertEquals(parsed.gemini_api_base, "https://generativelanguage.googleapis.com");
  const missing = GeminiConfig.safeParse({});
  assertEquals(missing.success, false);
  assertMatch(missing.error?.issues[0]?.message ?? "", /missing required key 'gemini_api_key'/);
  assertEquals(
    GeminiConfig.safeParse({ gemini_api_key: "k", gemini_api_base: "ftp://x" }).success,
    false,
  );
});

Deno.test("geminiUrl() appends /v1beta/models/{model}:{method}, with alt=sse for streams", () => {
  const base = "https://generativelanguage.googleapis.com";
  assertEquals(
    geminiUrl(base, "models/gemini-2.5-flash", "generateContent"),
    "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
  );
  assertEquals(
    geminiUrl(`${base}/`, "models/gemini-2.5-flash", "streamGenerateContent"),
    "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
  );
  assertEquals(
    geminiUrl("http://127.0.0.1:9000/proxy", "models/e", "batchEmbedContents"),
    "http://127.0.0.1:9000/proxy/v1beta/models/e:batchEmbedContents",
  );
});

Deno.test("geminiUrl() keeps an API version the base already names (MLflow's base too)", () => {
  assertEquals(
    geminiUrl(
      "https://generativelanguage.googleapis.com/v1beta/models",
      "models/m",
      "generateContent",
    ),
    "https://generativelanguage.googleapis.com/v1beta/models/m:generateContent",
  );
  assertEquals(
    geminiUrl("https://generativelanguage.googleapis.com/v1/", "models/m", "generateContent"),
    "https://generativelanguage.googleapis.com/v1/models/m:generateContent",
  );
});

Deno.test("modelResource() prefixes models/ unless the name is already a resource", () => {
  assertEquals(modelResource("gemini-2.0-flash", "chat"), "models/gemini-2.0-flash");
  assertEquals(modelResource("models/gemini-2.0-flash", "chat"), "models/gemini-2.0-flash");
  assertEquals(modelResource("tunedModels/my-model-1", "chat"), "tunedModels/my-model-1");
  assertThrows(() => modelResource(null, "chat"), /endpoint 'chat' has no model.name/);
});

Deno.test("geminiHeaders() sends the key as x-goog-api-key", () => {
  const headers = geminiHeaders({ gemini_api_key: "AIza-key", gemini_api_base: "https://x" });
  assertEquals(headers, { "content-type": "application/json", "x-goog-api-key": "AIza-key" });
});
