/** Cohere usage blocks as canonical token counts. */
import { usageOf } from "../../schemas/common.ts";
import type { Usage } from "../../schemas/common.ts";
import type { WireUsage } from "./wire.ts";

/**
 * Token counts from `usage.tokens` (what the model read and wrote), falling back to
 * `usage.billed_units` when Cohere sends only those.
 */
export function cohereUsage(usage: WireUsage | null | undefined): Usage {
  const prompt = usage?.tokens?.input_tokens ?? usage?.billed_units?.input_tokens ?? null;
  const completion = usage?.tokens?.output_tokens ?? usage?.billed_units?.output_tokens ?? null;
  return usageOf(prompt, completion);
}
