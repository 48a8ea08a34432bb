/** The `huggingface-text-generation-inference` provider (scaffold: its operations are being written). */
import { z } from "zod";
import type { Provider } from "../../core/provider.ts";

export const tgiProvider: Provider = {
  name: "huggingface-text-generation-inference",
  displayName: "Hugging Face TGI",
  configSchema: z.object({
    hf_server_url: z.unknown().optional(),
  }),
  secretKeys: [],
  supportsTools: false,
};
