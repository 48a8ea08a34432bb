/**
 * The mock provider: deterministic answers with no network, for demos and tests. Chat echoes
 * the last user message (or `reply`), completions echo the prompt, embeddings are derived from
 * the text. Streams word by word, with an optional per-token delay, as stream parts (several
 * choices, `n` > 1, as relayed OpenAI chunks: parts describe one choice).
 */
import { z } from "zod";
import type { CallContext, Provider } from "../../core/provider.ts";
import type { StreamPart } from "../../core/stream_parts.ts";
import type { ChatRequest, ChatResponse, ToolCall } from "../../schemas/chat.ts";
import type { CompletionsRequest, CompletionsResponse } from "../../schemas/completions.ts";
import type { EmbeddingsResponse } from "../../schemas/embeddings.ts";
import { usageOf } from "../../schemas/common.ts";
import { countPromptTokens, countTokens, embed, messageText, plan, stableId } from "./generate.ts";
import { unixNow } from "../shared/chunks.ts";
import { chatChoices, completionsChoices } from "./choices.ts";
import { lazySchema } from "../../schemas/lazy.ts";

export const MockConfig = lazySchema(() =>
  z.object({
    /** A fixed chat reply; by default chat echoes the last user message. */
    reply: z.string().optional(),
    /** Milliseconds to wait before each streamed token (and per token before a plain reply). */
    delay_ms: z.number().int().min(0).max(60_000).default(0),
    /** Length of embedding vectors. */
    embedding_dimensions: z.number().int().min(1).max(8192).default(16),
  })
);
export type MockConfig = z.infer<typeof MockConfig>;

type Ctx = CallContext<MockConfig>;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function modelName(ctx: Ctx): string {
  return ctx.model ?? "mock";
}

function lastUserText(request: ChatRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i];
    if (message?.role === "user") return messageText(message);
  }
  return "";
}

/** The tool the request forces, if any: `required` picks the first tool. */
function forcedTool(request: ChatRequest): string | undefined {
  const choice = request.tool_choice;
  if (!request.tools?.length || choice === undefined || choice === "none" || choice === "auto") {
    return undefined;
  }
  return choice === "required" ? request.tools[0]?.function.name : choice.function.name;
}

function toolCallFor(name: string, request: ChatRequest): ToolCall {
  const input = lastUserText(request);
  return {
    id: stableId("call", `${name}:${input}`),
    type: "function",
    function: { name, arguments: JSON.stringify({ input }) },
  };
}

function chatPlan(request: ChatRequest, ctx: Ctx) {
  return plan(ctx.config.reply ?? lastUserText(request), {
    stop: request.stop,
    maxTokens: request.max_completion_tokens ?? request.max_tokens,
  });
}

async function chat(request: ChatRequest, ctx: Ctx, signal: AbortSignal): Promise<ChatResponse> {
  const promptTokens = countPromptTokens(request.messages);
  const tool = forcedTool(request);
  const n = request.n ?? 1;
  const id = stableId("chatcmpl-mock", JSON.stringify(request.messages));
  if (tool !== undefined) {
    const call = toolCallFor(tool, request);
    return {
      id,
      object: "chat.completion",
      created: unixNow(),
      model: modelName(ctx),
      choices: Array.from({ length: n }, (_, index) => ({
        index,
        message: { role: "assistant", content: null, tool_calls: [call], refusal: null },
        finish_reason: "tool_calls",
      })),
      usage: usageOf(promptTokens, countTokens(call.function.arguments) * n),
    };
  }
  const { tokens, finishReason } = chatPlan(request, ctx);
  await sleep(ctx.config.delay_ms * tokens.length, signal);
  const text = tokens.join("");
  return {
    id,
    object: "chat.completion",
    created: unixNow(),
    model: modelName(ctx),
    choices: Array.from({ length: n }, (_, index) => ({
      index,
      message: { role: "assistant", content: text, tool_calls: null, refusal: null },
      finish_reason: finishReason,
    })),
    usage: usageOf(promptTokens, tokens.length * n),
  };
}

/**
 * One choice's stream: the role, then the tool call the request forces (its start, then its
 * arguments whole) or the reply word by word, the finish and the usage (counting all `n`).
 */
