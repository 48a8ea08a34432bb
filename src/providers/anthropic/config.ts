/** The `model.config` block of the `anthropic` provider. */
import { z } from "zod";

export const ANTHROPIC_DEFAULT_BASE = "https://api.anthropic.com";
export const ANTHROPIC_DEFAULT_VERSION = "2023-06-01";

export const AnthropicConfig = z.object({
  /** API key, sent as `x-api-key` (resolved from `$VAR`, `${VAR}` or a file by the loader). */
  anthropic_api_key: z.string({ error: "missing required key 'anthropic_api_key'" }).min(1),
  /** Sent as the `anthropic-version` header. */
  anthropic_version: z.string().min(1).default(ANTHROPIC_DEFAULT_VERSION),
  /** Where the Messages API lives; the adapter appends `/v1/messages`. */
  anthropic_api_base: z.url({ protocol: /^https?$/ }).default(ANTHROPIC_DEFAULT_BASE),
});
export type AnthropicConfig = z.infer<typeof AnthropicConfig>;

/**
 * The Messages URL for a base. A base that already ends in `/v1` (MLflow's own base was
 * `https://api.anthropic.com/v1`) is accepted too, so `/v1` is never doubled.
 */
export function messagesUrl(base: string): string {
  const trimmed = base.replace(/\/+$/, "");
  return trimmed.endsWith("/v1") ? `${trimmed}/messages` : `${trimmed}/v1/messages`;
}
