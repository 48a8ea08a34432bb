/** Embeddings through `batchEmbedContents`: one upstream call for any number of inputs. */
import { InvalidRequestError } from "../../core/errors.ts";
import type { CallContext, TranslationWarning, UpstreamRequest } from "../../core/provider.ts";
import type { EmbeddingsRequest, EmbeddingsResponse } from "../../schemas/embeddings.ts";
import { parseWire } from "../parse_wire.ts";
import { type GeminiConfig, geminiHeaders, geminiUrl, modelResource } from "./config.ts";
import { unknownFieldWarnings } from "./generation.ts";
import { PROVIDER } from "./config.ts";
import { WireBatchEmbedResponse } from "./wire.ts";

const EMBEDDINGS_KEYS: ReadonlySet<string> = new Set([
  "input",
  "dimensions",
  "encoding_format",
  "model",
]);

export interface EmbedContentRequest {
  model: string;
  content: { parts: { text: string }[] };
  outputDimensionality?: number;
}

/** The texts to embed; token arrays have no meaning for Gemini. */
function textsOf(input: EmbeddingsRequest["input"]): string[] {
  if (typeof input === "string") return [input];
  if (input.every((item) => typeof item === "string")) return input as string[];
  throw new InvalidRequestError(
    "Gemini embeds text only; send 'input' as a string or a list of strings, not token ids",
    { param: "input" },
  );
}

/** The `batchEmbedContents` body (exported for tests). */
export function embeddingsBody(
  request: EmbeddingsRequest,
  resource: string,
  warnings: TranslationWarning[],
): { requests: EmbedContentRequest[] } {
  unknownFieldWarnings(request, EMBEDDINGS_KEYS, warnings);
  return {
    requests: textsOf(request.input).map((text) => {
      const item: EmbedContentRequest = { model: resource, content: { parts: [{ text }] } };
      if (request.dimensions !== undefined) item.outputDimensionality = request.dimensions;
      return item;
    }),
  };
}

/** An embeddings request for `batchEmbedContents`. */
export function buildEmbeddingsRequest(
  request: EmbeddingsRequest,
  ctx: CallContext<GeminiConfig>,
): UpstreamRequest {
  const warnings: TranslationWarning[] = [];
  const resource = modelResource(ctx.model, ctx.endpoint);
  return {
    url: geminiUrl(ctx.config.gemini_api_base, resource, "batchEmbedContents"),
    headers: geminiHeaders(ctx.config),
    body: JSON.stringify(embeddingsBody(request, resource, warnings)),
    warnings,
  };
}

/** The embeddings, in input order (Gemini answers in request order); Gemini reports no usage. */
export function parseEmbeddingsResponse(
  json: unknown,
  ctx: CallContext<unknown>,
): EmbeddingsResponse {
  const wire = parseWire(WireBatchEmbedResponse, json, PROVIDER);
  return {
    object: "list",
    data: wire.embeddings.map((embedding, index) => ({
      object: "embedding" as const,
      embedding: embedding.values,
      index,
    })),
    model: ctx.model ?? "",
    usage: { prompt_tokens: null, total_tokens: null },
  };
}
