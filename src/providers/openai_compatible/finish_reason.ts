/** Maps the finish reasons OpenAI-compatible servers send to OpenAI's own values. */

/** Spellings other servers use for OpenAI's reasons (Together `eos`, Mistral `model_length`...). */
const ALIASES: Readonly<Record<string, string>> = {
  eos: "stop",
  end_turn: "stop",
  stop_sequence: "stop",
  model_length: "length",
  max_tokens: "length",
  tool_call: "tool_calls",
  tool_use: "tool_calls",
};

/**
 * OpenAI's finish reason for `reason`: known aliases are mapped, OpenAI's own values and unknown
 * ones pass unchanged; `tool_calls` whenever the answer carries tool calls, whatever the server
 * said (OpenAI itself answers `stop` when `tool_choice` names a function).
 */
export function mapFinishReason(
  reason: string | null | undefined,
  hasToolCalls = false,
): string | null {
  if (reason === null || reason === undefined) return null;
  if (hasToolCalls) return "tool_calls";
  const lower = reason.toLowerCase();
  return ALIASES[lower] ?? lower;
}
