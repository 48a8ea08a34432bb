/** Builds OpenAI-wire requests: URL, auth headers and body (the canonical body is already OpenAI's). */
import type { CallContext, UpstreamRequest } from "../../core/provider.ts";
import { OPENAI_DEFAULT_BASE, type OpenAIConfig } from "./config.ts";

export type OpenAIPath = "chat/completions" | "completions" | "embeddings";

/** The upstream URL: `{base}/{path}`, or Azure's deployment URL with `api-version`. */
export function openAIUrl(config: OpenAIConfig, path: OpenAIPath): string {
  const base = (config.openai_api_base ?? OPENAI_DEFAULT_BASE).replace(/\/+$/, "");
  const version = config.openai_api_version;
  const query = version === undefined ? "" : `?api-version=${encodeURIComponent(version)}`;
  if (config.openai_api_type === "openai") return `${base}/${path}${query}`;
  const deployment = encodeURIComponent(config.openai_deployment_name ?? "");
  return `${base}/openai/deployments/${deployment}/${path}${query}`;
}

/** Auth headers: Bearer for OpenAI and Azure AD, `api-key` for Azure keys. */
export function openAIHeaders(config: OpenAIConfig): Record<string, string> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const key = config.openai_api_key;
  if (config.openai_api_type === "azure") {
    if (key !== undefined) headers["api-key"] = key;
  } else if (key !== undefined) {
    headers["authorization"] = `Bearer ${key}`;
  }
  if (config.openai_organization !== undefined) {
    headers["openai-organization"] = config.openai_organization;
  }
  return headers;
}

/**
 * The request body: the client's fields as they are, with the endpoint's model (Azure names
 * the deployment in the URL instead) and, when streaming, usage in the last chunk.
 */
export function openAIBody<R extends { model?: string | undefined; stream?: boolean | undefined }>(
  request: R,
  ctx: CallContext<OpenAIConfig>,
  options: { streamUsage: boolean },
): Record<string, unknown> {
  const { model: _clientModel, ...fields } = request;
  const body: Record<string, unknown> =
    ctx.config.openai_api_type === "openai" && ctx.model !== null
      ? { model: ctx.model, ...fields }
      : { ...fields };
  if (ctx.stream) {
    body.stream = true;
    if (options.streamUsage) {
      const given = (fields as { stream_options?: Record<string, unknown> | null }).stream_options;
      body.stream_options = { ...(given ?? {}), include_usage: true };
    }
  } else {
    delete body.stream;
    delete body.stream_options;
  }
  return body;
}

/** A complete upstream request for one OpenAI-wire call. */
export function buildOpenAIRequest<
  R extends { model?: string | undefined; stream?: boolean | undefined },
>(path: OpenAIPath, request: R, ctx: CallContext<OpenAIConfig>): UpstreamRequest {
  return {
    url: openAIUrl(ctx.config, path),
    headers: openAIHeaders(ctx.config),
    body: JSON.stringify(openAIBody(request, ctx, { streamUsage: path !== "embeddings" })),
    warnings: [],
  };
}
