/**
 * OpenAI-shaped messages to Converse's `system` and `messages`: content blocks, tool calls as
 * `toolUse`, tool results as `toolResult` in user turns, and consecutive turns of one role merged
 * (Bedrock requires user and assistant turns to alternate).
 */
import { InvalidRequestError } from "../../core/errors.ts";
import type { ChatMessage, ContentPart, ToolCall } from "../../schemas/chat.ts";
import { toDocumentBlock, toImageBlock } from "./media.ts";

export type ConverseBlock = Record<string, unknown>;

export interface ConverseMessage {
  role: "user" | "assistant";
  content: ConverseBlock[];
}

export interface ConverseConversation {
  system: { text: string }[];
  messages: ConverseMessage[];
}

/** The content parts of a message (a string is one text part). */
function partsOf(content: ChatMessage["content"]): ContentPart[] {
  if (content === null || content === undefined) return [];
  if (typeof content === "string") return [{ type: "text", text: content }];
  return content;
}

/** Text only: system messages and tool results given as parts. */
function textOf(content: ChatMessage["content"], param: string, what: string): string {
  return partsOf(content).map((part) => {
    if (part.type === "text") return part.text;
    throw new InvalidRequestError(`${what} may contain only text parts, not '${part.type}'`, {
      param,
    });
  }).join("");
}

function userBlocks(message: ChatMessage, at: number): ConverseBlock[] {
  const param = `messages[${at}].content`;
  return partsOf(message.content).map((part, i): ConverseBlock => {
    switch (part.type) {
      case "text":
        return { text: part.text };
      case "image_url":
        return toImageBlock(part.image_url.url, `${param}[${i}].image_url`);
      case "file":
        return toDocumentBlock(part.file, i, `${param}[${i}].file`);
      case "refusal":
        return { text: part.refusal };
      default:
        throw new InvalidRequestError(
          `Amazon Bedrock's Converse API has no equivalent for '${part.type}' content parts`,
          { param: `${param}[${i}]` },
        );
    }
  });
}

/** Parses a tool call's JSON arguments into the object Converse expects as `input`. */
export function toolInput(call: ToolCall, param: string): unknown {
  const text = call.function.arguments.trim();
  if (text === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidRequestError(
      `the arguments of tool call '${call.id}' are not valid JSON`,
      { param },
    );
  }
}

function assistantBlocks(message: ChatMessage, at: number): ConverseBlock[] {
  const blocks: ConverseBlock[] = [];
  for (const part of partsOf(message.content)) {
    const text = part.type === "text" ? part.text : part.type === "refusal" ? part.refusal : null;
    if (text === null) {
      throw new InvalidRequestError(
        `assistant messages may contain only text, not '${part.type}' parts`,
        { param: `messages[${at}].content` },
      );
    }
    // Clients send `content: ""` beside tool calls; Bedrock rejects blank text blocks.
    if (text !== "") blocks.push({ text });
  }
  for (const [i, call] of (message.tool_calls ?? []).entries()) {
    blocks.push({
      toolUse: {
        toolUseId: call.id,
        name: call.function.name,
        input: toolInput(call, `messages[${at}].tool_calls[${i}].function.arguments`),
      },
    });
  }
  return blocks;
}

/** A tool result: JSON objects as `{json}`, anything else as `{text}`. */
function toolResultContent(message: ChatMessage, at: number): ConverseBlock[] {
  const param = `messages[${at}].content`;
  const parts = partsOf(message.content);
  if (parts.some((part) => part.type === "image_url")) {
    return parts.map((part, i) =>
      part.type === "image_url"
        ? toImageBlock(part.image_url.url, `${param}[${i}].image_url`)
        : { text: textOf([part], param, "a tool result") }
    );
  }
  const text = textOf(message.content, param, "a tool result");
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      const json: unknown = JSON.parse(trimmed);
      if (json !== null && typeof json === "object" && !Array.isArray(json)) return [{ json }];
    } catch {
      // not JSON after all: sent as text
    }
  }
  return [{ text }];
}

function toolResultBlock(message: ChatMessage, at: number): ConverseBlock {
  if (!message.tool_call_id) {
    throw new InvalidRequestError("a tool message needs 'tool_call_id'", {
      param: `messages[${at}].tool_call_id`,
    });
  }
  return {
    toolResult: { toolUseId: message.tool_call_id, content: toolResultContent(message, at) },
  };
}

/** Splits system messages off and converts the turns, merging consecutive turns of one role. */
export function toConverseConversation(messages: readonly ChatMessage[]): ConverseConversation {
  const system: { text: string }[] = [];
  const turns: ConverseMessage[] = [];
  const push = (role: ConverseMessage["role"], content: ConverseBlock[]) => {
    const last = turns[turns.length - 1];
    if (last && last.role === role) last.content.push(...content);
    else turns.push({ role, content });
  };
  for (const [at, message] of messages.entries()) {
    switch (message.role) {
      case "system":
      case "developer": {
        const text = textOf(message.content, `messages[${at}].content`, "a system message");
        if (text !== "") system.push({ text });
        break;
      }
      case "user":
        push("user", userBlocks(message, at));
        break;
      case "assistant":
        push("assistant", assistantBlocks(message, at));
        break;
      case "tool":
        push("user", [toolResultBlock(message, at)]);
        break;
      case "function":
        throw new InvalidRequestError(
          "legacy 'function' messages are not supported for Amazon Bedrock; use tools and " +
            "'tool' messages",
          { param: `messages[${at}].role` },
        );
    }
  }
  return { system, messages: turns };
}

/** Whether the conversation already holds tool calls or results (Bedrock then needs toolConfig). */
export function hasToolBlocks(messages: readonly ConverseMessage[]): boolean {
  return messages.some((m) => m.content.some((b) => "toolUse" in b || "toolResult" in b));
}
