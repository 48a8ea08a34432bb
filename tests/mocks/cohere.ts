/**
 * A local mock of Cohere's v2 API (`/v2/chat`, `/v2/embed`), faithful where the gateway depends
 * on it: Bearer auth, required fields and Cohere's ranges checked with its `{"id","message"}`
 * error bodies, unknown fields refused, v2 response shapes, SSE events named by `event:` with the
 * type repeated in the JSON, tool calls whole and streamed, and a fault queue.
 */
import {
  answerFault,
  FaultQueue,
  type MockServer,
  Recorder,
  serveMock,
  sseStream,
} from "./fault.ts";

export interface MockCohereOptions {
  apiKey?: string;
  /** Milliseconds between streamed events. */
  chunkDelayMs?: number;
}

export interface MockCohere extends MockServer {
  recorder: Recorder;
  faults: FaultQueue;
  options: MockCohereOptions;
}

type Json = Record<string, unknown>;

const nextId = () => crypto.randomUUID();

function error(status: number, message: string): Response {
  return Response.json({ id: nextId(), message }, { status });
}

const CHAT_FIELDS = new Set([
  "model",
  "messages",
  "tools",
  "strict_tools",
  "documents",
  "citation_options",
  "response_format",
  "safety_mode",
  "max_tokens",
  "stop_sequences",
  "temperature",
  "seed",
  "frequency_penalty",
  "presence_penalty",
  "k",
  "p",
  "logprobs",
  "tool_choice",
  "thinking",
  "priority",
  "stream",
]);
const EMBED_FIELDS = new Set([
  "model",
  "texts",
  "images",
  "inputs",
  "input_type",
  "embedding_types",
  "output_dimension",
  "max_tokens",
  "truncate",
]);

function unknownField(body: Json, allowed: Set<string>): string | undefined {
  return Object.keys(body).find((key) => !allowed.has(key));
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((p) => (p && typeof p === "object" && "text" in p ? String(p.text) : ""))
      .join("");
  }
  return "";
}

function inRange(value: unknown, min: number, max: number): boolean {
  return value === undefined || (typeof value === "number" && value >= min && value <= max);
}

/** The first problem Cohere would report for a chat body, if any. */
function checkChat(body: Json): string | undefined {
  const unknown = unknownField(body, CHAT_FIELDS);
  if (unknown) return `invalid request: unknown field: parameter ${unknown} is not a valid field`;
  if (typeof body.model !== "string" || body.model === "") {
    return "invalid request: model must be a non-empty string";
  }
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    return "invalid request: messages must be a non-empty list";
  }
  const callIds = new Set<string>();
  for (const [i, message] of (messages as Json[]).entries()) {
    const role = message.role;
    if (!["system", "user", "assistant", "tool"].includes(role as string)) {
      return `invalid request: messages[${i}].role must be one of system, user, assistant, tool`;
    }
    if (role === "user" && Array.isArray(message.content)) {
      for (const part of message.content as Json[]) {
        if (part.type !== "text" && part.type !== "image_url") {
          return `invalid request: messages[${i}].content has an unsupported type '${part.type}'`;
        }
      }
    }
    if (role === "assistant") {
      for (const call of (message.tool_calls as Json[] | undefined) ?? []) {
        const fn = call.function as Json | undefined;
        if (typeof call.id !== "string" || typeof fn?.name !== "string") {
          return `invalid request: messages[${i}].tool_calls must have an id and a function name`;
        }
        if (typeof fn.arguments !== "string") {
          return `invalid request: messages[${i}].tool_calls function arguments must be a string`;
        }
        callIds.add(call.id);
      }
    }
    if (role === "tool") {
      if (typeof message.tool_call_id !== "string") {
        return `invalid request: messages[${i}].tool_call_id is required for tool messages`;
      }
      if (!callIds.has(message.tool_call_id)) {
        return `invalid request: tool_call_id '${message.tool_call_id}' does not match any tool call`;
      }
    }
  }
  if (!inRange(body.p, 0.01, 0.99)) return "invalid request: p must be between 0.01 and 0.99";
  if (!inRange(body.k, 0, 500)) return "invalid request: k must be between 0 and 500";
  for (const key of ["frequency_penalty", "presence_penalty"]) {
    if (!inRange(body[key], 0, 1)) return `invalid request: ${key} must be between 0 and 1`;
  }
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 5) {
    return "invalid request: stop_sequences can have at most 5 items";
  }
  const tools = body.tools as Json[] | undefined;
  for (const tool of tools ?? []) {
    const fn = tool.function as Json | undefined;
    if (tool.type !== "function" || typeof fn?.name !== "string") {
      return "invalid request: tools must be of type 'function' with a function name";
    }
  }
  if (body.tool_choice !== undefined) {
    if (body.tool_choice !== "REQUIRED" && body.tool_choice !== "NONE") {
      return "invalid request: tool_choice must be one of REQUIRED, NONE";
    }
    if (!tools || tools.length === 0) {
      return "invalid request: tool_choice can only be used with tools";
    }
  }
  return undefined;
}

