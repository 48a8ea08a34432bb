/**
 * Embeddings through InvokeModel: Amazon Titan text embeddings (one text a call) and Cohere
 * embeddings (up to 96 texts a call). The body is the model family's own.
 */
import { InvalidRequestError, UnsupportedFeatureError } from "../../core/errors.ts";
import type { CallContext, TranslationWarning, UpstreamRequest } from "../../core/provider.ts";
import type { EmbeddingsRequest, EmbeddingsResponse } from "../../schemas/embeddings.ts";
import { parseWire } from "../parse_wire.ts";
import { type BedrockConfig, PROVIDER_NAME } from "./config.ts";
import { bedrockHeaders, bedrockUrl, modelIdOf } from "./request.ts";
import { WireCohereEmbeddings, WireTitanEmbedding } from "./wire.ts";

export type EmbeddingFamily = "titan" | "cohere";

/** Cohere's limit of texts per call on Bedrock. */
export const COHERE_MAX_TEXTS = 96;

/** The model family, from the model id (`amazon.titan-embed-*`, `cohere.embed-*`). */
export function embeddingFamily(modelId: string, endpoint: string): EmbeddingFamily {
  const id = modelId.toLowerCase();
  if (id.includes("titan-embed")) return "titan";
  if (id.includes("cohere.embed")) return "cohere";
  throw new UnsupportedFeatureError(
    `endpoint '${endpoint}': Amazon Bedrock embeddings are served for Amazon Titan ` +
      `(amazon.titan-embed-*) and Cohere (cohere.embed-*) models, and '${modelId}' is neither`,
    { code: "not_implemented" },
  );
}

/**
 * How many texts one call takes: Titan one, Cohere 96 (the core sends more in batches); undefined
 * for a model of neither family (its request is refused with the reason).
 */
export function embeddingsMaxInputs(ctx: CallContext<BedrockConfig>): number | undefined {
  const id = modelIdOf(ctx).toLowerCase();
  if (id.includes("titan-embed")) return 1;
  if (id.includes("cohere.embed")) return COHERE_MAX_TEXTS;
  return undefined;
}

function textsOf(input: EmbeddingsRequest["input"]): string[] {
  if (typeof input === "string") return [input];
  const texts = (input as unknown[]).filter((item): item is string => typeof item === "string");
  if (texts.length !== input.length) {
    throw new InvalidRequestError(
      "Amazon Bedrock embeddings take text input, not token arrays",
      { param: "input" },
    );
  }
  return texts;
}

/** Warnings for the fields neither family takes. */
function commonWarnings(request: EmbeddingsRequest, handled: readonly string[]) {
  const warnings: TranslationWarning[] = [];
  for (const [key, value] of Object.entries(request)) {
    // encoding_format: the gateway itself encodes the float vectors as base64 when asked.
    if (value === undefined || ["input", "model", "encoding_format", ...handled].includes(key)) {
      continue;
    }
    warnings.push({
      type: "unsupported",
      param: key,
      message: `'${key}' is not supported for Amazon Bedrock embeddings; ignored`,
    });
  }
  return warnings;
}

function titanBody(
  request: EmbeddingsRequest,
  texts: string[],
  modelId: string,
): { body: Record<string, unknown>; warnings: TranslationWarning[] } {
  if (texts.length !== 1) {
    throw new InvalidRequestError(
      `Amazon Titan embedding models take one input per request, and this one has ` +
        `${texts.length}; send them one at a time, or use a Cohere embedding endpoint for batches`,
      { param: "input" },
    );
  }
  const body: Record<string, unknown> = { inputText: texts[0] };
  const warnings = commonWarnings(request, ["dimensions"]);
  if (request.dimensions !== undefined) {
    // Only Titan Text Embeddings V2 takes a vector size (256, 512 or 1024).
    if (modelId.toLowerCase().includes("embed-text-v2")) body.dimensions = request.dimensions;
    else {
      warnings.push({
        type: "unsupported",
        param: "dimensions",
        message: `'${modelId}' has a fixed vector size; dimensions ignored`,
      });
    }
  }
  return { body, warnings };
}

function cohereBody(
  request: EmbeddingsRequest,
  texts: string[],
  modelId: string,
): { body: Record<string, unknown>; warnings: TranslationWarning[] } {
  if (texts.length > COHERE_MAX_TEXTS) {
    throw new InvalidRequestError(
      `Cohere embedding models on Amazon Bedrock take at most ${COHERE_MAX_TEXTS} inputs per ` +
        `request, and this one has ${texts.length}`,
      { param: "input" },
    );
  }
  const extra = request as Record<string, unknown>;
  const inputType = typeof extra.input_type === "string" ? extra.input_type : "search_document";
  const body: Record<string, unknown> = { texts, input_type: inputType };
  if (typeof extra.truncate === "string") body.truncate = extra.truncate;
  const warnings = commonWarnings(request, ["dimensions", "input_type", "truncate"]);
  const v4 = modelId.toLowerCase().includes("embed-v4");
  if (v4) body.embedding_types = ["float"];
  if (request.dimensions !== undefined) {
    if (v4) body.output_dimension = request.dimensions;
    else {
      warnings.push({
        type: "unsupported",
        param: "dimensions",
        message: `'${modelId}' has a fixed vector size; dimensions ignored`,
      });
    }
  }
  return { body, warnings };
}

/** An InvokeModel request for an embeddings call. */
export function buildEmbeddingsRequest(
  request: EmbeddingsRequest,
  ctx: CallContext<BedrockConfig>,
): UpstreamRequest {
  const modelId = modelIdOf(ctx);
  const family = embeddingFamily(modelId, ctx.endpoint);
  const texts = textsOf(request.input);
  const { body, warnings } = family === "titan"
    ? titanBody(request, texts, modelId)
    : cohereBody(request, texts, modelId);
  return {
    url: bedrockUrl(ctx.config, ctx.config.aws_config.aws_region, modelId, "invoke"),
    headers: bedrockHeaders(false),
    body: JSON.stringify(body),
    warnings,
  };
}

/** The InvokeModel answer of either family as an embeddings list. */
export function parseEmbeddingsResponse(
  json: unknown,
  ctx: CallContext<unknown>,
): EmbeddingsResponse {
  const model = ctx.model ?? "";
  if (embeddingFamily(model, ctx.endpoint) === "titan") {
    const wire = parseWire(WireTitanEmbedding, json, PROVIDER_NAME);
    const tokens = wire.inputTextTokenCount ?? null;
    return {
      object: "list",
      data: [{ object: "embedding", embedding: wire.embedding, index: 0 }],
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  }
  const wire = parseWire(WireCohereEmbeddings, json, PROVIDER_NAME);
  const vectors = Array.isArray(wire.embeddings) ? wire.embeddings : wire.embeddings.float;
  return {
    object: "list",
    data: vectors.map((embedding, index) => ({ object: "embedding", embedding, index })),
    model,
    usage: { prompt_tokens: null, total_tokens: null },
  };
}
