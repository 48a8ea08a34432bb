/** Gemini `generateContent` answers as canonical chat and completions responses. */
import { PROVIDER } from "./config.ts";
import { InvalidRequestError, ProviderError } from "../../core/errors.ts";
import type { CallContext } from "../../core/provider.ts";
import type { ChatResponse, ToolCall } from "../../schemas/chat.ts";
import type { CompletionsResponse } from "../../schemas/completions.ts";
import { parseWire } from "../parse_wire.ts";
import { unixNow } from "../shared/chunks.ts";
import { mapGeminiFinishReason } from "./finish_reason.ts";
import { stableCallId } from "./tools.ts";
import { geminiUsage } from "./usage.ts";
import { type WireCandidate, type WireFunctionCall, WireGenerateResponse } from "./wire.ts";

/** A tool call as the client sees it; its thought signature rides along for the next turn. */
export function toToolCall(
  call: WireFunctionCall,
  signature: string | null | undefined,
  position: number,
): ToolCall {
  const args = call.args ?? {};
  const toolCall: ToolCall = {
    id: call.id || stableCallId(call.name, args, position),
    type: "function",
    function: { name: call.name, arguments: JSON.stringify(args) },
  };
  // Google's own OpenAI-compatible API uses this field; clients that send the assistant
  // message back unchanged return it, and Gemini 3 needs it on the next turn.
  if (signature) toolCall.extra_content = { google: { thought_signature: signature } };
  return toolCall;
}

/**
 * The text (thought summaries left out) and function calls of one candidate; `firstPosition`
 * numbers the calls after those already streamed (for derived ids).
 */
export function candidateOutput(
  candidate: WireCandidate,
  firstPosition = 0,
): { text: string | null; toolCalls: ToolCall[] } {
  let text: string | null = null;
  const toolCalls: ToolCall[] = [];
  for (const part of candidate.content?.parts ?? []) {
    if (part.thought === true) continue;
    if (part.functionCall) {
      toolCalls.push(
        toToolCall(part.functionCall, part.thoughtSignature, firstPosition + toolCalls.length),
      );
    } else if (typeof part.text === "string") {
      text = (text ?? "") + part.text;
    }
  }
  return { text, toolCalls };
}

/**
 * A prompt Gemini refused to answer: a 400 naming the reason (the client must change the
 * prompt, so retrying or falling back would not help).
 */
export function promptBlocked(wire: WireGenerateResponse): InvalidRequestError | undefined {
  const reason = wire.promptFeedback?.blockReason;
  if (!reason) return undefined;
  const detail = wire.promptFeedback?.blockReasonMessage;
  return new InvalidRequestError(
    `Gemini blocked the prompt (blockReason ${reason})${detail ? `: ${detail}` : ""}`,
    { code: "prompt_blocked" },
  );
}

function candidatesOf(wire: WireGenerateResponse): WireCandidate[] {
  const candidates = wire.candidates ?? [];
  if (candidates.length === 0) {
    throw promptBlocked(wire) ??
      new ProviderError(502, "upstream_error", `${PROVIDER} returned no candidates`, {
        retryable: true,
      });
  }
  return [...candidates].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
}

/** A chat completion: one choice per candidate. */
export function parseChatResponse(json: unknown, ctx: CallContext<unknown>): ChatResponse {
  const wire = parseWire(WireGenerateResponse, json, PROVIDER);
  const created = unixNow();
  return {
    id: wire.responseId ?? `gemini-chat-${created}`,
    object: "chat.completion",
    created,
    model: wire.modelVersion ?? ctx.model ?? "",
    choices: candidatesOf(wire).map((candidate, i) => {
      const { text, toolCalls } = candidateOutput(candidate);
      const hasCalls = toolCalls.length > 0;
      return {
        index: candidate.index ?? i,
        message: {
          role: "assistant",
          content: text,
          tool_calls: hasCalls ? toolCalls : null,
          refusal: null,
        },
        finish_reason: mapGeminiFinishReason(candidate.finishReason ?? "STOP", hasCalls),
      };
    }),
    usage: geminiUsage(wire.usageMetadata),
  };
}

/** A text completion: one choice per candidate. */
export function parseCompletionsResponse(
  json: unknown,
  ctx: CallContext<unknown>,
): CompletionsResponse {
  const wire = parseWire(WireGenerateResponse, json, PROVIDER);
  const created = unixNow();
  return {
    id: wire.responseId ?? `gemini-completion-${created}`,
    object: "text_completion",
    created,
    model: wire.modelVersion ?? ctx.model ?? "",
    choices: candidatesOf(wire).map((candidate, i) => ({
      index: candidate.index ?? i,
      text: candidateOutput(candidate).text ?? "",
      finish_reason: mapGeminiFinishReason(candidate.finishReason ?? "STOP", false),
    })),
    usage: geminiUsage(wire.usageMetadata),
  };
}
