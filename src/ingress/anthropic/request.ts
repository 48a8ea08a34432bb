/**
 * Anthropic Messages requests → the gateway's internal (OpenAI-shaped) chat request, so any chat
 * endpoint serves them: system blocks become a system message, content blocks become content
 * parts, tool_use blocks the assistant's tool calls, tool_result blocks tool messages, tools and
 * tool_choice OpenAI's, thinking a reasoning effort. What has no place in the internal request is
 * named in a warning, never dropped silently; what cannot be served as asked is a 400.
 */
import { InvalidRequestError } from "../../core/errors.ts";
import type {
  ChatMessage,
  ChatRequest,
  ContentPart,
  Tool,
  ToolCall,
  ToolChoice,
} from "../../schemas/chat.ts";
import { validateBody, withoutNulls as withoutNullsIn } from "../validate.ts";
import {
  anthropicWire,
  type BlocksCountTokensRequest,
  type BlocksMessagesRequest,
  type ContentBlock,
  type ToolResultContentBlock,
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
  /** The client's body without its null fields (what an Anthropic upstream is sent). */
  body: Record<string, unknown>;
}

/** Fields whose values are the client's own data (schemas, tool inputs): kept as they are. */
const OPAQUE = new Set(["input_schema", "input", "schema"]);

/** A copy of a request without its null fields (the client's own data keeps them). */
export function withoutNulls(value: unknown): unknown {
  return withoutNullsIn(value, OPAQUE);
}

/** A body whose message contents and system prompt given as strings are one text block each. */
export function withTextBlocks(body: unknown): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
  const out: Record<string, unknown> = { ...body };
  if (typeof out.system === "string") out.system = [{ type: "text", text: out.system }];
  if (Array.isArray(out.messages)) {
    out.messages = out.messages.map((message: unknown) => {
      const content = (message as { content?: unknown } | null)?.content;
      return typeof content === "string"
        ? { ...(message as object), content: [{ type: "text", text: content }] }
        : message;
    });
  }
  return out;
}

function refuse(message: string, param: string): InvalidRequestError {
  return new InvalidRequestError(message, { param, code: "unsupported_content" });
}

const CACHE_CONTROL = "cache_control: prompt caching hints are not passed on";
const CITATIONS = "citations: citations are not passed on (answers carry none)";

/** Whether a value asks for nothing (`false`, an empty list): no warning is due. */
function asksForNothing(value: unknown): boolean {
  return value === false || (Array.isArray(value) && value.length === 0);
}

/** Warns about each key of `value` that the decoder does not carry over. */
function noteExtraKeys(
  value: object,
  handled: ReadonlySet<string>,
  label: string,
  warnings: Set<string>,
): void {
  for (const [key, item] of Object.entries(value)) {
    if (!handled.has(key) && !asksForNothing(item)) warnings.add(`${label}.${key}: not passed on`);
  }
}

/** Warns about what a content block asks for that the internal request cannot carry. */
function noteBlock(block: { type: string }, warnings: Set<string>): void {
  const fields = block as Record<string, unknown>;
  const known = anthropicWire().BLOCK_KEYS.get(block.type) ?? new Set();
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || asksForNothing(value)) continue;
    if (key === "cache_control") warnings.add(CACHE_CONTROL);
    else if (key === "citations") {
      if ((value as { enabled?: unknown }).enabled !== false) warnings.add(CITATIONS);
    } else if (key === "context" && block.type === "document") {
      warnings.add("document.context: not passed on");
    } else if (!known.has(key)) warnings.add(`${block.type}.${key}: not passed on`);
  }
}

/** A data: URL from base64 data. */
function dataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}

type PartBlock = ContentBlock | ToolResultContentBlock;

/** A document block as content parts: text stays text, base64 data becomes a file part. */
function documentParts(
  block: Extract<ContentBlock, { type: "document" }>,
  at: string,
  warnings: Set<string>,
): ContentPart[] {
  const source = block.source;
  switch (source.type) {
    case "text": {
      const title = block.title ? `${block.title}\n\n` : "";
      return [{ type: "text", text: `${title}${source.data}` }];
    }
    case "content": {
      const title: ContentPart[] = block.title ? [{ type: "text", text: block.title }] : [];
      if (typeof source.content === "string") {
        return [...title, { type: "text", text: source.content }];
      }
      return [
        ...title,
        ...source.content.flatMap((inner, i) =>
          contentParts(inner, `${at}.source.content[${i}]`, warnings)
        ),
      ];
    }
    case "base64":
      return [{
        type: "file",
        file: {
          file_data: dataUrl(source.media_type, source.data),
          filename: block.title ??
            (source.media_type === "application/pdf" ? "document.pdf" : "document"),
        },
      }];
    case "url":
      throw refuse(
        "a document given by URL cannot be passed on; send it as base64 data",
        `${at}.source`,
      );
    case "file":
      throw refuse(
        "a document stored with Anthropic's Files API cannot be read by the gateway; send it as base64 data",
        `${at}.source`,
      );
  }
}

