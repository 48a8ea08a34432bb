/**
 * What the registry knows of this provider (Amazon Bedrock's Converse and InvokeModel APIs) before
 * its implementation (mod.ts) is loaded: enough to check a config. mod.ts is loaded only when a
 * served config uses it.
 */
import type { ProviderInfo } from "../../core/provider.ts";
import { BEDROCK_SECRET_KEYS, BedrockConfig, PROVIDER_NAME } from "./config.ts";

export const bedrockInfo: ProviderInfo<BedrockConfig> = {
  name: "bedrock",
  displayName: PROVIDER_NAME,
  configSchema: BedrockConfig,
  secretKeys: BEDROCK_SECRET_KEYS,
  supportsTools: true,
  serves: {
    chat: { stream: true },
    completions: { stream: true },
    embeddings: { stream: false },
  },
  load: () => import("./mod.ts").then((mod) => mod.bedrockProvider),
};
