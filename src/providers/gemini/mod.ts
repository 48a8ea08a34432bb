/**
 * The `gemini` provider: Google's Gemini API (generativelanguage.googleapis.com). Chat and
 * completions use `generateContent` (`streamGenerateContent?alt=sse` when streaming),
 * embeddings use `batchEmbedContents`; the key goes in `x-goog-api-key`.
 */
import { identityOf, type Provider } from "../../core/provider.ts";
import { geminiInfo } from "./info.ts";
import type { GeminiConfig } from "./config.ts";
import { buildChatRequest, buildCompletionsRequest } from "./request.ts";
import { parseChatResponse, parseCompletionsResponse } from "./response.ts";
import { streamParser } from "./stream.ts";
import { buildEmbeddingsRequest, parseEmbeddingsResponse } from "./embeddings.ts";
import { parseGeminiError } from "./errors.ts";

export const geminiProvider: Provider<GeminiConfig> = {
  ...identityOf(geminiInfo),
  chat: {
    kind: "http",
    buildRequest: buildChatRequest,
    parseResponse: parseChatResponse,
    streamParser,
    streamFormat: "sse",
  },
  completions: {
    kind: "http",
    buildRequest: buildCompletionsRequest,
    parseResponse: parseCompletionsResponse,
    streamParser,
    streamFormat: "sse",
  },
  embeddings: {
    kind: "http",
    buildRequest: buildEmbeddingsRequest,
    parseResponse: parseEmbeddingsResponse,
  },
  parseError: parseGeminiError,
};
