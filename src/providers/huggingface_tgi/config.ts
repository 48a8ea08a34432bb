/** The `model.config` block of the `huggingface-text-generation-inference` provider. */
import { z } from "zod";
import { lazySchema } from "../../schemas/lazy.ts";

export const TGI_NAME = "Hugging Face TGI";

export const TgiConfig = lazySchema(() =>
  z.object({
    hf_server_url: z.url({ protocol: /^https?$/ })
      .describe("the TGI server's base URL (a local server or a Hugging Face Inference Endpoint)"),
    hf_api_key: z.string().min(1).optional()
      .describe("token sent as `Authorization: Bearer ...`, for Inference Endpoints that need one"),
  })
);
export type TgiConfig = z.infer<typeof TgiConfig>;

export type TgiPath = "v1/chat/completions" | "generate" | "generate_stream";

/** The URL of a TGI route under the server's base URL. */
export function tgiUrl(config: TgiConfig, path: TgiPath): string {
  return `${config.hf_server_url.replace(/\/+$/, "")}/${path}`;
}

/** JSON headers, with the Bearer token when one is configured. */
export function tgiHeaders(config: TgiConfig, stream: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
  };
  if (config.hf_api_key !== undefined) headers.authorization = `Bearer ${config.hf_api_key}`;
  return headers;
}
