/**
 * Translates OpenAI-wire SSE events into canonical chunks, evening out how servers differ:
 * the first delta of each choice carries `role: "assistant"`, tool-call fragments always have an
 * `index`, finish reasons are OpenAI's, and usage ends the stream as ONE usage-only chunk
 * whether the server sent it that way (OpenAI), inside its last chunk (Mistral, Together), or
 * under `x_groq` (Groq).
 */
import type { CallContext, StreamEvent, StreamParser } from "../../core/provider.ts";
import type { ChatChunk, ChatChunkChoice, ToolCallDelta } from "../../schemas/chat.ts";
import type { CompletionsChunk } from "../../schemas/completions.ts";
import type { Usage } from "../../schemas/common.ts";
import { ProviderError } from "../../core/errors.ts";

import { wireUsage } from "./response.ts";
import { readWireChunk } from "./chunk_reader.ts";
import { errorMessageOf } from "./errors.ts";
import { mapFinishReason } from "./finish_reason.ts";
import { chatChunk, type ChunkHead, completionsChunk, unixNow } from "../shared/chunks.ts";
import { copyLogprobs, copyObfuscation, copyServedBy } from "./extras.ts";
import { PlainChunkMatcher } from "./plain_chunk.ts";
import { RawOpenAIChunk, type StreamPart } from "../../core/stream_parts.ts";

/** What `payload` gives for the event that ends an OpenAI stream (`data: [DONE]`). */
const DONE = Symbol("[DONE]");

/** A parser that knows when its stream's end event (`[DONE]`) has come. */
type EndingParser<T> = StreamParser<T> & { finished(): boolean };

/** Parses one data payload: undefined when empty, DONE for `[DONE]`; an in-stream error throws. */
function payload(event: StreamEvent, provider: string): unknown {
  const data = event.data.trim();
  if (data === "") return undefined;
  if (data === "[DONE]") return DONE;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new ProviderError(
      502,
      "upstream_error",
      `${provider} sent a stream event that is not JSON`,
    );
  }
  if (json !== null && typeof json === "object" && "error" in json && json.error) {
    throw new ProviderError(
      502,
      "upstream_error",
      `${provider} reported an error mid-stream: ${errorMessageOf(json)}`,
    );
  }
  return json;
}

/**
 * Holds the stream's usage until its end: a usage-only chunk passes at once, usage found on a
 * chunk with choices is taken off it and sent as a usage-only chunk when the stream ends.
 */
export class UsageHold {
  #pending: Usage | undefined;
  #sent = false;

  /** Whether a chunk is the usage-only one (to pass), or its usage is held for the end. */
  take(usage: Usage | undefined, hasChoices: boolean): "usage-chunk" | "held" | "none" {
    if (usage === undefined) return "none";
    if (!hasChoices) {
      this.#sent = true;
      return "usage-chunk";
    }
    this.#pending = usage;
    return "held";
  }

  /** The usage still to send at the end of the stream, if any. */
  flush(): Usage | undefined {
    if (this.#sent || this.#pending === undefined) return undefined;
    this.#sent = true;
    return this.#pending;
  }
}

/** Gives every streamed tool-call fragment an `index` (servers that omit it send whole calls). */
export class ToolCallIndexer {
  #byId = new Map<string, number>();
  #next = 0;
  #last: number | undefined;

