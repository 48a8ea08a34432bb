/**
 * Builds TGI requests: chat through the Messages API (`/v1/chat/completions`, OpenAI-shaped),
 * completions through `/generate` and `/generate_stream` (`{inputs, parameters}`).
 */
import { InvalidRequestError } from "../../core/errors.ts";
import type { CallContext, TranslationWarning, UpstreamRequest } from "../../core/provider.ts";
import type { ChatMessage, ChatRequest } from "../../schemas/chat.ts";
import type { CompletionsRequest } from "../../schemas/completions.ts";
import {
  CHAT_ONLY_KEYS,
  copyExtras,
  type ExtrasPolicy,
  SAMPLING_KEYS,
  stopList,
  warnSingleChoice,
} from "../shared/params.ts";
import { type TgiConfig, tgiHeaders, tgiUrl } from "./config.ts";
import { promptText } from "../shared/prompt.ts";

type Ctx = CallContext<TgiConfig>;

/** TGI's `top_p` must lie strictly between 0 and 1. */
const MIN_TOP_P = 0.001;

const CHAT_EXTRAS: ExtrasPolicy = {
  provider: "TGI",
  known: new Set([...SAMPLING_KEYS, ...CHAT_ONLY_KEYS]),
  /** Messages API fields a client may send as extras; they reach TGI unchanged. */
  passthrough: new Set(["guideline"]),
};
const GENERATE_EXTRAS: ExtrasPolicy = {
  provider: "TGI",
  known: new Set([...SAMPLING_KEYS, "prompt", "echo", "suffix"]),
  /** `/generate` parameters a client may send as extras; they go into `parameters` unchanged. */
  passthrough: new Set([
    "repetition_penalty",
    "typical_p",
    "truncate",
    "watermark",
    "top_n_tokens",
    "grammar",
    "do_sample",
    "adapter_id",
    "best_of",
  ]),
};

/**
 * `top_p` as TGI accepts it: 1 means "no nucleus filtering", which is TGI's default, so it is
 * left out; 0 (or less) is raised to the smallest value TGI takes, with a warning.
 */
function tgiTopP(topP: number | undefined, warnings: TranslationWarning[]): number | undefined {
  if (topP === undefined || topP >= 1) return undefined;
  if (topP <= 0) {
    warnings.push({
      type: "clamped",
      param: "top_p",
      message: `TGI needs 0 < top_p < 1; ${topP} was sent as ${MIN_TOP_P}`,
    });
    return MIN_TOP_P;
  }
  return topP;
}

/** Messages for TGI's chat template: text and image_url parts; tools are refused earlier. */
function toTgiMessage(message: ChatMessage, at: number): Record<string, unknown> {
  if (message.role === "tool" || message.role === "function" || message.tool_calls?.length) {
    throw new InvalidRequestError(
      `messages[${at}] is part of a tool call, but this gateway does not pass tools to TGI (tool support varies by model and TGI version)`,
      { param: `messages[${at}]` },
    );
  }
  const role = message.role === "developer" ? "system" : message.role;
  const content = message.content;
  if (Array.isArray(content)) {
    for (const part of content) {
      if (part.type !== "text" && part.type !== "image_url") {
        throw new InvalidRequestError(
          `TGI takes text and image_url content, not '${part.type}' (messages[${at}])`,
          { param: `messages[${at}].content` },
        );
      }
    }
  }
  return { role, content: content ?? "" };
}

