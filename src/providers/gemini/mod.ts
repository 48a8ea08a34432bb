/** The `gemini` provider (scaffold: its operations are being written). */
import { z } from "zod";
import type { Provider } from "../../core/provider.ts";

export const geminiProvider: Provider = {
  name: "gemini",
  displayName: "Gemini",
  configSchema: z.object({
    gemini_api_key: z.unknown().optional(),
    gemini_api_base: z.unknown().optional(),
  }),
  secretKeys: ["gemini_api_key"],
  supportsTools: false,
};
