/** The `model.config` block of the `anthropic` provider. */
import { z } from "zod";
import { lazySchema } from "../../schemas/lazy.ts";

export const DISPLAY_NAME = "Anthropic";

export const ANTHROPIC_DEFAULT_BASE = "https://api.anthropic.com";
export const ANTHROPIC_DEFAULT_VERSION = "2023-06-01";

export const AnthropicConfig = lazySchema(() =>
  z.object({
    anthropic_api_key: z.string({ error: "missing required key 'anthropic_api_key'" }).min(1)
      .describe("API key, sent as `x-api-key`"),
    anthropic_version: z.string().min(1).default(ANTHROPIC_DEFAULT_VERSION)
      .describe("sent as the `anthropic-version` header"),
    anthropic_api_base: z.url({ protocol: /^https?$/ }).default(ANTHROPIC_DEFAULT_BASE)
      .describe(
        "where the Messages API lives; `/v1/messages` is appended (`/messages` to a base " +
          "ending in `/v1`)",
      ),
  })
);
export type AnthropicConfig = z.infer<typeof AnthropicConfig>;

/**
 * The Messages URL for a base. A base that already ends in `/v1` (MLflow's own base was
 * `https://api.anthropic.com/v1`) is accepted too, so `/v1` is never doubled.
 */
export function messagesUrl(base: string): string {
  const trimmed = base.replace(/\/+$/, "");
  return trimmed.endsWith("/v1") ? `${trimmed}/messages` : `${trimmed}/v1/messages`;
}
