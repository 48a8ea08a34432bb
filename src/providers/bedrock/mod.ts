/**
 * The `bedrock` provider (alias `amazon-bedrock`): Amazon Bedrock Runtime. Chat and completions
 * for every model family through the Converse / ConverseStream API, embeddings for Amazon Titan
 * and Cohere through InvokeModel; SigV4 signing with static keys, an assumed role (cached) or the
 * standard AWS environment variables.
 */
import type { Provider } from "../../core/provider.ts";
import { authorizeBedrock } from "./authorize.ts";
import { BEDROCK_SECRET_KEYS, BedrockConfig, PROVIDER_NAME } from "./config.ts";
import {
  buildEmbeddingsRequest,
  embeddingsMaxInputs,
  parseEmbeddingsResponse,
} from "./embeddings.ts";
import { parseBedrockError } from "./errors.ts";
import { buildChatRequest, buildCompletionsRequest } from "./request.ts";
import { parseChatResponse, parseCompletionsResponse } from "./response.ts";
import { streamParser } from "./stream.ts";

const provider: Provider<BedrockConfig> = {
  name: "bedrock",
  displayName: PROVIDER_NAME,
  configSchema: BedrockConfig,
  secretKeys: BEDROCK_SECRET_KEYS,
  supportsTools: true,
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

export const bedrockProvider: Provider = provider as Provider;
