/**
 * The `huggingface-text-generation-inference` provider: a TGI server (or a Hugging Face
 * Inference Endpoint running TGI). Chat through TGI's Messages API, completions through
 * `/generate` and `/generate_stream`. No tools and no embeddings (TGI serves neither reliably).
 */
import { identityOf, type Provider } from "../../core/provider.ts";
import { tgiInfo } from "./info.ts";
import type { TgiConfig } from "./config.ts";
import { buildTgiChatRequest, buildTgiGenerateRequest } from "./request.ts";
import { parseTgiChat, parseTgiGenerate } from "./response.ts";
import { tgiChatStreamParser, tgiGenerateStreamParser } from "./stream.ts";
import { parseTgiError } from "./errors.ts";

export const tgiProvider: Provider<TgiConfig> = {
  ...identityOf(tgiInfo),
  chat: {
    kind: "http",
    buildRequest: buildTgiChatRequest,
    parseResponse: parseTgiChat,
    streamParser: tgiChatStreamParser,
    streamFormat: "sse",
  },
  completions: {
    kind: "http",
    buildRequest: buildTgiGenerateRequest,
    parseResponse: parseTgiGenerate,
    streamParser: tgiGenerateStreamParser,
    streamFormat: "sse",
  },
  parseError: (status, body) => parseTgiError(status, body),
};
