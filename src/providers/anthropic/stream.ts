/**
 * Messages API SSE streams → core stream parts. One reader turns Anthropic's events
 * (message_start, content_block_start/delta/stop, message_delta, message_stop, ping, error) into
 * parts (start, text, reasoning, tool calls and their arguments, finish, usage), for chat and
 * completions alike: the client's codec decides the chunks. Each event also comes first in its
 * parts as it came (`anthropic_event`), which an Anthropic client gets instead (core/native.ts).
 */
import { ProviderError } from "../../core/errors.ts";
import type { CallContext, StreamEvent, StreamParser } from "../../core/provider.ts";
import type { StreamPart } from "../../core/stream_parts.ts";
import { parseWire } from "../parse_wire.ts";
import { streamError } from "./errors.ts";
import { mapAnthropicStopReason } from "./finish_reason.ts";
import { DISPLAY_NAME } from "./config.ts";
import { mapAnthropicUsage, mergeUsage } from "./usage.ts";
import { KNOWN_STREAM_EVENTS, WireStreamEvent, type WireUsage } from "./wire.ts";

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

/**
 * Reads one Messages stream; the start part's id and model are message_start's (the model, when
 * it names none, is the configured one).
 */
export class MessagesStreamReader implements StreamParser<StreamPart> {
  #usage: WireUsage = {};
  #stopReason: string | null = null;
  #blocks = new Map<number, OpenBlock>();
  #toolCount = 0;
  #started = false;
  #finished = false;

  constructor(readonly configuredModel: string | null) {}

  /** The parts of one SSE event; an `error` event throws. */
  push(event: StreamEvent): StreamPart[] {
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
    if (type === undefined) return [];
    const relayed: StreamPart = { type: "anthropic_event", event: type, data: event.data };
    // New event types may be added to the protocol: other clients skip them, as Anthropic asks.
    if (!KNOWN_STREAM_EVENTS.has(type)) return [relayed];
    const parts = this.#read(parseWire(WireStreamEvent, json, DISPLAY_NAME));
    // Every stream begins with a start part, even one whose message_start went missing.
    if (!this.#started && parts.length > 0) {
      this.#started = true;
      parts.unshift({ type: "start", id: null, model: this.configuredModel ?? "" });
    }
    parts.unshift(relayed);
    return parts;
  }

  #read(wire: WireStreamEvent): StreamPart[] {
    switch (wire.type) {
      case "message_start":
        this.#started = true;
        this.#usage = mergeUsage(this.#usage, wire.message.usage);
        return [{
          type: "start",
          id: wire.message.id ?? null,
          model: wire.message.model ?? this.configuredModel ?? "",
        }];
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
        return [
          {
            type: "finish",
            reason: mapAnthropicStopReason(this.#stopReason, this.#toolCount > 0) ?? "stop",
          },
          { type: "usage", usage: mapAnthropicUsage(this.#usage) },
        ];
      case "ping":
        return [];
      case "error":
        throw streamError(wire.error);
    }
  }

  /** Whether message_stop has come (nothing after it counts). */
  finished(): boolean {
    return this.#finished;
  }

  /** Checks that the stream ended properly (with message_stop); it has nothing more to send. */
  end(): StreamPart[] {
    if (this.#finished) return [];
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
  ): StreamPart[] {
    if (block.type === "tool_use") {
      const toolIndex = this.#toolCount++;
      this.#blocks.set(index, {
        type: block.type,
        toolIndex,
        startInput: block.input,
        argsSent: false,
      });
      return [{
        type: "tool_call",
        index: toolIndex,
        id: block.id ?? `toolu_${toolIndex}`,
        name: block.name ?? "",
      }];
    }
    this.#blocks.set(index, { type: block.type, argsSent: false });
    if (block.type === "text" && block.text) return [{ type: "text", text: block.text }];
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
  ): StreamPart[] {
    const block = this.#blocks.get(index);
    switch (delta.type) {
      case "text_delta":
        return delta.text ? [{ type: "text", text: delta.text }] : [];
      case "thinking_delta":
        return delta.thinking ? [{ type: "reasoning", text: delta.thinking }] : [];
      case "input_json_delta":
        if (block?.toolIndex === undefined || !delta.partial_json) return [];
        block.argsSent = true;
        return [{ type: "tool_arguments", index: block.toolIndex, arguments: delta.partial_json }];
      default:
        // signature_delta, citations_delta: nothing an OpenAI client can use.
        return [];
    }
  }

  #blockStop(index: number): StreamPart[] {
    const block = this.#blocks.get(index);
    this.#blocks.delete(index);
    if (block?.toolIndex === undefined || block.argsSent) return [];
    // A tool called without arguments gets no input_json_delta: its input is the start's.
    return [{
      type: "tool_arguments",
      index: block.toolIndex,
      arguments: JSON.stringify(block.startInput ?? {}),
    }];
  }
}

/** One Messages stream as stream parts (chat and completions alike). */
export function streamParser(ctx: CallContext<unknown>): StreamParser<StreamPart> {
  return new MessagesStreamReader(ctx.model);
}
