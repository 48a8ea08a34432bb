/** OpenAI-compatible providers as data on the one adapter (scaffold: being written). */
import { z } from "zod";
import type { Provider } from "../../core/provider.ts";
import type { ProviderName } from "../../config/schema.ts";

type PresetName =
  | "azure"
  | "mistral"
  | "togetherai"
  | "groq"
  | "deepseek"
  | "xai"
  | "fireworks"
  | "openrouter"
  | "ollama"
  | "vllm";

function scaffold(name: PresetName & ProviderName, displayName: string): Provider {
  return {
    name,
    displayName,
    configSchema: z.object({}).loose(),
    secretKeys: [],
    supportsTools: true,
  };
}

export const presetProviders: Readonly<Record<PresetName, Provider>> = {
  azure: scaffold("azure", "Azure OpenAI"),
  mistral: scaffold("mistral", "Mistral"),
  togetherai: scaffold("togetherai", "Together AI"),
  groq: scaffold("groq", "Groq"),
  deepseek: scaffold("deepseek", "DeepSeek"),
  xai: scaffold("xai", "xAI"),
  fireworks: scaffold("fireworks", "Fireworks AI"),
  openrouter: scaffold("openrouter", "OpenRouter"),
  ollama: scaffold("ollama", "Ollama"),
  vllm: scaffold("vllm", "vLLM"),
};
