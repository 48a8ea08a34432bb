/**
 * Several equal choices (`n` > 1) for the mock's streams. Stream parts describe one choice, so a
 * stream asked for more relays OpenAI chunks (`openai_chunk` parts) that repeat each part in
 * every choice, as the mock's complete answers do. Other codecs read the first choice.
 */
import type { StreamPart } from "../../core/stream_parts.ts";
import type { ChatChunk, ChatChunkChoice } from "../../schemas/chat.ts";
import type { CompletionsChunk } from "../../schemas/completions.ts";
import { unixNow } from "../shared/chunks.ts";

/** What the chunks of one stream repeat, from its start part. */
interface Head {
  id: string | null;
  created: number;
  model: string;
}

/** The choice `index` a part gives a chat chunk; undefined for parts that give none. */
function chatChoice(part: StreamPart, index: number): ChatChunkChoice | undefined {
  switch (part.type) {
    case "start":
      return { index, delta: { role: "assistant", content: "" }, finish_reason: null };
    case "text":
      return { index, delta: { content: part.text }, finish_reason: null };
    case "tool_call":
      return {
        index,
        delta: {
          tool_calls: [{
            index: part.index,
            id: part.id,
            type: "function",
            function: { name: part.name, arguments: "" },
          }],
        },
        finish_reason: null,
      };
    case "tool_arguments":
      return {
        index,
        delta: { tool_calls: [{ index: part.index, function: { arguments: part.arguments } }] },
        finish_reason: null,
      };
    case "finish":
      return { index, delta: {}, finish_reason: part.reason };
    default:
      return undefined;
  }
}

/** A one-choice chat stream's parts as chunks of `n` equal choices, its usage in a chunk alone. */
export async function* chatChoices(
  parts: AsyncIterable<StreamPart>,
  n: number,
): AsyncGenerator<StreamPart> {
  let head: Head = { id: null, created: unixNow(), model: "" };
  const chunk = (choices: ChatChunk["choices"]): ChatChunk => ({
    id: head.id,
    object: "chat.completion.chunk",
    created: head.created,
    model: head.model,
    choices,
  });
  for await (const part of parts) {
    if (part.type === "start") head = { id: part.id, created: head.created, model: part.model };
    if (part.type === "usage") {
      yield { type: "openai_chunk", chunk: { ...chunk([]), usage: part.usage } };
      continue;
    }
    const first = chatChoice(part, 0);
    if (first === undefined) continue;
    const choices = [first];
    for (let index = 1; index < n; index++) {
      choices.push(chatChoice(part, index) as ChatChunkChoice);
    }
    yield { type: "openai_chunk", chunk: chunk(choices) };
  }
}

/** A one-choice completions stream's parts as chunks of `n` equal choices. */
export async function* completionsChoices(
  parts: AsyncIterable<StreamPart>,
  n: number,
): AsyncGenerator<StreamPart> {
  let head: Head = { id: null, created: unixNow(), model: "" };
  const chunk = (text: string, finish: string | null): CompletionsChunk => ({
    id: head.id,
    object: "text_completion",
    created: head.created,
    model: head.model,
    choices: Array.from({ length: n }, (_, index) => ({ index, text, finish_reason: finish })),
  });
  for await (const part of parts) {
    switch (part.type) {
      case "start":
        head = { id: part.id, created: head.created, model: part.model };
        break;
      case "text":
        yield { type: "openai_chunk", chunk: chunk(part.text, null) };
        break;
      case "finish":
        yield { type: "openai_chunk", chunk: chunk("", part.reason) };
        break;
      case "usage":
        yield {
          type: "openai_chunk",
          chunk: { ...chunk("", null), choices: [], usage: part.usage },
        };
        break;
    }
  }
}
