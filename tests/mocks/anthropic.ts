/**
 * A local mock of Anthropic's Messages API (`POST /v1/messages`), faithful where the gateway
 * depends on it: `x-api-key` / `anthropic-version` / `content-type` checks, the required fields,
 * strict role alternation, no `system` role in messages, tool_use ids answered by tool_result
 * blocks, unknown top-level fields rejected, and Anthropic's own error bodies
 * (`{"type":"error","error":{"type","message"},"request_id"}`). Answers are realistic: text,
 * tool_use when tools are offered and the last turn is the user's, a normal answer after a
 * tool_result, and streams with the real event sequence (message_start, content_block_*,
 * ping, message_delta, message_stop). With `thinking` enabled an answer begins with a thinking
 * block signed by the mock, and a tool-use turn sent back must keep that block with its signature
 * (as the real API requires); a document with citations enabled gets a cited answer. A fault queue
 * injects failures.
 */
import { answerFault, type Fault, type MockServer, Recorder, serveMock } from "./fault.ts";

/** Failures the mock can inject: the shared ones plus Anthropic stream specifics. */
export type AnthropicFault =
  | Fault
  /** An `event: error` after `afterEvents` events of a stream (then the stream ends). */
  | { kind: "stream_error"; afterEvents: number; error?: { type: string; message: string } }
  /** A stream that closes cleanly after `afterEvents` events, without message_stop. */
  | { kind: "end_early"; afterEvents: number };

/** A queue of faults, consumed one per request that passes the auth checks. */
export class AnthropicFaultQueue {
  #queue: AnthropicFault[] = [];

  push(fault: AnthropicFault, times = 1): void {
    for (let i = 0; i < times; i++) this.#queue.push(fault);
  }

  next(): AnthropicFault | undefined {
    return this.#queue.shift();
  }

  clear(): void {
    this.#queue = [];
  }
}

export interface MockAnthropicOptions {
  apiKey?: string;
  /** Milliseconds between streamed events. */
  chunkDelayMs?: number;
}

export interface MockAnthropic extends MockServer {
  recorder: Recorder;
  faults: AnthropicFaultQueue;
  /** The value for `anthropic_api_base` (the adapter appends /v1/messages). */
  baseUrl: string;
  options: MockAnthropicOptions;
}

type Json = Record<string, unknown>;

const VERSIONS = new Set(["2023-06-01", "2023-01-01"]);
const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);
const TOP_LEVEL = new Set([
  "model",
  "messages",
  "max_tokens",
  "system",
  "metadata",
  "stop_sequences",
  "stream",
  "temperature",
  "top_p",
  "top_k",
  "tools",
  "tool_choice",
  "thinking",
  "service_tier",
  "output_config",
  "container",
  "mcp_servers",
  "context_management",
]);

let requestCounter = 0;

/** Anthropic's error body. */
export function anthropicErrorBody(type: string, message: string): Json {
  return { type: "error", error: { type, message }, request_id: `req_mock_${++requestCounter}` };
}

function errorResponse(
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  const body = anthropicErrorBody(type, message);
  return Response.json(body, {
    status,
    headers: { "request-id": String(body.request_id), ...headers },
  });
}

const invalid = (message: string) => errorResponse(400, "invalid_request_error", message);

