/**
 * TGI streams as stream parts: the Messages API's OpenAI-shaped SSE (ending in `[DONE]`), relayed
 * as OpenAI chunks, and `/generate_stream`'s token events (`{token, generated_text, details}`) as
 * start, text, finish and usage parts.
 */
import { ProviderError } from "../../core/errors.ts";
import type { CallContext, StreamEvent, StreamParser } from "../../core/provider.ts";
import type { ChatChunk } from "../../schemas/chat.ts";
import { type Usage, usageOf } from "../../schemas/common.ts";
import type { StreamPart } from "../../core/stream_parts.ts";
import { parseWire } from "../parse_wire.ts";
import { unixNow } from "../shared/chunks.ts";
import { streamEventJson } from "../shared/stream_event.ts";
import { mapTgiFinishReason } from "./finish_reason.ts";
import { tgiUsage } from "./response.ts";
import { TGI_NAME } from "./config.ts";
import { WireChatChunk, WireGenerateEvent } from "./wire.ts";
import { parseTgiError } from "./errors.ts";

/** The JSON of one event; undefined for `[DONE]`; TGI's in-stream `{"error"}` throws. */
function payload(event: StreamEvent): unknown {
  const json = streamEventJson(event, TGI_NAME, true);
  if (json === undefined) return undefined;
  if (json !== null && typeof json === "object" && "error" in json && json.error) {
    throw new ProviderError(
      502,
      "upstream_error",
      `${TGI_NAME} reported an error mid-stream: ${parseTgiError(502, event.data.trim()).message}`,
    );
  }
  return json;
}

function endedEarly(): ProviderError {
  return new ProviderError(
    502,
    "upstream_error",
    `${TGI_NAME}'s stream ended before its final event; the answer is incomplete`,
    { retryable: true },
  );
}

/**
 * Chat chunks relayed as they come (`openai_chunk` parts), with the role on the first one and
 * finish reasons in OpenAI's values. Usage (TGI puts it on the last chunk, or on a chunk of its
 * own) is held back and sent once, as a usage-only chunk, when the stream ends.
 */
export function tgiChatStreamParser(ctx: CallContext<unknown>): StreamParser<StreamPart> {
  let roleSent = false;
  let finished = false;
  let usage: Usage | undefined;
  let meta = { id: null as string | null, created: unixNow(), model: ctx.model ?? "" };
  return {
    push(event) {
      if (event.data.trim() === "[DONE]") finished = true;
      const json = payload(event);
      if (json === undefined) return [];
      const wire = parseWire(WireChatChunk, json, TGI_NAME);
      meta = {
        id: wire.id || meta.id,
        created: wire.created ?? meta.created,
        model: ctx.model ?? wire.model ?? meta.model,
      };
      if (wire.usage) usage = tgiUsage(wire.usage);
      const choices = (wire.choices ?? []).map((choice, i) => {
        const delta: ChatChunk["choices"][number]["delta"] = {};
        if (!roleSent) delta.role = "assistant";
        if (choice.delta?.content !== undefined && choice.delta.content !== null) {
          delta.content = choice.delta.content;
        }
        roleSent = true;
        const finish = mapTgiFinishReason(choice.finish_reason);
        if (finish !== null) finished = true;
        return { index: choice.index ?? i, delta, finish_reason: finish };
      });
      if (choices.length === 0) return [];
      const chunk: ChatChunk = { ...meta, object: "chat.completion.chunk", choices };
      return [{ type: "openai_chunk", chunk }];
    },
    end() {
      if (!finished) throw endedEarly();
      const chunk: ChatChunk = {
        ...meta,
        object: "chat.completion.chunk",
        choices: [],
        usage: usage ?? usageOf(null, null),
      };
      return [{ type: "openai_chunk", chunk }];
    },
  };
}

/**
 * Parts from token events: the start (on the first event), a text part per token (special tokens
 * like `</s>` are not text), then, from the last event's `details`, the finish and the usage.
 */
export function tgiGenerateStreamParser(ctx: CallContext<unknown>): StreamParser<StreamPart> {
  let started = false;
  let usage: Usage | undefined;
  return {
    push(event) {
      const json = payload(event);
      if (json === undefined) return [];
      const wire = parseWire(WireGenerateEvent, json, TGI_NAME);
      const parts: StreamPart[] = [];
      if (!started) {
        started = true;
        parts.push({ type: "start", id: null, model: ctx.model ?? "" });
      }
      const text = wire.token && !wire.token.special ? (wire.token.text ?? "") : "";
      if (text !== "") parts.push({ type: "text", text });
      const details = wire.details;
      if (details) {
        usage = usageOf(details.input_length ?? null, details.generated_tokens ?? null);
        parts.push({ type: "finish", reason: mapTgiFinishReason(details.finish_reason) });
      }
      return parts;
    },
    end() {
      if (!usage) throw endedEarly();
      return [{ type: "usage", usage }];
    },
  };
}
