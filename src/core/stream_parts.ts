/**
 * What a stream carries, whatever the provider and whatever the client's API: one union for
 * every provider's stream parser to emit and every ingress codec to encode. A provider says what
 * happened (text arrived, a tool call began, the answer finished); the codec of the client's API
 * decides the chunks, events and framing.
 */
import type { ChatChunk } from "../schemas/chat.ts";
import type { CompletionsChunk } from "../schemas/completions.ts";
import type { Usage } from "../schemas/common.ts";

/** The stream began: the answer's id and model (the first part of every stream). */
export interface StartPart {
  type: "start";
  id: string | null;
  model: string;
}

/**
 * Which of the answer's choices a part belongs to, when the client asked for several (`n`);
 * absent means the first (0).
 */
interface OfChoice {
  choice?: number;
}

/** Answer text. */
export interface TextPart extends OfChoice {
  type: "text";
  text: string;
}

/** The model's reasoning (thinking) text, apart from the answer. */
export interface ReasoningPart extends OfChoice {
  type: "reasoning";
  text: string;
}

/** A tool call begins: `index` numbers the choice's tool calls from 0. */
export interface ToolCallPart extends OfChoice {
  type: "tool_call";
  index: number;
  id: string;
  name: string;
  /**
   * Provider fields the client must send back with the call, relayed on it as they are
   * (Gemini's `extra_content` with its thought signature).
   */
  extra?: Record<string, unknown>;
}

/** More of a tool call's arguments (JSON text, in pieces). */
export interface ToolArgumentsPart extends OfChoice {
  type: "tool_arguments";
  index: number;
  arguments: string;
}

/** The answer is complete, and why (OpenAI's finish reasons: stop, length, tool_calls, ...). */
export interface FinishPart extends OfChoice {
  type: "finish";
  reason: string | null;
}

/** The call's token usage (sent once, after the finish). */
export interface UsagePart {
  type: "usage";
  usage: Usage;
}

/**
 * A chunk from an upstream that speaks OpenAI's stream format itself, kept whole: an OpenAI
 * client gets it as it came (log probabilities, several choices, obfuscation padding and all),
 * and other codecs read its parts with `partsOfChunk`.
 */
export interface OpenAIChunkPart {
  type: "openai_chunk";
  chunk: ChatChunk | CompletionsChunk;
  /**
   * The chunk's JSON text as the upstream sent it, when it was recognised as one that needs no
   * tidying (see `RawOpenAIChunk`): an OpenAI client gets these bytes.
   */
  raw?: string;
  /** Where the raw chunk's SSE event is in the upstream read it came in (see `StreamEvent`). */
  source?: Uint8Array | undefined;
  from?: number;
  to?: number;
}

/**
 * A content chunk of an OpenAI-compatible stream that was recognised by its text alone as
 * already in OpenAI's shape, with no usage and no finish (most chunks of every stream): it is
 * relayed as that text, and parsed only if a codec that does not speak OpenAI reads `chunk`.
 */
export class RawOpenAIChunk implements OpenAIChunkPart {
  readonly type = "openai_chunk";
  #chunk: ChatChunk | undefined;

  constructor(
    readonly raw: string,
    /** Where its SSE event's bytes (`data: <raw>\n\n`) are, when the decoder kept them. */
    readonly source: Uint8Array | undefined = undefined,
    readonly from = 0,
    readonly to = 0,
  ) {}

  get chunk(): ChatChunk {
    return this.#chunk ??= JSON.parse(this.raw) as ChatChunk;
  }
}

/**
 * One event of an upstream that speaks Anthropic's Messages stream, as it came, sent beside the
 * parts read from it: an Anthropic client gets these (thinking signatures, citations and all),
 * every other codec reads the parts and skips these.
 */
export interface AnthropicEventPart {
  type: "anthropic_event";
  event: string;
  data: string;
}

export type StreamPart =
  | StartPart
  | TextPart
  | ReasoningPart
  | ToolCallPart
  | ToolArgumentsPart
  | FinishPart
  | UsagePart
  | OpenAIChunkPart
  | AnthropicEventPart;

/** The usage a part carries, if any (a usage part, or a relayed chunk with usage). */
export function usageOfPart(part: StreamPart): Usage | undefined {
  if (part.type === "usage") return part.usage;
  // A raw chunk was recognised as one without usage: it is not parsed to find out again.
  if (part.type === "openai_chunk") {
    return part.raw === undefined ? part.chunk.usage ?? undefined : undefined;
  }
  return undefined;
}

/**
 * The parts of a relayed OpenAI chunk, for codecs that do not speak OpenAI: each choice's text,
 * reasoning, tool calls and finish reason, then usage.
 */
export function partsOfChunk(chunk: ChatChunk | CompletionsChunk): StreamPart[] {
  const parts: StreamPart[] = [];
  for (const choice of chunk.choices) {
    const index = choice.index;
    const of = index === 0 ? {} : { choice: index };
    if ("delta" in choice) {
      const delta = choice.delta as ChatChunk["choices"][number]["delta"] & {
        reasoning_content?: string | null;
      };
      if (delta.reasoning_content) {
        parts.push({ type: "reasoning", text: delta.reasoning_content, ...of });
      }
      if (typeof delta.content === "string" && delta.content !== "") {
        parts.push({ type: "text", text: delta.content, ...of });
      }
      for (const call of delta.tool_calls ?? []) {
        if (call.id) {
          parts.push({
            type: "tool_call",
            index: call.index,
            id: call.id,
            name: call.function?.name ?? "",
            ...of,
          });
        }
        if (call.function?.arguments) {
          parts.push({
            type: "tool_arguments",
            index: call.index,
            arguments: call.function.arguments,
            ...of,
          });
        }
      }
    } else if (choice.text !== "") {
      parts.push({ type: "text", text: choice.text, ...of });
    }
    if (choice.finish_reason) parts.push({ type: "finish", reason: choice.finish_reason, ...of });
  }
  if (chunk.usage) parts.push({ type: "usage", usage: chunk.usage });
  return parts;
}
