/** Bedrock's `stopReason` in OpenAI's finish_reason values. */

const FINISH_REASONS: Readonly<Record<string, string>> = {
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  guardrail_intervened: "content_filter",
  content_filtered: "content_filter",
};

/**
 * Maps a stop reason; `tool_calls` whenever the answer holds tool calls, whatever the reason
 * says. Unknown reasons (e.g. `malformed_model_output`) become `stop`; a missing one stays null.
 */
export function mapStopReason(
  reason: string | null | undefined,
  hasToolCalls: boolean,
): string | null {
  if (hasToolCalls) return "tool_calls";
  if (reason === null || reason === undefined) return null;
  const mapped = FINISH_REASONS[reason] ?? "stop";
  // A tool_use stop without any tool call in the answer (should not happen) is a plain stop.
  return mapped === "tool_calls" ? "stop" : mapped;
}
