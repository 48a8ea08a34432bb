/** Messages API responses → canonical chat and text completion responses. */
import { DISPLAY_NAME } from "./config.ts";
import { ANTHROPIC_ANSWER, attachNative } from "../../core/native.ts";
import type { CallContext } from "../../core/provider.ts";
import type { ChatResponse, ResponseMessage, ToolCall } from "../../schemas/chat.ts";
import type { CompletionsResponse } from "../../schemas/completions.ts";
import { parseWire } from "../parse_wire.ts";
import { unixNow } from "../shared/chunks.ts";
import { mapAnthropicStopReason } from "./finish_reason.ts";
import { mapAnthropicUsage } from "./usage.ts";
import { type WireContentBlock, WireMessage } from "./wire.ts";

/** What the content blocks of an answer add up to. */
export interface AnswerParts {
  text: string;
  /** Extended-thinking text, if the model thought aloud. */
  reasoning: string;
  toolCalls: ToolCall[];
}

/**
 * Folds content blocks: text is concatenated, tool_use blocks become tool calls (arguments as a
 * JSON string), thinking is kept apart. Server-tool and redacted-thinking blocks carry nothing
 * an OpenAI client can use and are skipped.
 */
export function collectBlocks(blocks: readonly WireContentBlock[]): AnswerParts {
  const parts: AnswerParts = { text: "", reasoning: "", toolCalls: [] };
  for (const block of blocks) {
    if (block.type === "text") parts.text += block.text ?? "";
    else if (block.type === "thinking") parts.reasoning += block.thinking ?? "";
    else if (block.type === "tool_use") {
      parts.toolCalls.push({
        id: block.id ?? `toolu_${parts.toolCalls.length}`,
        type: "function",
        function: { name: block.name ?? "", arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  return parts;
}

/** A chat completion with one choice; content is a plain string (null for tool calls only). */
export function parseChatResponse(json: unknown, ctx: CallContext<unknown>): ChatResponse {
  const wire = parseWire(WireMessage, json, DISPLAY_NAME);
  const { text, reasoning, toolCalls } = collectBlocks(wire.content);
  const hasTools = toolCalls.length > 0;
  const message: ResponseMessage = {
    role: "assistant",
    content: text === "" && hasTools ? null : text,
    tool_calls: hasTools ? toolCalls : null,
    refusal: null,
  };
  if (reasoning !== "") message.reasoning_content = reasoning;
  // The message as it came, for an Anthropic client (core/native.ts).
  return attachNative(
    {
      id: wire.id ?? null,
      object: "chat.completion",
      created: unixNow(),
      model: wire.model ?? ctx.model ?? "",
      choices: [{
        index: 0,
        message,
        finish_reason: mapAnthropicStopReason(wire.stop_reason, hasTools),
      }],
      usage: mapAnthropicUsage(wire.usage),
    } satisfies ChatResponse,
    ANTHROPIC_ANSWER,
    json,
  );
}

/** A text completion: the answer's text. */
export function parseCompletionsResponse(
  json: unknown,
  ctx: CallContext<unknown>,
): CompletionsResponse {
  const wire = parseWire(WireMessage, json, DISPLAY_NAME);
  return {
    id: wire.id ?? null,
    object: "text_completion",
    created: unixNow(),
    model: wire.model ?? ctx.model ?? "",
    choices: [{
      index: 0,
      text: collectBlocks(wire.content).text,
      finish_reason: mapAnthropicStopReason(wire.stop_reason, false),
    }],
    usage: mapAnthropicUsage(wire.usage),
  };
}
