/**
 * The internal chat answer as a Responses API `response` object: its output items (the message
 * with its `output_text`, each function call), status (`incomplete` when the length ran out),
 * usage in Responses' names, and the request's settings repeated as OpenAI repeats them.
 */
import type { ChatMessage, ChatResponse } from "../../schemas/chat.ts";
import type { Usage } from "../../schemas/common.ts";
import type { ResponsesRequest } from "./wire.ts";

/** A new id with OpenAI's prefix for its kind. */
export function freshId(prefix: "resp" | "msg" | "fc"): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;
}

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** A token count from a details block (loosely typed), 0 when absent. */
function count(value: unknown): number {
  return typeof value === "number" ? value : 0;
}

/** Chat usage in Responses' names (counts the provider did not give are 0). */
export function responsesUsage(usage: Usage | null | undefined): ResponsesUsage | null {
  if (usage === null || usage === undefined) return null;
  const input = usage.prompt_tokens ?? 0;
  const output = usage.completion_tokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: count(usage.prompt_tokens_details?.cached_tokens) },
    output_tokens: output,
    output_tokens_details: {
      reasoning_tokens: count(usage.completion_tokens_details?.reasoning_tokens),
    },
    total_tokens: usage.total_tokens ?? input + output,
  };
}

export interface MessageItem {
  type: "message";
  id: string;
  status: "completed" | "in_progress" | "incomplete";
  role: "assistant";
  content: { type: "output_text"; text: string; annotations: unknown[] }[];
}

export interface FunctionCallItem {
  type: "function_call";
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: "completed" | "in_progress" | "incomplete";
}

export type OutputItem = MessageItem | FunctionCallItem;

/** The response's fields that repeat the request's settings. */
export function settingsOf(echo: ResponsesRequest): Record<string, unknown> {
  return {
    instructions: echo.instructions ?? null,
    max_output_tokens: echo.max_output_tokens ?? null,
    parallel_tool_calls: echo.parallel_tool_calls ?? true,
    previous_response_id: echo.previous_response_id ?? null,
    reasoning: { effort: echo.reasoning?.effort ?? null, summary: null },
    store: echo.store !== false,
    temperature: echo.temperature ?? 1,
    text: { format: echo.text?.format ?? { type: "text" } },
    tool_choice: echo.tool_choice ?? "auto",
    tools: echo.tools ?? [],
    top_p: echo.top_p ?? 1,
    truncation: "disabled",
    user: echo.user ?? null,
    metadata: echo.metadata ?? {},
  };
}

/** A Response object around `output`. */
export function responseObject(
  id: string,
  createdAt: number,
  model: string,
  echo: ResponsesRequest,
  status: "in_progress" | "completed" | "incomplete",
  output: OutputItem[],
  usage: ResponsesUsage | null,
  finishReason: string | null,
): Record<string, unknown> {
  return {
    id,
    object: "response",
    created_at: createdAt,
    status,
    background: false,
    error: null,
    incomplete_details: status === "incomplete"
      ? { reason: finishReason === "content_filter" ? "content_filter" : "max_output_tokens" }
      : null,
    model,
    output,
    usage,
    ...settingsOf(echo),
  };
}

/** Whether a finish reason leaves the answer incomplete. */
export function isIncomplete(finishReason: string | null | undefined): boolean {
  return finishReason === "length" || finishReason === "content_filter";
}

/** The first choice of a chat answer as output items. */
export function outputItems(answer: ChatResponse): OutputItem[] {
  const choice = answer.choices[0];
  if (choice === undefined) return [];
  const items: OutputItem[] = [];
  const status = isIncomplete(choice.finish_reason) ? "incomplete" : "completed";
  const content = choice.message.content;
  const text = typeof content === "string"
    ? content
    : (content ?? []).map((part) => part.type === "text" ? part.text : "").join("");
  if (text !== "" || (choice.message.tool_calls ?? []).length === 0) {
    items.push({
      type: "message",
      id: freshId("msg"),
      status,
      role: "assistant",
      content: [{ type: "output_text", text, annotations: [] }],
    });
  }
  for (const call of choice.message.tool_calls ?? []) {
    items.push({
      type: "function_call",
      id: freshId("fc"),
      call_id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
      status: "completed",
    });
  }
  return items;
}

/** An answer's output items as the assistant message continuing the conversation. */
export function assistantMessage(output: readonly OutputItem[]): ChatMessage {
  const text = output.flatMap((item) =>
    item.type === "message" ? item.content.map((c) => c.text) : []
  ).join("");
  const calls = output.flatMap((item) =>
    item.type === "function_call"
      ? [{
        id: item.call_id,
        type: "function" as const,
        function: { name: item.name, arguments: item.arguments },
      }]
      : []
  );
  return {
    role: "assistant",
    content: text === "" && calls.length > 0 ? null : text,
    ...(calls.length > 0 ? { tool_calls: calls } : {}),
  };
}
