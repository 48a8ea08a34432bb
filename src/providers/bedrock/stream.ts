/**
 * ConverseStream events (already decoded from AWS's event stream framing by the core) to
 * canonical chunks: text deltas, tool calls numbered 0, 1, 2... in the order their content
 * blocks start, one finish chunk at messageStop, one usage-only chunk from metadata.
 */
import { ProviderError } from "../../core/errors.ts";
import type { CallContext, StreamEvent, StreamParser } from "../../core/provider.ts";
import type { ChatChunk, ToolCallDelta } from "../../schemas/chat.ts";
import type { CompletionsChunk } from "../../schemas/completions.ts";
import type { Usage } from "../../schemas/common.ts";
import { parseWire } from "../parse_wire.ts";
import { chatChunk, type ChunkHead, completionsChunk, unixNow } from "../shared/chunks.ts";
import { PROVIDER_NAME } from "./config.ts";
import { streamException } from "./errors.ts";
import { mapStopReason } from "./finish_reason.ts";
import { responseId, usageOf } from "./response.ts";
import {
  WireContentBlockDelta,
  WireContentBlockStart,
  WireMessageStop,
  WireStreamMetadata,
} from "./wire.ts";

/** One stream event, read. */
export type ConverseEvent =
  | { kind: "start" }
  | { kind: "tool_start"; block: number; id: string; name: string }
  | { kind: "text"; block: number; text: string }
  | { kind: "tool_input"; block: number; input: string }
  | { kind: "reasoning"; block: number; text: string }
  | { kind: "stop"; stopReason: string | null | undefined }
  | { kind: "usage"; usage: Usage }
  | { kind: "ignored" };

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

/** Reads one event; exception events throw the matching error. */
export function readConverseEvent(event: StreamEvent, endpoint: string): ConverseEvent[] {
  const type = event.event ?? "";
  if (type.startsWith("exception:")) {
    throw streamException(type.slice("exception:".length), event.data, endpoint);
  }
  switch (type) {
    case "messageStart":
      return [{ kind: "start" }];
    case "contentBlockStart": {
      const wire = parseWire(WireContentBlockStart, json(event), PROVIDER_NAME);
      const tool = wire.start?.toolUse;
      if (!tool) return [{ kind: "ignored" }];
      return [{
        kind: "tool_start",
        block: wire.contentBlockIndex,
        id: tool.toolUseId,
        name: tool.name,
      }];
    }
    case "contentBlockDelta": {
      const wire = parseWire(WireContentBlockDelta, json(event), PROVIDER_NAME);
      const block = wire.contentBlockIndex;
      const out: ConverseEvent[] = [];
      if (typeof wire.delta.text === "string") {
        out.push({ kind: "text", block, text: wire.delta.text });
      }
      const input = wire.delta.toolUse?.input;
      if (typeof input === "string") out.push({ kind: "tool_input", block, input });
      const thought = wire.delta.reasoningContent?.text;
      if (typeof thought === "string") out.push({ kind: "reasoning", block, text: thought });
      return out;
    }
    case "messageStop":
      return [{
        kind: "stop",
        stopReason: parseWire(WireMessageStop, json(event), PROVIDER_NAME).stopReason,
      }];
    case "metadata":
      return [{
        kind: "usage",
        usage: usageOf(parseWire(WireStreamMetadata, json(event), PROVIDER_NAME).usage),
      }];
    default:
      // contentBlockStop, and event types added after this was written
      return [{ kind: "ignored" }];
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

/** Chat chunks from a ConverseStream. */
export function chatStreamParser(ctx: CallContext<unknown>): StreamParser<ChatChunk> {
  const head: ChunkHead = {
    id: responseId("chatcmpl"),
    created: unixNow(),
    model: ctx.model ?? "",
  };
  const toolIndex = new Map<number, number>();
  let started = false;
  let stopped = false;
  let usageSent = false;

  const chunk = (
    delta: ChatChunk["choices"][number]["delta"],
    finish: string | null = null,
  ): ChatChunk => {
    const withRole = started ? delta : { role: "assistant", ...delta };
    started = true;
    return chatChunk(head, [{ index: 0, delta: withRole, finish_reason: finish }]);
  };
  const usageChunk = (usage: Usage): ChatChunk => {
    usageSent = true;
    return chatChunk(head, [], usage);
  };
  const indexOf = (block: number): number => {
    let index = toolIndex.get(block);
    if (index === undefined) {
      index = toolIndex.size;
      toolIndex.set(block, index);
    }
    return index;
  };
  const toolDelta = (delta: ToolCallDelta): ChatChunk => chunk({ tool_calls: [delta] });

  return {
    push(event) {
      const out: ChatChunk[] = [];
      for (const e of readConverseEvent(event, ctx.endpoint)) {
        switch (e.kind) {
          case "start":
            if (!started) out.push(chunk({ content: "" }));
            break;
          case "tool_start":
            out.push(toolDelta({
              index: indexOf(e.block),
              id: e.id,
              type: "function",
              function: { name: e.name, arguments: "" },
            }));
            break;
          case "tool_input":
            out.push(toolDelta({ index: indexOf(e.block), function: { arguments: e.input } }));
            break;
          case "text":
            out.push(chunk({ content: e.text }));
            break;
          case "reasoning":
            out.push(chunk({ reasoning_content: e.text }));
            break;
          case "stop":
            stopped = true;
            out.push(chunk({}, mapStopReason(e.stopReason, toolIndex.size > 0)));
            break;
          case "usage":
            if (!usageSent) out.push(usageChunk(e.usage));
            break;
        }
      }
      return out;
    },
    end() {
      if (!stopped) throw endedEarly(ctx.endpoint);
      return usageSent ? [] : [usageChunk(nullUsage)];
    },
  };
}

/** Completion chunks from a ConverseStream (text only). */
export function completionsStreamParser(
  ctx: CallContext<unknown>,
): StreamParser<CompletionsChunk> {
  const head: ChunkHead = { id: responseId("cmpl"), created: unixNow(), model: ctx.model ?? "" };
  let stopped = false;
  let usageSent = false;
  const chunk = (text: string, finish: string | null = null): CompletionsChunk =>
    completionsChunk(head, [{ index: 0, text, finish_reason: finish }]);
  const usageChunk = (usage: Usage): CompletionsChunk => {
    usageSent = true;
    return completionsChunk(head, [], usage);
  };
  return {
    push(event) {
      const out: CompletionsChunk[] = [];
      for (const e of readConverseEvent(event, ctx.endpoint)) {
        if (e.kind === "text") out.push(chunk(e.text));
        else if (e.kind === "stop") {
          stopped = true;
          out.push(chunk("", mapStopReason(e.stopReason, false)));
        } else if (e.kind === "usage" && !usageSent) out.push(usageChunk(e.usage));
      }
      return out;
    },
    end() {
      if (!stopped) throw endedEarly(ctx.endpoint);
      return usageSent ? [] : [usageChunk(nullUsage)];
    },
  };
}
