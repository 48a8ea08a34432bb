/**
 * Anthropic Messages requests → the gateway's internal (OpenAI-shaped) chat request, so any chat
 * endpoint serves them: system blocks become a system message, content blocks become content
 * parts, tool_use blocks the assistant's tool calls, tool_result blocks tool messages, tools and
 * tool_choice OpenAI's, thinking a reasoning effort. What has no place in the internal request is
 * named in a warning, never dropped silently; what cannot be served as asked is a 400.
 */
import { InvalidRequestError } from "../../core/errors.ts";
import type { ChatMessage, ChatRequest, ContentPart, ToolCall } from "../../schemas/chat.ts";
import { validateBody } from "../validate.ts";
import {
  type ContentBlock,
  CountTokensRequest,
  KNOWN_KEYS,
  type MessageParam,
  MessagesRequest,
} from "./wire.ts";

/** A decoded Messages request. */
export interface DecodedMessages {
  /** The endpoint or route the client named as `model`. */
  name: string;
  request: ChatRequest;
  stream: boolean;
  /** The request's stop sequences (an answer's `stop_sequence` names the one it stopped on). */
  stopSequences: string[];
  /** What the internal request could not carry, one line each. */
  warnings: string[];
}

/** Fields whose values are the client's own data (schemas, tool inputs): kept as they are. */
const OPAQUE = new Set(["input_schema", "input"]);

/**
 * A copy of a request without its null fields, since SDKs send null for an unset parameter.
 * The client's own data (a tool's input schema, a tool call's input) keeps its nulls.
 */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === null) continue;
    out[key] = OPAQUE.has(key) ? item : withoutNulls(item);
  }
  return out;
}

function refuse(message: string, param: string): InvalidRequestError {
  return new InvalidRequestError(message, { param, code: "unsupported_content" });
}

/** A data: URL from base64 data. */
function dataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}

/** One user-side content block as a content part (tool results are handled apart). */
function contentPart(block: ContentBlock, at: string): ContentPart {
  switch (block.type) {
    case "text":
      return { type: "text", text: block.text };
    case "image":
      return {
        type: "image_url",
        image_url: {
          url: block.source.type === "base64"
            ? dataUrl(block.source.media_type, block.source.data)
            : block.source.url,
        },
      };
    case "document": {
      const source = block.source;
      if (source.type === "text") {
        const title = block.title ? `${block.title}\n\n` : "";
        return { type: "text", text: `${title}${source.data}` };
      }
      if (source.type === "base64") {
        return {
          type: "file",
          file: {
            file_data: dataUrl(source.media_type, source.data),
            ...(block.title ? { filename: block.title } : {}),
          },
        };
      }
      throw refuse(
        "a document given by URL cannot be passed on; send it as base64 data",
        `${at}.source`,
      );
    }
    default:
      throw refuse(`a ${block.type} block cannot stand here`, `${at}.type`);
  }
}

/** The text of a tool result (its text blocks joined); an error result says so. */
function toolResultText(
  block: Extract<ContentBlock, { type: "tool_result" }>,
  at: string,
): string {
  let text: string;
  if (block.content === undefined) text = "";
  else if (typeof block.content === "string") text = block.content;
  else {
    text = block.content.map((part, i) => {
      if (part.type !== "text") {
        throw refuse(
          "a tool result can carry text only here (its images have no place in a tool message)",
          `${at}.content[${i}]`,
        );
      }
      return part.text;
    }).join("\n");
  }
  return block.is_error ? `Error: ${text}` : text;
}

/** Parts as a message's content: one text part becomes a plain string. */
function asContent(parts: ContentPart[]): string | ContentPart[] | null {
  if (parts.length === 0) return null;
  const only = parts[0];
  return parts.length === 1 && only?.type === "text" ? only.text : parts;
}

