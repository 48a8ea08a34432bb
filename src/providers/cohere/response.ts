/** Cohere v2 responses as canonical chat, completions and embeddings responses. */
import type { CallContext } from "../../core/provider.ts";
import type { ChatResponse, ToolCall } from "../../schemas/chat.ts";
import type { CompletionsResponse } from "../../schemas/completions.ts";
import type { EmbeddingsResponse } from "../../schemas/embeddings.ts";
import { parseWire } from "../parse_wire.ts";
import { unixNow } from "../shared/chunks.ts";
import { mapCohereFinishReason } from "./finish_reason.ts";
import { cohereUsage } from "./usage.ts";
import { WireChatResponse, WireEmbedResponse } from "./wire.ts";

const NAME = "Cohere";

/** A tool call's arguments as the JSON string OpenAI clients parse. */
export function argumentsText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "{}";
  return JSON.stringify(value);
}

/** The text of a response message: its text items joined (thinking items are left out). */
function messageText(message: WireChatResponse["message"]): string {
  return (message.content ?? [])
    .filter((item) => item.type === "text")
    .map((item) => item.text ?? "")
    .join("");
}

function toolCalls(wire: WireChatResponse): ToolCall[] {
  return (wire.message.tool_calls ?? []).map((call, i) => ({
    id: call.id ?? `call_${wire.id ?? "cohere"}_${i}`,
    type: "function" as const,
    function: { name: call.function.name, arguments: argumentsText(call.function.arguments) },
  }));
}

/**
 * A chat response. Cohere's `tool_plan` (its text before tool calls) is the message content
 * when there is no other text, so the plan is kept and round-trips back as `tool_plan`.
 */
export function parseCohereChat(json: unknown, ctx: CallContext<unknown>): ChatResponse {
  const wire = parseWire(WireChatResponse, json, NAME);
  const calls = toolCalls(wire);
  const text = messageText(wire.message) || wire.message.tool_plan || "";
  return {
    id: wire.id ?? null,
    object: "chat.completion",
    created: unixNow(),
    model: ctx.model ?? "",
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: text === "" && calls.length > 0 ? null : text,
        tool_calls: calls.length > 0 ? calls : null,
        refusal: null,
      },
      finish_reason: mapCohereFinishReason(wire.finish_reason, calls.length > 0),
    }],
    usage: cohereUsage(wire.usage),
  };
}

/** A completions response read from a `/v2/chat` answer. */
export function parseCohereCompletions(
  json: unknown,
  ctx: CallContext<unknown>,
): CompletionsResponse {
  const wire = parseWire(WireChatResponse, json, NAME);
  return {
    id: wire.id ?? null,
    object: "text_completion",
    created: unixNow(),
    model: ctx.model ?? "",
    choices: [{
      index: 0,
      text: messageText(wire.message),
      finish_reason: mapCohereFinishReason(wire.finish_reason, false),
    }],
    usage: cohereUsage(wire.usage),
  };
}

/** An embeddings response from `embeddings.float`. */
export function parseCohereEmbed(json: unknown, ctx: CallContext<unknown>): EmbeddingsResponse {
  const wire = parseWire(WireEmbedResponse, json, NAME);
  const tokens = wire.meta?.tokens?.input_tokens ?? wire.meta?.billed_units?.input_tokens ?? null;
  return {
    object: "list",
    data: wire.embeddings.float.map((embedding, index) => ({
      object: "embedding" as const,
      embedding,
      index,
    })),
    model: ctx.model ?? "",
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
