/**
 * Messages API SSE streams → canonical chunks. One reader turns Anthropic's events
 * (message_start, content_block_start/delta/stop, message_delta, message_stop, ping, error) into
 * neutral deltas; the chat and completions parsers shape those into their chunk types.
 */
import { ProviderError } from "../../core/errors.ts";
import type { CallContext, StreamEvent, StreamParser } from "../../core/provider.ts";
import type { ChatChunk, ChatChunkChoice } from "../../schemas/chat.ts";
import type { CompletionsChunk } from "../../schemas/completions.ts";
import type { Usage } from "../../schemas/common.ts";
import { parseWire } from "../parse_wire.ts";
import {
  chatChunk,
  chatFinishChunks,
  type ChunkHead,
  completionsChunk,
  completionsFinishChunks,
  unixNow,
} from "../shared/chunks.ts";
import { streamError } from "./errors.ts";
import { mapAnthropicStopReason } from "./finish_reason.ts";
import { DISPLAY_NAME } from "./response.ts";
import { mapAnthropicUsage, mergeUsage } from "./usage.ts";
import { KNOWN_STREAM_EVENTS, type WireUsage } from "./wire.ts";
import { WireStreamEvent } from "./wire.ts";

/** What one upstream event means, independent of the output chunk type. */
export type StreamDelta =
  | { kind: "start" }
  | { kind: "text"; text: string }
  | { kind: "reasoning"; text: string }
  | { kind: "tool_start"; index: number; id: string; name: string }
  | { kind: "tool_args"; index: number; args: string }
  | { kind: "finish"; finishReason: string | null; usage: Usage };

interface OpenBlock {
  type: string;
  /** The OpenAI tool-call index (tool_use blocks only): counts tool calls, not blocks. */
  toolIndex?: number;
  /** The input given at block start, sent if no input_json_delta follows. */
  startInput?: unknown;
  argsSent: boolean;
}

function broken(message: string): ProviderError {
  return new ProviderError(502, "upstream_error", `${DISPLAY_NAME} ${message}`, {
    retryable: true,
  });
}

/** Reads one Messages stream; `id` and `model` come from message_start. */
export class MessagesStreamReader {
  id: string | null = null;
  model: string | null = null;
  #usage: WireUsage = {};
  #stopReason: string | null = null;
  #blocks = new Map<number, OpenBlock>();
  #toolCount = 0;
  #started = false;
  #finished = false;

  /** The deltas of one SSE event; an `error` event throws. */
  push(event: StreamEvent): StreamDelta[] {
    if (this.#finished) return [];
    let json: unknown;
    try {
      json = JSON.parse(event.data);
    } catch {
      throw broken(`sent a stream event that is not JSON: ${event.data.slice(0, 100)}`);
    }
    const type = json !== null && typeof json === "object" && "type" in json
      ? String(json.type)
      : event.event;
    // New event types may be added to the protocol; skipping them is what Anthropic asks for.
    if (type === undefined || !KNOWN_STREAM_EVENTS.has(type)) return [];
    const wire = parseWire(WireStreamEvent, json, DISPLAY_NAME);
    switch (wire.type) {
      case "message_start":
        this.#started = true;
        this.id = wire.message.id ?? null;
        this.model = wire.message.model ?? null;
        this.#usage = mergeUsage(this.#usage, wire.message.usage);
        return [{ kind: "start" }];
      case "content_block_start":
        return this.#blockStart(wire.index, wire.content_block);
      case "content_block_delta":
        return this.#blockDelta(wire.index, wire.delta);
      case "content_block_stop":
        return this.#blockStop(wire.index);
      case "message_delta":
        if (wire.delta?.stop_reason) this.#stopReason = wire.delta.stop_reason;
        this.#usage = mergeUsage(this.#usage, wire.usage);
        return [];
      case "message_stop":
        this.#finished = true;
        return [{
          kind: "finish",
          finishReason: mapAnthropicStopReason(this.#stopReason, this.#toolCount > 0) ?? "stop",
          usage: mapAnthropicUsage(this.#usage),
        }];
      case "ping":
        return [];
      case "error":
        throw streamError(wire.error);
    }
  }

  /** Checks that the stream ended properly (with message_stop). */
  end(): void {
    if (this.#finished) return;
    throw broken(
      this.#started
        ? "ended the stream before message_stop (the answer is incomplete)"
        : "ended the stream without sending any message",
    );
  }

  #blockStart(
    index: number,
    block: {
      type: string;
      text?: string | null | undefined;
      id?: string | null | undefined;
      name?: string | null | undefined;
      input?: unknown;
    },
  ): StreamDelta[] {
    if (block.type === "tool_use") {
      const toolIndex = this.#toolCount++;
      this.#blocks.set(index, {
        type: block.type,
        toolIndex,
        startInput: block.input,
        argsSent: false,
      });
      return [{
        kind: "tool_start",
        index: toolIndex,
        id: block.id ?? `toolu_${toolIndex}`,
        name: block.name ?? "",
      }];
    }
    this.#blocks.set(index, { type: block.type, argsSent: false });
    if (block.type === "text" && block.text) return [{ kind: "text", text: block.text }];
    return [];
  }

  #blockDelta(
    index: number,
    delta: {
      type: string;
      text?: string | null | undefined;
      partial_json?: string | null | undefined;
      thinking?: string | null | undefined;
    },
  ): StreamDelta[] {
    const block = this.#blocks.get(index);
    switch (delta.type) {
      case "text_delta":
        return delta.text ? [{ kind: "text", text: delta.text }] : [];
      case "thinking_delta":
        return delta.thinking ? [{ kind: "reasoning", text: delta.thinking }] : [];
      case "input_json_delta":
        if (block?.toolIndex === undefined || !delta.partial_json) return [];
        block.argsSent = true;
        return [{ kind: "tool_args", index: block.toolIndex, args: delta.partial_json }];
      default:
        // signature_delta, citations_delta: nothing an OpenAI client can use.
        return [];
    }
  }