/** One user-side content block as content parts (tool use and results are handled apart). */
function contentParts(block: PartBlock, at: string, warnings: Set<string>): ContentPart[] {
  noteBlock(block, warnings);
  switch (block.type) {
    case "text":
      return [{ type: "text", text: block.text }];
    case "image": {
      const source = block.source;
      if (source.type === "file") {
        throw refuse(
          "an image stored with Anthropic's Files API cannot be read by the gateway; send it as base64 data or a URL",
          `${at}.source`,
        );
      }
      const url = source.type === "base64" ? dataUrl(source.media_type, source.data) : source.url;
      return [{ type: "image_url", image_url: { url } }];
    }
    case "document":
      return documentParts(block, at, warnings);
    default:
      throw refuse(`a ${block.type} block cannot stand here`, `${at}.type`);
  }
}

/**
 * A tool result's content: its text (text blocks joined with newlines), or content parts when it
 * holds images or files. An error result says so in front.
 */
function toolResultContent(
  block: Extract<ContentBlock, { type: "tool_result" }>,
  at: string,
  warnings: Set<string>,
): string | ContentPart[] {
  const content = block.content;
  const parts: ContentPart[] = content === undefined
    ? []
    : typeof content === "string"
    ? [{ type: "text", text: content }]
    : content.flatMap((inner, i) => contentParts(inner, `${at}.content[${i}]`, warnings));
  if (block.is_error === true) {
    const first = parts[0];
    if (first?.type === "text") parts[0] = { type: "text", text: `Error: ${first.text}` };
    else parts.unshift({ type: "text", text: "Error" });
  }
  const texts = parts.flatMap((part) => part.type === "text" ? [part.text] : []);
  return texts.length === parts.length ? texts.join("\n") : parts;
}

/**
 * A tool message's content as text: OpenAI-shaped APIs take images and files only in user
 * messages, so those of a tool result go to the user message that follows the tool messages
 * (`carried`), and the tool message says where they are.
 */
function toolResultText(content: string | ContentPart[], carried: ContentPart[]): string {
  if (typeof content === "string") return content;
  const texts: string[] = [];
  for (const part of content) {
    if (part.type === "text") texts.push(part.text);
    else carried.push(part);
  }
  texts.push("(the attachments of this tool result follow in the next user message)");
  return texts.join("\n");
}

/** Parts as a message's content: one text part becomes a plain string. */
function asContent(parts: ContentPart[]): string | ContentPart[] | null {
  if (parts.length === 0) return null;
  const only = parts[0];
  return parts.length === 1 && only?.type === "text" ? only.text : parts;
}

const MESSAGE_KEYS: ReadonlySet<string> = new Set(["role", "content"]);

