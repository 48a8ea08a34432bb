/**
 * What the registry knows of this provider (Cohere's v2 API) before its implementation (mod.ts) is
 * loaded: enough to check a config. mod.ts is loaded only when a served config uses it.
 */
import type { ProviderInfo } from "../../core/provider.ts";
import { CohereConfig } from "./config.ts";

export const cohereInfo: ProviderInfo<CohereConfig> = {
  name: "cohere",
  displayName: "Cohere",
  configSchema: CohereConfig,
  secretKeys: ["cohere_api_key"],
  supportsTools: true,
  serves: {
    chat: { stream: true },
    completions: { stream: true },
    embeddings: { stream: false },
  },
  load: () => import("./mod.ts").then((mod) => mod.cohereProvider),
};
