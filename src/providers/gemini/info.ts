/**
 * What the registry knows of this provider (Google's Gemini API) before its implementation (mod.ts)
 * is loaded: enough to check a config. mod.ts is loaded only when a served config uses it.
 */
import type { ProviderInfo } from "../../core/provider.ts";
import { GeminiConfig, PROVIDER } from "./config.ts";

export const geminiInfo: ProviderInfo<GeminiConfig> = {
  name: "gemini",
  displayName: PROVIDER,
  configSchema: GeminiConfig,
  secretKeys: ["gemini_api_key"],
  supportsTools: true,
  serves: {
    chat: { stream: true },
    completions: { stream: true },
    embeddings: { stream: false },
  },
  load: () => import("./mod.ts").then((mod) => mod.geminiProvider),
};
