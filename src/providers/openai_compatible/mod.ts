/**
 * The `openai` provider: OpenAI's API and every server that speaks it (vLLM, Ollama, LM Studio...)
 * through `openai_api_base`, and Azure OpenAI through `openai_api_type: azure | azuread`.
 * It is the one OpenAI-wire adapter (`adapter.ts`) with OpenAI's profile; the presets
 * (`presets.ts`) and `azure` (`azure.ts`) are the same adapter with other data.
 */
import type { Provider } from "../../core/provider.ts";
import { OpenAIConfig } from "./config.ts";
import { openAICompatibleProvider } from "./adapter.ts";
import { OPENAI_PROFILE } from "./profile.ts";
import { openAIHeaders, openAIUrl } from "./request.ts";
import { azureStreamUsage } from "./azure.ts";

export const openAIProvider: Provider<OpenAIConfig> = openAICompatibleProvider<OpenAIConfig>({
  name: "openai",
  displayName: "OpenAI",
  configSchema: OpenAIConfig,
  secretKeys: ["openai_api_key"],
  profile: OPENAI_PROFILE,
  target: (config, path) => ({
    url: openAIUrl(config, path),
    headers: openAIHeaders(config),
    sendModel: config.openai_api_type === "openai",
  }),
  streamUsage: (config) =>
    config.openai_api_type === "openai" ? "request" : azureStreamUsage(config.openai_api_version),
});
