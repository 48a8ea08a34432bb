/**
 * The `openai` provider: OpenAI's API and every server that speaks it (vLLM, Ollama, LM Studio...)
 * through `openai_api_base`, and Azure OpenAI through `openai_api_type: azure | azuread`.
 */
import type { Provider } from "../../core/provider.ts";
import { OpenAIConfig } from "./config.ts";
import { buildOpenAIRequest } from "./request.ts";
import {
  parseChatResponse,
  parseCompletionsResponse,
  parseEmbeddingsResponse,
} from "./response.ts";
import { chatStreamParser, completionsStreamParser } from "./stream.ts";
import { parseOpenAIError } from "./errors.ts";

const NAME = "OpenAI";

export const openAIProvider: Provider<OpenAIConfig> = {
  name: "openai",
  displayName: NAME,
  configSchema: OpenAIConfig,
  secretKeys: ["openai_api_key"],
  supportsTools: true,
  chat: {
    kind: "http",
    buildRequest: (request, ctx) => buildOpenAIRequest("chat/completions", request, ctx),
    parseResponse: (json, ctx) => parseChatResponse(json, ctx, NAME),
    streamParser: (ctx) => chatStreamParser(ctx, NAME),
    streamFormat: "sse",
  },
  completions: {
    kind: "http",
    buildRequest: (request, ctx) => buildOpenAIRequest("completions", request, ctx),
    parseResponse: (json, ctx) => parseCompletionsResponse(json, ctx, NAME),
    streamParser: (ctx) => completionsStreamParser(ctx, NAME),
    streamFormat: "sse",
  },
  embeddings: {
    kind: "http",
    buildRequest: (request, ctx) => buildOpenAIRequest("embeddings", request, ctx),
    parseResponse: (json, ctx) => parseEmbeddingsResponse(json, ctx, NAME),
  },
  parseError: (status, body) => parseOpenAIError(status, body),
};