/** One Anthropic message as internal messages (a user turn's tool results come first). */
function toMessages(
  message: MessageParam,
  index: number,
  calls: Set<string>,
  warnings: Set<string>,
): ChatMessage[] {
  const at = `messages[${index}]`;
  if (typeof message.content === "string") {
    return [{ role: message.role, content: message.content }];
  }
  const out: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  const toolCalls: ToolCall[] = [];
  message.content.forEach((block, i) => {
    const blockAt = `${at}.content[${i}]`;
    if ("cache_control" in block && block.cache_control !== undefined) {
      warnings.add("cache_control: prompt caching hints are not passed on");
    }
    if (block.type === "thinking" || block.type === "redacted_thinking") {
      warnings.add(`${block.type}: earlier thinking blocks are not passed on`);
      return;
    }
    if (block.type === "tool_use") {
      if (message.role !== "assistant") {
        throw refuse("tool_use blocks belong to assistant turns", blockAt);
      }
      calls.add(block.id);
      toolCalls.push({
        id: block.id,
        type: "function",
        function: { name: block.name, arguments: JSON.stringify(block.input) },
      });
      return;
    }
    if (block.type === "tool_result") {
      if (message.role !== "user") throw refuse("tool_result blocks belong to user turns", blockAt);
      if (!calls.has(block.tool_use_id)) {
        throw refuse(
          `tool_result answers '${block.tool_use_id}', which no earlier tool_use block made`,
          `${blockAt}.tool_use_id`,
        );
      }
      out.push({
        role: "tool",
        tool_call_id: block.tool_use_id,
        content: toolResultText(block, blockAt),
      });
      return;
    }
    parts.push(contentPart(block, blockAt));
  });
  if (message.role === "assistant") {
    const assistant: ChatMessage = { role: "assistant", content: asContent(parts) };
    if (toolCalls.length > 0) assistant.tool_calls = toolCalls;
    if (assistant.content !== null || toolCalls.length > 0) out.push(assistant);
  } else if (parts.length > 0) {
    out.push({ role: "user", content: asContent(parts) });
  }
  return out;
}

/** Anthropic's thinking budget as OpenAI's reasoning effort. */
function effortOf(budget: number): "low" | "medium" | "high" {
  return budget < 4096 ? "low" : budget < 16384 ? "medium" : "high";
}

/** The fields shared by a Messages request and a count_tokens one, as the internal request. */
function toChatRequest(
  body: MessagesRequest | CountTokensRequest,
  warnings: Set<string>,
): ChatRequest {
  const messages: ChatMessage[] = [];
  if (body.system !== undefined) {
    const system = typeof body.system === "string" ? body.system : body.system.map((block) => {
      if (block.cache_control !== undefined) {
        warnings.add("cache_control: prompt caching hints are not passed on");
      }
      return block.text;
    }).join("\n\n");
    if (system !== "") messages.push({ role: "system", content: system });
  }
  const calls = new Set<string>();
  body.messages.forEach((message, i) => messages.push(...toMessages(message, i, calls, warnings)));
  const request: ChatRequest = { messages };
  if (body.tools !== undefined && body.tools.length > 0) {
    request.tools = body.tools.map((tool, i) => {
      if (tool.type !== undefined && tool.type !== "custom") {
        throw refuse(
          `'${tool.type}' is one of Anthropic's server tools, which only Anthropic runs`,
          `tools[${i}].type`,
        );
      }
      if (tool.cache_control !== undefined) {
        warnings.add("cache_control: prompt caching hints are not passed on");
      }
      return {
        type: "function" as const,
        function: {
          name: tool.name,
          ...(tool.description !== undefined ? { description: tool.description } : {}),
          parameters: tool.input_schema ?? { type: "object", properties: {} },
        },
      };
    });
  }
  const choice = body.tool_choice;
  if (choice !== undefined) {
    request.tool_choice = choice.type === "auto"
      ? "auto"
      : choice.type === "any"
      ? "required"
      : choice.type === "none"
      ? "none"
      : { type: "function", function: { name: choice.name } };
    if ("disable_parallel_tool_use" in choice && choice.disable_parallel_tool_use === true) {
      request.parallel_tool_calls = false;
    }
  }
  if (body.stop_sequences !== undefined && body.stop_sequences.length > 0) {
    request.stop = body.stop_sequences;
  }
  if (body.temperature !== undefined) request.temperature = body.temperature;
  if (body.top_p !== undefined) request.top_p = body.top_p;
  if (body.top_k !== undefined) request.top_k = body.top_k;
  if (body.metadata?.user_id !== undefined) request.user = body.metadata.user_id;
  if (body.thinking?.type === "enabled") {
    (request as Record<string, unknown>).reasoning_effort = effortOf(body.thinking.budget_tokens);
  }
  for (const key of Object.keys(body)) {
    if (!KNOWN_KEYS.has(key)) warnings.add(`${key}: not passed on`);
  }
  return request;
}

