/** The `model.config` block of the `gemini` provider, and the URLs it derives. */
import { z } from "zod";

export const PROVIDER = "Gemini";
import { ConfigError } from "../../core/errors.ts";
import { lazySchema } from "../../schemas/lazy.ts";

export const GEMINI_DEFAULT_BASE = "https://generativelanguage.googleapis.com";
export const GEMINI_DEFAULT_VERSION = "v1beta";

export const GeminiConfig = lazySchema(() =>
  z.object({
    gemini_api_key: z.string({ error: "missing required key 'gemini_api_key'" }).min(1)
      .describe("API key, sent as `x-goog-api-key`"),
    gemini_api_base: z.url({ protocol: /^https?$/ }).default(GEMINI_DEFAULT_BASE).describe(
      "where the Gemini API lives; `/v1beta/models/...` is appended. A base that already names " +
        "an API version (`.../v1beta`, `.../v1`, MLflow's `.../v1beta/models`) keeps it",
    ),
  })
);
export type GeminiConfig = z.infer<typeof GeminiConfig>;

export type GeminiMethod =
  | "generateContent"
  | "streamGenerateContent"
  | "batchEmbedContents";

const VERSIONED = /^(.*?)\/(v1|v1beta|v1alpha)(?:\/models)?$/;

/**
 * The resource name of a model: `models/<name>`, or the name as given when it already names a
 * resource (`models/...`, `tunedModels/...`).
 */
export function modelResource(model: string | null, endpoint: string): string {
  if (model === null || model.trim() === "") {
    throw new ConfigError(
      `endpoint '${endpoint}' has no model.name; the Gemini provider needs one (e.g. gemini-2.5-flash)`,
    );
  }
  const name = model.trim();
  return /^(models|tunedModels)\//.test(name) ? name : `models/${name}`;
}

/** The URL of one method of a model: `{base}/{version}/models/{model}:{method}`. */
export function geminiUrl(base: string, resource: string, method: GeminiMethod): string {
  const trimmed = base.replace(/\/+$/, "");
  const match = VERSIONED.exec(trimmed);
  const root = match ? match[1] : trimmed;
  const version = match ? match[2] : GEMINI_DEFAULT_VERSION;
  const path = resource.split("/").map(encodeURIComponent).join("/");
  const query = method === "streamGenerateContent" ? "?alt=sse" : "";
  return `${root}/${version}/${path}:${method}${query}`;
}

/** The request headers: JSON and the API key. */
export function geminiHeaders(config: GeminiConfig): Record<string, string> {
  return { "content-type": "application/json", "x-goog-api-key": config.gemini_api_key };
}
