/**
 * Builds OpenAI-wire requests: URL, auth headers and body. The canonical body is already
 * OpenAI's, so building one is: the endpoint's model, the stream fields, then the server's quirks.
 */
import type { CallContext, UpstreamRequest } from "../../core/provider.ts";
import { OPENAI_DEFAULT_BASE, type OpenAIConfig } from "./config.ts";
import {
  applyQuirks,
  applyStreamFields,
  deleteIfPresent,
  type OpenAIPath,
  type PathQuirks,
  type StreamUsage,
  type WireBody,
} from "./profile.ts";

export type { OpenAIPath } from "./profile.ts";
import { keptTextOf } from "../../core/request_text.ts";
import { splicedBody } from "./spliced_body.ts";

/** The URL of one path of an OpenAI-compatible base: `{base}/{path}`, trailing slashes ignored. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path}`;
}

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

/** JSON headers with a Bearer key when there is one. */
export function bearerHeaders(key: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== undefined) headers["authorization"] = `Bearer ${key}`;
  return headers;
}

/** Where one call goes and how it authenticates. */
export interface WireTarget {
  url: string;
  headers: Record<string, string>;
  /** False where the URL names the model (Azure deployments): the body then carries none. */
  sendModel: boolean;
}

/**
 * The body's start, a new object the caller may change: the endpoint's model, then the client's
 * fields without its `model` (one pass, no intermediate copy).
 */
export function bodyWithModel(
  request: object,
  model: string | null,
  sendModel: boolean,
): WireBody {
  const body: WireBody = {};
  if (sendModel && model !== null) body.model = model;
  const fields = request as WireBody;
  for (const key in fields) {
    if (key !== "model" && Object.hasOwn(fields, key)) body[key] = fields[key];
  }
  return body;
}

/** Whether a path's quirks would change a body (renames, removals or rewrites). */
function hasQuirks(quirks: PathQuirks | undefined): boolean {
  if (quirks === undefined) return false;
  return Object.keys(quirks.renames ?? {}).length > 0 ||
    Object.keys(quirks.unsupported ?? {}).length > 0 || (quirks.rewrites ?? []).length > 0;
}

/**
 * One upstream request for `path`: the endpoint's model, the stream fields for the server's
 * usage reporting (chat and completions only), then the server's quirks for that path. `body`
 * (from `bodyWithModel`) is changed in place.
 */
export function buildWireRequest(
  path: OpenAIPath,
  body: WireBody,
  ctx: CallContext<unknown>,
  target: WireTarget,
  options: {
    streamUsage: StreamUsage;
    quirks?: PathQuirks | undefined;
    /** The client's request object, when its kept JSON text may be spliced (spliced_body.ts). */
    request?: object | undefined;
  },
): UpstreamRequest {
  const text = options.request === undefined ? undefined : keptTextOf(options.request);
  if (
    text !== undefined && target.sendModel && ctx.model !== null && !hasQuirks(options.quirks)
  ) {
    const spliced = splicedBody(
      text,
      options.request as WireBody,
      ctx.model,
      path !== "embeddings" && ctx.stream,
      path === "embeddings" ? "automatic" : options.streamUsage,
    );
    if (spliced !== undefined) {
      return { url: target.url, headers: target.headers, body: spliced, warnings: [] };
    }
  }
  if (path === "embeddings") {
    deleteIfPresent(body, "stream");
    deleteIfPresent(body, "stream_options");
  }
  const streamWarnings = path === "embeddings"
    ? []
    : applyStreamFields(body, ctx.stream, options.streamUsage);
  const quirkWarnings = applyQuirks(body, options.quirks);
  const warnings = quirkWarnings.length === 0
    ? streamWarnings
    : [...streamWarnings, ...quirkWarnings];
  return { url: target.url, headers: target.headers, body: JSON.stringify(body), warnings };
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
  const body = bodyWithModel(request, ctx.model, ctx.config.openai_api_type === "openai");
  applyStreamFields(body, ctx.stream, options.streamUsage ? "request" : "automatic");
  return body;
}

/** A complete upstream request for one OpenAI-wire call. */
export function buildOpenAIRequest<
  R extends { model?: string | undefined; stream?: boolean | undefined },
>(path: OpenAIPath, request: R, ctx: CallContext<OpenAIConfig>): UpstreamRequest {
  const target: WireTarget = {
    url: openAIUrl(ctx.config, path),
    headers: openAIHeaders(ctx.config),
    sendModel: ctx.config.openai_api_type === "openai",
  };
  return buildWireRequest(path, bodyWithModel(request, ctx.model, target.sendModel), ctx, target, {
    streamUsage: "request",
  });
}
