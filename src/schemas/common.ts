/** Fields shared by the chat and completions requests, and the usage block of responses. */
import { z } from "@hono/zod-openapi";

/** Sampling and length controls accepted by chat and completions (OpenAI's names and ranges). */
export const samplingFields = {
  temperature: z.number().min(0).max(2).optional().openapi({ example: 0.7 }),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(1).optional(),
  n: z.number().int().min(1).max(128).optional(),
  max_tokens: z.number().int().min(1).optional(),
  max_completion_tokens: z.number().int().min(1).optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  seed: z.number().int().optional(),
  stop: z.union([z.string(), z.array(z.string()).max(16)]).optional()
    .openapi({ description: "A stop sequence or a list of them." }),
  stream: z.boolean().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).loose().nullable().optional(),
  user: z.string().optional(),
  /** On /v1/* the endpoint or route name; refused on the MLflow invocation paths. */
  model: z.string().optional().openapi({ description: "Endpoint or route name (on /v1 routes)." }),
};

/** A field every chat and completions request has: a key of `samplingFields`. */
export type SamplingField = keyof typeof samplingFields;

/** The keys of `samplingFields`, in order: the one list every other list of them comes from. */
export const SAMPLING_FIELD_KEYS = Object.keys(samplingFields) as readonly SamplingField[];

/**
 * Fields the gateway acts on itself rather than pass on as a model's parameters: which endpoint
 * (`model`) and whether and how to stream (`stream`, `stream_options`: what to ask upstream for,
 * usage included, is the gateway's choice per provider).
 */
export const GATEWAY_FIELD_KEYS = [
  "model",
  "stream",
  "stream_options",
] as const satisfies readonly SamplingField[];
export type GatewayField = (typeof GATEWAY_FIELD_KEYS)[number];

/** A sampling or length parameter proper: what to generate, not who asks (`user`) nor how to serve. */
export type SamplingParameter = Exclude<SamplingField, GatewayField | "user">;

/** Every key of `samplingFields` but the gateway's own and `user`. */
export const SAMPLING_PARAMETER_KEYS = SAMPLING_FIELD_KEYS.filter((key) =>
  key !== "user" && !(GATEWAY_FIELD_KEYS as readonly string[]).includes(key)
) as readonly SamplingParameter[];

/** OpenAI's breakdown of a token count (cached, reasoning, audio... tokens), as the server sent it. */
const TokenDetails = z.record(z.string(), z.unknown()).openapi({
  description: "The provider's breakdown of the count (e.g. cached_tokens, reasoning_tokens).",
});

/** Token counts; null where the provider does not report them (as MLflow does). */
export const Usage = z.object({
  prompt_tokens: z.number().int().nullable(),
  completion_tokens: z.number().int().nullable(),
  total_tokens: z.number().int().nullable(),
  prompt_tokens_details: TokenDetails.optional(),
  completion_tokens_details: TokenDetails.optional(),
}).openapi("Usage");

/** Log probabilities of a choice, as the provider sent them when the request asked for them. */
export const Logprobs = z.record(z.string(), z.unknown()).nullable().optional().openapi({
  description: "Log probabilities, when the request asked for them and the provider returns them.",
});

/** OpenAI's fields that say which backend served an answer, relayed when the server sends them. */
export const servedByFields = {
  system_fingerprint: z.string().nullable().optional(),
  service_tier: z.string().nullable().optional(),
};
export type Usage = z.infer<typeof Usage>;

/** Sums prompt and completion tokens into a usage block. */
export function usageOf(prompt: number | null, completion: number | null): Usage {
  const total = prompt === null && completion === null ? null : (prompt ?? 0) + (completion ?? 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total };
}
