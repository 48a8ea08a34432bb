/** Normalises OpenAI-wire responses to the canonical shapes (MLflow's always-present fields). */
import type { CallContext } from "../../core/provider.ts";
import type { ChatResponse, ResponseMessage } from "../../schemas/chat.ts";
import type { CompletionsResponse } from "../../schemas/completions.ts";
import type { EmbeddingsResponse } from "../../schemas/embeddings.ts";
import type { Usage } from "../../schemas/common.ts";
import { parseWire } from "../parse_wire.ts";
import { WireCompletionsResponse, WireEmbeddingsResponse } from "./wire.ts";
import { readWireChatResponse } from "./chunk_reader.ts";
import { mapFinishReason } from "./finish_reason.ts";
import { unixNow } from "../shared/chunks.ts";

/** Token counts, null where the server left them out. */
export function wireUsage(
  usage:
    | {
      prompt_tokens?: number | null | undefined;
      completion_tokens?: number | null | undefined;
      total_tokens?: number | null | undefined;
    }
    | null
    | undefined,
): Usage {
  return {
    prompt_tokens: usage?.prompt_tokens ?? null,
    completion_tokens: usage?.completion_tokens ?? null,
    total_tokens: usage?.total_tokens ?? null,
  };
}

/**
 * A chat completion: choices renumbered, `tool_calls` and `refusal` always present, finish
 * reasons in OpenAI's values (`tool_calls` whenever there are tool calls), and a stable id for a
 * tool call the server sent without one.
 */
export function parseChatResponse(
  json: unknown,
  ctx: CallContext<unknown>,
  provider: string,
): ChatResponse {
  const wire = readWireChatResponse(json, provider);
  return {
    id: wire.id ?? null,
    object: "chat.completion",
    created: wire.created ?? unixNow(),
    model: wire.model ?? ctx.model ?? "",
    choices: wire.choices.map((choice, index) => {
      const { role, content, tool_calls, refusal, ...extra } = choice.message;
      const calls = tool_calls?.map((call, i) => ({
        ...call,
        id: call.id ?? `call_${index}_${i}`,
        type: "function" as const,
        function: { ...call.function, arguments: call.function.arguments ?? "" },
      }));
      const message: ResponseMessage = {
        ...extra,
        role: role ?? "assistant",
        content: (content ?? null) as ResponseMessage["content"],
        tool_calls: calls && calls.length > 0 ? calls : null,
        refusal: refusal ?? null,
      };
      const finish = mapFinishReason(choice.finish_reason, message.tool_calls !== null);
      return { index, message, finish_reason: finish };
    }),
    usage: wireUsage(wire.usage),
  };
}

/** A text completion. */
export function parseCompletionsResponse(
  json: unknown,
  ctx: CallContext<unknown>,
  provider: string,
): CompletionsResponse {
  const wire = parseWire(WireCompletionsResponse, json, provider);
  return {
    id: wire.id ?? null,
    object: "text_completion",
    created: wire.created ?? unixNow(),
    model: wire.model ?? ctx.model ?? "",
    choices: wire.choices.map((choice, index) => ({
      index,
      text: choice.text ?? "",
      finish_reason: mapFinishReason(choice.finish_reason),
    })),
    usage: wireUsage(wire.usage),
  };
}

/** An embeddings list, ordered by index. */
export function parseEmbeddingsResponse(
  json: unknown,
  ctx: CallContext<unknown>,
  provider: string,
): EmbeddingsResponse {
  const wire = parseWire(WireEmbeddingsResponse, json, provider);
  const usage = wireUsage(wire.usage);
  return {
    object: "list",
    data: wire.data.map((item, index) => ({
      object: "embedding" as const,
      embedding: item.embedding,
      index: item.index ?? index,
    })).sort((a, b) => a.index - b.index),
    model: wire.model ?? ctx.model ?? "",
    usage: { prompt_tokens: usage.prompt_tokens, total_tokens: usage.total_tokens },
  };
}

/**
 * Whether an upstream embeddings body already has the canonical shape (every item an
 * `embedding` object in index order, `model` and `usage` present), so it can be sent as it is.
 * Checks only the envelope: the vectors were checked by the wire schema.
 */
export function isCanonicalEmbeddings(json: unknown): boolean {
  const body = json as { object?: unknown; model?: unknown; usage?: unknown; data?: unknown };
  if (body?.object !== "list" || typeof body.model !== "string") return false;
  const usage = body.usage as
    | { prompt_tokens?: unknown; total_tokens?: unknown }
    | null
    | undefined;
  if (!usage || typeof usage.prompt_tokens !== "number" || typeof usage.total_tokens !== "number") {
    return false;
  }
  if (!Array.isArray(body.data)) return false;
  return body.data.every((item: { object?: unknown; index?: unknown }, i) =>
    item?.object === "embedding" && item.index === i
  );
}
