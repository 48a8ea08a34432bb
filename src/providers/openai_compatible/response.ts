/** Normalises OpenAI-wire responses to the canonical shapes (MLflow's always-present fields). */
import type { CallContext } from "../../core/provider.ts";
import type { ChatResponse, ResponseMessage } from "../../schemas/chat.ts";
import type { CompletionsResponse } from "../../schemas/completions.ts";
import type { EmbeddingsResponse } from "../../schemas/embeddings.ts";
import type { Usage } from "../../schemas/common.ts";
import { parseWire } from "../parse_wire.ts";
import { WireCompletionsResponse, WireEmbeddingsResponse } from "./wire.ts";
import { readWireChatResponse, type WireChatResponse } from "./chunk_reader.ts";
import { mapFinishReason } from "./finish_reason.ts";
import { unixNow } from "../shared/chunks.ts";
import { isRecord } from "../../core/records.ts";
import { copyLogprobs, copyServedBy } from "./extras.ts";
import { readPlainEmbeddings } from "./plain_embeddings.ts";

const utf8 = new TextDecoder();

/** Token counts, null where the server left them out, with their breakdowns when it sent them. */
export function wireUsage(
  usage:
    | {
      prompt_tokens?: number | null | undefined;
      completion_tokens?: number | null | undefined;
      total_tokens?: number | null | undefined;
      prompt_tokens_details?: unknown;
      completion_tokens_details?: unknown;
    }
    | null
    | undefined,
): Usage {
  const counts: Usage = {
    prompt_tokens: usage?.prompt_tokens ?? null,
    completion_tokens: usage?.completion_tokens ?? null,
    total_tokens: usage?.total_tokens ?? null,
  };
  if (isRecord(usage?.prompt_tokens_details)) {
    counts.prompt_tokens_details = usage.prompt_tokens_details;
  }
  if (isRecord(usage?.completion_tokens_details)) {
    counts.completion_tokens_details = usage.completion_tokens_details;
  }
  return counts;
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
  // Loops and a helper rather than closures: this runs for every answer, and a function that
  // creates closures makes the runtime allocate its scope on every call.
  const choices: ChatResponse["choices"] = [];
  for (let index = 0; index < wire.choices.length; index++) {
    const message = canonicalMessage((wire.choices[index] as WireChoice).message, index);
    const finish = mapFinishReason(
      (wire.choices[index] as WireChoice).finish_reason,
      message.tool_calls !== null,
    );
    const choice: ChatResponse["choices"][number] = { index, message, finish_reason: finish };
    copyLogprobs(wire.choices[index] as WireChoice, choice);
    choices.push(choice);
  }
  const answer: ChatResponse = {
    id: wire.id ?? null,
    object: "chat.completion",
    created: wire.created ?? unixNow(),
    model: wire.model ?? ctx.model ?? "",
    choices,
    usage: wireUsage(wire.usage),
  };
  copyServedBy(wire, answer);
  return answer;
}

type WireChoice = WireChatResponse["choices"][number];

/** A message with `tool_calls` and `refusal` always present, and an id for every tool call. */
function canonicalMessage(wire: WireChoice["message"], index: number): ResponseMessage {
  const { role, content, tool_calls, refusal, ...extra } = wire;
  let calls: NonNullable<ResponseMessage["tool_calls"]> | null = null;
  if (tool_calls && tool_calls.length > 0) {
    calls = [];
    for (let i = 0; i < tool_calls.length; i++) {
      const call = tool_calls[i] as NonNullable<typeof tool_calls>[number];
      calls.push({
        ...call,
        id: call.id ?? `call_${index}_${i}`,
        type: "function" as const,
        function: { ...call.function, arguments: call.function.arguments ?? "" },
      });
    }
  }
  return {
    ...extra,
    role: role ?? "assistant",
    content: (content ?? null) as ResponseMessage["content"],
    tool_calls: calls,
    refusal: refusal ?? null,
  };
}

/** A text completion. */
export function parseCompletionsResponse(
  json: unknown,
  ctx: CallContext<unknown>,
  provider: string,
): CompletionsResponse {
  const wire = parseWire(WireCompletionsResponse, json, provider);
  const answer: CompletionsResponse = {
    id: wire.id ?? null,
    object: "text_completion",
    created: wire.created ?? unixNow(),
    model: wire.model ?? ctx.model ?? "",
    choices: wire.choices.map((choice, index) => {
      const out: CompletionsResponse["choices"][number] = {
        index,
        text: choice.text ?? "",
        finish_reason: mapFinishReason(choice.finish_reason),
      };
      copyLogprobs(choice, out);
      return out;
    }),
    usage: wireUsage(wire.usage),
  };
  copyServedBy(wire, answer);
  return answer;
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
 * An embeddings answer read from its bytes alone (`readPlainEmbeddings`), relayed as those bytes:
 * model and usage are read, the vectors are parsed only if something asks for `data` (a client
 * that wants base64 from an upstream that sent floats, the cache).
 */
export function embeddingsFromBytes(
  bytes: Uint8Array,
  ctx: CallContext<unknown>,
  provider: string,
): EmbeddingsResponse | undefined {
  const plain = readPlainEmbeddings(bytes);
  if (plain === undefined) return undefined;
  let data: EmbeddingsResponse["data"] | undefined;
  return {
    object: "list",
    // An own enumerable getter, so that spreading or serialising the answer still has the data.
    get data() {
      return data ??= parseEmbeddingsResponse(JSON.parse(utf8.decode(bytes)), ctx, provider).data;
    },
    model: plain.model,
    usage: plain.usage,
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
