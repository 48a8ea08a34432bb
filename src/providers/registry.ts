/**
 * Every provider by config name. Keyed by the schema's PROVIDER_NAMES, so a name added there
 * without an implementation here (or the reverse) fails to type-check.
 */
import type { ProviderName } from "../config/schema.ts";
import type { Provider } from "../core/provider.ts";
import { mockProvider } from "./mock/mod.ts";
import { openAIProvider } from "./openai_compatible/mod.ts";
import { presetProviders } from "./openai_compatible/presets.ts";
import { anthropicProvider } from "./anthropic/mod.ts";
import { geminiProvider } from "./gemini/mod.ts";
import { bedrockProvider } from "./bedrock/mod.ts";
import { cohereProvider } from "./cohere/mod.ts";
import { tgiProvider } from "./huggingface_tgi/mod.ts";
import { mlflowServingProvider } from "./mlflow_serving/mod.ts";
import { retiredProviders } from "./retired/mod.ts";

export const PROVIDERS: Readonly<Record<ProviderName, Provider>> = {
  openai: openAIProvider as Provider,
  ...presetProviders,
  anthropic: anthropicProvider,
  gemini: geminiProvider,
  bedrock: bedrockProvider,
  cohere: cohereProvider,
  "huggingface-text-generation-inference": tgiProvider,
  "mlflow-model-serving": mlflowServingProvider,
  ...retiredProviders,
  mock: mockProvider as Provider,
};

/** The implementation of a provider. */
export function providerFor(name: ProviderName): Provider {
  return PROVIDERS[name];
}
