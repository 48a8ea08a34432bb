/** The `anthropic` provider (scaffold: its operations are being written). */
import { z } from "zod";
import type { Provider } from "../../core/provider.ts";

export const anthropicProvider: Provider = {
  name: "anthropic",
  displayName: "Anthropic",
  configSchema: z.object({
    anthropic_api_key: z.unknown().optional(),
    anthropic_version: z.unknown().optional(),
    anthropic_api_base: z.unknown().optional(),
  }),
  secretKeys: ["anthropic_api_key"],
  supportsTools: false,
};
