import { assert, assertEquals, assertMatch } from "../../../tests/assert.ts";
import type { CallContext, Provider, UpstreamRequest } from "../../core/provider.ts";
import { objectKeys } from "../../config/zod_issues.ts";
import { presetProviders, PRESETS, presetTarget } from "./presets.ts";
import type { PresetConfig } from "./preset_config.ts";

type Name = keyof typeof presetProviders;

function ctx(config: unknown, stream = false, model: string | null = "m-1"): CallContext<unknown> {
  return { endpoint: "ep", model, config, stream };
}

function parseConfig(name: Name, raw: Record<string, unknown>): unknown {
  const parsed = presetProviders[name].configSchema.safeParse(raw);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join("; "));
  return parsed.data;
}

function chat(
  name: Name,
  request: Record<string, unknown>,
  options: { stream?: boolean; config?: Record<string, unknown> } = {},
): { req: UpstreamRequest; body: Record<string, unknown> } {
  const provider = presetProviders[name] as Provider;
  const config = parseConfig(name, options.config ?? { [`${name}_api_key`]: "k-123" });
  const op = provider.chat;
  if (op?.kind !== "http") throw new Error("no http chat");
  const req = op.buildRequest(request as never, ctx(config, options.stream ?? false));
  return { req, body: JSON.parse(req.body as string) };
}

const hello = { messages: [{ role: "user", content: "hi" }] };

Deno.test("presets: every preset's default base is the documented OpenAI-compatible URL", () => {
  assertEquals(PRESETS.mistral.defaultBase, "https://api.mistral.ai/v1");
  assertEquals(PRESETS.togetherai.defaultBase, "https://api.together.xyz/v1");
  assertEquals(PRESETS.groq.defaultBase, "https://api.groq.com/openai/v1");
  assertEquals(PRESETS.deepseek.defaultBase, "https://api.deepseek.com");
  assertEquals(PRESETS.xai.defaultBase, "https://api.x.ai/v1");
  assertEquals(PRESETS.fireworks.defaultBase, "https://api.fireworks.ai/inference/v1");
  assertEquals(PRESETS.openrouter.defaultBase, "https://openrouter.ai/api/v1");
  assertEquals(PRESETS.ollama.defaultBase, "http://localhost:11434/v1");
  assertEquals(PRESETS.vllm.defaultBase, "http://localhost:8000/v1");
});

Deno.test("presetTarget() joins base and path, honours <provider>_api_base and sends Bearer", () => {
  const config: PresetConfig = { apiKey: "k", apiBase: "http://127.0.0.1:9/v1/" };
  const target = presetTarget(PRESETS.mistral, config, "embeddings");
  assertEquals(target.url, "http://127.0.0.1:9/v1/embeddings");
  assertEquals(target.headers, { "content-type": "application/json", authorization: "Bearer k" });
  assertEquals(target.sendModel, true);
  assertEquals(
    presetTarget(PRESETS.groq, { apiKey: "k" }, "chat/completions").url,
    "https://api.groq.com/openai/v1/chat/completions",
  );
});

Deno.test("presetTarget() sends DeepSeek completions to its /beta FIM path", () => {
  assertEquals(
    presetTarget(PRESETS.deepseek, { apiKey: "k" }, "completions").url,
    "https://api.deepseek.com/beta/completions",
  );
  assertEquals(
    presetTarget(PRESETS.deepseek, { apiKey: "k" }, "chat/completions").url,
    "https://api.deepseek.com/chat/completions",
  );
});

Deno.test("preset config: keys are <provider>_api_key and <provider>_api_base", () => {
  for (const name of Object.keys(PRESETS) as (keyof typeof PRESETS)[]) {
    assertEquals(objectKeys(presetProviders[name].configSchema), [
      `${name}_api_key`,
      `${name}_api_base`,
      "api_key",
      "api_base",
    ]);
    assertEquals(presetProviders[name].secretKeys, [`${name}_api_key`, "api_key"]);
  }
  // MLflow 3's plain names (Groq, DeepSeek, xAI, OpenRouter, Ollama) mean the same.
  assertEquals(parseConfig("groq", { api_key: "gsk", api_base: "http://127.0.0.1:9/v1" }), {
    apiKey: "gsk",
    apiBase: "http://127.0.0.1:9/v1",
  });
  assertEquals(parseConfig("mistral", { mistral_api_key: "k", mistral_api_base: "http://x/v1" }), {
    apiKey: "k",
    apiBase: "http://x/v1",
  });
});

