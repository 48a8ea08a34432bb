/**
 * OpenAI-shaped stream chunks, for the OpenAI-compatible parsers (which tidy an upstream's own
 * chunks: usage moved to its own chunk, roles, finish reasons) and their relay as stream parts.
 */
import type { ChatChunk, ChatChunkChoice } from "../../schemas/chat.ts";
import type { CompletionsChunk } from "../../schemas/completions.ts";
import type { Usage } from "../../schemas/common.ts";
import type { StreamParser } from "../../core/provider.ts";
import type { StreamPart } from "../../core/stream_parts.ts";

/** Seconds since the epoch, as a response's or chunk's `created`. */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** What every chunk of one stream repeats. */
export interface ChunkHead {
  id: string | null;
  created: number;
  model: string;
}

/** A chat chunk of the stream `head`; `usage` is set only when given. */
export function chatChunk(head: ChunkHead, choices: ChatChunkChoice[], usage?: Usage): ChatChunk {
  const chunk: ChatChunk = {
    id: head.id,
    object: "chat.completion.chunk",
    created: head.created,
    model: head.model,
    choices,
  };
  if (usage !== undefined) chunk.usage = usage;
  return chunk;
}

/** A completions chunk of the stream `head`; `usage` is set only when given. */
export function completionsChunk(
  head: ChunkHead,
  choices: CompletionsChunk["choices"],
  usage?: Usage,
): CompletionsChunk {
  const chunk: CompletionsChunk = {
    id: head.id,
    object: "text_completion",
    created: head.created,
    model: head.model,
    choices,
  };
  if (usage !== undefined) chunk.usage = usage;
  return chunk;
}

/**
 * A parser of an OpenAI-compatible upstream's chunks as a parser of stream parts: each chunk is
 * relayed whole (`openai_chunk`), so an OpenAI client gets every field the upstream sent.
 */
export function chunksAsParts(
  parser: StreamParser<ChatChunk | CompletionsChunk>,
): StreamParser<StreamPart> {
  const wrap = (chunks: (ChatChunk | CompletionsChunk)[]): StreamPart[] =>
    chunks.map((chunk) => ({ type: "openai_chunk", chunk }));
  return {
    push: (event) => wrap(parser.push(event)),
    end: () => wrap(parser.end()),
    finished: () => parser.finished?.() ?? false,
  };
}