const BLOCK_TYPES = new Set([
  "text",
  "image",
  "document",
  "tool_use",
  "tool_result",
  "thinking",
  "redacted_thinking",
]);

/** A content block of a type this gateway does not know, named (zod would say "invalid value"). */
function refuseUnknownBlocks(body: unknown): void {
  const messages = (body as { messages?: unknown }).messages;
  if (!Array.isArray(messages)) return;
  messages.forEach((message, i) => {
    const content = (message as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) return;
    content.forEach((block, j) => {
      const type = (block as { type?: unknown } | null)?.type;
      if (typeof type === "string" && !BLOCK_TYPES.has(type)) {
        throw refuse(
          `content blocks of type '${type}' are not supported; use ${[...BLOCK_TYPES].join(", ")}`,
          `messages[${i}].content[${j}].type`,
        );
      }
    });
  });
}

/** Reads a Messages request body (JSON already parsed) into the internal call. */
export function decodeMessagesRequest(body: unknown): DecodedMessages {
  refuseUnknownBlocks(body);
  const parsed = validateBody(MessagesRequest, withoutNulls(body));
  const warnings = new Set<string>();
  const request = toChatRequest(parsed, warnings);
  request.max_tokens = parsed.max_tokens;
  const stream = parsed.stream === true;
  if (stream) {
    request.stream = true;
    // Anthropic's streams always end with their usage.
    request.stream_options = { include_usage: true };
  }
  return {
    name: parsed.model,
    request,
    stream,
    stopSequences: parsed.stop_sequences ?? [],
    warnings: [...warnings],
  };
}

/** Reads a count_tokens body: the endpoint named and the internal request it would send. */
export function decodeCountTokensRequest(body: unknown): { name: string; request: ChatRequest } {
  refuseUnknownBlocks(body);
  const parsed = validateBody(CountTokensRequest, withoutNulls(body));
  return { name: parsed.model, request: toChatRequest(parsed, new Set()) };
}

/** Tokens an image counts for in the estimate (Anthropic's figure for a ~1.15 megapixel image). */
const IMAGE_TOKENS = 1600;

/**
 * An estimate of a request's input tokens, as `/v1/messages/count_tokens` answers when no
 * tokenizer is at hand: about four characters a token over every text, tool schema and tool
 * argument, a few tokens per message, and a fixed count per image or file.
 */
export function countTokensEstimate(request: ChatRequest): number {
  let characters = 0;
  let tokens = 0;
  for (const message of request.messages) {
    tokens += 4;
    if (typeof message.content === "string") characters += message.content.length;
    else {
      for (const part of message.content ?? []) {
        if (part.type === "text") characters += part.text.length;
        else tokens += IMAGE_TOKENS;
      }
    }
    for (const call of message.tool_calls ?? []) {
      characters += call.function.name.length + call.function.arguments.length;
    }
  }
  for (const tool of request.tools ?? []) {
    characters += JSON.stringify(tool.function).length;
  }
  return Math.max(1, tokens + Math.ceil(characters / 4));
}
