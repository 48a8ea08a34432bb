import { assert, assertEquals, assertMatch } from "../../../tests/assert.ts";
import type { CallContext } from "../../core/provider.ts";
import { objectKeys } from "../../config/zod_issues.ts";
import { AzureConfig, azureProvider, azureStreamUsage } from "./azure.ts";
import { openAIProvider } from "./mod.ts";
import { OpenAIConfig } from "./config.ts";

const AZURE = {
  openai_api_key: "az-key-1",
  openai_api_base: "https://res.openai.azure.com/",
  openai_deployment_name: "gpt4o deploy",
  openai_api_version: "2024-10-21",
};

function ctx<C>(config: C, stream = false): CallContext<C> {
  return { endpoint: "ep", model: "gpt-4o", config, stream };
}

function chatOf<C>(provider: { chat?: unknown }, config: C, stream = false, extra = {}) {
  const op = provider.chat as {
    kind: string;
    buildRequest(r: unknown, c: CallContext<C>): {
      url: string;
      headers: Record<string, string>;
      body: string;
      warnings: { param: string }[];
    };
  };
  const req = op.buildRequest(
    { messages: [{ role: "user", content: "hi" }], model: "client-model", ...extra },
    ctx(config, stream),
  );
  return { req, body: JSON.parse(req.body) as Record<string, unknown> };
}

Deno.test("azure provider: deployment URL with api-version, api-key header, no model in body", () => {
  const config = AzureConfig.parse(AZURE);
  assertEquals(config.openai_api_type, "azure");
  const { req, body } = chatOf(azureProvider, config);
  assertEquals(
    req.url,
    "https://res.openai.azure.com/openai/deployments/gpt4o%20deploy/chat/completions?api-version=2024-10-21",
  );
  assertEquals(req.headers, { "content-type": "application/json", "api-key": "az-key-1" });
  assert(!("model" in body));
});

Deno.test("azure provider: azuread sends the token as Bearer", () => {
  const config = AzureConfig.parse({ ...AZURE, openai_api_type: "AzureAD" });
  const { req } = chatOf(azureProvider, config);
  assertEquals(req.headers["authorization"], "Bearer az-key-1");
  assert(!("api-key" in req.headers));
});

Deno.test("azure provider: embeddings and completions use the same deployment URL", () => {
  const config = AzureConfig.parse(AZURE);
  const emb = azureProvider.embeddings;
  const cmp = azureProvider.completions;
  if (emb?.kind !== "http" || cmp?.kind !== "http") throw new Error("missing operations");
  assertMatch(
    emb.buildRequest({ input: "x" }, ctx(config)).url,
    /deploy\/embeddings\?api-version=/,
  );
  assertMatch(
    cmp.buildRequest({ prompt: "x" }, ctx(config)).url,
    /deploy\/completions\?api-version=/,
  );
});

Deno.test("AzureConfig: MLflow's keys, all required, and type 'openai' is refused", () => {
  assertEquals(objectKeys(AzureConfig), [
    "openai_api_key",
    "openai_api_type",
    "openai_api_base",
    "openai_api_version",
    "openai_deployment_name",
  ]);
  const empty = AzureConfig.safeParse({});
  assert(!empty.success);
  assertEquals(empty.error.issues.map((i) => i.path[0]).sort(), [
    "openai_api_base",
    "openai_api_key",
    "openai_api_version",
    "openai_deployment_name",
  ]);
  const wrong = AzureConfig.safeParse({ ...AZURE, openai_api_type: "openai" });
  assert(!wrong.success);
  assertMatch(wrong.error.issues[0]?.message ?? "", /use provider 'openai'/);
});

Deno.test("azureStreamUsage(): API versions before 2024-09-01 cannot stream usage", () => {
  assertEquals(azureStreamUsage("2023-05-15"), "unavailable");
  assertEquals(azureStreamUsage("2024-08-01-preview"), "unavailable");
  assertEquals(azureStreamUsage("2024-09-01-preview"), "request");
  assertEquals(azureStreamUsage("2024-10-21"), "request");
  assertEquals(azureStreamUsage("2025-04-01-preview"), "request");
  assertEquals(azureStreamUsage("preview"), "request");
  assertEquals(azureStreamUsage(undefined), "request");
});

Deno.test("azure stream on an old API version: no stream_options, a warning if the client asked", () => {
  const config = AzureConfig.parse({ ...AZURE, openai_api_version: "2023-05-15" });
  const { req, body } = chatOf(azureProvider, config, true, {
    stream_options: { include_usage: true },
  });
  assertEquals(body.stream, true);
  assert(!("stream_options" in body));
  assertEquals(req.warnings.map((w) => w.param), ["stream_options.include_usage"]);
  const recent = chatOf(azureProvider, AzureConfig.parse(AZURE), true);
  assertEquals(recent.body.stream_options, { include_usage: true });
});

Deno.test("openai provider with openai_api_type azure builds the same request as provider azure", () => {
  const viaOpenAI = chatOf(
    openAIProvider,
    OpenAIConfig.parse({ ...AZURE, openai_api_type: "azure" }),
    true,
  );
  const viaAzure = chatOf(azureProvider, AzureConfig.parse(AZURE), true);
  assertEquals(viaOpenAI.req, viaAzure.req);
});

Deno.test("openai provider: model from the endpoint, Bearer key, usage asked for in streams", () => {
  const config = OpenAIConfig.parse({ openai_api_key: "sk-1", openai_organization: "org-1" });
  const { req, body } = chatOf(openAIProvider, config, true);
  assertEquals(req.url, "https://api.openai.com/v1/chat/completions");
  assertEquals(req.headers, {
    "content-type": "application/json",
    authorization: "Bearer sk-1",
    "openai-organization": "org-1",
  });
  assertEquals(body.model, "gpt-4o");
  assertEquals(body.stream_options, { include_usage: true });
  assertEquals(req.warnings, []);
});