/** One Anthropic message as internal messages (a user turn's tool results come first). */
function toMessages(
  message: Body["messages"][number],
  index: number,
  calls: Set<string>,
  warnings: Set<string>,
): ChatMessage[] {
  const at = `messages[${index}]`;
  noteExtraKeys(message, MESSAGE_KEYS, "messages[]", warnings);
  const out: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  const toolCalls: ToolCall[] = [];
  message.content.forEach((block, i) => {
    const blockAt = `${at}.content[${i}]`;
    switch (block.type) {
      case "thinking":
      case "redacted_thinking":
        warnings.add(`${block.type}: earlier thinking blocks are not passed on`);
        return;
      case "tool_use":
        if (message.role !== "assistant") {
          throw refuse("tool_use blocks belong to assistant turns", `${blockAt}.type`);
        }
        noteBlock(block, warnings);
        calls.add(block.id);
        toolCalls.push({
          id: block.id,
          type: "function",
          function: { name: block.name, arguments: JSON.stringify(block.input) },
        });
        return;
      case "tool_result":
        if (message.role !== "user") {
          throw refuse("tool_result blocks belong to user turns", `${blockAt}.type`);
        }
        if (!calls.has(block.tool_use_id)) {
          throw refuse(
            `tool_result answers '${block.tool_use_id}', which no earlier tool_use block made`,
            `${blockAt}.tool_use_id`,
          );
        }
        noteBlock(block, warnings);
        out.push({
          role: "tool",
          tool_call_id: block.tool_use_id,
          content: toolResultText(toolResultContent(block, blockAt, warnings), parts),
        });
        return;
      default:
        parts.push(...contentParts(block, blockAt, warnings));
    }
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

type Body = BlocksMessagesRequest | BlocksCountTokensRequest;

const TOOL_KEYS: ReadonlySet<string> = new Set([
  "name",
  "description",
  "input_schema",
  "type",
  "strict",
  "cache_control",
]);

/** The client's tools as OpenAI function tools; Anthropic's built-in tools are refused. */
function toTools(tools: NonNullable<Body["tools"]>, warnings: Set<string>): Tool[] {
  return tools.map((tool, i) => {
    if (tool.type !== undefined && tool.type !== "custom") {
      throw refuse(
        `'${tool.type}' is one of Anthropic's built-in tools, which only Anthropic's API provides; ` +
          "define the tool yourself with a name, description and input_schema",
        `tools[${i}].type`,
      );
    }
    if (tool.cache_control !== undefined) warnings.add(CACHE_CONTROL);
    noteExtraKeys(tool, TOOL_KEYS, "tools[]", warnings);
    return {
      type: "function" as const,
      function: {
        name: tool.name,
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        parameters: tool.input_schema ?? { type: "object", properties: {} },
        ...(tool.strict !== undefined ? { strict: tool.strict } : {}),
      },
    };
  });
}

const TOOL_CHOICE_KEYS: ReadonlySet<string> = new Set([
  "type",
  "name",
  "disable_parallel_tool_use",
]);

/** Sets `tool_choice` and `parallel_tool_calls` from Anthropic's tool_choice. */
function setToolChoice(
  choice: NonNullable<Body["tool_choice"]>,
  tools: readonly Tool[],
  request: ChatRequest,
  warnings: Set<string>,
): void {
  noteExtraKeys(choice, TOOL_CHOICE_KEYS, "tool_choice", warnings);
  if (tools.length === 0) {
    // Without tools, "auto" and "none" already hold; the others ask for a tool there is not.
    if (choice.type === "auto" || choice.type === "none") return;
    throw new InvalidRequestError(`a tool_choice of type '${choice.type}' needs 'tools'`, {
      param: "tool_choice",
    });
  }
  let openai: ToolChoice;
  if (choice.type === "auto") openai = "auto";
  else if (choice.type === "any") openai = "required";
  else if (choice.type === "none") openai = "none";
  else {
    if (!tools.some((tool) => tool.function.name === choice.name)) {
      throw new InvalidRequestError(`tool_choice names '${choice.name}', which no tool defines`, {
        param: "tool_choice.name",
      });
    }
    openai = { type: "function", function: { name: choice.name } };
  }
  request.tool_choice = openai;
  if ("disable_parallel_tool_use" in choice && choice.disable_parallel_tool_use === true) {
    request.parallel_tool_calls = false;
  }
}

/** Anthropic's thinking budget as OpenAI's reasoning effort. */
export function effortOfBudget(budget: number): "low" | "medium" | "high" {
  return budget < 4096 ? "low" : budget < 16384 ? "medium" : "high";
}

const EFFORTS: ReadonlySet<string> = new Set(["low", "medium", "high"]);

/** The reasoning effort asked for by `output_config.effort`, else by a thinking budget. */
function reasoningEffort(body: Body, warnings: Set<string>): string | undefined {
  const thinking = body.thinking;
  if (thinking !== undefined) {
    const handled = new Set(["type", "budget_tokens"]);
    noteExtraKeys(thinking, handled, "thinking", warnings);
  }
  const effort = body.output_config?.effort;
  if (effort !== undefined) {
    if (EFFORTS.has(effort)) return effort;
    warnings.add(`output_config.effort: '${effort}' is taken for reasoning effort 'high'`);
    return "high";
  }
  if (thinking?.type === "enabled") return effortOfBudget(thinking.budget_tokens);
  if (thinking?.type === "adaptive") {
    warnings.add("thinking: adaptive thinking has no budget to pass on; the model's default holds");
  }
  return undefined;
}

/** `output_config` (format and effort) beyond what `reasoningEffort` reads. */
function setOutputFormat(body: Body, request: ChatRequest, warnings: Set<string>): void {
  const config = body.output_config;
  if (config === undefined) return;
  noteExtraKeys(config, new Set(["effort", "format"]), "output_config", warnings);
  if (config.format !== undefined) {
    request.response_format = {
      type: "json_schema",
      json_schema: { name: "output", schema: config.format.schema },
    };
  }
}

/** The fields shared by a Messages request and a count_tokens one, as the internal request. */
function toChatRequest(body: Body, warnings: Set<string>): ChatRequest {
  const messages: ChatMessage[] = [];
  if (body.system !== undefined) {
    const system = body.system.map((block) => {
      noteBlock(block, warnings);
      return block.text;
    }).join("\n\n");
    if (system !== "") messages.push({ role: "system", content: system });
  }
  const calls = new Set<string>();
  body.messages.forEach((message, i) => messages.push(...toMessages(message, i, calls, warnings)));
  if (body.messages[body.messages.length - 1]?.role === "assistant") {
    warnings.add(
      "messages: a final assistant turn (a prefill) is sent as history; the endpoint's model may answer after it rather than continue it",
    );
  }
  const request: ChatRequest = { messages };
  const tools = body.tools !== undefined && body.tools.length > 0
    ? toTools(body.tools, warnings)
    : [];
  if (tools.length > 0) request.tools = tools;
  if (body.tool_choice !== undefined) setToolChoice(body.tool_choice, tools, request, warnings);
  if (body.stop_sequences !== undefined && body.stop_sequences.length > 0) {
    request.stop = body.stop_sequences;
  }
  if (body.temperature !== undefined) request.temperature = body.temperature;
  if (body.top_p !== undefined) request.top_p = body.top_p;
  if (body.top_k !== undefined) request.top_k = body.top_k;
  if (body.metadata !== undefined) {
    noteExtraKeys(body.metadata, new Set(["user_id"]), "metadata", warnings);
    if (body.metadata.user_id !== undefined) request.user = body.metadata.user_id;
  }
  // Not passed on as OpenAI's reasoning_effort: a model without reasoning refuses the field.
  const effort = reasoningEffort(body, warnings);
  if (effort !== undefined) {
    warnings.add(`thinking: the reasoning effort ('${effort}') is not passed on`);
  }
  setOutputFormat(body, request, warnings);
  const known = anthropicWire().KNOWN_KEYS;
  for (const [key, value] of Object.entries(body)) {
    if (known.has(key) || asksForNothing(value)) continue;
    warnings.add(key === "cache_control" ? CACHE_CONTROL : `${key}: not passed on`);
  }
  return request;
}

const BLOCK_TYPES = [
  "text",
  "image",
  "document",
  "tool_use",
  "tool_result",
  "thinking",
  "redacted_thinking",
];
const TOOL_RESULT_TYPES = ["text", "image", "document"];

/** The first block in `blocks` of a type not in `allowed`, refused by its path. */
function refuseUnknownIn(blocks: unknown, allowed: readonly string[], at: string): void {
  if (!Array.isArray(blocks)) return;
  blocks.forEach((block, i) => {
    const type = (block as { type?: unknown } | null)?.type;
    if (typeof type === "string" && !allowed.includes(type)) {
      throw refuse(
        `content blocks of type '${type}' are not supported here; use ${allowed.join(", ")}`,
        `${at}[${i}].type`,
      );
    }
    if (type === "tool_result") {
      const content = (block as { content?: unknown }).content;
      refuseUnknownIn(content, TOOL_RESULT_TYPES, `${at}[${i}].content`);
    }
  });
}

/** A content block of a type this gateway does not know, named (zod would say "invalid value"). */
function refuseUnknownBlocks(body: unknown): void {
  const messages = (body as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages)) return;
  messages.forEach((message, i) => {
    const content = (message as { content?: unknown } | null)?.content;
    refuseUnknownIn(content, BLOCK_TYPES, `messages[${i}].content`);
  });
}

/** Reads a Messages request body (JSON already parsed) into the internal call. */
export function decodeMessagesRequest(body: unknown): DecodedMessages {
  refuseUnknownBlocks(body);
  const clean = withoutNulls(body) as Record<string, unknown>;
  const parsed = validateBody(anthropicWire().BlocksMessagesRequest, withTextBlocks(clean));
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
    body: clean,
  };
}

/** Reads a count_tokens body: the endpoint named and the internal request it would send. */
export function decodeCountTokensRequest(body: unknown): { name: string; request: ChatRequest } {
  refuseUnknownBlocks(body);
  const parsed = validateBody(
    anthropicWire().BlocksCountTokensRequest,
    withTextBlocks(withoutNulls(body)),
  );
  return { name: parsed.model, request: toChatRequest(parsed, new Set()) };
}

/** Tokens an image counts for in the estimate (Anthropic's figure for a ~1.15 megapixel image). */
export const IMAGE_TOKENS = 1600;

/**
 * An estimate of a request's input tokens, as `/v1/messages/count_tokens` answers when no
 * tokenizer is at hand: about four characters a token over every text, tool schema and tool
 * argument, four tokens per message, and a fixed count per image or file (a file's pages are
 * not read). Deterministic, not exact.
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
