/** Cohere v2 finish reasons in OpenAI's values; ERROR and TIMEOUT become errors. */
import { ProviderError } from "../../core/errors.ts";

/**
 * OpenAI's `finish_reason` for Cohere's: COMPLETE and STOP_SEQUENCE → stop, MAX_TOKENS → length,
 * TOOL_CALL → tool_calls. A generation that failed (ERROR, TIMEOUT) throws instead, since its
 * partial text is not an answer. Any tool call in the answer makes it `tool_calls`.
 */
export function mapCohereFinishReason(
  reason: string | null | undefined,
  hasToolCalls: boolean,
  error?: string | null,
): string | null {
  if (reason === "ERROR") {
    throw new ProviderError(
      502,
      "upstream_error",
      `Cohere reported a failed generation: ${error || "finish_reason ERROR"}`,
      { retryable: true, code: "cohere_generation_error" },
    );
  }
  if (reason === "TIMEOUT") {
    throw new ProviderError(
      504,
      "timeout_error",
      `Cohere timed out generating the answer${error ? `: ${error}` : ""}`,
      { retryable: true },
    );
  }
  if (hasToolCalls) return "tool_calls";
  switch (reason) {
    case "COMPLETE":
    case "STOP_SEQUENCE":
      return "stop";
    case "MAX_TOKENS":
      return "length";
    case "TOOL_CALL":
      return "tool_calls";
    case null:
    case undefined:
      return null;
    default:
      return reason.toLowerCase();
  }
}
