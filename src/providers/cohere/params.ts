/**
 * Sampling parameters shared by chat and completions: OpenAI names and ranges to Cohere's
 * (`p`, `k`, `stop_sequences`, penalties in 0..1), clamping with a warning where ranges differ.
 */
import type { TranslationWarning } from "../../core/provider.ts";
import { type SamplingFields, stopList, warnSingleChoice } from "../shared/params.ts";

/** Cohere's documented bounds. */
const P_RANGE = [0.01, 0.99] as const;
const K_MAX = 500;
const PENALTY_RANGE = [0, 1] as const;

function clamp(
  value: number,
  [min, max]: readonly [number, number],
  param: string,
  warnings: TranslationWarning[],
): number {
  const clamped = Math.min(max, Math.max(min, value));
  if (clamped !== value) {
    warnings.push({
      type: "clamped",
      param,
      message: `Cohere accepts ${param} in [${min}, ${max}]; ${value} was sent as ${clamped}`,
    });
  }
  return clamped;
}

/** The Cohere sampling fields of a chat or completions request. */
export function toCohereSampling(
  request: SamplingFields,
  warnings: TranslationWarning[],
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.top_p !== undefined) body.p = clamp(request.top_p, P_RANGE, "top_p", warnings);
  if (request.top_k !== undefined) body.k = clamp(request.top_k, [0, K_MAX], "top_k", warnings);
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens !== undefined) body.max_tokens = maxTokens;
  const stop = stopList(request.stop);
  if (stop !== undefined) body.stop_sequences = stop;
  if (request.seed !== undefined) body.seed = request.seed;
  for (const param of ["frequency_penalty", "presence_penalty"] as const) {
    const value = request[param];
    if (value !== undefined) body[param] = clamp(value, PENALTY_RANGE, param, warnings);
  }
  warnSingleChoice("Cohere", request.n, warnings);
  return body;
}
