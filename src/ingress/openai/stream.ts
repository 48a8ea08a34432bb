/**
 * Stream parts as OpenAI chunks (`chat.completion.chunk` or `text_completion`), framed as SSE
 * `data:` events ending in `data: [DONE]`. A chunk relayed from an OpenAI-compatible upstream is
 * written as it came; parts from other providers are built into chunks here, one stream head
 * (id, model, created) for all of them.
 */
import { GatewayError } from "../../core/errors.ts";
import { sseEvent, StreamOutput, type StreamWriter } from "../../core/sse.ts";
import type { StreamPart } from "../../core/stream_parts.ts";
import type { Redactor } from "../../observe/redact.ts";
import type { ChatChunk, ChatChunkChoice } from "../../schemas/chat.ts";
import type { CompletionsChunk } from "../../schemas/completions.ts";
import type { Usage } from "../../schemas/common.ts";
import { errorEnvelope } from "./errors.ts";

const DONE = "data: [DONE]\n\n";

/** What every chunk of one stream repeats. */
interface Head {
  id: string | null;
  created: number;
  model: string;
}

/** A relayed chunk as the client asked: without usage unless `stream_options.include_usage`. */
function relayed(
  chunk: ChatChunk | CompletionsChunk,
  includeUsage: boolean,
): ChatChunk | CompletionsChunk | undefined {
  if (includeUsage || chunk.usage === undefined) return chunk;
  if (chunk.choices.length === 0) return undefined;
  const { usage: _usage, ...rest } = chunk;
  return rest as ChatChunk | CompletionsChunk;
}

/** The error event that ends a broken stream (OpenAI's envelope; no [DONE] follows it). */
function errorEvent(error: unknown, redactor: Redactor): string {
  const gatewayError = error instanceof GatewayError
    ? error
    : new GatewayError(502, "upstream_error", "the upstream stream failed");
  return sseEvent(JSON.stringify(errorEnvelope(gatewayError, redactor)));
}

abstract class OpenAIStreamWriter implements StreamWriter<StreamPart> {
  protected head: Head = { id: null, created: Math.floor(Date.now() / 1000), model: "" };

  constructor(readonly includeUsage: boolean, readonly redactor: Redactor) {}

  /** Whether a chunk relayed as its upstream text is written as that text (MLflow's are not). */
  protected relaysRaw = true;

  #output = new StreamOutput();

  batch(parts: readonly StreamPart[]): string | Uint8Array[] {
    const output = this.#output;
    for (const part of parts) {
      // Raw chunks carry no usage, so they are written whatever the client asked of usage: as
      // the bytes they came as where the decoder kept them, else as their text.
      if (part.type === "openai_chunk" && part.raw !== undefined && this.relaysRaw) {
        if (part.source !== undefined) output.bytes(part.source, part.from!, part.to!);
        else output.text(sseEvent(part.raw));
        continue;
      }
      const chunk = this.chunkOf(part);
      if (chunk === undefined) continue;
      output.text(sseEvent(this.encode(chunk)));
    }
    return output.take();
  }

  /** A chunk's JSON text: OpenAI's chunk as it is (MLflow's paths override this). */
  protected encode(chunk: ChatChunk | CompletionsChunk): string {
    return JSON.stringify(chunk);
  }

  /** The chunks parts become, as objects (what `batch` writes, unserialised; for tests). */
  chunks(parts: readonly StreamPart[]): (ChatChunk | CompletionsChunk)[] {
    const out: (ChatChunk | CompletionsChunk)[] = [];
    for (const part of parts) {
      const chunk = this.chunkOf(part);
      if (chunk !== undefined) out.push(chunk);
    }
    return out;
  }

  end(): string {
    return DONE;
  }

  error(error: unknown): string {
    return errorEvent(error, this.redactor);
  }

