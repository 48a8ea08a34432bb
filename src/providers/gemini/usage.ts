/** Gemini's `usageMetadata` as OpenAI's usage block. */
import type { Usage } from "../../schemas/common.ts";
import type { WireUsage } from "./wire.ts";
import { withTokenDetails } from "../shared/usage.ts";

/**
 * Token counts; null only when Gemini sent no usage at all (its JSON leaves out counts that are
 * zero). Thinking tokens are billed as output, so they count as completion tokens (as in
 * Google's own OpenAI-compatible API); tokens of tool-use prompts count as prompt tokens. The
 * prompt tokens read from a cache (part of `promptTokenCount`) and the thinking tokens are given
 * as OpenAI's breakdowns too.
 */
export function geminiUsage(usage: WireUsage | null | undefined): Usage {
  if (usage === null || usage === undefined) {
    return { prompt_tokens: null, completion_tokens: null, total_tokens: null };
  }
  const prompt = (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0);
  const completion = (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0);
  return withTokenDetails({
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: usage.totalTokenCount ?? prompt + completion,
  }, { cached: usage.cachedContentTokenCount, reasoning: usage.thoughtsTokenCount });
}
