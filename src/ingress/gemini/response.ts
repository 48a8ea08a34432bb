/**
 * The internal chat answer as Google's `GenerateContentResponse` (candidates with parts, finish
 * reasons in Gemini's words, `usageMetadata`), and errors in Google's envelope
 * (`{"error": {"code", "message", "status"}}`).
 */
import type { GatewayError } from "../../core/errors.ts";
import type { Redactor } from "../../observe/redact.ts";
import type { ChatResponse } from "../../schemas/chat.ts";
import type { Usage } from "../../schemas/common.ts";

export type GeminiPart =
  | { text: string }
  | { functionCall: { id?: string; name: string; args: Record<string, unknown> } };

/** Gemini's finish reason for an OpenAI one. */
export function geminiFinishReason(reason: string | null | undefined): string | undefined {
  if (reason === null || reason === undefined) return undefined;
  if (reason === "length") return "MAX_TOKENS";
  if (reason === "content_filter") return "SAFETY";
  return "STOP";
}

/** Usage in Gemini's names. */
export function usageMetadata(usage: Usage | null | undefined): Record<string, number> | undefined {
  if (usage === null || usage === undefined) return undefined;
  const prompt = usage.prompt_tokens ?? 0;
  const candidates = usage.completion_tokens ?? 0;
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: usage.total_tokens ?? prompt + candidates,
  };
}

/** A tool call's JSON arguments as Gemini's `args` object. */
export function argsOf(text: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(text === "" ? "{}" : text);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? parsed
      : { value: parsed };
  } catch {
    return { arguments: text };
  }
}

/** A complete answer as Gemini's response. */
export function toGenerateContentResponse(
  answer: ChatResponse,
  model: string,
): Record<string, unknown> {
  return {
    candidates: answer.choices.map((choice) => {
      const parts: GeminiPart[] = [];
      const content = choice.message.content;
      const text = typeof content === "string"
        ? content
        : (content ?? []).map((part) => part.type === "text" ? part.text : "").join("");
      if (text !== "") parts.push({ text });
      for (const call of choice.message.tool_calls ?? []) {
        parts.push({
          functionCall: {
            id: call.id,
            name: call.function.name,
            args: argsOf(call.function.arguments),
          },
        });
      }
      return {
        content: { role: "model", parts },
        finishReason: geminiFinishReason(choice.finish_reason) ?? "STOP",
        index: choice.index,
      };
    }),
    ...(usageMetadata(answer.usage) ? { usageMetadata: usageMetadata(answer.usage) } : {}),
    modelVersion: model,
    ...(answer.id ? { responseId: answer.id } : {}),
  };
}

const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  413: "INVALID_ARGUMENT",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  501: "UNIMPLEMENTED",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

/** Google's error body for a gateway error (secrets removed). */
export function geminiErrorBody(error: GatewayError, redactor: Redactor) {
  return redactor.redactDeep({
    error: {
      code: error.status,
      message: error.message,
      status: STATUS_NAMES[error.status] ?? (error.status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT"),
    },
  });
}
