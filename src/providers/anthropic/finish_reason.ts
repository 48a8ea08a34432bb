/** Anthropic's `stop_reason` in OpenAI's `finish_reason` values. */

const FINISH_REASONS: Readonly<Record<string, string>> = {
  end_turn: "stop",
  stop_sequence: "stop",
  // A server tool loop paused; the turn is complete from the client's point of view.
  pause_turn: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
};

/**
 * Maps a stop reason; an answer that holds tool calls is always `tool_calls`, whatever the
 * upstream said (e.g. `max_tokens` hit right after a complete tool_use block). Unknown reasons
 * become `stop`; a missing one stays null.
 */
export function mapAnthropicStopReason(
  reason: string | null | undefined,
  hasToolCalls: boolean,
): string | null {
  if (hasToolCalls) return "tool_calls";
  if (reason === null || reason === undefined) return null;
  return FINISH_REASONS[reason] ?? "stop";
}