interface Reply {
  text: string;
  finish: "COMPLETE" | "MAX_TOKENS" | "TOOL_CALL";
  toolPlan?: string;
  toolCall?: { id: string; name: string; arguments: string };
}

function words(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

/** A tool call when tools are offered (and not refused), else an echo of the last message. */
function chatReply(body: Json): Reply {
  const messages = body.messages as Json[];
  const last = messages[messages.length - 1] ?? {};
  const tools = body.tools as { function: { name: string } }[] | undefined;
  if (last.role === "tool") {
    return { text: `Tool said: ${textOf(last.content)}`, finish: "COMPLETE" };
  }
  if (tools && tools.length > 0 && body.tool_choice !== "NONE") {
    const name = tools[0]?.function.name ?? "tool";
    return {
      text: "",
      finish: "TOOL_CALL",
      toolPlan: `I will call ${name}.`,
      toolCall: {
        id: `${name}_mock0001`,
        name,
        arguments: JSON.stringify({ q: textOf(last.content) }),
      },
    };
  }
  let text = `Echo: ${textOf(last.content)}`;
  if ((body.response_format as Json | undefined)?.type === "json_object") {
    text = JSON.stringify({ echo: textOf(last.content) });
  }
  const max = typeof body.max_tokens === "number" ? body.max_tokens : undefined;
  const all = words(text);
  if (max !== undefined && all.length > max) {
    return { text: all.slice(0, max).join(""), finish: "MAX_TOKENS" };
  }
  return { text, finish: "COMPLETE" };
}

function usage(reply: Reply) {
  const output = words(reply.text).length + (reply.toolCall ? 5 : 0);
  return {
    billed_units: { input_tokens: 6, output_tokens: output },
    tokens: { input_tokens: 70, output_tokens: output },
  };
}

function chatResponse(id: string, reply: Reply): Json {
  const message: Json = { role: "assistant" };
  if (reply.toolCall) {
    message.tool_plan = reply.toolPlan;
    message.tool_calls = [{
      id: reply.toolCall.id,
      type: "function",
      function: { name: reply.toolCall.name, arguments: reply.toolCall.arguments },
    }];
  } else {
    message.content = [{ type: "text", text: reply.text }];
  }
  return { id, message, finish_reason: reply.finish, usage: usage(reply) };
}

function chatEvents(id: string, reply: Reply): string[] {
  const event = (json: Json) => `event: ${json.type}\ndata: ${JSON.stringify(json)}\n\n`;
  const events = [event({
    id,
    type: "message-start",
    delta: {
      message: { role: "assistant", content: [], tool_plan: "", tool_calls: [], citations: [] },
    },
  })];
  if (reply.toolCall) {
    for (const word of words(reply.toolPlan ?? "")) {
      events.push(event({ type: "tool-plan-delta", delta: { message: { tool_plan: word } } }));
    }
    const { id: callId, name, arguments: args } = reply.toolCall;
    events.push(event({
      type: "tool-call-start",
      index: 0,
      delta: {
        message: {
          tool_calls: { id: callId, type: "function", function: { name, arguments: "" } },
        },
      },
    }));
    const half = Math.floor(args.length / 2);
    for (const part of [args.slice(0, half), args.slice(half)]) {
      events.push(event({
        type: "tool-call-delta",
        index: 0,
        delta: { message: { tool_calls: { function: { arguments: part } } } },
      }));
    }
    events.push(event({ type: "tool-call-end", index: 0 }));
  } else {
    events.push(event({
      type: "content-start",
      index: 0,
      delta: { message: { content: { type: "text", text: "" } } },
    }));
    for (const word of words(reply.text)) {
      events.push(event({
        type: "content-delta",
        index: 0,
        delta: { message: { content: { text: word } } },
      }));
    }
    events.push(event({ type: "content-end", index: 0 }));
  }
  events.push(event({
    type: "message-end",
    delta: { finish_reason: reply.finish, usage: usage(reply) },
  }));
  events.push("data: [DONE]\n\n");
  return events;
}

function embeddingOf(text: string, dimensions: number): number[] {
  return Array.from(
    { length: dimensions },
    (_, i) => ((text.charCodeAt(i % Math.max(text.length, 1)) || 0) % 100) / 100 + i / 1000,
  );
}

function embed(body: Json): Response {
  const unknown = unknownField(body, EMBED_FIELDS);
  if (unknown) {
    return error(400, `invalid request: unknown field: parameter ${unknown} is not a valid field`);
  }
  if (typeof body.model !== "string") return error(400, "invalid request: model must be specified");
  const texts = body.texts;
  if (!Array.isArray(texts) || texts.length === 0 || !texts.every((t) => typeof t === "string")) {
    return error(400, "invalid request: texts must be a non-empty list of strings");
  }
  if (texts.length > 96) return error(400, "invalid request: texts can have at most 96 items");
  const inputTypes = ["search_document", "search_query", "classification", "clustering", "image"];
  if (!inputTypes.includes(body.input_type as string)) {
    return error(400, "invalid request: valid input_type must be provided with the provided model");
  }
  const types = body.embedding_types;
  if (!Array.isArray(types) || !types.includes("float")) {
    return error(400, "invalid request: embedding_types must include float");
  }
  const dimensions = typeof body.output_dimension === "number" ? body.output_dimension : 8;
  return Response.json({
    id: nextId(),
    embeddings: { float: (texts as string[]).map((t) => embeddingOf(t, dimensions)) },
    texts,
    meta: { api_version: { version: "2" }, billed_units: { input_tokens: texts.length * 2 } },
    response_type: "embeddings_by_type",
  });
}

/** Starts the mock on a free loopback port; its URL is what `cohere_api_base` expects. */
export function startMockCohere(options: MockCohereOptions = {}): MockCohere {
  const recorder = new Recorder();
  const faults = new FaultQueue();
  const apiKey = options.apiKey ?? "co-mock-key";

  const handle = async (request: Request): Promise<Response> => {
    const entry = await recorder.record(request);
    const path = new URL(request.url).pathname;
    if (request.method !== "POST") return error(405, "method not allowed");
    const auth = entry.headers["authorization"];
    if (auth === undefined) return error(401, "no api key supplied");
    if (auth !== `Bearer ${apiKey}`) return error(401, "invalid api token");
    const fault = faults.next();
    const faulted = await answerFault(fault, request.signal);
    if (faulted) return faulted;
    if (fault?.kind === "malformed") {
      return new Response('{"id": "broken", "message": {"role": "assis', {
        headers: { "content-type": "application/json" },
      });
    }
    const body = entry.body;
    if (!body || typeof body !== "object" || Array.isArray(body)) {
      return error(400, "invalid request: unable to parse the request body as JSON");
    }
    if (path === "/v2/embed") return embed(body as Json);
    if (path !== "/v2/chat") return error(404, `path ${path} not found`);
    const problem = checkChat(body as Json);
    if (problem) return error(400, problem);
    const reply = chatReply(body as Json);
    const id = nextId();
    if ((body as Json).stream === true) {
      return new Response(
        sseStream(chatEvents(id, reply), {
          cutAfter: fault?.kind === "cut" ? fault.afterChunks : undefined,
          delayMs: options.chunkDelayMs ?? 0,
          onAbort: () => recorder.aborted++,
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    }
    return Response.json(chatResponse(id, reply));
  };

  const server = serveMock(handle);
  return { ...server, recorder, faults, options };
}