  index(deltas: readonly Record<string, unknown>[]): ToolCallDelta[] {
    return deltas.map((delta) => {
      const id = typeof delta.id === "string" ? delta.id : undefined;
      let index: number;
      if (typeof delta.index === "number") index = delta.index;
      else if (id !== undefined) index = this.#byId.get(id) ?? this.#next;
      else index = this.#last ?? 0;
      if (id !== undefined) this.#byId.set(id, index);
      this.#last = index;
      this.#next = Math.max(this.#next, index + 1);
      const out = { ...delta, index } as ToolCallDelta;
      if (id !== undefined && (delta.type === undefined || delta.type === null)) {
        out.type = "function";
      }
      return out;
    });
  }
}

/**
 * What the chunk repeats of the stream, its missing fields taken from the chunks before it. The
 * previous head is kept when nothing changed (usually every chunk repeats the same three).
 */
function metaOf(
  wire: {
    id?: string | null | undefined;
    created?: number | null | undefined;
    model?: string | null | undefined;
  },
  ctx: CallContext<unknown>,
  previous: ChunkHead | undefined,
): ChunkHead {
  const id = wire.id ?? previous?.id ?? null;
  const created = wire.created ?? previous?.created ?? unixNow();
  const model = wire.model ?? previous?.model ?? ctx.model ?? "";
  if (
    previous !== undefined && id === previous.id && created === previous.created &&
    model === previous.model
  ) {
    return previous;
  }
  return { id, created, model };
}

type ChatDelta = ChatChunk["choices"][number]["delta"];

/** Chat chunks with the canonical always-present fields and the evening-out described above. */
export function chatStreamParser(
  ctx: CallContext<unknown>,
  provider: string,
): EndingParser<ChatChunk> {
  const usage = new UsageHold();
  const started = new Set<number>();
  const withTools = new Set<number>();
  const indexers = new Map<number, ToolCallIndexer>();
  let meta: ChunkHead | undefined;
  // After [DONE] nothing counts: what an upstream sends past its end is dropped.
  let done = false;
  return {
    push(event) {
      if (done) return [];
      const json = payload(event, provider);
      if (json === undefined || json === DONE) {
        done = json === DONE;
        return [];
      }
      const wire = readWireChunk(json, provider);
      meta = metaOf(wire, ctx, meta);
      // A loop rather than `map` with a closure, and each delta completed in place (it belongs to
      // this chunk's parsed JSON alone): this runs for every chunk of every stream.
      const wireChoices = wire.choices ?? [];
      const choices: ChatChunkChoice[] = [];
      for (let i = 0; i < wireChoices.length; i++) {
        const choice = wireChoices[i] as (typeof wireChoices)[number];
        const index = choice.index ?? i;
        const delta = (choice.delta ?? {}) as ChatDelta;
        if (delta.content === undefined && typeof choice.text === "string") {
          delta.content = choice.text;
        }
        if (!started.has(index)) {
          started.add(index);
          if (delta.role === undefined || delta.role === null) delta.role = "assistant";
        }
        const calls = delta.tool_calls as Record<string, unknown>[] | null | undefined;
        if (Array.isArray(calls) && calls.length > 0) {
          withTools.add(index);
          const indexer = indexers.get(index) ?? new ToolCallIndexer();
          indexers.set(index, indexer);
          delta.tool_calls = indexer.index(calls);
        }
        const out: ChatChunkChoice = {
          index,
          delta,
          finish_reason: mapFinishReason(choice.finish_reason, withTools.has(index)),
        };
        copyLogprobs(choice, out);
        choices.push(out);
      }
      const found = wire.usage ?? wire.x_groq?.usage;
      const taken = usage.take(found ? wireUsage(found) : undefined, choices.length > 0);
      if (taken === "none" && choices.length === 0) return [];
      const sent = taken === "usage-chunk" && found ? wireUsage(found) : undefined;
      const chunk = chatChunk(meta, choices, sent);
      copyServedBy(wire, chunk);
      copyObfuscation(wire, chunk);
      return [chunk];
    },
    end() {
      const last = usage.flush();
      if (last === undefined || meta === undefined) return [];
      return [chatChunk(meta, [], last)];
    },
    finished: () => done,
  };
}

/**
 * The stream parts of an OpenAI-wire chat stream: each chunk tidied by `chatStreamParser` and
 * relayed whole, except plain content chunks (`PlainChunkMatcher`) once the first choice has
 * begun (its first delta must carry the role), which are relayed as the text they came as.
 */
export function chatStreamParts(
  ctx: CallContext<unknown>,
  provider: string,
): StreamParser<StreamPart> {
  const chunks = chatStreamParser(ctx, provider);
  const plain = new PlainChunkMatcher();
  let begun = false;
  const parts = (out: ChatChunk[]): StreamPart[] => {
    const result: StreamPart[] = [];
    for (const chunk of out) {
      if (!begun && chunk.choices.some((choice) => choice.index === 0)) begun = true;
      result.push({ type: "openai_chunk", chunk });
    }
    return result;
  };
  return {
    push(event) {
      if (begun && !chunks.finished() && plain.test(event.data)) {
        return [new RawOpenAIChunk(event.data, event.source, event.from, event.to)];
      }
      return parts(chunks.push(event));
    },
    end: () => parts(chunks.end()),
    finished: () => chunks.finished(),
  };
}

/** Completion chunks relayed as they come, with usage moved to one final chunk. */
export function completionsStreamParser(
  ctx: CallContext<unknown>,
  provider: string,
): EndingParser<CompletionsChunk> {
  const usage = new UsageHold();
  let meta: ChunkHead | undefined;
  let done = false;
  return {
    push(event) {
      if (done) return [];
      const json = payload(event, provider);
      if (json === undefined || json === DONE) {
        done = json === DONE;
        return [];
      }
      const wire = readWireChunk(json, provider);
      meta = metaOf(wire, ctx, meta);
      const choices = (wire.choices ?? []).map((choice, i) => {
        const out: CompletionsChunk["choices"][number] = {
          index: choice.index ?? i,
          text: choice.text ?? "",
          finish_reason: mapFinishReason(choice.finish_reason),
        };
        copyLogprobs(choice, out);
        return out;
      });
      const found = wire.usage;
      const taken = usage.take(found ? wireUsage(found) : undefined, choices.length > 0);
      if (taken === "none" && choices.length === 0) return [];
      const sent = taken === "usage-chunk" && found ? wireUsage(found) : undefined;
      const chunk = completionsChunk(meta, choices, sent);
      copyServedBy(wire, chunk);
      return [chunk];
    },
    end() {
      const last = usage.flush();
      if (last === undefined || meta === undefined) return [];
      return [completionsChunk(meta, [], last)];
    },
    finished: () => done,
  };
}
