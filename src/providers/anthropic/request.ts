/** Builds Messages API requests (URL, headers, body) for chat and for completions. */
import { ConfigError } from "../../core/errors.ts";
import type { CallContext, TranslationWarning, UpstreamRequest } from "../../core/provider.ts";
import type { ChatRequest } from "../../schemas/chat.ts";
import type { CompletionsRequest } from "../../schemas/completions.ts";
import { type AnthropicConfig, messagesUrl } from "./config.ts";
import { CHAT_ONLY_KEYS } from "../shared/params.ts";
import { toAnthropicMessages } from "./messages.ts";
import {
  extraFields,
  HANDLED_SAMPLING_KEYS,
  maxTokensOf,
  outputFormat,
  samplingFields,
} from "./params.ts";
import { toolFields } from "./tools.ts";
import { ANTHROPIC_REQUEST, type AnthropicRequest, nativeOf } from "../../core/native.ts";
import { promptText } from "../shared/prompt.ts";

type Ctx = CallContext<AnthropicConfig>;

const CHAT_KEYS: ReadonlySet<string> = new Set([...HANDLED_SAMPLING_KEYS, ...CHAT_ONLY_KEYS]);
const COMPLETIONS_KEYS: ReadonlySet<string> = new Set([...HANDLED_SAMPLING_KEYS, "prompt"]);

/** The headers of every Messages call. */
export function anthropicHeaders(config: AnthropicConfig): Record<string, string> {
  return {
    "content-type": "application/json",
    "x-api-key": config.anthropic_api_key,
    "anthropic-version": config.anthropic_version,
  };
}

function modelOf(ctx: Ctx): string {
  if (ctx.model === null || ctx.model === "") {
    throw new ConfigError(
      `endpoint '${ctx.endpoint}' has no model.name; Anthropic needs a model id (e.g. claude-sonnet-4-5)`,
    );
  }
  return ctx.model;
}

/** Combines the translated fields with forwarded native extras (merging metadata and output_config). */
function assemble(
  base: Record<string, unknown>,
  extras: Record<string, unknown>,
  format: Record<string, unknown> | undefined,
  ctx: Ctx,
): Record<string, unknown> {
  const body: Record<string, unknown> = { ...extras, ...base };
  if (extras.metadata !== undefined && base.metadata !== undefined) {
    body.metadata = { ...(extras.metadata as object), ...(base.metadata as object) };
  }
  if (format !== undefined) {
    body.output_config = { ...((extras.output_config as object | undefined) ?? {}), format };
  }
  if (ctx.stream) body.stream = true;
  return body;
}

/** The Messages body for a chat request. */
export function chatBody(
  request: ChatRequest,
  ctx: Ctx,
  warnings: TranslationWarning[],
): Record<string, unknown> {
  const { system, messages } = toAnthropicMessages(request.messages, warnings);
  const base: Record<string, unknown> = {
    model: modelOf(ctx),
    max_tokens: maxTokensOf(request),
    ...(system === undefined ? {} : { system }),
    messages,
    ...samplingFields(request, warnings),
    ...toolFields(request),
  };
  const format = outputFormat(request.response_format, warnings);
  const extras = extraFields(request, CHAT_KEYS, warnings);
  return assemble(base, extras, format, ctx);
}

/** The Messages body for a completions request: the prompt is one user message. */
export function completionsBody(
  request: CompletionsRequest,
  ctx: Ctx,
  warnings: TranslationWarning[],
): Record<string, unknown> {
  const base: Record<string, unknown> = {
    model: modelOf(ctx),
    max_tokens: maxTokensOf(request),
    messages: [{ role: "user", content: promptText(request, "Anthropic") }],
    ...samplingFields(request, warnings),
  };
  const extras = extraFields(request, COMPLETIONS_KEYS, warnings);
  return assemble(base, extras, undefined, ctx);
}

function upstream(body: Record<string, unknown>, ctx: Ctx, warnings: TranslationWarning[]) {
  return {
    url: messagesUrl(ctx.config.anthropic_api_base),
    headers: anthropicHeaders(ctx.config),
    body: JSON.stringify(body),
    warnings,
  } satisfies UpstreamRequest;
}

/**
 * A complete upstream request for a chat call: the client's own Messages body when it sent one
 * (only `model` and `stream` set here; see core/native.ts), else the translated request.
 */
export function buildChatRequest(request: ChatRequest, ctx: Ctx): UpstreamRequest {
  const own = nativeOf<AnthropicRequest>(request, ANTHROPIC_REQUEST);
  if (own !== undefined) {
    const body = { ...own.body, model: modelOf(ctx), ...(ctx.stream ? { stream: true } : {}) };
    const relayed = upstream(body, ctx, []);
    if (own.beta !== null) relayed.headers["anthropic-beta"] = own.beta;
    return relayed;
  }
  const warnings: TranslationWarning[] = [];
  return upstream(chatBody(request, ctx, warnings), ctx, warnings);
}

/** A complete upstream request for a completions call (served through Messages). */
export function buildCompletionsRequest(request: CompletionsRequest, ctx: Ctx): UpstreamRequest {
  const warnings: TranslationWarning[] = [];
  return upstream(completionsBody(request, ctx, warnings), ctx, warnings);
}