const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** The first problem with a content block, Anthropic-style, or undefined. */
function blockProblem(block: unknown, at: string, role: string): string | undefined {
  if (!isObject(block) || typeof block.type !== "string") return `${at}.type: Field required`;
  switch (block.type) {
    case "text":
      if (typeof block.text !== "string") return `${at}.text: Field required`;
      if (block.text === "") return "messages: text content blocks must be non-empty";
      return undefined;
    case "image": {
      const source = block.source;
      if (!isObject(source)) return `${at}.source: Field required`;
      if (source.type === "base64") {
        if (!IMAGE_TYPES.has(String(source.media_type))) {
          return `${at}.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`;
        }
        if (typeof source.data !== "string" || source.data === "") {
          return `${at}.source.base64.data: Field required`;
        }
        return undefined;
      }
      if (source.type === "url") {
        return typeof source.url === "string" && /^https?:\/\//.test(source.url)
          ? undefined
          : `${at}.source.url.url: Field required`;
      }
      return `${at}.source: Input tag '${
        String(source.type)
      }' found using 'type' does not match any of the expected tags: 'base64', 'url', 'file'`;
    }
    case "document":
      return isObject(block.source) ? undefined : `${at}.source: Field required`;
    case "tool_use":
      if (role !== "assistant") return `${at}: tool_use blocks may only appear in assistant turns`;
      if (typeof block.id !== "string") return `${at}.id: Field required`;
      if (typeof block.name !== "string") return `${at}.name: Field required`;
      if (!isObject(block.input)) return `${at}.input: Input should be a valid dictionary`;
      return undefined;
    case "tool_result":
      if (role !== "user") return `${at}: tool_result blocks may only appear in user turns`;
      if (typeof block.tool_use_id !== "string") return `${at}.tool_use_id: Field required`;
      return undefined;
    case "redacted_thinking":
      if (role !== "assistant") return `${at}: thinking blocks may only appear in assistant turns`;
      return typeof block.data === "string" ? undefined : `${at}.data: Field required`;
    case "thinking":
      if (role !== "assistant") return `${at}: thinking blocks may only appear in assistant turns`;
      if (typeof block.signature !== "string") return `${at}.thinking.signature: Field required`;
      if (block.signature !== signatureOf(String(block.thinking))) {
        return `${at}: Invalid \`signature\` in \`thinking\` block`;
      }
      return undefined;
    default:
      return `${at}: Input tag '${block.type}' found using 'type' does not match any of the expected tags`;
  }
}

function toolUseIds(message: Json | undefined): string[] {
  if (!message || !Array.isArray(message.content)) return [];
  return message.content.filter((b) => isObject(b) && b.type === "tool_use").map((b) =>
    String((b as Json).id)
  );
}

function toolResultIds(message: Json | undefined): string[] {
  if (!message || !Array.isArray(message.content)) return [];
  return message.content.filter((b) => isObject(b) && b.type === "tool_result").map((b) =>
    String((b as Json).tool_use_id)
  );
}

