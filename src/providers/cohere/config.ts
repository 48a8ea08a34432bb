/** The `model.config` block of the `cohere` provider. */
import { z } from "zod";
import { lazySchema } from "../../schemas/lazy.ts";

export const COHERE_DEFAULT_BASE = "https://api.cohere.com";

export const CohereConfig = lazySchema(() =>
  z.object({
    cohere_api_key: z.string().min(1).describe("API key, sent as a Bearer token"),
    cohere_api_base: z.url({ protocol: /^https?$/ }).optional().describe(
      "base URL without the version path (default `https://api.cohere.com`), e.g. a proxy",
    ),
  })
);
export type CohereConfig = z.infer<typeof CohereConfig>;

/** The URL of a v2 API path, e.g. `chat` → `{base}/v2/chat`. */
export function cohereUrl(config: CohereConfig, path: "chat" | "embed"): string {
  // A base ending in a version (`.../v1`, as MLflow's Cohere base did) still reaches v2.
  const base = (config.cohere_api_base ?? COHERE_DEFAULT_BASE).replace(/\/+$/, "")
    .replace(/\/v[12]$/, "");
  return `${base}/v2/${path}`;
}

/** JSON and Bearer auth headers. */
export function cohereHeaders(config: CohereConfig, stream: boolean): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    authorization: `Bearer ${config.cohere_api_key}`,
  };
}
