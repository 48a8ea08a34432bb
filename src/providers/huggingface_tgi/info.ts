/**
 * What the registry knows of this provider (Hugging Face Text Generation Inference) before its
 * implementation (mod.ts) is loaded: enough to check a config. mod.ts is loaded only when a served
 * config uses it.
 */
import type { ProviderInfo } from "../../core/provider.ts";
import { TGI_NAME, TgiConfig } from "./config.ts";

export const tgiInfo: ProviderInfo<TgiConfig> = {
  name: "huggingface-text-generation-inference",
  displayName: TGI_NAME,
  configSchema: TgiConfig,
  secretKeys: ["hf_api_key"],
  supportsTools: false,
  serves: { chat: { stream: true }, completions: { stream: true } },
  load: () => import("./mod.ts").then((mod) => mod.tgiProvider),
};