/** The first problem with `messages`, in the words of the real API, or undefined. */
function messagesProblem(messages: unknown[]): string | undefined {
  for (const [i, m] of messages.entries()) {
    if (!isObject(m)) return `messages.${i}: Input should be a valid dictionary`;
    if (m.role === "system") {
      return 'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.';
    }
    if (m.role !== "user" && m.role !== "assistant") {
      return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    }
    const previous = messages[i - 1] as Json | undefined;
    if (previous && previous.role === m.role) {
      return `messages: roles must alternate between "user" and "assistant", but found multiple "${m.role}" roles in a row`;
    }
    if (i === 0 && m.role !== "user") return 'messages: first message must use the "user" role';
    const last = i === messages.length - 1;
    if (typeof m.content === "string") {
      if (m.content === "" && !(last && m.role === "assistant")) {
        return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
      }
    } else if (Array.isArray(m.content)) {
      if (m.content.length === 0 && !(last && m.role === "assistant")) {
        return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
      }
      for (const [j, block] of m.content.entries()) {
        const problem = blockProblem(block, `messages.${i}.content.${j}`, String(m.role));
        if (problem) return problem;
      }
    } else {
      return `messages.${i}.content: Field required`;
    }
    const results = toolResultIds(m);
    const expected = toolUseIds(previous);
    for (const id of results) {
      if (!expected.includes(id)) {
        return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
    }
    const uses = toolUseIds(m);
    if (uses.length > 0 && !last) {
      const answered = toolResultIds(messages[i + 1] as Json | undefined);
      const missing = uses.filter((id) => !answered.includes(id));
      if (missing.length > 0) {
        return `messages.${
          i + 1
        }: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${
          missing.join(", ")
        }. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
      }
    }
  }
  return undefined;
}

/** The signature the mock gives a thinking text (the real API's is opaque too). */
export function signatureOf(thinking: string): string {
  let hash = 7;
  for (const char of thinking) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `EqMBmock${hash.toString(36)}`;
}

/**
 * With thinking on, an assistant turn that used tools must begin with its thinking block (the
 * real API's rule: the block and its signature are sent back unchanged).
 */
function thinkingProblem(body: Json): string | undefined {
  if ((body.thinking as Json | undefined)?.type !== "enabled") return undefined;
  for (const [i, m] of (body.messages as Json[]).entries()) {
    if (m.role !== "assistant" || toolUseIds(m).length === 0) continue;
    const first = Array.isArray(m.content) ? m.content[0] as Json | undefined : undefined;
    if (first?.type !== "thinking" && first?.type !== "redacted_thinking") {
      return `messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${
        String(first?.type ?? "text")
      }\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block.`;
    }
  }
  return undefined;
}

/** The first problem with the whole body, or undefined. */
function bodyProblem(body: Json): string | undefined {
  for (const key of Object.keys(body)) {
    if (!TOP_LEVEL.has(key)) return `${key}: Extra inputs are not permitted`;
  }
  if (typeof body.model !== "string") return "model: Field required";
  if (body.max_tokens === undefined) return "max_tokens: Field required";
  if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1) {
    return "max_tokens: Input should be greater than or equal to 1";
  }
  if (!Array.isArray(body.messages)) return "messages: Field required";
  if (body.messages.length === 0) return "messages: at least one message is required";
  for (const [key, max] of [["temperature", 1], ["top_p", 1]] as const) {
    const value = body[key];
    if (value === undefined) continue;
    if (typeof value !== "number") return `${key}: Input should be a valid number`;
    if (value > max) return `${key}: Input should be less than or equal to ${max}`;
    if (value < 0) return `${key}: Input should be greater than or equal to 0`;
  }
  if (body.system !== undefined && typeof body.system !== "string") {
    if (!Array.isArray(body.system)) return "system: Input should be a valid string";
    for (const [i, block] of body.system.entries()) {
      if (!isObject(block) || block.type !== "text" || typeof block.text !== "string") {
        return `system.${i}: Input should be a valid text block`;
      }
    }
  }
  if (body.stop_sequences !== undefined) {
    if (
      !Array.isArray(body.stop_sequences) ||
      body.stop_sequences.some((s) => typeof s !== "string")
    ) {
      return "stop_sequences: Input should be a valid list of strings";
    }
  }
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return "tools: Input should be a valid list";
    for (const [i, tool] of body.tools.entries()) {
      if (!isObject(tool) || typeof tool.name !== "string") {
        return `tools.${i}.name: Field required`;
      }
      if (!isObject(tool.input_schema)) return `tools.${i}.input_schema: Field required`;
    }
  }
  if (body.tool_choice !== undefined) {
    const choice = body.tool_choice as Json;
    if (!isObject(choice) || !["auto", "any", "tool", "none"].includes(String(choice.type))) {
      return "tool_choice: Input tag found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'";
    }
    if (choice.type === "tool" && typeof choice.name !== "string") {
      return "tool_choice.tool.name: Field required";
    }
    if (body.tools === undefined) return "tool_choice: may only be specified while providing tools";
  }
  if (body.output_config !== undefined) {
    const format = (body.output_config as Json).format as Json | undefined;
    if (format !== undefined && (format.type !== "json_schema" || !isObject(format.schema))) {
      return "output_config.format: Input should be a valid json_schema format";
    }
  }
  return messagesProblem(body.messages) ?? thinkingProblem(body);
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((b) => {
    if (!isObject(b)) return "";
    if (b.type === "text") return String(b.text);
    if (b.type === "tool_result") return textOf(b.content);
    return "";
  }).join("");
}

function words(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

interface Answer {
  blocks: Json[];
  stopReason: string;
  stopSequence: string | null;
}

/** The text of the first document whose citations are enabled, in the last user turn. */
function citedDocument(body: Json): string | undefined {
  const last = (body.messages as Json[]).at(-1) as Json;
  if (!Array.isArray(last.content)) return undefined;
  const doc = last.content.find((b) =>
    isObject(b) && b.type === "document" && (b.citations as Json | undefined)?.enabled === true
  ) as Json | undefined;
  const source = doc?.source as Json | undefined;
  return source?.type === "text" ? String(source.data) : undefined;
}

/** What the mock answers: the plain answer, signed thinking first and citations when asked. */
function answer(body: Json): Answer {
  const result = plainAnswer(body);
  const cited = citedDocument(body);
  const first = result.blocks[0];
  if (cited !== undefined && first?.type === "text") {
    const quote = cited.slice(0, 20);
    first.citations = [{
      type: "char_location",
      cited_text: quote,
      document_index: 0,
      document_title: null,
      start_char_index: 0,
      end_char_index: quote.length,
    }];
  }
  if ((body.thinking as Json | undefined)?.type === "enabled") {
    const thinking = `Thinking about: ${textOf((body.messages as Json[]).at(-1)?.content)}`;
    result.blocks.unshift({ type: "thinking", thinking, signature: signatureOf(thinking) });
  }
  return result;
}

function plainAnswer(body: Json): Answer {
  const messages = body.messages as Json[];
  const last = messages[messages.length - 1] as Json;
  const tools = (body.tools as Json[] | undefined) ?? [];
  const choice = body.tool_choice as Json | undefined;
  const results = Array.isArray(last.content)
    ? last.content.filter((b) => isObject(b) && b.type === "tool_result") as Json[]
    : [];
  if (last.role === "user" && results.length > 0) {
    const said = results.map((r) => textOf(r.content)).join("; ");
    return { blocks: [{ type: "text", text: `Tool said: ${said}` }], ...ended("end_turn") };
  }
  if (last.role === "user" && tools.length > 0 && choice?.type !== "none") {
    const forced = choice?.type === "tool"
      ? tools.filter((t) => t.name === choice.name)
      : tools.slice(0, choice?.disable_parallel_tool_use === true ? 1 : 2);
    const q = textOf(last.content);
    const blocks: Json[] = choice?.type === "any" || choice?.type === "tool"
      ? []
      : [{ type: "text", text: "Let me check." }];
    forced.forEach((tool, i) => {
      blocks.push({ type: "tool_use", id: `toolu_mock_${i + 1}`, name: tool.name, input: { q } });
    });
    return { blocks, ...ended("tool_use") };
  }
  const format = (body.output_config as Json | undefined)?.format;
  let text = format !== undefined
    ? JSON.stringify({ answer: textOf(last.content) })
    : `Echo: ${textOf(last.content)}`;
  let stopReason = "end_turn";
  let stopSequence: string | null = null;
  for (const sequence of (body.stop_sequences as string[] | undefined) ?? []) {
    const at = text.indexOf(sequence);
    if (sequence !== "" && at !== -1) {
      text = text.slice(0, at);
      stopReason = "stop_sequence";
      stopSequence = sequence;
    }
  }
  const pieces = words(text);
  if (pieces.length > (body.max_tokens as number)) {
    text = pieces.slice(0, body.max_tokens as number).join("");
    stopReason = "max_tokens";
  }
  return { blocks: [{ type: "text", text }], stopReason, stopSequence };
}

function ended(stopReason: string): { stopReason: string; stopSequence: null } {
  return { stopReason, stopSequence: null };
}

function inputTokens(body: Json): number {
  const system = typeof body.system === "string" ? body.system : textOf(body.system);
  const all = (body.messages as Json[]).map((m) => textOf(m.content)).join(" ");
  return words(`${system} ${all}`).length + 3 * (body.messages as Json[]).length;
}

function outputTokens(blocks: Json[]): number {
  return blocks.reduce(
    (sum, b) => sum + (b.type === "text" ? words(String(b.text)).length : 10),
    0,
  ) || 1;
}

function message(body: Json, result: Answer): Json {
  return {
    id: "msg_mock_01XFDUDYJgAACzvnptvVoYEL",
    type: "message",
    role: "assistant",
    model: body.model,
    content: result.blocks,
    stop_reason: result.stopReason,
    stop_sequence: result.stopSequence,
    usage: {
      input_tokens: inputTokens(body),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: outputTokens(result.blocks),
      service_tier: "standard",
    },
  };
}

const sse = (data: Json) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;

/** The real event sequence of a streamed answer. */
function streamEvents(body: Json, result: Answer): string[] {
  const full = message(body, result);
  const usage = full.usage as Json;
  const events = [
    sse({
      type: "message_start",
      message: {
        ...full,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    }),
  ];
  result.blocks.forEach((block, index) => {
    if (block.type === "thinking") {
      events.push(
        sse({
          type: "content_block_start",
          index,
          content_block: { type: "thinking", thinking: "", signature: "" },
        }),
        sse({
          type: "content_block_delta",
          index,
          delta: { type: "thinking_delta", thinking: block.thinking },
        }),
        sse({
          type: "content_block_delta",
          index,
          delta: { type: "signature_delta", signature: block.signature },
        }),
      );
    } else if (block.type === "text") {
      events.push(
        sse({ type: "content_block_start", index, content_block: { type: "text", text: "" } }),
      );
      if (index === 0) events.push(sse({ type: "ping" }));
      for (const citation of (block.citations as Json[] | undefined) ?? []) {
        events.push(sse({
          type: "content_block_delta",
          index,
          delta: { type: "citations_delta", citation },
        }));
      }
      for (const word of words(String(block.text))) {
        events.push(
          sse({ type: "content_block_delta", index, delta: { type: "text_delta", text: word } }),
        );
      }
    } else {
      events.push(sse({
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: block.id, name: block.name, input: {} },
      }));
      const json = JSON.stringify(block.input);
      const half = Math.floor(json.length / 2);
      for (const partial of ["", json.slice(0, half), json.slice(half)]) {
        events.push(sse({
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: partial },
        }));
      }
    }
    events.push(sse({ type: "content_block_stop", index }));
  });
  events.push(sse({
    type: "message_delta",
    delta: { stop_reason: result.stopReason, stop_sequence: result.stopSequence },
    usage: { output_tokens: usage.output_tokens },
  }));
  events.push(sse({ type: "message_stop" }));
  return events;
}

/** An SSE body of `events`, shaped by a stream fault. */
function eventStream(
  events: string[],
  fault: AnthropicFault | undefined,
  delayMs: number,
  onAbort: () => void,
): ReadableStream<Uint8Array> {
  let list = events;
  let cutAfter: number | undefined;
  if (fault?.kind === "stream_error") {
    const error = fault.error ?? { type: "overloaded_error", message: "Overloaded" };
    list = [...events.slice(0, fault.afterEvents), sse({ type: "error", error })];
  } else if (fault?.kind === "end_early") {
    list = events.slice(0, fault.afterEvents);
  } else if (fault?.kind === "malformed") {
    list = [
      events[0] ?? "",
      'event: content_block_delta\ndata: {"type":"content_block_delta",\n\n',
    ];
  } else if (fault?.kind === "cut") {
    cutAfter = fault.afterChunks;
  }
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (cutAfter !== undefined && i >= cutAfter) {
        // Let the client read what was sent: a reset discards bytes still unread in its buffer.
        await new Promise((r) => setTimeout(r, 100));
        controller.error(new Error("connection cut by the mock"));
        return;
      }
      if (i >= list.length) {
        controller.close();
        return;
      }
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      controller.enqueue(encoder.encode(list[i++]));
    },
    cancel: onAbort,
  });
}

/** Starts the mock on a free loopback port. */
export function startMockAnthropic(options: MockAnthropicOptions = {}): MockAnthropic {
  const recorder = new Recorder();
  const faults = new AnthropicFaultQueue();
  const apiKey = options.apiKey ?? "sk-ant-mock-key-0123456789";

  const handle = async (request: Request): Promise<Response> => {
    const entry = await recorder.record(request);
    if (entry.path !== "/v1/messages") return errorResponse(404, "not_found_error", "Not Found");
    if (request.method !== "POST") {
      return errorResponse(405, "invalid_request_error", `Method Not Allowed`);
    }
    const key = entry.headers["x-api-key"];
    if (key === undefined) {
      return errorResponse(401, "authentication_error", "x-api-key header is required");
    }
    if (key !== apiKey) return errorResponse(401, "authentication_error", "invalid x-api-key");
    const version = entry.headers["anthropic-version"];
    if (version === undefined) return invalid("anthropic-version: header is required");
    if (!VERSIONS.has(version)) return invalid(`anthropic-version: invalid version '${version}'`);
    if (!(entry.headers["content-type"] ?? "").startsWith("application/json")) {
      return invalid("content-type: must be application/json");
    }
    const fault = faults.next();
    const faulted = await answerFault(fault, request.signal);
    if (faulted) return faulted;
    const body = entry.body;
    if (!isObject(body)) {
      return invalid("There was an error parsing the body of your request: invalid JSON");
    }
    const problem = bodyProblem(body);
    if (problem) return invalid(problem);
    const result = answer(body);
    if (body.stream === true) {
      const stream = eventStream(
        streamEvents(body, result),
        fault,
        options.chunkDelayMs ?? 0,
        () => recorder.aborted++,
      );
      return new Response(stream, {
        headers: { "content-type": "text/event-stream; charset=utf-8", "request-id": "req_mock" },
      });
    }
    if (fault?.kind === "malformed") {
      return new Response('{"id": "msg_broken", "type": "message", "content": [', {
        headers: { "content-type": "application/json" },
      });
    }
    return Response.json(message(body, result), { headers: { "request-id": "req_mock" } });
  };

  const server = serveMock(handle);
  return { ...server, baseUrl: server.url, recorder, faults, options };
}
