/**
 * A Responses API request as the internal chat request: `instructions` as a system message,
 * the stored conversation of `previous_response_id` then `input` (a string, or messages,
 * function calls and their outputs) as messages, function tools and `tool_choice` in chat's
 * shapes, `text.format` as `response_format`, `max_output_tokens` as `max_tokens`. What cannot
 * be carried is named in the warnings (reasoning items) or refused (built-in tools, file ids).
 */
import { InvalidRequestError, NotFoundError } from "../../core/errors.ts";
import type { ChatMessage, ChatRequest, ContentPart, Tool } from "../../schemas/chat.ts";
import { validateBody, withoutNulls as withoutNullsIn } from "../validate.ts";
import {
  type FunctionTool,
  type InputItem,
  type ResponsesContentPart,
  type ResponsesRequest,
  responsesWire,
} from "./wire.ts";
import type { StoredResponse } from "./store.ts";

/** Client data that keeps its nulls: tool parameter schemas and output schemas. */
const OPAQUE = new Set(["parameters", "schema"]);

/** A copy without null fields (SDKs send null for an unset parameter). */
export function withoutNulls(value: unknown): unknown {
  return withoutNullsIn(value, OPAQUE);
}

export interface DecodedResponses {
  name: string;
  request: ChatRequest;
  stream: boolean;
  /** Whether the answer is kept for GET and `previous_response_id`. */
  store: boolean;
  /** The conversation sent (the previous one, then this input), to store with the answer. */
  conversation: ChatMessage[];
  /** The request's fields a Response object repeats. */
  echo: ResponsesRequest;
  warnings: string[];
}

/** A content part of a message item as a chat content part. */
function chatPart(part: ResponsesContentPart, at: string): ContentPart {
  switch (part.type) {
    case "input_text":
    case "output_text":
      return { type: "text", text: part.text };
    case "refusal":
      return { type: "text", text: part.refusal };
    case "input_image":
      if (part.image_url === undefined) {
        throw new InvalidRequestError(
          "an input_image by file_id needs OpenAI's Files API, which the gateway does not serve: " +
            "send image_url (a URL or a data: URL)",
          { param: `${at}.file_id`, code: "unsupported_content" },
        );
      }
      return {
        type: "image_url",
        image_url: { url: part.image_url, ...(part.detail ? { detail: part.detail } : {}) },
      };
    case "input_file":
      if (part.file_data === undefined) {
        throw new InvalidRequestError(
          "an input_file needs file_data (base64): file ids and URLs are not fetched",
          { param: at, code: "unsupported_content" },
        );
      }
      return {
        type: "file",
        file: { file_data: part.file_data, ...(part.filename ? { filename: part.filename } : {}) },
      };
  }
}

/** Text of parts, for content that can only be text (assistant and tool messages). */
function textOf(content: string | ResponsesContentPart[]): string {
  if (typeof content === "string") return content;
  return content.map((part) =>
    part.type === "input_text" || part.type === "output_text"
      ? part.text
      : part.type === "refusal"
      ? part.refusal
      : ""
  ).join("");
}

/** Input items as chat messages; consecutive function calls become one assistant message. */
function messagesOf(items: InputItem[], warnings: Set<string>): ChatMessage[] {
  const messages: ChatMessage[] = [];
  items.forEach((item, i) => {
    const at = `input[${i}]`;
    if (item.type === "reasoning") {
      warnings.add("reasoning items are not carried to the endpoint");
      return;
    }
    if (item.type === "function_call") {
      const last = messages[messages.length - 1];
      const call = {
        id: item.call_id,
        type: "function" as const,
        function: { name: item.name, arguments: item.arguments },
      };
      if (last?.role === "assistant") (last.tool_calls ??= []).push(call);
      else messages.push({ role: "assistant", content: null, tool_calls: [call] });
      return;
    }
    if (item.type === "function_call_output") {
      messages.push({ role: "tool", tool_call_id: item.call_id, content: textOf(item.output) });
      return;
    }
    const message = item as Extract<InputItem, { role: string }>;
    if (message.role === "assistant") {
      messages.push({ role: "assistant", content: textOf(message.content) });
      return;
    }
    const content = typeof message.content === "string"
      ? message.content
      : message.content.map((part, p) => chatPart(part, `${at}.content[${p}]`));
    messages.push({ role: message.role, content });
  });
  return messages;
}

