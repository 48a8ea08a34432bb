/**
 * The `model.config` block of a preset: `<provider>_api_key` (MLflow's name for Mistral and
 * Together AI) and `<provider>_api_base`, or `api_key` and `api_base` (MLflow 3's names for Groq,
 * DeepSeek, xAI, OpenRouter and Ollama; taken for every preset), read into one shape the adapter
 * uses.
 */
import { z } from "zod";
import { lazySchema } from "../../schemas/lazy.ts";

/** A preset's config after parsing. */
export interface PresetConfig {
  apiKey?: string;
  apiBase?: string;
}

/** The config key names of a preset (each also taken as MLflow 3's `api_key` / `api_base`). */
export function presetKeys(name: string): { key: string; base: string } {
  return { key: `${name}_api_key`, base: `${name}_api_base` };
}

/** MLflow 3's plain spellings of the key and the base URL. */
export const PLAIN_KEYS = { key: "api_key", base: "api_base" } as const;

/**
 * The schema of a preset's config; the key is required unless the server runs without one
 * (Ollama, vLLM). It stays a `z.object` under the transform, so unknown keys are reported.
 */
export function presetConfigSchema(
  name: string,
  displayName: string,
  options: { keyRequired: boolean; defaultBase: string },
): z.ZodType<PresetConfig> {
  return lazySchema(() => presetSchema(name, displayName, options));
}

function presetSchema(
  name: string,
  displayName: string,
  options: { keyRequired: boolean; defaultBase: string },
) {
  const { key, base } = presetKeys(name);
  const url = () => z.url({ protocol: /^https?$/ }).optional();
  return z.object({
    [key]: z.string().min(1).optional().describe(`${displayName} API key`),
    [base]: url().describe(
      `base URL including the API version path (default ${options.defaultBase})`,
    ),
    [PLAIN_KEYS.key]: z.string().min(1).optional().describe(`the same as '${key}' (MLflow 3)`),
    [PLAIN_KEYS.base]: url().describe(`the same as '${base}' (MLflow 3)`),
  }).superRefine((config, ctx) => {
    for (const [ours, plain] of [[key, PLAIN_KEYS.key], [base, PLAIN_KEYS.base]] as const) {
      if (config[ours] !== undefined && config[plain] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [plain],
          message: `'${plain}' and '${ours}' name the same setting; keep one`,
        });
      }
    }
    if (options.keyRequired && config[key] === undefined && config[PLAIN_KEYS.key] === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `missing required key '${key}' (the ${displayName} API key; or 'api_key')`,
      });
    }
  }).transform((config): PresetConfig => {
    const out: PresetConfig = {};
    const apiKey = config[key] ?? config[PLAIN_KEYS.key];
    const apiBase = config[base] ?? config[PLAIN_KEYS.base];
    if (apiKey !== undefined) out.apiKey = apiKey;
    if (apiBase !== undefined) out.apiBase = apiBase;
    return out;
  });
}
