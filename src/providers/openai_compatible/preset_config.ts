/**
 * The `model.config` block of a preset: `<provider>_api_key` (MLflow's name for Mistral and
 * Together AI) and `<provider>_api_base`, read into one shape the adapter uses.
 */
import { z } from "zod";

/** A preset's config after parsing. */
export interface PresetConfig {
  apiKey?: string;
  apiBase?: string;
}

/** The config key names of a preset. */
export function presetKeys(name: string): { key: string; base: string } {
  return { key: `${name}_api_key`, base: `${name}_api_base` };
}

/**
 * The schema of a preset's config; the key is required unless the server runs without one
 * (Ollama, vLLM). It stays a `z.object` under the transform, so unknown keys are reported.
 */
export function presetConfigSchema(
  name: string,
  displayName: string,
  options: { keyRequired: boolean; defaultBase: string },
): z.ZodType<PresetConfig> {
  const { key, base } = presetKeys(name);
  return z.object({
    [key]: z.string().min(1).optional().describe(`${displayName} API key`),
    [base]: z.url({ protocol: /^https?$/ }).optional().describe(
      `base URL including the API version path (default ${options.defaultBase})`,
    ),
  }).superRefine((config, ctx) => {
    if (options.keyRequired && config[key] === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `missing required key '${key}' (the ${displayName} API key)`,
      });
    }
  }).transform((config): PresetConfig => {
    const out: PresetConfig = {};
    const apiKey = config[key];
    const apiBase = config[base];
    if (apiKey !== undefined) out.apiKey = apiKey;
    if (apiBase !== undefined) out.apiBase = apiBase;
    return out;
  });
}
