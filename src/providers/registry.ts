/**
 * Every provider by config name. Keyed by the schema's PROVIDER_NAMES, so a name added there
 * without an entry here (or the reverse) fails to type-check.
 *
 * Checking a config needs only each provider's info (config schema, secret keys, operations);
 * the implementations of the providers with their own wire format are loaded when a config that
 * uses them is about to be served (`loadProviders`), so a gateway's live heap holds only the
 * translators its config needs. The OpenAI-compatible family, the mock and the retired names are
 * small or used by almost every config, and load with the registry.
 */
import type { ProviderName } from "../config/schema.ts";
import type { LoadedConfig } from "../config/load.ts";
import { infoOf, type Provider, type ProviderInfo } from "../core/provider.ts";
import { mockProvider } from "./mock/mod.ts";
import { openAIProvider } from "./openai_compatible/mod.ts";
import { presetProviders } from "./openai_compatible/presets.ts";
import { anthropicInfo } from "./anthropic/info.ts";
import { geminiInfo } from "./gemini/info.ts";
import { bedrockInfo } from "./bedrock/info.ts";
import { cohereInfo } from "./cohere/info.ts";
import { tgiInfo } from "./huggingface_tgi/info.ts";
import { mlflowServingInfo } from "./mlflow_serving/info.ts";
import { retiredProviders } from "./retired/mod.ts";

const loadedWithRegistry = {
  openai: openAIProvider as Provider,
  ...presetProviders,
  ...retiredProviders,
  mock: mockProvider as Provider,
};

function infosOf<K extends ProviderName>(providers: Record<K, Provider>): Record<K, ProviderInfo> {
  const entries = Object.entries<Provider>(providers).map(([name, impl]) => [name, infoOf(impl)]);
  return Object.fromEntries(entries) as Record<K, ProviderInfo>;
}

export const PROVIDER_INFO: Readonly<Record<ProviderName, ProviderInfo>> = {
  ...infosOf(loadedWithRegistry),
  anthropic: anthropicInfo,
  gemini: geminiInfo,
  bedrock: bedrockInfo,
  cohere: cohereInfo,
  "huggingface-text-generation-inference": tgiInfo,
  "mlflow-model-serving": mlflowServingInfo,
};

const loaded = new Map<ProviderName, Provider>(
  Object.values<Provider>(loadedWithRegistry).map((provider) => [provider.name, provider]),
);

/** Loads the implementations of these providers (each once per process). */
export async function loadProviders(names: Iterable<ProviderName>): Promise<void> {
  for (const name of new Set(names)) {
    if (!loaded.has(name)) loaded.set(name, await PROVIDER_INFO[name].load());
  }
}

/** Loads what a config's endpoints need; runs before the config is served (start, reload). */
export function loadConfigProviders(config: LoadedConfig): Promise<void> {
  return loadProviders(config.endpoints.map((endpoint) => endpoint.provider));
}

/** The implementation of a provider, loaded by `loadProviders` (or with the registry). */
export function providerFor(name: ProviderName): Provider {
  const provider = loaded.get(name);
  if (provider === undefined) {
    throw new Error(
      `the '${name}' provider's implementation is not loaded: loadConfigProviders() runs ` +
        "before a config is served",
    );
  }
  return provider;
}
