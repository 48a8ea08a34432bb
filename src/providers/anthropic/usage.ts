/** Anthropic token counts in the canonical usage block. */
import { type Usage, usageOf } from "../../schemas/common.ts";
import type { WireUsage } from "./wire.ts";
import { withTokenDetails } from "../shared/usage.ts";

/**
 * `prompt_tokens` counts every input token, cached or not (Anthropic reports cache writes and
 * reads apart from `input_tokens`), and the cache reads are OpenAI's `cached_tokens`;
 * `completion_tokens` is `output_tokens`.
 */
export function mapAnthropicUsage(usage: WireUsage | null | undefined): Usage {
  if (!usage) return usageOf(null, null);
  const parts = [
    usage.input_tokens,
    usage.cache_creation_input_tokens,
    usage.cache_read_input_tokens,
  ].filter((n): n is number => typeof n === "number");
  const prompt = parts.length === 0 ? null : parts.reduce((a, b) => a + b, 0);
  return withTokenDetails(usageOf(prompt, usage.output_tokens ?? null), {
    cached: usage.cache_read_input_tokens,
  });
}

/** Folds a later usage report (e.g. `message_delta`'s) over an earlier one (`message_start`'s). */
export function mergeUsage(
  earlier: WireUsage | null | undefined,
  later: WireUsage | null | undefined,
): WireUsage {
  const merged: WireUsage = { ...(earlier ?? {}) };
  for (const [key, value] of Object.entries(later ?? {})) {
    if (typeof value === "number") (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}
