/**
 * Sampling and length parameters shared by chat and completions: what Anthropic takes, what is
 * clamped, and a warning for everything it cannot honour (never dropped silently).
 */
import { InvalidRequestError } from "../../core/errors.ts";
import type { TranslationWarning } from "../../core/provider.ts";
import type { ResponseFormat } from "../../schemas/chat.ts";
import { GATEWAY_FIELD_KEYS, SAMPLING_FIELD_KEYS } from "../../schemas/common.ts";
import { addWarning } from "./content.ts";

/** Anthropic requires `max_tokens`; this is sent when the client gives no limit. */
export const DEFAULT_MAX_TOKENS = 4096;

/** Anthropic's temperature range is 0..1 (OpenAI's is 0..2). */
export const MAX_TEMPERATURE = 1;

/** The sampling fields of a canonical chat or completions request. */
export interface SamplingInput {
  temperature?: number | undefined;
  top_p?: number | undefined;
  top_k?: number | undefined;
  n?: number | undefined;
  max_tokens?: number | undefined;
  max_completion_tokens?: number | undefined;
  stop?: string | string[] | undefined;
  user?: string | undefined;
}

/** Top-level keys the gateway itself consumes; they are never forwarded nor warned about. */
const CONSUMED: ReadonlySet<string> = new Set(GATEWAY_FIELD_KEYS);

/** Anthropic-native request fields a client may send as extras; forwarded as they are. */
const NATIVE_PASSTHROUGH = new Set(["thinking", "metadata", "service_tier", "output_config"]);

/** Canonical fields with no Anthropic equivalent, and why. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  presence_penalty: "Anthropic has no presence penalty",
  frequency_penalty: "Anthropic has no frequency penalty",
  seed: "Anthropic does not support seeded sampling",
  logprobs: "Anthropic does not return log probabilities",
  top_logprobs: "Anthropic does not return log probabilities",
  logit_bias: "Anthropic has no logit bias",
  echo: "the prompt is not echoed back by the Anthropic adapter",
  suffix: "Anthropic's Messages API has no insertion suffix",
  best_of: "Anthropic generates a single candidate",
};

/**
 * The shared request fields the Messages body gets from `samplingFields` and `maxTokensOf`, or
 * that the gateway consumes: every one of the schema's `samplingFields` but those Anthropic has
 * no equivalent for (in `UNSUPPORTED`), which `extraFields` must see to warn about them.
 */
export const HANDLED_SAMPLING_KEYS: readonly string[] = SAMPLING_FIELD_KEYS.filter((key) =>
  !Object.hasOwn(UNSUPPORTED, key)
);

/** A value that asks for nothing (e.g. `echo: false`, `presence_penalty: 0`): nothing is lost. */
function isNeutral(key: string, value: unknown): boolean {
  if (value === null || value === false) return true;
  return (key === "presence_penalty" || key === "frequency_penalty") && value === 0;
}

/** `max_tokens` for the body: max_completion_tokens, else max_tokens, else the default. */
export function maxTokensOf(input: SamplingInput): number {
  return input.max_completion_tokens ?? input.max_tokens ?? DEFAULT_MAX_TOKENS;
}

/** The sampling fields of the Messages body. */
export function samplingFields(
  input: SamplingInput,
  warnings: TranslationWarning[],
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (input.temperature !== undefined) {
    if (input.temperature > MAX_TEMPERATURE) {
      warnings.push({
        type: "clamped",
        param: "temperature",
        message:
          `Anthropic's temperature range is 0-${MAX_TEMPERATURE}; ${input.temperature} was sent as ${MAX_TEMPERATURE}`,
      });
      fields.temperature = MAX_TEMPERATURE;
    } else {
      fields.temperature = input.temperature;
    }
  }
  if (input.top_p !== undefined) fields.top_p = input.top_p;
  if (input.top_k !== undefined) fields.top_k = input.top_k;
  if (input.stop !== undefined) {
    fields.stop_sequences = typeof input.stop === "string" ? [input.stop] : input.stop;
  }
  if (input.n !== undefined && input.n > 1) {
    warnings.push({
      type: "unsupported",
      param: "n",
      message: `Anthropic returns one choice per request; n=${input.n} was ignored`,
    });
  }
  if (input.user !== undefined) fields.metadata = { user_id: input.user };
  return fields;
}

/** `response_format` as Anthropic structured outputs (`output_config.format`). */
export function outputFormat(
  format: ResponseFormat | undefined,
  warnings: TranslationWarning[],
): Record<string, unknown> | undefined {
  if (format === undefined || format.type === "text") return undefined;
  if (format.type === "json_object") {
    warnings.push({
      type: "unsupported",
      param: "response_format",
      message:
        "Anthropic has no JSON mode without a schema; use response_format json_schema (structured outputs) instead",
    });
    return undefined;
  }
  const schema = format.json_schema?.schema;
  if (schema === undefined) {
    throw new InvalidRequestError("response_format json_schema needs 'json_schema.schema'", {
      param: "response_format.json_schema.schema",
    });
  }
  return { type: "json_schema", schema };
}

/**
 * Extra top-level keys the client sent: Anthropic-native ones are forwarded, the others (and
 * known-unsupported canonical ones) get a warning. `handled` are keys the caller translated.
 */
export function extraFields(
  request: Record<string, unknown>,
  handled: ReadonlySet<string>,
  warnings: TranslationWarning[],
): Record<string, unknown> {
  const extras: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request)) {
    if (value === undefined || handled.has(key) || CONSUMED.has(key)) continue;
    if (isNeutral(key, value)) continue;
    if (NATIVE_PASSTHROUGH.has(key)) {
      extras[key] = value;
      continue;
    }
    addWarning(warnings, {
      type: "unsupported",
      param: key,
      message: UNSUPPORTED[key] ?? `'${key}' has no Anthropic equivalent and was not sent`,
    });
  }
  return extras;
}
