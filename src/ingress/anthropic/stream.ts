/**
 * Stream parts as Anthropic's Messages stream: `message_start` (and a `ping`), then each content
 * block as `content_block_start`, its deltas and `content_block_stop`, one block at a time with
 * indices from 0, then `message_delta` (stop reason, usage) and `message_stop`. Every event is
 * framed `event: <type>` + `data: <json>`; there is no `[DONE]`. Chunks relayed from an
 * OpenAI-compatible upstream are read with `partsOfChunk`. Only the first choice is written:
 * an Anthropic answer has one. From an Anthropic upstream (`anthropic_event` parts) the events are
 * relayed as they came, only the model renamed (see core/native.ts).
 */
import { GatewayError } from "../../core/errors.ts";
import { sseEvent, type StreamWriter } from "../../core/sse.ts";
import { partsOfChunk, type StreamPart } from "../../core/stream_parts.ts";
import type { Redactor } from "../../observe/redact.ts";
import type { Usage } from "../../schemas/common.ts";
import { anthropicErrorBody } from "./errors.ts";
import {
  type AnthropicContentBlock,
  type AnthropicMessage,
  anthropicMessageId,
  type AnthropicStopReason,
  anthropicStopReason,
  anthropicUsage,
  freshId,
} from "./response.ts";

/** A content block's delta. */
export type AnthropicBlockDelta =
  | { type: "text_delta"; text: string }
  | { type: "thinking_delta"; thinking: string }
  | { type: "input_json_delta"; partial_json: string };

/**
 * The usage of `message_delta`: the counts of the whole call, as Anthropic now sends them there
 * (clients fold them over `message_start`'s); a count the upstream did not give is null.
 */
export interface AnthropicDeltaUsage {
  input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  output_tokens: number;
}

/** One event of a Messages stream (its `type` is also the SSE event name). */
export type AnthropicStreamEvent =
  | { type: "message_start"; message: AnthropicMessage }
  | { type: "ping" }
  | { type: "content_block_start"; index: number; content_block: AnthropicContentBlock }
  | { type: "content_block_delta"; index: number; delta: AnthropicBlockDelta }
  | { type: "content_block_stop"; index: number }
  | {
    type: "message_delta";
    delta: { stop_reason: AnthropicStopReason | null; stop_sequence: string | null };
    usage: AnthropicDeltaUsage;
  }
  | { type: "message_stop" };

/** The kinds of block a stream opens. */
type BlockKind = "text" | "thinking" | "tool_use";

/** The usage `message_delta` carries for the call's usage (or for none: 0 output tokens). */
export function deltaUsage(usage: Usage | undefined): AnthropicDeltaUsage {
  if (usage === undefined) return { output_tokens: 0 };
  const counts = anthropicUsage(usage);
  const known = usage.prompt_tokens !== null;
  return {
    input_tokens: known ? counts.input_tokens : null,
    cache_creation_input_tokens: known ? 0 : null,
    cache_read_input_tokens: known ? counts.cache_read_input_tokens : null,
    output_tokens: counts.output_tokens,
  };
}

/**
 * Writes one answer's stream parts as Anthropic's events. `requestedModel` is the model the
 * client named (the message's `model`); `stopSequences` are the request's, for telling
 * `stop_sequence` from `end_turn` as `toAnthropicMessage` does.
 *
 * Blocks are written one at a time, as Anthropic does: a part of another kind (or a new tool
 * call) closes the open block. A tool call's arguments that arrive after a later block began
 * (an upstream interleaving its tool calls) still go to that call's block index, after its
 * `content_block_stop`: clients that build the message by index get the whole input.
 */
export class AnthropicStreamWriter implements StreamWriter<StreamPart> {
  #started = false;
  /** The upstream speaks Anthropic's stream itself: its events are relayed, parts skipped. */
  #native = false;
  /** `message_stop` (or an error event) was written: nothing more is. */
  #done = false;
  #open: { index: number; kind: BlockKind } | undefined;
  #nextIndex = 0;
  /** The block index of each tool call (by its tool-call index). */
  #toolBlocks = new Map<number, number>();
  #hasToolCalls = false;
  /** The first choice's finish reason; undefined until it finishes. */
  #finish: string | null | undefined;
  /** The stop string a relayed chunk named (vLLM's `stop_reason`). */
  #matched: unknown;
  #usage: Usage | undefined;
  /** The end of the answer's text, as long as the longest stop sequence. */
  #tail = "";
  readonly #tailLength: number;

  constructor(
    readonly requestedModel: string,
    readonly redactor: Redactor,
    readonly stopSequences: readonly string[] = [],
  ) {
    this.#tailLength = Math.max(0, ...stopSequences.map((s) => s.length));
  }