/** Function tools in chat's shape; a built-in tool (web search, files...) is refused. */
function toolsOf(tools: ResponsesRequest["tools"]): Tool[] | undefined {
  if (tools === undefined) return undefined;
  return tools.map((tool, i) => {
    if (tool.type !== "function") {
      throw new InvalidRequestError(
        `the built-in tool '${tool.type}' is not available through the gateway: only function tools are`,
        { param: `tools[${i}].type`, code: "unsupported_tool" },
      );
    }
    const fn = tool as FunctionTool;
    return {
      type: "function" as const,
      function: {
        name: fn.name,
        ...(fn.description ? { description: fn.description } : {}),
        ...(fn.parameters ? { parameters: fn.parameters } : {}),
        ...(fn.strict !== undefined && fn.strict !== null ? { strict: fn.strict } : {}),
      },
    };
  });
}

/**
 * Decodes a Responses request. `previous` finds a stored response (of the same client);
 * an unknown `previous_response_id` is a 404.
 */
export function decodeResponsesRequest(
  body: unknown,
  previous: (id: string) => StoredResponse | undefined,
): DecodedResponses {
  const parsed = validateBody(responsesWire().ResponsesRequest, withoutNulls(body));
  const warnings = new Set<string>();
  const conversation: ChatMessage[] = [];
  if (parsed.previous_response_id !== undefined) {
    const stored = previous(parsed.previous_response_id);
    if (stored === undefined) {
      throw new NotFoundError(
        `Previous response with id '${parsed.previous_response_id}' not found.`,
        { param: "previous_response_id", code: "previous_response_not_found" },
      );
    }
    conversation.push(...stored.conversation);
  }
  const input = parsed.input ?? [];
  conversation.push(
    ...(typeof input === "string" ? [{ role: "user" as const, content: input }] : messagesOf(
      input,
      warnings,
    )),
  );
  const messages: ChatMessage[] = parsed.instructions === undefined
    ? [...conversation]
    : [{ role: "system", content: parsed.instructions }, ...conversation];
  if (messages.length === 0) {
    throw new InvalidRequestError("'input' is required: a string or a list of items", {
      param: "input",
    });
  }
  const request: ChatRequest = { messages };
  const tools = toolsOf(parsed.tools);
  if (tools !== undefined && tools.length > 0) request.tools = tools;
  const choice = parsed.tool_choice;
  if (choice !== undefined) {
    request.tool_choice = typeof choice === "string"
      ? choice
      : { type: "function", function: { name: choice.name } };
  }
  if (parsed.parallel_tool_calls !== undefined) {
    request.parallel_tool_calls = parsed.parallel_tool_calls;
  }
  const format = parsed.text?.format;
  if (format?.type === "json_object") request.response_format = { type: "json_object" };
  if (format?.type === "json_schema") {
    request.response_format = {
      type: "json_schema",
      json_schema: {
        name: format.name ?? "response",
        ...(format.description ? { description: format.description } : {}),
        ...(format.schema ? { schema: format.schema } : {}),
        ...(format.strict !== undefined && format.strict !== null ? { strict: format.strict } : {}),
      },
    };
  }
  if (parsed.max_output_tokens !== undefined) request.max_tokens = parsed.max_output_tokens;
  if (parsed.temperature !== undefined) request.temperature = parsed.temperature;
  if (parsed.top_p !== undefined) request.top_p = parsed.top_p;
  if (parsed.user !== undefined) request.user = parsed.user;
  if (parsed.reasoning?.effort !== undefined) {
    (request as Record<string, unknown>).reasoning_effort = parsed.reasoning.effort;
  }
  const stream = parsed.stream === true;
  if (stream) {
    request.stream = true;
    // Response streams end with their usage.
    request.stream_options = { include_usage: true };
  }
  return {
    name: parsed.model,
    request,
    stream,
    store: parsed.store !== false,
    conversation,
    echo: parsed,
    warnings: [...warnings],
  };
}
