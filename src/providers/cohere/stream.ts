/**
 * Cohere v2 chat streams (SSE; each event's JSON `type` names it) as stream parts, for chat and
 * completions alike. `message-start` opens, `content-delta` and `tool-plan-delta` carry text,
 * `tool-call-start`/`-delta` carry tool calls, `message-end` carries finish_reason and usage.
 */
import { ProviderError } from "../../core/errors.ts";
import type { CallContext, StreamEvent, StreamParser } from "../../core/provider.ts";
import type { StreamPart } from "../../core/stream_parts.ts";
import { parseWire } from "../parse_wire.ts";
import { streamEventJson } from "../shared/stream_event.ts";
import { mapCohereFinishReason } from "./finish_reason.ts";
import { cohereUsage } from "./usage.ts";
import { WireDeltaContent, WireDeltaToolCall, WireStreamEvent } from "./wire.ts";

const NAME = "Cohere";

/** Reads Cohere events into parts; numbers tool calls 0, 1, ... in the order they start. */
class CohereStreamReader implements StreamParser<StreamPart> {
  #id: string | null = null;
  #started = false;
  #ended = false;
  #toolIndexes = new Map<number, number>();
  #lastTool = -1;

  constructor(readonly ctx: CallContext<unknown>) {}

  /** Parts of one SSE event; throws on a failed generation or a malformed event. */
  push(event: StreamEvent): StreamPart[] {
    // message-end is the last event: nothing after it counts.
    if (this.#ended) return [];
    const json = streamEventJson(event, NAME, true);
    if (json === undefined) return [];
    const wire = parseWire(WireStreamEvent, json, NAME);
    const type = wire.type ?? event.event;
    const parts = this.#parts(type, wire);
    if (this.#started || (parts.length === 0 && type !== "message-start")) return parts;
    // the stream begins at message-start, or with whatever comes first without one
    this.#started = true;
    return [{ type: "start", id: this.#id, model: this.ctx.model ?? "" }, ...parts];
  }

  /** Whether message-end has come. */
  finished(): boolean {
    return this.#ended;
  }

  /** Throws when the stream closed before `message-end`: the answer is incomplete. */
  end(): StreamPart[] {
    if (!this.#ended) {
      throw new ProviderError(
        502,
        "upstream_error",
        `${NAME}'s stream ended before its message-end event; the answer is incomplete`,
        { retryable: true },
      );
    }
    return [];
  }

  #parts(type: string | undefined, wire: WireStreamEvent): StreamPart[] {
    const message = wire.delta?.message;
    switch (type) {
      case "message-start":
        this.#id = wire.id ?? this.#id;
        return [];
      case "content-start":
      case "content-delta": {
        const text = parseWire(WireDeltaContent.nullish(), message?.content, NAME)?.text;
        return text ? [{ type: "text", text }] : [];
      }
      case "tool-plan-delta": {
        const text = message?.tool_plan;
        return text ? [{ type: "text", text }] : [];
      }
      case "tool-call-start": {
        const call = parseWire(WireDeltaToolCall.nullish(), message?.tool_calls, NAME);
        const index = this.#toolIndexes.size;
        this.#toolIndexes.set(wire.index ?? index, index);
        this.#lastTool = index;
        const parts: StreamPart[] = [{
          type: "tool_call",
          index,
          id: call?.id ?? `call_${this.#id ?? "cohere"}_${index}`,
          name: call?.function?.name ?? "",
        }];
        const args = call?.function?.arguments;
        if (args) parts.push({ type: "tool_arguments", index, arguments: args });
        return parts;
      }
      case "tool-call-delta": {
        const call = parseWire(WireDeltaToolCall.nullish(), message?.tool_calls, NAME);
        const args = call?.function?.arguments;
        if (!args) return [];
        const index = (wire.index === null || wire.index === undefined)
          ? this.#lastTool
          : this.#toolIndexes.get(wire.index) ?? this.#lastTool;
        if (index < 0) {
          throw new ProviderError(
            502,
            "upstream_error",
            `${NAME} sent tool-call arguments before any tool-call-start`,
          );
        }
        return [{ type: "tool_arguments", index, arguments: args }];
      }
      case "message-end": {
        this.#ended = true;
        const delta = wire.delta;
        const reason = mapCohereFinishReason(
          delta?.finish_reason,
          this.#toolIndexes.size > 0,
          delta?.error,
        );
        return [{ type: "finish", reason }, { type: "usage", usage: cohereUsage(delta?.usage) }];
      }
      default:
        // content-end, tool-call-end, citation-start/-end, debug: nothing for the client.
        return [];
    }
  }
}

/** Stream parts of a chat or completions stream (a completions client gets the text only). */
export function streamParser(ctx: CallContext<unknown>): StreamParser<StreamPart> {
  return new CohereStreamReader(ctx);
}
