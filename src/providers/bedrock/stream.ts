/**
 * ConverseStream events (already decoded from AWS's event stream framing by the core) to core
 * stream parts, for chat and completions alike: a start part first, text and reasoning as they
 * arrive, tool calls numbered 0, 1, 2... in the order their content blocks start, one finish part
 * at messageStop, one usage part from metadata.
 */
import { ProviderError } from "../../core/errors.ts";
import type { CallContext, StreamEvent, StreamParser } from "../../core/provider.ts";
import type { StreamPart } from "../../core/stream_parts.ts";
import type { Usage } from "../../schemas/common.ts";
import { parseWire } from "../parse_wire.ts";
import { PROVIDER_NAME } from "./config.ts";
import { streamException } from "./errors.ts";
import { mapStopReason } from "./finish_reason.ts";
import { usageOf } from "./response.ts";
import {
  WireContentBlockDelta,
  WireContentBlockStart,
  WireMessageStop,
  WireStreamMetadata,
} from "./wire.ts";

function json(event: StreamEvent): unknown {
  try {
    return JSON.parse(event.data);
  } catch {
    throw new ProviderError(
      502,
      "upstream_error",
      `${PROVIDER_NAME} sent a '${event.event}' stream event that is not JSON`,
    );
  }
}

function endedEarly(endpoint: string): ProviderError {
  return new ProviderError(
    502,
    "upstream_error",
    `${PROVIDER_NAME} (endpoint '${endpoint}') ended its stream before the message was complete`,
  );
}

const nullUsage: Usage = { prompt_tokens: null, completion_tokens: null, total_tokens: null };

/**
 * Reads one ConverseStream. Converse streams carry no id (the client's writer makes one), and
 * the configured model.
 */
export class ConverseStreamReader implements StreamParser<StreamPart> {
  /** OpenAI tool-call index by content block index. */
  #toolIndex = new Map<number, number>();
  #started = false;
  #stopped = false;
  #usageSent = false;

  constructor(readonly endpoint: string, readonly model: string | null) {}

  /** The parts of one event; exception events throw the matching error. */
  push(event: StreamEvent): StreamPart[] {
    if (this.finished()) return [];
    const parts = this.#read(event);
    // Every stream begins with a start part, even one whose messageStart went missing.
    if (!this.#started && parts.length > 0) this.#begin(parts);
    return parts;
  }

  /** Whether the stream is over: messageStop and then its metadata (usage) have come. */
  finished(): boolean {
    return this.#stopped && this.#usageSent;
  }

  /** Fails a stream that ended before messageStop; sends empty usage if metadata never came. */
  end(): StreamPart[] {
    if (!this.#stopped) throw endedEarly(this.endpoint);
    return this.#usageSent ? [] : [this.#usage(nullUsage)];
  }

  #begin(parts: StreamPart[]): void {
    this.#started = true;
    if (parts[0]?.type === "start") return;
    // Converse streams carry no id: the client's writer makes one of its API's kind.
    parts.unshift({ type: "start", id: null, model: this.model ?? "" });
  }

  #usage(usage: Usage): StreamPart {
    this.#usageSent = true;
    return { type: "usage", usage };
  }

  #indexOf(block: number): number {
    let index = this.#toolIndex.get(block);
    if (index === undefined) {
      index = this.#toolIndex.size;
      this.#toolIndex.set(block, index);
    }
    return index;
  }

  #read(event: StreamEvent): StreamPart[] {
    const type = event.event ?? "";
    if (type.startsWith("exception:")) {
      throw streamException(type.slice("exception:".length), event.data, this.endpoint);
    }
    switch (type) {
      case "messageStart":
        return this.#started ? [] : [{ type: "start", id: null, model: this.model ?? "" }];
      case "contentBlockStart": {
        const wire = parseWire(WireContentBlockStart, json(event), PROVIDER_NAME);
        const tool = wire.start?.toolUse;
        if (!tool) return [];
        return [{
          type: "tool_call",
          index: this.#indexOf(wire.contentBlockIndex),
          id: tool.toolUseId,
          name: tool.name,
        }];
      }
      case "contentBlockDelta": {
        const wire = parseWire(WireContentBlockDelta, json(event), PROVIDER_NAME);
        const parts: StreamPart[] = [];
        if (typeof wire.delta.text === "string") {
          parts.push({ type: "text", text: wire.delta.text });
        }
        const input = wire.delta.toolUse?.input;
        if (typeof input === "string") {
          parts.push({
            type: "tool_arguments",
            index: this.#indexOf(wire.contentBlockIndex),
            arguments: input,
          });
        }
        const thought = wire.delta.reasoningContent?.text;
        if (typeof thought === "string") parts.push({ type: "reasoning", text: thought });
        return parts;
      }
      case "messageStop": {
        this.#stopped = true;
        const { stopReason } = parseWire(WireMessageStop, json(event), PROVIDER_NAME);
        return [{ type: "finish", reason: mapStopReason(stopReason, this.#toolIndex.size > 0) }];
      }
      case "metadata": {
        const { usage } = parseWire(WireStreamMetadata, json(event), PROVIDER_NAME);
        return this.#usageSent ? [] : [this.#usage(usageOf(usage))];
      }
      default:
        // contentBlockStop, and event types added after this was written
        return [];
    }
  }
}

/** One ConverseStream as stream parts (chat and completions alike). */
export function streamParser(ctx: CallContext<unknown>): StreamParser<StreamPart> {
  return new ConverseStreamReader(ctx.endpoint, ctx.model);
}
