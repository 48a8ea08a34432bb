/** Converse responses to canonical chat completions and text completions. */
import type { CallContext } from "../../core/provider.ts";
import type { ChatResponse, ResponseMessage, ToolCall } from "../../schemas/chat.ts";
import type { CompletionsResponse } from "../../schemas/completions.ts";
import type { Usage } from "../../schemas/common.ts";
import { parseWire } from "../parse_wire.ts";
import { unixNow } from "../shared/chunks.ts";
import { tokenUsage, withTokenDetails } from "../shared/usage.ts";
import { mapStopReason } from "./finish_reason.ts";
import { WireConverseResponse, type WireTokenUsage } from "./wire.ts";
import { PROVIDER_NAME } from "./config.ts";

/**
 * Bedrock's token counts in OpenAI's names (total computed when left out). With prompt caching,
 * Bedrock reports the tokens read from and written to the cache apart from `inputTokens` (as
 * Anthropic does): the prompt tokens are all three, and the cache reads are `cached_tokens`.
 */
export function usageOf(usage: WireTokenUsage | null | undefined): Usage {
  const read = usage?.cacheReadInputTokens;
  const written = usage?.cacheWriteInputTokens;
  if (typeof read !== "number" && typeof written !== "number") {
    return tokenUsage(usage?.inputTokens ?? null, usage?.outputTokens ?? null, usage?.totalTokens);
  }
  const prompt = (usage?.inputTokens ?? 0) + (read ?? 0) + (written ?? 0);
  return withTokenDetails(tokenUsage(prompt, usage?.outputTokens ?? null, undefined), {
    cached: read,
  });
}

/** A fresh response id (Converse responses carry none in the body). */
export function responseId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().replaceAll("-", "")}`;
}

interface Output {
  text: string | null;
  reasoning: string | null;
  toolCalls: ToolCall[];
  stopReason: string | null | undefined;
  usage: Usage;
}

function readOutput(json: unknown): Output {
  const wire = parseWire(WireConverseResponse, json, PROVIDER_NAME);
  let text: string | null = null;
  let reasoning: string | null = null;
  const toolCalls: ToolCall[] = [];
  for (const block of wire.output.message.content) {
    if (typeof block.text === "string") text = (text ?? "") + block.text;
    const thought = block.reasoningContent?.reasoningText?.text;
    if (typeof thought === "string") reasoning = (reasoning ?? "") + thought;
    if (block.toolUse) {
      toolCalls.push({
        id: block.toolUse.toolUseId,
        type: "function",
        function: {
          name: block.toolUse.name,
          arguments: JSON.stringify(block.toolUse.input ?? {}),
        },
      });
    }
  }
  return { text, reasoning, toolCalls, stopReason: wire.stopReason, usage: usageOf(wire.usage) };
}

/** A Converse answer as a chat completion (text joined, tool uses as tool_calls). */
export function parseChatResponse(json: unknown, ctx: CallContext<unknown>): ChatResponse {
  const out = readOutput(json);
  const message: ResponseMessage = {
    role: "assistant",
    content: out.text,
    tool_calls: out.toolCalls.length > 0 ? out.toolCalls : null,
    refusal: null,
  };
  if (out.reasoning !== null) message.reasoning_content = out.reasoning;
  return {
    id: responseId("chatcmpl"),
    object: "chat.completion",
    created: unixNow(),
    model: ctx.model ?? "",
    choices: [{
      index: 0,
      message,
      finish_reason: mapStopReason(out.stopReason, out.toolCalls.length > 0),
    }],
    usage: out.usage,
  };
}

/** A Converse answer as a text completion. */
export function parseCompletionsResponse(
  json: unknown,
  ctx: CallContext<unknown>,
): CompletionsResponse {
  const out = readOutput(json);
  return {
    id: responseId("cmpl"),
    object: "text_completion",
    created: unixNow(),
    model: ctx.model ?? "",
    choices: [{
      index: 0,
      text: out.text ?? "",
      finish_reason: mapStopReason(out.stopReason, false),
    }],
    usage: out.usage,
  };
}
