/** Builds Cohere v2 requests: `/v2/chat` for chat and completions, `/v2/embed` for embeddings. */
import { ConfigError, InvalidRequestError } from "../../core/errors.ts";
import type { CallContext, TranslationWarning, UpstreamRequest } from "../../core/provider.ts";
import type { ChatRequest } from "../../schemas/chat.ts";
import type { CompletionsRequest } from "../../schemas/completions.ts";
import type { EmbeddingsRequest } from "../../schemas/embeddings.ts";
import { type CohereConfig, cohereHeaders, cohereUrl } from "./config.ts";
import { toCohereMessages } from "./messages.ts";
import { toCohereToolFields } from "./tools.ts";
import { toCohereSampling } from "./params.ts";
import { CHAT_ONLY_KEYS, copyExtras, type ExtrasPolicy, SAMPLING_KEYS } from "../shared/params.ts";
import { promptText } from "../shared/prompt.ts";

type Ctx = CallContext<CohereConfig>;

/** Cohere-native chat fields a client may send as extras; they reach Cohere unchanged. */
const CHAT_PASSTHROUGH: ReadonlySet<string> = new Set([
  "safety_mode",
  "documents",
  "citation_options",
  "strict_tools",
  "thinking",
]);
const CHAT_EXTRAS: ExtrasPolicy = {
  provider: "Cohere",
  known: new Set([...SAMPLING_KEYS, ...CHAT_ONLY_KEYS]),
  passthrough: CHAT_PASSTHROUGH,
};
const COMPLETIONS_EXTRAS: ExtrasPolicy = {
  provider: "Cohere",
  known: new Set([...SAMPLING_KEYS, "prompt"]),
  passthrough: CHAT_PASSTHROUGH,
};

function modelOf(ctx: Ctx): string {
  if (ctx.model === null || ctx.model === "") {
    throw new ConfigError(
      `endpoint '${ctx.endpoint}' has no model.name; Cohere needs a model id such as 'command-a-03-2025'`,
    );
  }
  return ctx.model;
}

/** OpenAI's `response_format` as Cohere v2's (`json_object`, with the schema when given). */
export function toCohereResponseFormat(
  format: ChatRequest["response_format"],
): Record<string, unknown> | undefined {
  if (format === undefined || format.type === "text") return undefined;
  const schema = format.type === "json_schema" ? format.json_schema?.schema : undefined;
  return schema === undefined
    ? { type: "json_object" }
    : { type: "json_object", json_schema: schema };
}

/** The `/v2/chat` body of a chat request. */
export function toCohereChatBody(
  request: ChatRequest,
  ctx: Ctx,
  warnings: TranslationWarning[],
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: modelOf(ctx),
    messages: toCohereMessages(request.messages, warnings),
    ...toCohereToolFields(request, warnings),
    ...toCohereSampling(request, warnings),
  };
  const format = toCohereResponseFormat(request.response_format);
  if (format !== undefined) body.response_format = format;
  copyExtras(request, CHAT_EXTRAS, body, warnings);
  if (ctx.stream) body.stream = true;
  return body;
}

/** The `/v2/chat` body of a completions request: the prompt is the one user message. */
export function toCohereCompletionsBody(
  request: CompletionsRequest,
  ctx: Ctx,
  warnings: TranslationWarning[],
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: modelOf(ctx),
    messages: [{ role: "user", content: promptText(request, "Cohere") }],
    ...toCohereSampling(request, warnings),
  };
  const { echo, suffix, ...rest } = request;
  if (echo === true) {
    warnings.push({
      type: "unsupported",
      param: "echo",
      message: "Cohere does not echo the prompt; only the completion was returned",
    });
  }
  if (suffix !== undefined) {
    warnings.push({
      type: "unsupported",
      param: "suffix",
      message: "Cohere has no suffix (fill-in-the-middle) mode; the suffix was not sent",
    });
  }
  copyExtras(rest, COMPLETIONS_EXTRAS, body, warnings);
  if (ctx.stream) body.stream = true;
  return body;
}

const EMBED_EXTRAS: ExtrasPolicy = {
  provider: "Cohere",
  known: new Set(["input", "model", "encoding_format", "dimensions", "input_type"]),
  passthrough: new Set(["truncate", "max_tokens"]),
};

/** The default `input_type`: Cohere's v3+ embedding models require one. */
export const DEFAULT_INPUT_TYPE = "search_document";

/** The `/v2/embed` body; `input_type` defaults to `search_document`, a request field overrides. */
export function toCohereEmbedBody(
  request: EmbeddingsRequest,
  ctx: Ctx,
  warnings: TranslationWarning[],
): Record<string, unknown> {
  const input = request.input;
  const texts = typeof input === "string" ? [input] : input;
  if (!texts.every((item): item is string => typeof item === "string")) {
    throw new InvalidRequestError(
      "Cohere embeds text only; send 'input' as a string or a list of strings, not token ids",
      { param: "input" },
    );
  }
  const extra = request as Record<string, unknown>;
  const inputType = extra.input_type;
  if (inputType !== undefined && typeof inputType !== "string") {
    throw new InvalidRequestError(
      "'input_type' must be a string such as 'search_document', 'search_query', 'classification' or 'clustering'",
      { param: "input_type" },
    );
  }
  const body: Record<string, unknown> = {
    model: modelOf(ctx),
    texts,
    input_type: inputType ?? DEFAULT_INPUT_TYPE,
    embedding_types: ["float"],
  };
  if (request.dimensions !== undefined) body.output_dimension = request.dimensions;
  // encoding_format "base64" is honoured by the gateway, which encodes the floats itself.
  copyExtras(extra, EMBED_EXTRAS, body, warnings);
  return body;
}

function upstream(
  ctx: Ctx,
  path: "chat" | "embed",
  body: Record<string, unknown>,
  warnings: TranslationWarning[],
): UpstreamRequest {
  return {
    url: cohereUrl(ctx.config, path),
    headers: cohereHeaders(ctx.config, ctx.stream),
    body: JSON.stringify(body),
    warnings,
  };
}

/** The upstream request of a chat call. */
export function buildCohereChatRequest(request: ChatRequest, ctx: Ctx): UpstreamRequest {
  const warnings: TranslationWarning[] = [];
  return upstream(ctx, "chat", toCohereChatBody(request, ctx, warnings), warnings);
}

/** The upstream request of a completions call. */
export function buildCohereCompletionsRequest(
  request: CompletionsRequest,
  ctx: Ctx,
): UpstreamRequest {
  const warnings: TranslationWarning[] = [];
  return upstream(ctx, "chat", toCohereCompletionsBody(request, ctx, warnings), warnings);
}

/** The upstream request of an embeddings call. */
export function buildCohereEmbedRequest(request: EmbeddingsRequest, ctx: Ctx): UpstreamRequest {
  const warnings: TranslationWarning[] = [];
  return upstream(ctx, "embed", toCohereEmbedBody(request, ctx, warnings), warnings);
}
