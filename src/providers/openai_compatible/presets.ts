/**
 * OpenAI-compatible providers as data on the one adapter: each preset is a default base URL,
 * whether it needs a key, and a `WireProfile` (operations, stream usage, parameter quirks), all
 * taken from the provider's API reference. Azure OpenAI is in `azure.ts`.
 */
import type { Provider } from "../../core/provider.ts";
import { openAICompatibleProvider } from "./adapter.ts";
import { azureProvider } from "./azure.ts";
import type { OpenAIPath, PathQuirks, WireProfile } from "./profile.ts";
import { PLAIN_KEYS, type PresetConfig, presetConfigSchema, presetKeys } from "./preset_config.ts";
import { bearerHeaders, joinUrl, type WireTarget } from "./request.ts";
import {
  clampParam,
  deepseekBetaUrl,
  developerAsSystem,
  keepMessageFields,
  singleChoice,
  stripMessageField,
  togetherLogprobs,
} from "./quirks.ts";

export type PresetName =
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

/** One OpenAI-compatible provider, as data. */
export interface Preset {
  displayName: string;
  /** Base URL including the API version path, as the provider documents it for OpenAI SDKs. */
  defaultBase: string;
  keyRequired: boolean;
  profile: WireProfile;
  /** Paths that live elsewhere than `{base}/{path}` (DeepSeek's FIM completions). */
  urls?: Partial<Record<OpenAIPath, (base: string) => string>>;
}

/** `max_completion_tokens` (OpenAI's newer name) for servers that only know `max_tokens`. */
const MAX_TOKENS_ONLY = { max_completion_tokens: "max_tokens" } as const;

const MISTRAL_CHAT: PathQuirks = {
  renames: { seed: "random_seed", ...MAX_TOKENS_ONLY },
  unsupported: {
    user: "Mistral's API has no 'user' field",
    top_k: "Mistral's API has no top_k",
    logprobs: "Mistral's chat API returns no log probabilities",
    top_logprobs: "Mistral's chat API returns no log probabilities",
    logit_bias: "Mistral's API has no logit_bias",
  },
  rewrites: [
    developerAsSystem,
    keepMessageFields(["role", "content", "name", "tool_calls", "tool_call_id", "prefix"]),
  ],
};

const GROQ_CHAT: PathQuirks = {
  unsupported: {
    logprobs: "Groq rejects logprobs (400)",
    top_logprobs: "Groq rejects top_logprobs (400)",
    logit_bias: "Groq rejects logit_bias (400)",
  },
  rewrites: [singleChoice, stripMessageField("name", "Groq rejects messages[].name (400)")],
};

/** The presets, from each provider's API reference (see docs/providers/openai-compatible.md). */
export const PRESETS: Readonly<Record<Exclude<PresetName, "azure">, Preset>> = {
  mistral: {
    displayName: "Mistral",
    defaultBase: "https://api.mistral.ai/v1",
    keyRequired: true,
    profile: {
      completions: "via-chat",
      embeddings: true,
      streamUsage: "automatic",
      quirks: {
        "chat/completions": MISTRAL_CHAT,
        embeddings: {
          renames: { dimensions: "output_dimension" },
          unsupported: { user: "Mistral's API has no 'user' field" },
        },
      },
    },
  },
  togetherai: {
    displayName: "Together AI",
    defaultBase: "https://api.together.xyz/v1",
    keyRequired: true,
    profile: {
      completions: "native",
      embeddings: true,
      streamUsage: "automatic",
      quirks: {
        "chat/completions": { renames: MAX_TOKENS_ONLY, rewrites: [togetherLogprobs] },
        completions: {
          renames: MAX_TOKENS_ONLY,
          rewrites: [clampParam("logprobs", 20, "Together AI returns at most 20")],
        },
      },
    },
  },
  groq: {
    displayName: "Groq",
    defaultBase: "https://api.groq.com/openai/v1",
    keyRequired: true,
    profile: {
      completions: "via-chat",
      embeddings: false,
      streamUsage: "request",
      quirks: { "chat/completions": GROQ_CHAT },
    },
  },
  deepseek: {
    displayName: "DeepSeek",
    defaultBase: "https://api.deepseek.com",
    keyRequired: true,
    profile: {
      completions: "native",
      embeddings: false,
      streamUsage: "request",
      quirks: {
        "chat/completions": { renames: MAX_TOKENS_ONLY },
        completions: {
          renames: MAX_TOKENS_ONLY,
          rewrites: [clampParam("max_tokens", 4096, "DeepSeek's FIM completions stop at 4K")],
        },
      },
    },
    urls: { completions: deepseekBetaUrl },
  },
  xai: {
    displayName: "xAI",
    defaultBase: "https://api.x.ai/v1",
    keyRequired: true,
    profile: { completions: "native", embeddings: false, streamUsage: "request", quirks: {} },
  },
  fireworks: {
    displayName: "Fireworks AI",
    defaultBase: "https://api.fireworks.ai/inference/v1",
    keyRequired: true,
    profile: { completions: "native", embeddings: true, streamUsage: "request", quirks: {} },
  },
  openrouter: {
    displayName: "OpenRouter",
    defaultBase: "https://openrouter.ai/api/v1",
    keyRequired: true,
    profile: { completions: "native", embeddings: true, streamUsage: "automatic", quirks: {} },
  },
  ollama: {
    displayName: "Ollama",
    defaultBase: "http://localhost:11434/v1",
    keyRequired: false,
    profile: {
      completions: "native",
      embeddings: true,
      streamUsage: "request",
      quirks: {
        "chat/completions": { renames: MAX_TOKENS_ONLY },
        completions: { renames: MAX_TOKENS_ONLY },
      },
    },
  },
  vllm: {
    displayName: "vLLM",
    defaultBase: "http://localhost:8000/v1",
    keyRequired: false,
    profile: { completions: "native", embeddings: true, streamUsage: "request", quirks: {} },
  },
};

/** Where a preset's `path` lives for an endpoint's config. */
export function presetTarget(preset: Preset, config: PresetConfig, path: OpenAIPath): WireTarget {
  const base = config.apiBase ?? preset.defaultBase;
  const url = preset.urls?.[path]?.(base) ?? joinUrl(base, path);
  return { url, headers: bearerHeaders(config.apiKey), sendModel: true };
}

/** The provider of one preset. */
export function presetProvider(
  name: Exclude<PresetName, "azure">,
  preset: Preset,
): Provider<PresetConfig> {
  return openAICompatibleProvider<PresetConfig>({
    name,
    displayName: preset.displayName,
    configSchema: presetConfigSchema(name, preset.displayName, preset),
    secretKeys: [presetKeys(name).key, PLAIN_KEYS.key],
    profile: preset.profile,
    target: (config, path) => presetTarget(preset, config, path),
  });
}

export const presetProviders: Readonly<Record<PresetName, Provider>> = {
  azure: azureProvider as Provider,
  mistral: presetProvider("mistral", PRESETS.mistral) as Provider,
  togetherai: presetProvider("togetherai", PRESETS.togetherai) as Provider,
  groq: presetProvider("groq", PRESETS.groq) as Provider,
  deepseek: presetProvider("deepseek", PRESETS.deepseek) as Provider,
  xai: presetProvider("xai", PRESETS.xai) as Provider,
  fireworks: presetProvider("fireworks", PRESETS.fireworks) as Provider,
  openrouter: presetProvider("openrouter", PRESETS.openrouter) as Provider,
  ollama: presetProvider("ollama", PRESETS.ollama) as Provider,
  vllm: presetProvider("vllm", PRESETS.vllm) as Provider,
};
