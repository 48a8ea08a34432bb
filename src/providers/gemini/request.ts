/** Builds `generateContent` / `streamGenerateContent` requests for chat and completions. */
import type { CallContext, TranslationWarning, UpstreamRequest } from "../../core/provider.ts";
import type { ChatRequest } from "../../schemas/chat.ts";
import type { CompletionsRequest } from "../../schemas/completions.ts";
import { type GeminiConfig, geminiHeaders, geminiUrl, modelResource } from "./config.ts";
import {
  applyResponseFormat,
  type GenerationConfig,
  rejectNativeKeys,
  toGenerationConfig,
  unknownFieldWarnings,
} from "./generation.ts";
import { CHAT_ONLY_KEYS, SAMPLING_KEYS } from "../shared/params.ts";
import { type GeminiConversation, toGeminiConversation } from "./messages.ts";
import { type GeminiTools, toGeminiTools } from "./tools.ts";
import { promptText } from "../shared/prompt.ts";

type Ctx = CallContext<GeminiConfig>;

/** The body of a `generateContent` call. */
export interface GenerateContentBody extends GeminiConversation, GeminiTools {
  generationConfig?: GenerationConfig;
}

const CHAT_KEYS: ReadonlySet<string> = new Set([...SAMPLING_KEYS, ...CHAT_ONLY_KEYS]);

const COMPLETIONS_KEYS: ReadonlySet<string> = new Set([
  ...SAMPLING_KEYS,
  "prompt",
  // MLflow's completions accept an extra system prompt
  "system_prompt",
]);

function upstream(
  body: GenerateContentBody,
  ctx: Ctx,
  warnings: TranslationWarning[],
): UpstreamRequest {
  const method = ctx.stream ? "streamGenerateContent" : "generateContent";
  return {
    url: geminiUrl(ctx.config.gemini_api_base, modelResource(ctx.model, ctx.endpoint), method),
    headers: geminiHeaders(ctx.config),
    body: JSON.stringify(body),
    warnings,
  };
}

function withGeneration(body: GenerateContentBody, config: GenerationConfig): GenerateContentBody {
  if (Object.keys(config).length > 0) body.generationConfig = config;
  return body;
}

/** The Gemini body of a chat request (exported for tests). */
export function chatBody(
  request: ChatRequest,
  warnings: TranslationWarning[],
): GenerateContentBody {
  rejectNativeKeys(request);
  unknownFieldWarnings(request, CHAT_KEYS, warnings);
  const body: GenerateContentBody = {
    ...toGeminiConversation(request.messages, warnings),
    ...toGeminiTools(request, warnings),
  };
  const config = toGenerationConfig(request, warnings);
  applyResponseFormat(config, request.response_format);
  return withGeneration(body, config);
}

/** A chat request for `generateContent`, or `streamGenerateContent?alt=sse` when streaming. */
export function buildChatRequest(request: ChatRequest, ctx: Ctx): UpstreamRequest {
  const warnings: TranslationWarning[] = [];
  return upstream(chatBody(request, warnings), ctx, warnings);
}

/** The Gemini body of a completions request: the prompt is one user message. */
export function completionsBody(
  request: CompletionsRequest,
  warnings: TranslationWarning[],
): GenerateContentBody {
  rejectNativeKeys(request);
  unknownFieldWarnings(request, COMPLETIONS_KEYS, warnings);
  const body: GenerateContentBody = {
    contents: [{ role: "user", parts: [{ text: promptText(request, "Gemini") }] }],
  };
  const system = (request as { system_prompt?: unknown }).system_prompt;
  if (typeof system === "string" && system !== "") {
    body.systemInstruction = { parts: [{ text: system }] };
  }
  return withGeneration(body, toGenerationConfig(request, warnings));
}

/** A completions request (same methods as chat). */
export function buildCompletionsRequest(request: CompletionsRequest, ctx: Ctx): UpstreamRequest {
  const warnings: TranslationWarning[] = [];
  return upstream(completionsBody(request, warnings), ctx, warnings);
}
