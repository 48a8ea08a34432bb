/**
 * Azure OpenAI, as the `azure` provider: the `openai` provider's Azure mode with
 * `openai_api_type` defaulting to `azure`, and MLflow's keys (`openai_api_key`,
 * `openai_api_base`, `openai_deployment_name`, `openai_api_version`). Calls go to
 * `{base}/openai/deployments/{deployment}/{path}?api-version=...` with no `model` in the body.
 */
import { z } from "zod";
import type { Provider } from "../../core/provider.ts";
import { OPENAI_PROFILE, type StreamUsage } from "./profile.ts";
import type { OpenAIConfig } from "./config.ts";
import { openAICompatibleProvider } from "./adapter.ts";
import { openAIHeaders, openAIUrl } from "./request.ts";
import { lazySchema } from "../../schemas/lazy.ts";

export const AZURE_API_TYPES = ["azure", "azuread"] as const;

export const AzureConfig = lazySchema(() =>
  z.object({
    /** The resource key (`azure`, sent as `api-key`) or an Entra ID token (`azuread`, Bearer). */
    openai_api_key: z.string().min(1).optional(),
    /** `azure` (default) or `azuread`. */
    openai_api_type: z.string().transform((value, ctx) => {
      const type = value.toLowerCase();
      if (!(AZURE_API_TYPES as readonly string[]).includes(type)) {
        ctx.addIssue({
          code: "custom",
          message: type === "openai"
            ? "provider 'azure' serves Azure OpenAI: 'openai_api_type' must be 'azure' or 'azuread' (use provider 'openai' for api.openai.com)"
            : `invalid Azure OpenAI API type '${value}'`,
          params: { candidates: [...AZURE_API_TYPES], value },
        });
        return z.NEVER;
      }
      return type as (typeof AZURE_API_TYPES)[number];
    }).default("azure"),
    /** The resource URL, e.g. `https://my-resource.openai.azure.com`. */
    openai_api_base: z.url({ protocol: /^https?$/ }).optional(),
    /** e.g. `2024-10-21`. */
    openai_api_version: z.string().min(1).optional(),
    openai_deployment_name: z.string().min(1).optional(),
  }).superRefine((config, ctx) => {
    for (
      const key of [
        "openai_api_key",
        "openai_api_base",
        "openai_deployment_name",
        "openai_api_version",
      ] as const
    ) {
      if (config[key] === undefined) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `missing required key '${key}' (required for Azure OpenAI)`,
        });
      }
    }
  })
);
export type AzureConfig = z.infer<typeof AzureConfig>;

/** The same endpoint as the `openai` provider's Azure mode sees it. */
export function azureAsOpenAI(config: AzureConfig): OpenAIConfig {
  const out: OpenAIConfig = { openai_api_type: config.openai_api_type };
  if (config.openai_api_key !== undefined) out.openai_api_key = config.openai_api_key;
  if (config.openai_api_base !== undefined) out.openai_api_base = config.openai_api_base;
  if (config.openai_api_version !== undefined) out.openai_api_version = config.openai_api_version;
  if (config.openai_deployment_name !== undefined) {
    out.openai_deployment_name = config.openai_deployment_name;
  }
  return out;
}

/** The first dated API version that accepts `stream_options` (2024-09-01-preview; GA 2024-10-21). */
const FIRST_STREAM_USAGE_VERSION = "2024-09-01";

/**
 * Whether an Azure API version reports usage in streams: dated versions before 2024-09-01 reject
 * `stream_options` with a 400, so it is not sent to them; undated ones (`v1`, `preview`) accept it.
 */
export function azureStreamUsage(version: string | undefined): StreamUsage {
  if (version === undefined) return "request";
  const date = /^\d{4}-\d{2}-\d{2}/.exec(version)?.[0];
  if (date === undefined) return "request";
  return date < FIRST_STREAM_USAGE_VERSION ? "unavailable" : "request";
}

/** The `azure` provider: chat, completions and embeddings of one deployment each. */
export const azureProvider: Provider<AzureConfig> = openAICompatibleProvider<AzureConfig>({
  name: "azure",
  displayName: "Azure OpenAI",
  configSchema: AzureConfig,
  secretKeys: ["openai_api_key"],
  profile: OPENAI_PROFILE,
  target: (config, path) => {
    const openai = azureAsOpenAI(config);
    return { url: openAIUrl(openai, path), headers: openAIHeaders(openai), sendModel: false };
  },
  streamUsage: (config) => azureStreamUsage(config.openai_api_version),
});