/** The `/v1/chat/completions` body. */
export function toTgiChatBody(
  request: ChatRequest,
  ctx: Ctx,
  warnings: TranslationWarning[],
): Record<string, unknown> {
  const choice = request.tool_choice;
  if (
    (request.tools?.length ?? 0) > 0 ||
    (choice !== undefined && choice !== "none" && choice !== "auto")
  ) {
    throw new InvalidRequestError(
      "tools are not supported on Hugging Face TGI endpoints: TGI's tool calling depends on the model's chat template and the TGI version, so the gateway does not offer it; call the endpoint without 'tools'",
      { param: "tools", code: "tools_not_supported" },
    );
  }
  let named = false;
  const messages = request.messages.map((message, at) => {
    if (message.name !== undefined) named = true;
    return toTgiMessage(message, at);
  });
  if (named) {
    warnings.push({
      type: "unsupported",
      param: "messages[].name",
      message: "TGI's chat template has no participant names; they were not sent",
    });
  }
  const body: Record<string, unknown> = { model: ctx.model ?? "tgi", messages };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  const topP = tgiTopP(request.top_p, warnings);
  if (topP !== undefined) body.top_p = topP;
  if (request.top_k !== undefined) {
    warnings.push({
      type: "unsupported",
      param: "top_k",
      message: "TGI's Messages API has no top_k; use a completions endpoint for top_k",
    });
  }
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens !== undefined) body.max_tokens = maxTokens;
  const stop = stopList(request.stop);
  if (stop !== undefined) body.stop = stop;
  for (const key of ["seed", "frequency_penalty", "presence_penalty"] as const) {
    if (request[key] !== undefined) body[key] = request[key];
  }
  warnSingleChoice("TGI", request.n, warnings);
  const format = request.response_format;
  if (format?.type === "json_schema" && format.json_schema?.schema !== undefined) {
    body.response_format = { type: "json", value: format.json_schema.schema };
  } else if (format !== undefined && format.type !== "text") {
    warnings.push({
      type: "unsupported",
      param: "response_format",
      message: "TGI constrains output only to a JSON schema; send json_schema with a schema",
    });
  }
  copyExtras(request, CHAT_EXTRAS, body, warnings);
  if (ctx.stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return body;
}

/** The `/generate` (or `/generate_stream`) body: `{inputs, parameters}`. */
export function toTgiGenerateBody(
  request: CompletionsRequest,
  ctx: Ctx,
  warnings: TranslationWarning[],
): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens !== undefined) parameters.max_new_tokens = maxTokens;
  if (request.temperature !== undefined) {
    // TGI refuses temperature 0; greedy decoding (no sampling) is what 0 means.
    if (request.temperature === 0) parameters.do_sample = false;
    else {
      parameters.temperature = request.temperature;
      parameters.do_sample = true;
    }
  }
  const topP = tgiTopP(request.top_p, warnings);
  if (topP !== undefined) parameters.top_p = topP;
  if (request.top_k !== undefined) parameters.top_k = request.top_k;
  const stop = stopList(request.stop);
  if (stop !== undefined) parameters.stop = stop;
  if (request.seed !== undefined) parameters.seed = request.seed;
  if (request.frequency_penalty !== undefined) {
    parameters.frequency_penalty = request.frequency_penalty;
  }
  if (request.presence_penalty !== undefined) {
    warnings.push({
      type: "unsupported",
      param: "presence_penalty",
      message: "TGI's /generate has no presence_penalty (it has repetition_penalty)",
    });
  }
  if (request.echo === true) {
    if (ctx.stream) {
      warnings.push({
        type: "unsupported",
        param: "echo",
        message: "TGI streams only the generated tokens; the prompt is not echoed in a stream",
      });
    } else parameters.return_full_text = true;
  }
  if (request.suffix !== undefined) {
    warnings.push({
      type: "unsupported",
      param: "suffix",
      message: "TGI has no suffix (fill-in-the-middle) mode; the suffix was not sent",
    });
  }
  warnSingleChoice("TGI", request.n, warnings);
  copyExtras(request, GENERATE_EXTRAS, parameters, warnings);
  parameters.details = true;
  // Prefill details give the prompt's token count; TGI refuses them when streaming.
  if (!ctx.stream) parameters.decoder_input_details = true;
  return { inputs: promptText(request, "Hugging Face TGI"), parameters };
}

/** The upstream request of a chat call. */
export function buildTgiChatRequest(request: ChatRequest, ctx: Ctx): UpstreamRequest {
  const warnings: TranslationWarning[] = [];
  const body = toTgiChatBody(request, ctx, warnings);
  return {
    url: tgiUrl(ctx.config, "v1/chat/completions"),
    headers: tgiHeaders(ctx.config, ctx.stream),
    body: JSON.stringify(body),
    warnings,
  };
}

/** The upstream request of a completions call. */
export function buildTgiGenerateRequest(request: CompletionsRequest, ctx: Ctx): UpstreamRequest {
  const warnings: TranslationWarning[] = [];
  const body = toTgiGenerateBody(request, ctx, warnings);
  return {
    url: tgiUrl(ctx.config, ctx.stream ? "generate_stream" : "generate"),
    headers: tgiHeaders(ctx.config, ctx.stream),
    body: JSON.stringify(body),
    warnings,
  };
}
