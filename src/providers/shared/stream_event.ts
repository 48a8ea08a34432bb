/** The JSON payload of one upstream stream event, read the same way by every SSE provider. */
import { ProviderError } from "../../core/errors.ts";
import type { StreamEvent } from "../../core/provider.ts";

/**
 * The parsed `data` of an event; undefined for an empty keep-alive or `[DONE]`. Data that is not
 * JSON is the upstream's failure (502), `retryable` or not as the provider judges it.
 */
export function streamEventJson(event: StreamEvent, provider: string, retryable: boolean): unknown {
  const data = event.data.trim();
  if (data === "" || data === "[DONE]") return undefined;
  try {
    return JSON.parse(data);
  } catch {
    throw new ProviderError(
      502,
      "upstream_error",
      `${provider} sent a stream event that is not JSON`,
      { retryable },
    );
  }
}
