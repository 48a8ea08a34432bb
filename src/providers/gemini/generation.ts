/** Sampling, length and output-format parameters as Gemini's `generationConfig`. */
import { InvalidRequestError } from "../../core/errors.ts";
import type { TranslationWarning } from "../../core/provider.ts";
import type { ChatRequest } from "../../schemas/chat.ts";
import { copyExtras, isNullOrFalse, type SamplingFields, stopList } from "../shared/params.ts";

/** Gemini accepts at most this many stop sequences. */
export const MAX_STOP_SEQUENCES = 5;
/** Gemini returns at most this many candidates. */
export const MAX_CANDIDATES = 8;

export interface GenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  candidateCount?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  seed?: number;
  responseMimeType?: string;
  responseJsonSchema?: Record<string, unknown>;
}

/**
 * Gemini's own names in a request body: MLflow refuses them with this message, and so do we
 * (otherwise they would be dropped and the caller would wonder why they had no effect).
 */
const NATIVE_KEYS: Readonly<Record<string, string>> = {
  stopSequences: "stop",
  candidateCount: "n",
  maxOutputTokens: "max_tokens",
  topK: "top_k",
  topP: "top_p",
  frequencyPenalty: "frequency_penalty",
  presencePenalty: "presence_penalty",
};

/** Refuses Gemini-native parameter names with a pointer to the OpenAI name. */
export function rejectNativeKeys(request: object): void {
  for (const [native, openai] of Object.entries(NATIVE_KEYS)) {
    if (native in request) {
      throw new InvalidRequestError(`Invalid parameter ${native}. Use ${openai} instead.`, {
        param: native,
      });
    }
  }
}

/** Sampling and length parameters; values Gemini cannot take are clamped with a warning. */
export function toGenerationConfig(
  request: SamplingFields,
  warnings: TranslationWarning[],
): GenerationConfig {
  const config: GenerationConfig = {};
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.top_p !== undefined) config.topP = request.top_p;
  if (request.top_k !== undefined) config.topK = request.top_k;
  const maxTokens = request.max_tokens ?? request.max_completion_tokens;
  if (maxTokens !== undefined) config.maxOutputTokens = maxTokens;
  const stops = stopList(request.stop);
  if (stops !== undefined) {
    if (stops.length > MAX_STOP_SEQUENCES) {
      warnings.push({
        type: "clamped",
        param: "stop",
        message:
          `Gemini takes at most ${MAX_STOP_SEQUENCES} stop sequences; only the first ${MAX_STOP_SEQUENCES} were sent`,
      });
    }
    if (stops.length > 0) config.stopSequences = stops.slice(0, MAX_STOP_SEQUENCES);
  }
  if (request.n !== undefined) {
    if (request.n > MAX_CANDIDATES) {
      warnings.push({
        type: "clamped",
        param: "n",
        message:
          `Gemini returns at most ${MAX_CANDIDATES} candidates; n=${request.n} was lowered to ${MAX_CANDIDATES}`,
      });
    }
    config.candidateCount = Math.min(request.n, MAX_CANDIDATES);
  }
  if (request.presence_penalty !== undefined) config.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty !== undefined) config.frequencyPenalty = request.frequency_penalty;
  if (request.seed !== undefined) config.seed = request.seed;
  return config;
}

/** `response_format` as Gemini's response MIME type and JSON Schema. */
export function applyResponseFormat(
  config: GenerationConfig,
  format: ChatRequest["response_format"],
): void {
  if (format === undefined || format.type === "text") return;
  config.responseMimeType = "application/json";
  const schema = format.type === "json_schema" ? format.json_schema?.schema : undefined;
  if (schema !== undefined) config.responseJsonSchema = schema;
}

/**
 * Warns about each top-level field of `request` that the translation does not know (fields set
 * to null or false ask for nothing and pass quietly).
 */
export function unknownFieldWarnings(
  request: object,
  known: ReadonlySet<string>,
  warnings: TranslationWarning[],
): void {
  copyExtras(request, { provider: "Gemini", known, asksForNothing: isNullOrFalse }, {}, warnings);
}
