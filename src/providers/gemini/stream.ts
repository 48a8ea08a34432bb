/**
 * `streamGenerateContent?alt=sse` events as canonical chunks. Each event is a whole
 * GenerateContentResponse; function calls arrive whole, each gets its own tool-call `index`.
 * The stream ends with a finish chunk per choice and one usage-only chunk.
 */
import { ProviderError } from "../../core/errors.ts";
import type { CallContext, StreamEvent, StreamParser } from "../../core/provider.ts";
import type { ChatChunk, ChatChunkChoice, ToolCallDelta } from "../../schemas/chat.ts";
import type { CompletionsChunk } from "../../schemas/completions.ts";
import type { Usage } from "../../schemas/common.ts";
import { parseWire } from "../parse_wire.ts";
import { chatChunk, type ChunkHead, completionsChunk, unixNow } from "../shared/chunks.ts";
import { streamEventJson } from "../shared/stream_event.ts";
import { streamError } from "./errors.ts";
import { mapGeminiFinishReason } from "./finish_reason.ts";
import { candidateOutput, promptBlocked, PROVIDER } from "./response.ts";
import { geminiUsage } from "./usage.ts";
import { type WireCandidate, WireGenerateResponse } from "./wire.ts";

interface ChoiceState {
  started: boolean;
  calls: number;
  finished: boolean;
}

/** What both stream parsers track: ids, per-choice progress and the latest usage. */
class StreamState {
  readonly created = unixNow();
  id: string | undefined;
  model: string;
  usage: Usage = geminiUsage(undefined);
  readonly choices = new Map<number, ChoiceState>();

  constructor(readonly ctx: CallContext<unknown>, readonly kind: "chat" | "completion") {
    this.model = ctx.model ?? "";
  }

  /** What every chunk repeats; the id is Gemini's responseId, or one made from the time. */
  get head(): ChunkHead {
    return {
      id: this.id ?? `gemini-${this.kind}-${this.created}`,
      created: this.created,
      model: this.model,
    };
  }

  choice(index: number): ChoiceState {
    let state = this.choices.get(index);
    if (!state) {
      state = { started: false, calls: 0, finished: false };
      this.choices.set(index, state);
    }
    return state;
  }

  /** The candidates of one event; undefined for keep-alives. Throws on in-stream errors. */
  read(event: StreamEvent): WireCandidate[] | undefined {
    const json = streamEventJson(event, PROVIDER, false);
    if (json === undefined) return undefined;
    const error = streamError(json, this.ctx.endpoint);
    if (error) throw error;
    const wire = parseWire(WireGenerateResponse, json, PROVIDER);
    if (wire.usageMetadata) this.usage = geminiUsage(wire.usageMetadata);
    this.id ??= wire.responseId ?? undefined;
    if (wire.modelVersion) this.model = wire.modelVersion;
    const candidates = wire.candidates ?? [];
    if (candidates.length === 0) {
      const blocked = promptBlocked(wire);
      if (blocked) throw blocked;
    }
    return candidates;
  }

  /** Throws when the upstream closed the stream before every choice finished. */
  checkComplete(): void {
    const unfinished = this.choices.size === 0 ||
      [...this.choices.values()].some((c) => !c.finished);
    if (unfinished) {
      throw new ProviderError(
        502,
        "upstream_error",
        `${PROVIDER} (endpoint '${this.ctx.endpoint}') ended its stream before the answer was complete`,
        { retryable: true },
      );
    }
  }
}

/** Chat chunks: a content/tool-call chunk per event, then finish chunks, then usage. */
export function chatStreamParser(ctx: CallContext<unknown>): StreamParser<ChatChunk> {
  const state = new StreamState(ctx, "chat");
  const chunk = (choices: ChatChunkChoice[]): ChatChunk => chatChunk(state.head, choices);
  return {
    push(event) {
      const candidates = state.read(event);
      if (candidates === undefined) return [];
      const deltas: ChatChunkChoice[] = [];
      const finishes: ChatChunkChoice[] = [];
      candidates.forEach((candidate, i) => {
        const index = candidate.index ?? i;
        const choice = state.choice(index);
        const { text, toolCalls } = candidateOutput(candidate, choice.calls);
        const delta: ChatChunkChoice["delta"] = {};
        if (!choice.started) {
          delta.role = "assistant";
          delta.content = text ?? "";
          choice.started = true;
        } else if (text !== null && text !== "") {
          delta.content = text;
        }
        if (toolCalls.length > 0) {
          // Each call arrives whole; its index counts the calls of this choice so far.
          delta.tool_calls = toolCalls.map((call) => ({
            index: choice.calls++,
            id: call.id,
            type: "function",
            function: { name: call.function.name, arguments: call.function.arguments },
            // the thought signature rides along, as in a plain answer
            ...(call.extra_content === undefined ? {} : { extra_content: call.extra_content }),
          } as ToolCallDelta));
        }
        if (Object.keys(delta).length > 0) deltas.push({ index, delta, finish_reason: null });
        if (candidate.finishReason && !choice.finished) {
          choice.finished = true;
          finishes.push({
            index,
            delta: {},
            finish_reason: mapGeminiFinishReason(candidate.finishReason, choice.calls > 0),
          });
        }
      });
      const out: ChatChunk[] = [];
      if (deltas.length > 0) out.push(chunk(deltas));
      if (finishes.length > 0) out.push(chunk(finishes));
      return out;
    },
    end() {
      state.checkComplete();
      return [chatChunk(state.head, [], state.usage)];
    },
  };
}

/** Completion chunks: text per event, then finish chunks, then usage. */
export function completionsStreamParser(
  ctx: CallContext<unknown>,
): StreamParser<CompletionsChunk> {
  const state = new StreamState(ctx, "completion");
  const chunk = (choices: CompletionsChunk["choices"]): CompletionsChunk =>
    completionsChunk(state.head, choices);
  return {
    push(event) {
      const candidates = state.read(event);
      if (candidates === undefined) return [];
      const texts: CompletionsChunk["choices"] = [];
      const finishes: CompletionsChunk["choices"] = [];
      candidates.forEach((candidate, i) => {
        const index = candidate.index ?? i;
        const choice = state.choice(index);
        const { text } = candidateOutput(candidate);
        if (!choice.started || (text !== null && text !== "")) {
          choice.started = true;
          texts.push({ index, text: text ?? "", finish_reason: null });
        }
        if (candidate.finishReason && !choice.finished) {
          choice.finished = true;
          finishes.push({
            index,
            text: "",
            finish_reason: mapGeminiFinishReason(candidate.finishReason, false),
          });
        }
      });
      const out: CompletionsChunk[] = [];
      if (texts.length > 0) out.push(chunk(texts));
      if (finishes.length > 0) out.push(chunk(finishes));
      return out;
    },
    end() {
      state.checkComplete();
      return [completionsChunk(state.head, [], state.usage)];
    },
  };
}