  batch(parts: readonly StreamPart[]): string {
    if (this.#native || parts[0]?.type === "anthropic_event") return this.#relay(parts);
    return this.#text(this.events(parts));
  }

  /** The upstream's own events of a batch, as they came (the parts beside them are skipped). */
  #relay(parts: readonly StreamPart[]): string {
    this.#native = true;
    let text = "";
    for (const part of parts) {
      if (part.type !== "anthropic_event" || this.#done) continue;
      let data = part.data;
      if (part.event === "message_start") {
        // The message names the model the client asked for, as translated answers do.
        const json = JSON.parse(data) as { message?: { model?: string } };
        if (json.message) json.message.model = this.requestedModel;
        data = JSON.stringify(json);
      } else if (part.event === "message_stop") this.#done = true;
      text += `event: ${part.event}\n${
        data.split("\n").map((line) => `data: ${line}`).join("\n")
      }\n\n`;
    }
    return text;
  }

  /** The events parts become, as objects (what `batch` writes, unserialised; for tests). */
  events(parts: readonly StreamPart[]): AnthropicStreamEvent[] {
    const out: AnthropicStreamEvent[] = [];
    for (const part of parts) this.#part(part, out);
    return out;
  }

  /** The closing events not yet written (the message_start too, for a stream with no parts). */
  end(): string {
    // A relayed stream is complete with the upstream's message_stop (without it the upstream
    // stream failed, and `error` reports that).
    return this.#native ? "" : this.#text(this.endEvents());
  }

  /** What `end` writes, as objects. */
  endEvents(): AnthropicStreamEvent[] {
    const out: AnthropicStreamEvent[] = [];
    if (this.#done) return out;
    this.#start(null, out);
    this.#close(out);
    return out;
  }

  /**
   * Anthropic's `error` event; nothing follows it. A failure after `message_stop` writes nothing:
   * the client already has the whole answer.
   */
  error(error: unknown): string {
    if (this.#done) return "";
    this.#done = true;
    const gatewayError = error instanceof GatewayError
      ? error
      : new GatewayError(502, "upstream_error", "the upstream stream failed");
    return sseEvent(JSON.stringify(anthropicErrorBody(gatewayError, this.redactor)), "error");
  }

  #text(events: readonly AnthropicStreamEvent[]): string {
    let text = "";
    for (const event of events) text += sseEvent(JSON.stringify(event), event.type);
    return text;
  }

  #part(part: StreamPart, out: AnthropicStreamEvent[]): void {
    if (this.#done) return;
    switch (part.type) {
      case "start":
        this.#start(part.id, out);
        return;
      case "openai_chunk": {
        this.#start(part.chunk.id, out);
        const first = part.chunk.choices.find((choice) => choice.index === 0);
        const matched = (first as { stop_reason?: unknown } | undefined)?.stop_reason;
        if (typeof matched === "string") this.#matched = matched;
        for (const inner of partsOfChunk(part.chunk)) this.#part(inner, out);
        return;
      }
      case "anthropic_event": // relayed by `batch`; its content also arrives as parts
        return;
      case "usage":
        this.#start(null, out);
        this.#usage = part.usage;
        // Usage after the finish is the call's last word; before it (an upstream that reports
        // usage on every chunk), it is kept for the end.
        if (this.#finish !== undefined) this.#close(out);
        return;
      default:
        this.#start(null, out);
        if ((part.choice ?? 0) !== 0) return;
    }
    switch (part.type) {
      case "text":
        if (part.text === "") return;
        this.#block("text", out);
        out.push({
          type: "content_block_delta",
          index: this.#nextIndex - 1,
          delta: { type: "text_delta", text: part.text },
        });
        if (this.#tailLength > 0) this.#tail = (this.#tail + part.text).slice(-this.#tailLength);
        return;
      case "reasoning":
        if (part.text === "") return;
        this.#block("thinking", out);
        out.push({
          type: "content_block_delta",
          index: this.#nextIndex - 1,
          delta: { type: "thinking_delta", thinking: part.text },
        });
        return;
      case "tool_call":
        this.#toolBlock(part.index, part.id, part.name, out);
        return;
      case "tool_arguments": {
        if (part.arguments === "") return;
        const index = this.#toolBlocks.get(part.index) ??
          this.#toolBlock(part.index, "", "", out);
        out.push({
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: part.arguments },
        });
        return;
      }
      case "finish":
        this.#finish = part.reason;
        this.#closeBlock(out);
        return;
    }
  }

  /** `message_start` and a `ping`, once. */
  #start(id: string | null, out: AnthropicStreamEvent[]): void {
    if (this.#started) return;
    this.#started = true;
    out.push({
      type: "message_start",
      message: {
        id: anthropicMessageId(id),
        type: "message",
        role: "assistant",
        model: this.requestedModel,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: anthropicUsage(undefined),
      },
    }, { type: "ping" });
  }

  /** Makes sure a block of `kind` is open (a text or thinking block goes on while its kind does). */
  #block(kind: "text" | "thinking", out: AnthropicStreamEvent[]): void {
    if (this.#open?.kind === kind) return;
    this.#closeBlock(out);
    this.#openBlock(
      kind,
      kind === "text"
        ? { type: "text", text: "" }
        : { type: "thinking", thinking: "", signature: "" },
      out,
    );
  }

  /** Opens a tool_use block for tool call `toolIndex`; its block index. */
  #toolBlock(toolIndex: number, id: string, name: string, out: AnthropicStreamEvent[]): number {
    this.#closeBlock(out);
    this.#hasToolCalls = true;
    const index = this.#openBlock("tool_use", {
      type: "tool_use",
      id: id === "" ? freshId("toolu") : id,
      name,
      input: {},
    }, out);
    this.#toolBlocks.set(toolIndex, index);
    return index;
  }

  #openBlock(
    kind: BlockKind,
    block: AnthropicContentBlock,
    out: AnthropicStreamEvent[],
  ): number {
    const index = this.#nextIndex++;
    this.#open = { index, kind };
    out.push({ type: "content_block_start", index, content_block: block });
    return index;
  }

  #closeBlock(out: AnthropicStreamEvent[]): void {
    if (this.#open === undefined) return;
    out.push({ type: "content_block_stop", index: this.#open.index });
    this.#open = undefined;
  }

  /** The open block's stop, `message_delta` and `message_stop`. */
  #close(out: AnthropicStreamEvent[]): void {
    this.#closeBlock(out);
    this.#done = true;
    out.push({
      type: "message_delta",
      delta: anthropicStopReason(this.#finish, {
        hasToolCalls: this.#hasToolCalls,
        text: this.#tail,
        stopSequences: this.stopSequences,
        matched: this.#matched,
      }),
      usage: deltaUsage(this.#usage),
    }, { type: "message_stop" });
  }
}
