/**
 * Sampling parameters to Converse's `inferenceConfig` (and `additionalModelRequestFields` where a
 * model family takes more), with a warning for every parameter that cannot be honoured.
 */
import type { TranslationWarning } from "../../core/provider.ts";
import type { ChatRequest } from "../../schemas/chat.ts";
import { SAMPLING_FIELD_KEYS } from "../../schemas/common.ts";

/** Converse's highest temperature (every model family on Bedrock uses 0..1 through Converse). */
export const MAX_TEMPERATURE = 1;

export interface InferenceParams {
  inferenceConfig: Record<string, unknown>;
  additionalModelRequestFields: Record<string, unknown>;
  warnings: TranslationWarning[];
}

type Sampling = Pick<
  ChatRequest,
  "temperature" | "top_p" | "top_k" | "max_tokens" | "max_completion_tokens" | "stop"
>;

/** Where a model family takes `top_k` through `additionalModelRequestFields`, if it does. */
function topKField(modelId: string, topK: number): Record<string, unknown> | undefined {
  const id = modelId.toLowerCase();
  if (id.includes("anthropic.")) return { top_k: topK };
  if (id.includes("amazon.nova")) return { inferenceConfig: { topK } };
  return undefined;
}

/** maxTokens, temperature (clamped to 1), topP, stopSequences and top_k where supported. */
export function inferenceParams(request: Sampling, modelId: string): InferenceParams {
  const inferenceConfig: Record<string, unknown> = {};
  let additionalModelRequestFields: Record<string, unknown> = {};
  const warnings: TranslationWarning[] = [];

  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens !== undefined) inferenceConfig.maxTokens = maxTokens;
  if (request.temperature !== undefined) {
    if (request.temperature > MAX_TEMPERATURE) {
      inferenceConfig.temperature = MAX_TEMPERATURE;
      warnings.push({
        type: "clamped",
        param: "temperature",
        message:
          `temperature ${request.temperature} is above Amazon Bedrock's maximum of ${MAX_TEMPERATURE}; ` +
          `sent as ${MAX_TEMPERATURE}`,
      });
    } else {
      inferenceConfig.temperature = request.temperature;
    }
  }
  if (request.top_p !== undefined) inferenceConfig.topP = request.top_p;
  if (request.stop !== undefined) {
    const stops = typeof request.stop === "string" ? [request.stop] : request.stop;
    if (stops.length > 0) inferenceConfig.stopSequences = stops;
  }
  if (request.top_k !== undefined) {
    const field = topKField(modelId, request.top_k);
    if (field) additionalModelRequestFields = field;
    else {
      warnings.push({
        type: "unsupported",
        param: "top_k",
        message: `top_k is only passed to Anthropic and Amazon Nova models on Bedrock; ` +
          `'${modelId}' does not take it through the Converse API`,
      });
    }
  }
  return { inferenceConfig, additionalModelRequestFields, warnings };
}

/** Shared request fields Converse has no place for: left to the warnings below. */
const NOT_TRANSLATED: ReadonlySet<string> = new Set([
  "n",
  "presence_penalty",
  "frequency_penalty",
  "seed",
  "user",
]);

/**
 * Request keys the Bedrock translation reads (or that only concern the gateway itself): the
 * schema's `samplingFields` but those in `NOT_TRANSLATED`, and the ones below.
 */
const HANDLED: ReadonlySet<string> = new Set([
  ...SAMPLING_FIELD_KEYS.filter((key) => !NOT_TRANSLATED.has(key)),
  "messages",
  "prompt",
  "tools",
  "tool_choice",
  "additionalModelRequestFields",
]);

/**
 * Warnings for the request's other fields: what Converse has no place for (`n` > 1, penalties,
 * seed, `user`, response formats other than text, `parallel_tool_calls: false`, unknown keys).
 */
export function unsupportedFieldWarnings(
  request: Record<string, unknown>,
  extraHandled: readonly string[] = [],
): TranslationWarning[] {
  const warnings: TranslationWarning[] = [];
  for (const [key, value] of Object.entries(request)) {
    if (value === undefined || value === null || HANDLED.has(key) || extraHandled.includes(key)) {
      continue;
    }
    if (key === "n" && value === 1) continue;
    if (key === "parallel_tool_calls" && value === true) continue;
    if (key === "echo" && value === false) continue;
    if (key === "response_format" && (value as { type?: unknown }).type === "text") continue;
    const what = key === "n"
      ? `n=${JSON.stringify(value)}: Amazon Bedrock returns one choice`
      : `'${key}' is not supported by Amazon Bedrock's Converse API`;
    warnings.push({ type: "unsupported", param: key, message: `${what}; ignored` });
  }
  return warnings;
}