Deno.test("preset config: a key is required except for Ollama and vLLM", () => {
  const missing = presetProviders.togetherai.configSchema.safeParse({});
  assert(!missing.success);
  assertMatch(missing.error.issues[0]?.message ?? "", /togetherai_api_key/);
  assertEquals(missing.error.issues[0]?.path, ["togetherai_api_key"]);
  assertEquals(parseConfig("ollama", {}), {});
  assertEquals(parseConfig("vllm", { vllm_api_base: "http://127.0.0.1:8000/v1" }), {
    apiBase: "http://127.0.0.1:8000/v1",
  });
  assert(!presetProviders.vllm.configSchema.safeParse({ vllm_api_base: "not a url" }).success);
});

Deno.test("presets: Ollama without a key sends no authorization header", () => {
  const { req } = chat("ollama", hello, { config: {} });
  assertEquals(req.headers, { "content-type": "application/json" });
  assertEquals(req.url, "http://localhost:11434/v1/chat/completions");
});

Deno.test("presets: operations follow each provider's API reference", () => {
  const ops = (name: Name) => {
    const p = presetProviders[name];
    return [p.chat ? "chat" : "", p.completions ? "completions" : "", p.embeddings ? "emb" : ""]
      .filter(Boolean).join(",");
  };
  assertEquals(ops("mistral"), "chat,completions,emb");
  assertEquals(ops("togetherai"), "chat,completions,emb");
  assertEquals(ops("groq"), "chat,completions");
  assertEquals(ops("deepseek"), "chat,completions");
  assertEquals(ops("xai"), "chat,completions");
  assertEquals(ops("fireworks"), "chat,completions,emb");
  assertEquals(ops("openrouter"), "chat,completions,emb");
  assertEquals(ops("ollama"), "chat,completions,emb");
  assertEquals(ops("vllm"), "chat,completions,emb");
  assertEquals(ops("azure"), "chat,completions,emb");
  for (const name of Object.keys(presetProviders) as Name[]) {
    const p = presetProviders[name];
    assert(p.chat?.kind === "http" && p.chat.streamParser, `${name} streams chat`);
    assertEquals(p.name, name);
  }
});

Deno.test("buildRequest() for Mistral: random_seed, no stream_options, no OpenAI-only fields", () => {
  const { req, body } = chat("mistral", {
    messages: [
      { role: "developer", content: "Be brief." },
      { role: "user", content: "hi" },
      { role: "assistant", content: "yo", refusal: null, annotations: [] },
      { role: "user", content: "again" },
    ],
    seed: 7,
    user: "u-1",
    max_completion_tokens: 20,
    stream_options: { include_usage: true },
    n: 2,
  }, { stream: true });
  assertEquals(req.url, "https://api.mistral.ai/v1/chat/completions");
  assertEquals(body.model, "m-1");
  assertEquals(body.random_seed, 7);
  assertEquals(body.max_tokens, 20);
  assertEquals(body.n, 2, "Mistral has n");
  assertEquals(body.stream, true);
  assert(!("seed" in body) && !("user" in body) && !("stream_options" in body));
  assertEquals(body.messages, [
    { role: "system", content: "Be brief." },
    { role: "user", content: "hi" },
    { role: "assistant", content: "yo" },
    { role: "user", content: "again" },
  ]);
  assertEquals(req.warnings.map((w) => `${w.type}:${w.param}`), ["unsupported:user"]);
});

Deno.test("buildRequest() for Mistral warns about a message field with a value it cannot take", () => {
  const { req, body } = chat("mistral", {
    messages: [{ role: "user", content: "hi", audio: { id: "a1" } }],
  });
  assertEquals(body.messages, [{ role: "user", content: "hi" }]);
  assertEquals(req.warnings.map((w) => w.param), ["messages[].audio"]);
});

Deno.test("buildRequest() for Together: top_logprobs becomes the integer logprobs", () => {
  const { body, req } = chat("togetherai", { ...hello, logprobs: true, top_logprobs: 3 });
  assertEquals(body.logprobs, 3);
  assert(!("top_logprobs" in body));
  assertEquals(req.warnings, []);
  assertEquals(chat("togetherai", { ...hello, logprobs: true }).body.logprobs, 1);
  const clamped = chat("togetherai", { ...hello, top_logprobs: 30 });
  assertEquals(clamped.body.logprobs, 20);
  assertEquals(clamped.req.warnings.map((w) => w.type), ["clamped"]);
});

