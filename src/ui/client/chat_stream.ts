/**
 * The playground's reading of an OpenAI chat completions answer: SSE `data:` payloads cut out of
 * the text as it arrives, and the chunks (or one whole answer) folded into one message with its
 * tool calls, finish reason and usage. Pure.
 */

/** Cuts SSE events out of text that arrives in pieces; yields each event's data. */
export class SseReader {
  #buffer = "";

  /** The data of every event completed by `text`. */
  push(text: string): string[] {
    this.#buffer += text.replace(/\r\n?/g, "\n");
    const out: string[] = [];
    let end: number;
    while ((end = this.#buffer.indexOf("\n\n")) >= 0) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const data = block.split("\n").filter((line) => line.startsWith("data:")).map((line) =>
        line.slice(line.startsWith("data: ") ? 6 : 5)
      );
      if (data.length > 0) out.push(data.join("\n"));
    }
    return out;
  }
}

export interface ToolCallText {
  id: string;
  name: string;
  arguments: string;
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** One answer as it builds up. */
export interface ChatAnswer {
  content: string;
  reasoning: string;
  toolCalls: ToolCallText[];
  finishReason: string | null;
  usage: ChatUsage | null;
  model: string | null;
  /** An error event's message. */
  error: string | null;
}

export function emptyAnswer(): ChatAnswer {
  return {
    content: "",
    reasoning: "",
    toolCalls: [],
    finishReason: null,
    usage: null,
    model: null,
    error: null,
  };
}

type Json = Record<string, unknown>;

function isJson(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** Adds one event's data to the answer; false once `[DONE]` came. */
export function addChunk(answer: ChatAnswer, data: string): boolean {
  if (data.trim() === "[DONE]") return false;
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    return true;
  }
  if (!isJson(chunk)) return true;
  if (isJson(chunk.error)) {
    answer.error = text(chunk.error.message) || "the stream ended with an error";
    return true;
  }
  if (typeof chunk.model === "string") answer.model = chunk.model;
  if (isJson(chunk.usage)) answer.usage = usageOf(chunk.usage);
  const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
  if (!isJson(choice)) return true;
  const delta = isJson(choice.delta) ? choice.delta : isJson(choice.message) ? choice.message : {};
  answer.content += text(delta.content);
  answer.reasoning += text(delta.reasoning_content) || text(delta.reasoning);
  if (Array.isArray(delta.tool_calls)) {
    delta.tool_calls.forEach((call: unknown, position: number) => {
      if (!isJson(call)) return;
      const index = typeof call.index === "number" ? call.index : position;
      const fn = isJson(call.function) ? call.function : {};
      const known = answer.toolCalls[index];
      if (known === undefined) {
        answer.toolCalls[index] = {
          id: text(call.id),
          name: text(fn.name),
          arguments: text(fn.arguments),
        };
      } else {
        known.id ||= text(call.id);
        known.name ||= text(fn.name);
        known.arguments += text(fn.arguments);
      }
    });
  }
  if (typeof choice.finish_reason === "string") answer.finishReason = choice.finish_reason;
  return true;
}

function usageOf(usage: Json): ChatUsage {
  const n = (v: unknown) => (typeof v === "number" ? v : 0);
  return {
    prompt_tokens: n(usage.prompt_tokens),
    completion_tokens: n(usage.completion_tokens),
    total_tokens: n(usage.total_tokens) || n(usage.prompt_tokens) + n(usage.completion_tokens),
  };
}

/** A tool call as indented JSON, its arguments parsed when they are JSON. */
export function toolCallJson(call: ToolCallText): string {
  let args: unknown = call.arguments;
  try {
    args = JSON.parse(call.arguments);
  } catch {
    // shown as they came
  }
  return JSON.stringify({ id: call.id, name: call.name, arguments: args }, null, 2);
}

/**
 * The playground's tools field: empty, or a JSON array of tools (a function's bare definition
 * `{name, parameters}` is wrapped as `{type: "function", function: ...}`). Throws with a message
 * that says what is wrong.
 */
export function parseTools(source: string): Json[] | undefined {
  if (source.trim() === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch (error) {
    throw new Error(`tools: not JSON (${(error as Error).message})`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((tool, i) => {
    if (!isJson(tool)) throw new Error(`tools[${i}] must be an object`);
    if (tool.type === "function" && isJson(tool.function)) return tool;
    if (typeof tool.name === "string") return { type: "function", function: tool };
    throw new Error(`tools[${i}] needs a name (or {type: "function", function: {name}})`);
  });
}
