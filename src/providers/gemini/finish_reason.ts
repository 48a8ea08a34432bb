/** Gemini's `finishReason` in OpenAI's `finish_reason` values. */

/** Reasons that mean the answer was withheld or cut by a filter. */
const CONTENT_FILTER: ReadonlySet<string> = new Set([
  "SAFETY",
  "RECITATION",
  "BLOCKLIST",
  "PROHIBITED_CONTENT",
  "SPII",
  "LANGUAGE",
  "IMAGE_SAFETY",
  "IMAGE_PROHIBITED_CONTENT",
  "IMAGE_RECITATION",
]);

/**
 * Maps a finish reason. Gemini says STOP after function calls, so an answer holding tool calls
 * is always `tool_calls`. MAX_TOKENS is `length`, filter reasons are `content_filter`, anything
 * else (STOP, OTHER, MALFORMED_FUNCTION_CALL...) is `stop`; a missing reason stays null.
 */
export function mapGeminiFinishReason(
  reason: string | null | undefined,
  hasToolCalls: boolean,
): string | null {
  if (reason === null || reason === undefined || reason === "") return null;
  if (hasToolCalls) return "tool_calls";
  if (reason === "MAX_TOKENS") return "length";
  if (CONTENT_FILTER.has(reason)) return "content_filter";
  return "stop";
}