  #blockStop(index: number): StreamDelta[] {
    const block = this.#blocks.get(index);
    this.#blocks.delete(index);
    if (block?.toolIndex === undefined || block.argsSent) return [];
    // A tool called without arguments gets no input_json_delta: its input is the start's.
    return [{
      kind: "tool_args",
      index: block.toolIndex,
      args: JSON.stringify(block.startInput ?? {}),
    }];
  }
}

/** The id and model come from message_start, the time from the parser's start. */
function headOf(reader: MessagesStreamReader, ctx: CallContext<unknown>, created: number) {
  return (): ChunkHead => ({ id: reader.id, created, model: reader.model ?? ctx.model ?? "" });
}

/** Chat chunks: role first, text and tool-call deltas, a finish chunk, then one usage chunk. */
export function chatStreamParser(ctx: CallContext<unknown>): StreamParser<ChatChunk> {
  const reader = new MessagesStreamReader();
  const head = headOf(reader, ctx, unixNow());
  const choice = (delta: ChatChunkChoice["delta"]) =>
    chatChunk(head(), [{ index: 0, delta, finish_reason: null }]);
  return {
    push(event) {
      return reader.push(event).flatMap((d): ChatChunk[] => {
        switch (d.kind) {
          case "start":
            return [choice({ role: "assistant", content: "" })];
          case "text":
            return [choice({ content: d.text })];
          case "reasoning":
            return [choice({ reasoning_content: d.text })];
          case "tool_start":
            return [choice({
              tool_calls: [{
                index: d.index,
                id: d.id,
                type: "function",
                function: { name: d.name, arguments: "" },
              }],
            })];
          case "tool_args":
            return [choice({ tool_calls: [{ index: d.index, function: { arguments: d.args } }] })];
          case "finish":
            return chatFinishChunks(head(), d.finishReason, d.usage);
        }
      });
    },
    end() {
      reader.end();
      return [];
    },
  };
}

/** Completion chunks: the answer's text as it arrives, a finish chunk, then one usage chunk. */
export function completionsStreamParser(
  ctx: CallContext<unknown>,
): StreamParser<CompletionsChunk> {
  const reader = new MessagesStreamReader();
  const head = headOf(reader, ctx, unixNow());
  return {
    push(event) {
      return reader.push(event).flatMap((d): CompletionsChunk[] => {
        if (d.kind === "text") {
          return [completionsChunk(head(), [{ index: 0, text: d.text, finish_reason: null }])];
        }
        if (d.kind === "finish") return completionsFinishChunks(head(), d.finishReason, d.usage);
        return [];
      });
    },
    end() {
      reader.end();
      return [];
    },
  };
}