  /** The chunk a part becomes, if any. */
  protected chunkOf(part: StreamPart): ChatChunk | CompletionsChunk | undefined {
    switch (part.type) {
      case "openai_chunk":
        return relayed(part.chunk, this.includeUsage);
      case "start":
        // An upstream that gives its stream no id (AWS Converse) gets one of this API's kind.
        this.head = {
          id: part.id ?? `${this.idPrefix}-${crypto.randomUUID().replaceAll("-", "")}`,
          created: this.head.created,
          model: part.model,
        };
        return this.started();
      case "usage":
        return this.includeUsage ? this.usage(part.usage) : undefined;
      case "anthropic_event": // its content arrives as parts beside it
        return undefined;
      default:
        return this.content(part);
    }
  }

  /** How this API's stream ids begin (`chatcmpl`, `cmpl`). */
  protected abstract idPrefix: string;
  protected abstract started(): ChatChunk | undefined;
  protected abstract usage(usage: Usage): ChatChunk | CompletionsChunk;
  protected abstract content(part: StreamPart): ChatChunk | CompletionsChunk | undefined;
}

/** Chat chunks: the role first, text, reasoning and tool-call deltas, the finish, the usage. */
export class ChatStreamWriter extends OpenAIStreamWriter {
  protected idPrefix = "chatcmpl";

  #chunk(choices: ChatChunkChoice[], usage?: Usage): ChatChunk {
    const chunk: ChatChunk = {
      id: this.head.id,
      object: "chat.completion.chunk",
      created: this.head.created,
      model: this.head.model,
      choices,
    };
    if (usage !== undefined) chunk.usage = usage;
    return chunk;
  }

  /** Choices after the first that have had their first delta (which carries the role). */
  #begun: Set<number> | undefined;

  #delta(
    delta: ChatChunkChoice["delta"],
    choice = 0,
    finish: string | null = null,
  ): ChatChunk {
    // The first choice's role came with the start; another's comes on its first delta.
    if (choice !== 0 && !(this.#begun ??= new Set()).has(choice)) {
      this.#begun.add(choice);
      delta = { role: "assistant", ...delta };
    }
    return this.#chunk([{ index: choice, delta, finish_reason: finish }]);
  }

  protected started(): ChatChunk {
    return this.#delta({ role: "assistant", content: "" });
  }

  protected usage(usage: Usage): ChatChunk {
    return this.#chunk([], usage);
  }

  protected content(part: StreamPart): ChatChunk | undefined {
    switch (part.type) {
      case "text":
        return this.#delta({ content: part.text }, part.choice);
      case "reasoning":
        return this.#delta({ reasoning_content: part.text }, part.choice);
      case "tool_call":
        return this.#delta({
          tool_calls: [{
            index: part.index,
            id: part.id,
            type: "function",
            function: { name: part.name, arguments: "" },
            ...part.extra,
          }],
        }, part.choice);
      case "tool_arguments":
        return this.#delta({
          tool_calls: [{ index: part.index, function: { arguments: part.arguments } }],
        }, part.choice);
      case "finish":
        return this.#delta({}, part.choice, part.reason);
      default:
        return undefined;
    }
  }
}

/** Completion chunks: the text as it arrives, the finish, the usage. */
export class CompletionsStreamWriter extends OpenAIStreamWriter {
  protected idPrefix = "cmpl";

  #chunk(choices: CompletionsChunk["choices"], usage?: Usage): CompletionsChunk {
    const chunk: CompletionsChunk = {
      id: this.head.id,
      object: "text_completion",
      created: this.head.created,
      model: this.head.model,
      choices,
    };
    if (usage !== undefined) chunk.usage = usage;
    return chunk;
  }

  protected started(): undefined {
    return undefined;
  }

  protected usage(usage: Usage): CompletionsChunk {
    return this.#chunk([], usage);
  }

  protected content(part: StreamPart): CompletionsChunk | undefined {
    if (part.type === "text") {
      return this.#chunk([{ index: part.choice ?? 0, text: part.text, finish_reason: null }]);
    }
    if (part.type === "finish") {
      return this.#chunk([{ index: part.choice ?? 0, text: "", finish_reason: part.reason }]);
    }
    return undefined;
  }
}
