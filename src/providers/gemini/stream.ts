/**
 * `streamGenerateContent?alt=sse` events as stream parts, for chat and completions alike. Each
 * event is a whole GenerateContentResponse: its text (thought summaries as reasoning) and its
 * function calls, which arrive whole (a tool call, then all its arguments at once, numbered in
 * the order they come). The stream ends with the finish, then the usage of the last event.
 *
 * A streamed answer has one choice (stream parts carry no choice index), so a streamed request
 * never asks for more than one candidate (`request.ts`) and only candidate 0 is read. A call's
 * thought signature is not streamed either (a tool-call part has no field for it): when such a
 * call comes back without one, the next turn sends Gemini's documented placeholder (messages.ts).
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
import { promptBlocked, PROVIDER, toToolCall } from "./response.ts";
import { geminiUsage } from "./usage.ts";
import { type WireCandidate, WireGenerateResponse } from "./wire.ts";

/** Reads one Gemini stream into parts; one instance per stream. */
class GeminiStreamReader implements StreamParser<StreamPart> {
  #id: string | undefined;
  #model: string;
  #usage: Usage = geminiUsage(undefined);
  #started = false;
  #calls = 0;
  #finished = false;

  constructor(readonly ctx: CallContext<unknown>) {
    this.#model = ctx.model ?? "";
  }

  push(event: StreamEvent): StreamPart[] {
    const candidate = this.#read(event);
    if (candidate === undefined) return [];
    const parts: StreamPart[] = [];
    if (!this.#started) {
      this.#started = true;
      // Gemini's responseId (every event carries it), or one made from the time.
      parts.push({ type: "start", id: this.#id ?? `gemini-${unixNow()}`, model: this.#model });
    }
    this.#content(candidate, parts);
    if (candidate.finishReason && !this.#finished) {
      this.#finished = true;
      const reason = mapGeminiFinishReason(candidate.finishReason, this.#calls > 0);
      parts.push({ type: "finish", reason });
    }
    return parts;
  }

  /** Throws when the upstream closed the stream before the answer finished. */
  end(): StreamPart[] {
    if (!this.#finished) {
      throw new ProviderError(
        502,
        "upstream_error",
        `${PROVIDER} (endpoint '${this.ctx.endpoint}') ended its stream before the answer was complete`,
        { retryable: true },
      );
    }
    return [{ type: "usage", usage: this.#usage }];
  }

  /** Candidate 0 of one event; undefined for keep-alives. Throws on in-stream errors. */
  #read(event: StreamEvent): WireCandidate | undefined {
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
    return candidates.find((candidate, i) => (candidate.index ?? i) === 0);
  }

  /** The candidate's text, reasoning and function calls, in the order of its parts. */
  #content(candidate: WireCandidate, parts: StreamPart[]): void {
    for (const part of candidate.content?.parts ?? []) {
      if (part.functionCall) {
        // the same id a plain answer gives this call (the calls so far number it)
        const index = this.#calls++;
        const call = toToolCall(part.functionCall, undefined, index);
        parts.push({ type: "tool_call", index, id: call.id, name: call.function.name });
        parts.push({ type: "tool_arguments", index, arguments: call.function.arguments });
      } else if (typeof part.text === "string" && part.text !== "") {
        const type = part.thought === true ? "reasoning" : "text";
        // consecutive pieces of one kind in one event go out as one part
        const last = parts.at(-1);
        if (last?.type === type) last.text += part.text;
        else parts.push({ type, text: part.text });
      }
    }
  }
}

/** Stream parts of a chat or completions stream (a completions client gets the text only). */
export function streamParser(ctx: CallContext<unknown>): StreamParser<StreamPart> {
  return new GeminiStreamReader(ctx);
}
