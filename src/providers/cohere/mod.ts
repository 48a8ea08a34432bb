/**
 * The `cohere` provider, on Cohere's v2 API: chat (tools, images, JSON output, streaming) and
 * completions through `POST /v2/chat`, embeddings through `POST /v2/embed`.
 */
import { identityOf, type Provider } from "../../core/provider.ts";
import { cohereInfo } from "./info.ts";
import type { CohereConfig } from "./config.ts";
import {
  buildCohereChatRequest,
  buildCohereCompletionsRequest,
  buildCohereEmbedRequest,
} from "./request.ts";
import { parseCohereChat, parseCohereCompletions, parseCohereEmbed } from "./response.ts";
import { streamParser } from "./stream.ts";
import { parseCohereError } from "./errors.ts";

export const cohereProvider: Provider<CohereConfig> = {
  ...identityOf(cohereInfo),
  chat: {
    kind: "http",
    buildRequest: buildCohereChatRequest,
    parseResponse: parseCohereChat,
    streamParser,
    streamFormat: "sse",
  },
  completions: {
    kind: "http",
    buildRequest: buildCohereCompletionsRequest,
    parseResponse: parseCohereCompletions,
    streamParser,
    streamFormat: "sse",
  },
  embeddings: {
    kind: "http",
    buildRequest: buildCohereEmbedRequest,
    parseResponse: parseCohereEmbed,
  },
  parseError: (status, body) => parseCohereError(status, body),
};
