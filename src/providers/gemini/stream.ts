/**
 * `streamGenerateContent?alt=sse` events as stream parts, for chat and completions alike. Each
 * event is a whole GenerateContentResponse: its text (thought summaries as reasoning) and its
 * function calls, which arrive whole (a tool call, then all its arguments at once, numbered in
 * the order they come). The stream ends with the finish, then the usage of the last event.
 *
 * Each candidate is a choice (`n` candidates when the client asked for several), with its own
 * tool-call numbering and finish. A call's thought signature rides on its tool-call part, as on a
 * plain answer's call, so a client that sends the call back returns it.
 */
import { ProviderError } from "../../core/errors.ts";
import type { CallContext, StreamEvent, StreamParser } from "../../core/provider.ts";
import type { StreamPart } from "../../core/stream_parts.ts";
import type { Usage } from "../../schemas/common.ts";
import { parseWire } from "../parse_wire.ts";
import { unixNow } from "../shared/chunks.ts";
import { streamEventJson } from "../shared/stream_event.ts";
import { streamError } from "./errors.ts";
import { mapGeminiFinishReason } from "./finish_reason.ts";
import { promptBlocked, toToolCall } from "./response.ts";
import { PROVIDER } from "./config.ts";
import { geminiUsage } from "./usage.ts";
import { type WireCandidate, WireGenerateResponse } from "./wire.ts";

/** What the stream has seen of one candidate (a choice). */
interface CandidateState {
  calls: number;
  finished: boolean;
}

/** Reads one Gemini stream into parts; one instance per stream. */
class GeminiStreamReader implements StreamParser<StreamPart> {
  #id: string | undefined;
  #model: string;
  #usage: Usage = geminiUsage(undefined);
  #started = false;
  #candidates = new Map<number, CandidateState>();

  constructor(readonly ctx: CallContext<unknown>) {
    this.#model = ctx.model ?? "";
  }

  push(event: StreamEvent): StreamPart[] {
    const candidates = this.#read(event);
    if (candidates === undefined) return [];
    const parts: StreamPart[] = [];
    if (!this.#started) {
      this.#started = true;
      // Gemini's responseId (every event carries it), or one made from the time.
      parts.push({ type: "start", id: this.#id ?? `gemini-${unixNow()}`, model: this.#model });
    }
    candidates.forEach((candidate, i) => {
      const choice = candidate.index ?? i;
      let state = this.#candidates.get(choice);
      if (state === undefined) {
        state = { calls: 0, finished: false };
        this.#candidates.set(choice, state);
      }
      this.#content(candidate, choice, state, parts);
      if (candidate.finishReason && !state.finished) {
        state.finished = true;
        const reason = mapGeminiFinishReason(candidate.finishReason, state.calls > 0);
        parts.push(choice === 0 ? { type: "finish", reason } : { type: "finish", reason, choice });
      }
    });
    return parts;
  }

  /** Throws when the upstream closed the stream before every candidate finished. */
  end(): StreamPart[] {
    const unfinished = this.#candidates.size === 0 ||
      [...this.#candidates.values()].some((state) => !state.finished);
    if (unfinished) {
      throw new ProviderError(
        502,
        "upstream_error",
        `${PROVIDER} (endpoint '${this.ctx.endpoint}') ended its stream before the answer was complete`,
        { retryable: true },
      );
    }
    return [{ type: "usage", usage: this.#usage }];
  }

  /** The candidates of one event; undefined for keep-alives. Throws on in-stream errors. */
  #read(event: StreamEvent): WireCandidate[] | undefined {
    const json = streamEventJson(event, PROVIDER, false);
    if (json === undefined) return undefined;
    const error = streamError(json, this.ctx.endpoint);
    if (error) throw error;
    const wire = parseWire(WireGenerateResponse, json, PROVIDER);
    if (wire.usageMetadata) this.#usage = geminiUsage(wire.usageMetadata);
    this.#id ??= wire.responseId ?? undefined;
    if (wire.modelVersion) this.#model = wire.modelVersion;
    const candidates = wire.candidates ?? [];
    if (candidates.length === 0) {
      const blocked = promptBlocked(wire);
      if (blocked) throw blocked;
    }
    return candidates;
  }

  /** A candidate's text, reasoning and function calls, in the order of its parts. */
  #content(
    candidate: WireCandidate,
    choice: number,
    state: CandidateState,
    parts: StreamPart[],
  ): void {
    const of = choice === 0 ? {} : { choice };
    for (const part of candidate.content?.parts ?? []) {
      if (part.functionCall) {
        // the same id (and thought signature) a plain answer gives this call
        const index = state.calls++;
        const call = toToolCall(part.functionCall, part.thoughtSignature, index);
        const start: StreamPart = {
          type: "tool_call",
          index,
          id: call.id,
          name: call.function.name,
          ...of,
        };
        if (call.extra_content !== undefined) start.extra = { extra_content: call.extra_content };
        parts.push(start);
        parts.push({ type: "tool_arguments", index, arguments: call.function.arguments, ...of });
      } else if (typeof part.text === "string" && part.text !== "") {
        const type = part.thought === true ? "reasoning" : "text";
        // consecutive pieces of one kind in one event go out as one part
        const last = parts.at(-1);
        if (last?.type === type && last.choice === of.choice) last.text += part.text;
        else parts.push({ type, text: part.text, ...of });
      }
    }
  }
}

/** Stream parts of a chat or completions stream (a completions client gets the text only). */
export function streamParser(ctx: CallContext<unknown>): StreamParser<StreamPart> {
  return new GeminiStreamReader(ctx);
}
