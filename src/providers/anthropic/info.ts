/**
 * What the registry knows of this provider (Anthropic's Messages API) before its implementation
 * (mod.ts) is loaded: enough to check a config. mod.ts is loaded only when a served config uses it.
 */
import type { ProviderInfo } from "../../core/provider.ts";
import { AnthropicConfig, DISPLAY_NAME } from "./config.ts";

export const anthropicInfo: ProviderInfo<AnthropicConfig> = {
  name: "anthropic",
  displayName: DISPLAY_NAME,
  configSchema: AnthropicConfig,
  secretKeys: ["anthropic_api_key"],
  supportsTools: true,
  serves: { chat: { stream: true }, completions: { stream: true } },
  load: () => import("./mod.ts").then((mod) => mod.anthropicProvider),
};
