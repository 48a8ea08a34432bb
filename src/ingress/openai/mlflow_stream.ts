/**
 * Stream chunks on MLflow's invocation paths (`/gateway/{name}/invocations`,
 * `/endpoints/{name}/invocations`). MLflow 3.17's gateway writes every chunk with all the keys of
 * its schema, null when unset: `usage`, and in a chat chunk each choice's `finish_reason` and
 * `delta.role`, `delta.content`, `delta.tool_calls`, each tool call's `id`, `type`,
 * `function.name` and `function.arguments`, and the chunk's `provider`. Code written against it
 * reads `chunk["choices"][0]["delta"]["content"]` without `.get()`, so these writers fill the same
 * keys. The `/v1` writers (stream.ts) leave OpenAI's chunks as they are and pay nothing for this.
 * Fields MLflow's schema leaves out (`reasoning_content`, `logprobs`, `system_fingerprint`) are
 * kept: extra keys break no client.
 */
import type { ChatChunk, ChatChunkChoice, ToolCallDelta } from "../../schemas/chat.ts";
import type { CompletionsChunk } from "../../schemas/completions.ts";
import type { Redactor } from "../../observe/redact.ts";
import { ChatStreamWriter, CompletionsStreamWriter } from "./stream.ts";

/** A streamed tool call with MLflow's keys: `id`, `type`, `function.{name, arguments}`. */
function mlflowToolCall(call: ToolCallDelta): Record<string, unknown> {
  const { index, id = null, type = null, function: fn, ...more } = call;
  const { name = null, arguments: args = null, ...fnMore } = fn ?? {};
  return { index, id, type, function: { name, arguments: args, ...fnMore }, ...more };
}

/** A chat delta with MLflow's keys: `role`, `content` and `tool_calls`, null when unset. */
function mlflowDelta(delta: ChatChunkChoice["delta"]): Record<string, unknown> {
  const { role = null, content = null, tool_calls, ...more } = delta;
  return {
    role,
    content,
    tool_calls: tool_calls ? tool_calls.map(mlflowToolCall) : null,
    ...more,
  };
}

/** A chat chunk as MLflow 3.17 writes it: every key present, `provider` named last. */
export function mlflowChatChunk(
  chunk: ChatChunk,
  provider: string | undefined,
): Record<string, unknown> {
  const { id = null, object, created, model, choices, usage = null, ...more } = chunk;
  return {
    id,
    object,
    created,
    model,
    choices: choices.map(({ index, finish_reason = null, delta, ...rest }) => ({
      index,
      finish_reason,
      delta: mlflowDelta(delta),
      ...rest,
    })),
    usage,
    ...more,
    // Set after the upstream's fields: an upstream's own `provider` (OpenRouter's) is not ours.
    provider: provider ?? null,
  };
}

/** A completions chunk as MLflow 3.17 writes it: `usage` null when unset (no `provider`). */
export function mlflowCompletionsChunk(chunk: CompletionsChunk): CompletionsChunk {
  return chunk.usage === undefined ? { ...chunk, usage: null } : chunk;
}

/** Chat chunks in MLflow's shape, naming the provider that served the stream. */
export class MlflowChatStreamWriter extends ChatStreamWriter {
  constructor(includeUsage: boolean, redactor: Redactor, readonly provider: string | undefined) {
    super(includeUsage, redactor);
  }

  protected override relaysRaw = false;

  protected override encode(chunk: ChatChunk | CompletionsChunk): string {
    return JSON.stringify(mlflowChatChunk(chunk as ChatChunk, this.provider));
  }
}

/** Completions chunks in MLflow's shape. */
export class MlflowCompletionsStreamWriter extends CompletionsStreamWriter {
  protected override relaysRaw = false;

  protected override encode(chunk: ChatChunk | CompletionsChunk): string {
    return JSON.stringify(mlflowCompletionsChunk(chunk as CompletionsChunk));
  }
}