Deno.test("buildRequest() for Together and Mistral streams without asking for usage", () => {
  for (const name of ["togetherai", "mistral", "openrouter"] as const) {
    const { body } = chat(name, { ...hello, stream_options: { include_usage: true } }, {
      stream: true,
    });
    assert(!("stream_options" in body), name);
  }
});

Deno.test("buildRequest() for Groq, vLLM, Ollama, DeepSeek, xAI asks for usage in streams", () => {
  for (const name of ["groq", "vllm", "ollama", "deepseek", "xai", "fireworks"] as const) {
    const config = { [`${name}_api_key`]: "k" };
    const { body } = chat(name, hello, { stream: true, config });
    assertEquals(body.stream_options, { include_usage: true }, name);
  }
});

Deno.test("buildRequest() for Groq drops what Groq rejects, with warnings", () => {
  const { body, req } = chat("groq", {
    messages: [{ role: "user", content: "hi", name: "ann" }],
    logprobs: true,
    top_logprobs: 2,
    logit_bias: { "1": 2 },
    n: 3,
    temperature: 0.4,
  });
  assertEquals(body.messages, [{ role: "user", content: "hi" }]);
  assertEquals(body.n, 1);
  assertEquals(body.temperature, 0.4);
  assert(!("logprobs" in body) && !("top_logprobs" in body) && !("logit_bias" in body));
  assertEquals(
    req.warnings.map((w) => `${w.type}:${w.param}`).sort(),
    [
      "clamped:n",
      "unsupported:logit_bias",
      "unsupported:logprobs",
      "unsupported:messages[].name",
      "unsupported:top_logprobs",
    ],
  );
});

Deno.test("completions through chat (Mistral, Groq): prompt as a user message, stop and n kept", () => {
  for (const name of ["mistral", "groq"] as const) {
    const provider = presetProviders[name];
    const op = provider.completions;
    if (op?.kind !== "http") throw new Error("no completions");
    const config = parseConfig(name, { [`${name}_api_key`]: "k" });
    const req = op.buildRequest(
      { prompt: "Say hi", stop: ["\n"], max_tokens: 5, suffix: "x" } as never,
      ctx(config),
    );
    const body = JSON.parse(req.body as string);
    assertMatch(req.url, /\/chat\/completions$/);
    assertEquals(body.messages, [{ role: "user", content: "Say hi" }]);
    assertEquals(body.stop, ["\n"]);
    assertEquals(body.max_tokens, 5);
    assert(!("prompt" in body) && !("suffix" in body));
    assertEquals(req.warnings.map((w) => w.param), ["suffix"]);
    const parsed = op.parseResponse({
      id: "x",
      created: 1,
      model: "m",
      choices: [{
        index: 0,
        message: { role: "assistant", content: "hi!" },
        finish_reason: "stop",
      }],
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    }, ctx(config));
    assertEquals(parsed.object, "text_completion");
    assertEquals(parsed.choices, [{ index: 0, text: "hi!", finish_reason: "stop" }]);
  }
});

Deno.test("embeddings for Mistral: dimensions becomes output_dimension; Together gets the model", () => {
  const mistral = presetProviders.mistral.embeddings;
  const together = presetProviders.togetherai.embeddings;
  if (mistral?.kind !== "http" || together?.kind !== "http") throw new Error("no embeddings");
  const m = mistral.buildRequest(
    { input: ["a"], dimensions: 256 } as never,
    ctx(parseConfig("mistral", { mistral_api_key: "k" })),
  );
  assertEquals(JSON.parse(m.body as string), {
    model: "m-1",
    input: ["a"],
    output_dimension: 256,
  });
  const t = together.buildRequest(
    { input: "a" } as never,
    ctx(parseConfig("togetherai", { togetherai_api_key: "k" })),
  );
  assertEquals(JSON.parse(t.body as string), { model: "m-1", input: "a" });
  assertEquals(t.url, "https://api.together.xyz/v1/embeddings");
});

Deno.test("DeepSeek completions: max_tokens above 4K is clamped with a warning", () => {
  const op = presetProviders.deepseek.completions;
  if (op?.kind !== "http") throw new Error("no completions");
  const req = op.buildRequest(
    { prompt: "def f(", suffix: "return 1", max_tokens: 9000 } as never,
    ctx(parseConfig("deepseek", { deepseek_api_key: "k" })),
  );
  const body = JSON.parse(req.body as string);
  assertEquals(body.max_tokens, 4096);
  assertEquals(body.suffix, "return 1");
  assertEquals(req.warnings.map((w) => `${w.type}:${w.param}`), ["clamped:max_tokens"]);
});
