/**
 * The `mlflow-model-serving` provider: a model served by `mlflow models serve` (or any server
 * speaking MLflow's scoring protocol), called at `{model_server_url}/invocations`. Chat (one
 * user message), completions and embeddings; no streaming, no tools.
 */
import { identityOf, type Provider } from "../../core/provider.ts";
import { mlflowServingInfo } from "./info.ts";
import type { MlflowServingConfig } from "./config.ts";
import {
  buildServingChatRequest,
  buildServingCompletionsRequest,
  buildServingEmbeddingsRequest,
} from "./request.ts";
import { parseServingChat, parseServingCompletions, parseServingEmbeddings } from "./response.ts";
import { parseServingError } from "./errors.ts";

export const mlflowServingProvider: Provider<MlflowServingConfig> = {
  ...identityOf(mlflowServingInfo),
  chat: {
    kind: "http",
    buildRequest: buildServingChatRequest,
    parseResponse: parseServingChat,
  },
  completions: {
    kind: "http",
    buildRequest: buildServingCompletionsRequest,
    parseResponse: parseServingCompletions,
  },
  embeddings: {
    kind: "http",
    buildRequest: buildServingEmbeddingsRequest,
    parseResponse: parseServingEmbeddings,
  },
  parseError: (status, body) => parseServingError(status, body),
};
