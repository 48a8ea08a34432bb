/**
 * The `anthropic` provider: Anthropic's Messages API (`POST {anthropic_api_base}/v1/messages`).
 * Serves chat (tools, images, documents, structured outputs, streaming) and completions (the
 * prompt as one user message, also streamed). Anthropic has no embeddings API: the core answers
 * 501 for embeddings endpoints.
 */
import { identityOf, type Provider } from "../../core/provider.ts";
import { anthropicInfo } from "./info.ts";
import type { AnthropicConfig } from "./config.ts";
import { parseAnthropicError } from "./errors.ts";
import { buildChatRequest, buildCompletionsRequest } from "./request.ts";
import { parseChatResponse, parseCompletionsResponse } from "./response.ts";
import { streamParser } from "./stream.ts";

export const anthropicProvider: Provider<AnthropicConfig> = {
  ...identityOf(anthropicInfo),
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
  parseError: (status, body) => parseAnthropicError(status, body),
};
