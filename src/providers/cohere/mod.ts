/** The `cohere` provider (scaffold: its operations are being written). */
import { z } from "zod";
import type { Provider } from "../../core/provider.ts";

export const cohereProvider: Provider = {
  name: "cohere",
  displayName: "Cohere",
  configSchema: z.object({
    cohere_api_key: z.unknown().optional(),
    cohere_api_base: z.unknown().optional(),
  }),
  secretKeys: ["cohere_api_key"],
  supportsTools: false,
};