async function* chatParts(
  request: ChatRequest,
  ctx: Ctx,
  signal: AbortSignal,
): AsyncGenerator<StreamPart> {
  const n = request.n ?? 1;
  const promptTokens = countPromptTokens(request.messages);
  yield {
    type: "start",
    id: stableId("chatcmpl-mock", JSON.stringify(request.messages)),
    model: modelName(ctx),
  };
  const tool = forcedTool(request);
  if (tool !== undefined) {
    const call = toolCallFor(tool, request);
    await sleep(ctx.config.delay_ms, signal);
    yield { type: "tool_call", index: 0, id: call.id, name: tool };
    await sleep(ctx.config.delay_ms, signal);
    yield { type: "tool_arguments", index: 0, arguments: call.function.arguments };
    yield { type: "finish", reason: "tool_calls" };
    yield {
      type: "usage",
      usage: usageOf(promptTokens, countTokens(call.function.arguments) * n),
    };
    return;
  }
  const { tokens, finishReason } = chatPlan(request, ctx);
  for (const token of tokens) {
    await sleep(ctx.config.delay_ms, signal);
    yield { type: "text", text: token };
  }
  yield { type: "finish", reason: finishReason };
  yield { type: "usage", usage: usageOf(promptTokens, tokens.length * n) };
}

/** A chat stream: its parts, or for `n` > 1 chunks with `n` equal choices. */
function chatStream(
  request: ChatRequest,
  ctx: Ctx,
  signal: AbortSignal,
): AsyncIterable<StreamPart> {
  const parts = chatParts(request, ctx, signal);
  const n = request.n ?? 1;
  return n > 1 ? chatChoices(parts, n) : parts;
}

/** The prompt as text; token ids (which OpenAI's API takes) are read as their numbers. */
function promptOf(request: CompletionsRequest): string {
  return typeof request.prompt === "string" ? request.prompt : request.prompt.join(" ");
}

function completionPlan(request: CompletionsRequest) {
  return plan(promptOf(request), { stop: request.stop, maxTokens: request.max_tokens });
}

async function complete(
  request: CompletionsRequest,
  ctx: Ctx,
  signal: AbortSignal,
): Promise<CompletionsResponse> {
  const { tokens, finishReason } = completionPlan(request);
  await sleep(ctx.config.delay_ms * tokens.length, signal);
  const n = request.n ?? 1;
  return {
    id: stableId("cmpl-mock", promptOf(request)),
    object: "text_completion",
    created: unixNow(),
    model: modelName(ctx),
    choices: Array.from({ length: n }, (_, index) => ({
      index,
      text: tokens.join(""),
      finish_reason: finishReason,
    })),
    usage: usageOf(countTokens(promptOf(request)), tokens.length * n),
  };
}

/** One choice's stream: the prompt echoed word by word, the finish and the usage (all `n`). */
async function* completeParts(
  request: CompletionsRequest,
  ctx: Ctx,
  signal: AbortSignal,
): AsyncGenerator<StreamPart> {
  const n = request.n ?? 1;
  yield { type: "start", id: stableId("cmpl-mock", promptOf(request)), model: modelName(ctx) };
  const { tokens, finishReason } = completionPlan(request);
  for (const token of tokens) {
    await sleep(ctx.config.delay_ms, signal);
    yield { type: "text", text: token };
  }
  yield { type: "finish", reason: finishReason };
  yield { type: "usage", usage: usageOf(countTokens(promptOf(request)), tokens.length * n) };
}

/** A completions stream: its parts, or for `n` > 1 chunks with `n` equal choices. */
function completeStream(
  request: CompletionsRequest,
  ctx: Ctx,
  signal: AbortSignal,
): AsyncIterable<StreamPart> {
  const parts = completeParts(request, ctx, signal);
  const n = request.n ?? 1;
  return n > 1 ? completionsChoices(parts, n) : parts;
}

function embeddings(
  input: string | string[] | number[] | number[][],
  ctx: Ctx,
): EmbeddingsResponse {
  const items: string[] = typeof input === "string"
    ? [input]
    : input.length > 0 && typeof input[0] === "number"
    ? [JSON.stringify(input)]
    : (input as (string | number[])[]).map((item) =>
      typeof item === "string" ? item : JSON.stringify(item)
    );
  const tokens = items.reduce((sum, text) => sum + countTokens(text), 0);
  return {
    object: "list",
    data: items.map((text, index) => ({
      object: "embedding",
      embedding: embed(text, ctx.config.embedding_dimensions),
      index,
    })),
    model: modelName(ctx),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

export const mockProvider: Provider<MockConfig> = {
  name: "mock",
  displayName: "Mock",
  configSchema: MockConfig,
  secretKeys: [],
  supportsTools: true,
  chat: {
    kind: "local",
    invoke: chat,
    stream: chatStream,
  },
  completions: {
    kind: "local",
    invoke: complete,
    stream: completeStream,
  },
  embeddings: {
    kind: "local",
    invoke: (request, ctx) => Promise.resolve(embeddings(request.input, ctx)),
  },
};
