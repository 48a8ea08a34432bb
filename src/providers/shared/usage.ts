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
