/**
 * The `bedrock` provider (alias `amazon-bedrock`): Amazon Bedrock Runtime. Chat and completions
 * for every model family through the Converse / ConverseStream API, embeddings for Amazon Titan
 * and Cohere through InvokeModel; SigV4 signing with static keys, an assumed role (cached) or the
 * standard AWS environment variables.
 */
import { identityOf, type Provider } from "../../core/provider.ts";
import { bedrockInfo } from "./info.ts";
import { authorizeBedrock } from "./authorize.ts";
import type { BedrockConfig } from "./config.ts";
import {
  buildEmbeddingsRequest,
  embeddingsMaxInputs,
  parseEmbeddingsResponse,
} from "./embeddings.ts";
import { parseBedrockError } from "./errors.ts";
import { buildChatRequest, buildCompletionsRequest } from "./request.ts";
import { parseChatResponse, parseCompletionsResponse } from "./response.ts";
import { streamParser } from "./stream.ts";

export const bedrockProvider: Provider<BedrockConfig> = {
  ...identityOf(bedrockInfo),
  chat: {
    kind: "http",
    buildRequest: buildChatRequest,
    parseResponse: parseChatResponse,
    streamParser,
    streamFormat: "aws-eventstream",
  },
  completions: {
    kind: "http",
    buildRequest: buildCompletionsRequest,
    parseResponse: parseCompletionsResponse,
    streamParser,
    streamFormat: "aws-eventstream",
  },
  embeddings: {
    kind: "http",
    buildRequest: buildEmbeddingsRequest,
    parseResponse: parseEmbeddingsResponse,
    maxInputs: embeddingsMaxInputs,
  },
  parseError: parseBedrockError,
  authorize: authorizeBedrock,
};
