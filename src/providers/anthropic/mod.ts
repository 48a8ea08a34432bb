/**
 * The `anthropic` provider: Anthropic's Messages API (`POST {anthropic_api_base}/v1/messages`).
 * Serves chat (tools, images, documents, structured outputs, streaming) and completions (the
 * prompt as one user message, also streamed). Anthropic has no embeddings API: the core answers
 * 501 for embeddings endpoints.
 */
import type { Provider } from "../../core/provider.ts";
import { AnthropicConfig } from "./config.ts";
import { parseAnthropicError } from "./errors.ts";
import { buildChatRequest, buildCompletionsRequest } from "./request.ts";
import { DISPLAY_NAME, parseChatResponse, parseCompletionsResponse } from "./response.ts";
import { streamParser } from "./stream.ts";

export const anthropicProvider: Provider<AnthropicConfig> = {
  name: "anthropic",
  displayName: DISPLAY_NAME,
  configSchema: AnthropicConfig,
  secretKeys: ["anthropic_api_key"],
  supportsTools: true,
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
