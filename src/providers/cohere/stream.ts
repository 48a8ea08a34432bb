/**
 * Cohere v2 chat streams (SSE; each event's JSON `type` names it) as canonical chat or
 * completions chunks. `message-start` opens, `content-delta` and `tool-plan-delta` carry text,
 * `tool-call-start`/`-delta` carry tool calls, `message-end` carries finish_reason and usage.
 */
import { ProviderError } from "../../core/errors.ts";
import type { CallContext, StreamEvent, StreamParser } from "../../core/provider.ts";
import type { ChatChunk, ToolCallDelta } from "../../schemas/chat.ts";
import type { CompletionsChunk } from "../../schemas/completions.ts";
import type { Usage } from "../../schemas/common.ts";
import { parseWire } from "../parse_wire.ts";
import {
  chatChunk,
  type ChunkHead,
  completionsChunk,
  completionsFinishChunks,
  unixNow,
} from "../shared/chunks.ts";
import { streamEventJson } from "../shared/stream_event.ts";
import { mapCohereFinishReason } from "./finish_reason.ts";
import { cohereUsage } from "./usage.ts";
import { WireDeltaContent, WireDeltaToolCall, WireStreamEvent } from "./wire.ts";

const NAME = "Cohere";

/** What one Cohere event means, independent of the chunk shape it becomes. */
export type CoherePiece =
  | { kind: "start" }
  | { kind: "text"; text: string }
  | { kind: "tool_start"; index: number; id: string; name: string; arguments: string }
  | { kind: "tool_arguments"; index: number; arguments: string }
  | { kind: "end"; finishReason: string | null; usage: Usage };

/** Reads Cohere events into pieces; numbers tool calls 0, 1, ... in the order they start. */
export class CohereStreamReader {
  id: string | null = null;
  #ended = false;
  #toolIndexes = new Map<number, number>();
  #lastTool = -1;

  /** Pieces of one SSE event; throws on a failed generation or a malformed event. */
  read(event: StreamEvent): CoherePiece[] {
    const json = streamEventJson(event, NAME, true);
    if (json === undefined) return [];
    const wire = parseWire(WireStreamEvent, json, NAME);
    const type = wire.type ?? event.event;
    const message = wire.delta?.message;
    switch (type) {
      case "message-start":
        this.id = wire.id ?? this.id;
        return [{ kind: "start" }];
      case "content-start":
      case "content-delta": {
        const text = parseWire(WireDeltaContent.nullish(), message?.content, NAME)?.text;
        return text ? [{ kind: "text", text }] : [];
      }
      case "tool-plan-delta": {
        const text = message?.tool_plan;
        return text ? [{ kind: "text", text }] : [];
      }
      case "tool-call-start": {
        const call = parseWire(WireDeltaToolCall.nullish(), message?.tool_calls, NAME);
        const index = this.#toolIndexes.size;
        this.#toolIndexes.set(wire.index ?? index, index);
        this.#lastTool = index;
        return [{
          kind: "tool_start",
          index,
          id: call?.id ?? `call_${this.id ?? "cohere"}_${index}`,
          name: call?.function?.name ?? "",
          arguments: call?.function?.arguments ?? "",
        }];
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
        return [{ kind: "tool_arguments", index, arguments: args }];
      }
      case "message-end": {
        this.#ended = true;
        const delta = wire.delta;
        const finishReason = mapCohereFinishReason(
          delta?.finish_reason,
          this.#toolIndexes.size > 0,
          delta?.error,
        );
        return [{ kind: "end", finishReason, usage: cohereUsage(delta?.usage) }];
      }
      default:
        // content-end, tool-call-end, citation-start/-end, debug: nothing for the client.
        return [];
    }
  }

  /** Throws when the stream closed before `message-end`: the answer is incomplete. */
  finish(): void {
    if (!this.#ended) {
      throw new ProviderError(
        502,
        "upstream_error",
        `${NAME}'s stream ended before its message-end event; the answer is incomplete`,
        { retryable: true },
      );
    }
  }
}

/** The id comes from message-start, the model from the config, the time from the parser's start. */
function headOf(reader: CohereStreamReader, ctx: CallContext<unknown>, created: number) {
  return (): ChunkHead => ({ id: reader.id, created, model: ctx.model ?? "" });
}

/** Chat chunks: a role chunk first, text and tool-call deltas, a finish chunk, one usage chunk. */
export function cohereChatStreamParser(ctx: CallContext<unknown>): StreamParser<ChatChunk> {
  const reader = new CohereStreamReader();
  const head = headOf(reader, ctx, unixNow());
  let roleSent = false;
  const chunk = (
    delta: ChatChunk["choices"][number]["delta"],
    finish: string | null = null,
  ): ChatChunk => {
    if (!roleSent) {
      delta = { role: "assistant", ...delta };
      roleSent = true;
    }
    return chatChunk(head(), [{ index: 0, delta, finish_reason: finish }]);
  };
  return {
    push(event) {
      return reader.read(event).flatMap((piece): ChatChunk[] => {
        switch (piece.kind) {
          case "start":
            return roleSent ? [] : [chunk({ content: "" })];
          case "text":
            return [chunk({ content: piece.text })];
          case "tool_start": {
            const call: ToolCallDelta = {
              index: piece.index,
              id: piece.id,
              type: "function",
              function: { name: piece.name, arguments: piece.arguments },
            };
            return [chunk({ tool_calls: [call] })];
          }
          case "tool_arguments":
            return [
              chunk({
                tool_calls: [{ index: piece.index, function: { arguments: piece.arguments } }],
              }),
            ];
          case "end":
            return [chunk({}, piece.finishReason), chatChunk(head(), [], piece.usage)];
        }
      });
    },
    end() {
      reader.finish();
      return [];
    },
  };
}

/** Completions chunks: the text as it arrives, a finish chunk, one usage chunk. */
export function cohereCompletionsStreamParser(
  ctx: CallContext<unknown>,
): StreamParser<CompletionsChunk> {
  const reader = new CohereStreamReader();
  const head = headOf(reader, ctx, unixNow());
  return {
    push(event) {
      return reader.read(event).flatMap((piece): CompletionsChunk[] => {
        if (piece.kind === "text") {
          return [completionsChunk(head(), [{ index: 0, text: piece.text, finish_reason: null }])];
        }
        if (piece.kind === "end") {
          return completionsFinishChunks(head(), piece.finishReason, piece.usage);
        }
        return [];
      });
    },
    end() {
      reader.finish();
      return [];
    },
  };
}
