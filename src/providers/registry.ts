/**
 * Every provider by config name. Keyed by the schema's PROVIDER_NAMES, so a name added there
 * without an implementation here (or the reverse) fails to type-check.
 */
import type { ProviderName } from "../config/schema.ts";
import type { Provider } from "../core/provider.ts";
import { mockProvider } from "./mock/mod.ts";
import { openAIProvider } from "./openai_compatible/mod.ts";

export const PROVIDERS: Readonly<Record<ProviderName, Provider>> = {
  openai: openAIProvider as Provider,
  mock: mockProvider as Provider,
};

/** The implementation of a provider. */
export function providerFor(name: ProviderName): Provider {
  return PROVIDERS[name];
}
