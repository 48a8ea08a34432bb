/** Provider token counts as the canonical usage block. */
import { type Usage, usageOf } from "../../schemas/common.ts";

/** Usage from the provider's counts; the total is the provider's when given, else the sum. */
export function tokenUsage(
  prompt: number | null,
  completion: number | null,
  total: number | null | undefined,
): Usage {
  const counted = usageOf(prompt, completion);
  return total === undefined || total === null ? counted : { ...counted, total_tokens: total };
}

/**
 * Adds OpenAI's breakdowns of the counts, for those the provider reported: prompt tokens read
 * from its cache (`prompt_tokens_details.cached_tokens`) and reasoning tokens among the
 * completion tokens (`completion_tokens_details.reasoning_tokens`).
 */
export function withTokenDetails(
  usage: Usage,
  details: { cached?: number | null | undefined; reasoning?: number | null | undefined },
): Usage {
  if (typeof details.cached === "number") {
    usage.prompt_tokens_details = { cached_tokens: details.cached };
  }
  if (typeof details.reasoning === "number") {
    usage.completion_tokens_details = { reasoning_tokens: details.reasoning };
  }
  return usage;
}
