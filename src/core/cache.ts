/**
 * The exact answer cache (opt-in, `cache:` on an endpoint or route, or `server.defaults.cache`):
 * a repeated request is answered from memory without reaching its upstream. The key is the name
 * called and the request canonicalised (keys sorted; `user`, `stream` and `stream_options`
 * left out, since they do not change the answer), so a streaming request can hit an entry a
 * non-streaming one filled and the other way round: a stream is kept once complete, as the
 * answer it assembled, and a hit is replayed as a stream. Only deterministic-enough requests are
 * kept (temperature 0 or unset, one choice) unless `all: true`. In memory it is bounded in
 * entries and bytes (least recently used go first); with `server.redis_url` the entries are in
 * Redis, shared by every instance, each with Redis's own expiry. Each entry lives `ttl_seconds`.
 */
import type { ChatResponse, ToolCall } from "../schemas/chat.ts";
import type { StreamPart } from "./stream_parts.ts";
import { partsOfChunk } from "./stream_parts.ts";
import type { Operation } from "./provider.ts";
import { nodeCrypto } from "./node_crypto.ts";
import type { RedisClient } from "./redis.ts";

export interface CacheSettings {
  ttl_seconds: number;
  max_entries: number;
  max_bytes: number;
  all: boolean;
  semantic?: { embeddings_endpoint: string; threshold: number } | undefined;
}

/** Where a cache keeps its answers: in memory at once, or in Redis with a promise. */
export interface CacheStore {
  readonly settings: CacheSettings;
  get(key: string): Entry | undefined | Promise<Entry | undefined>;
  set(key: string, op: Operation, value: unknown, endpoint: string): void;
}

interface Entry {
  op: Operation;
  value: unknown;
  /** The endpoint that answered. */
  endpoint: string;
  bytes: number;
  expires: number;
}

/** Fields that do not change an answer. */
const IGNORED = new Set(["user", "stream", "stream_options"]);

/** JSON with object keys sorted, so equal requests give equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  const keys = Object.keys(value).sort();
  return `{${
    keys.filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(",")
  }}`;
}

/** The cache key of a request to `name`, or undefined when it is not to be cached. */
export function cacheKey(
  name: string,
  op: Operation,
  request: unknown,
  all: boolean,
): string | undefined {
  const body = request as Record<string, unknown>;
  if (!all && op !== "embeddings") {
    const temperature = body.temperature;
    if (temperature !== undefined && temperature !== null && temperature !== 0) return undefined;
    const n = body.n;
    if (n !== undefined && n !== null && n !== 1) return undefined;
  }
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!IGNORED.has(key)) kept[key] = value;
  return `${op}\u0000${name}\u0000${canonical(kept)}`;
}

export class AnswerCache implements CacheStore {
  /** Insertion order is recency order: a hit moves its entry to the end. */
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;

  constructor(readonly settings: CacheSettings, private readonly now: () => number = Date.now) {}

  get(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expires <= this.now()) {
      this.#bytes -= entry.bytes;
      return undefined;
    }
    this.#entries.set(key, entry);
    return entry;
  }

  set(key: string, op: Operation, value: unknown, endpoint: string): void {
    const bytes = key.length + JSON.stringify(value).length;
    if (bytes > this.settings.max_bytes) return;
    const previous = this.#entries.get(key);
    if (previous !== undefined) {
      this.#entries.delete(key);
      this.#bytes -= previous.bytes;
    }
    this.#entries.set(key, {
      op,
      value,
      endpoint,
      bytes,
      expires: this.now() + this.settings.ttl_seconds * 1000,
    });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (
        this.#entries.size <= this.settings.max_entries && this.#bytes <= this.settings.max_bytes
      ) {
        break;
      }
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}

/**
 * A cache in Redis, shared by every gateway instance on it: one key per answer
 * (`gateway:cache:<sha256>`), set with the TTL. Redis being away makes every lookup a miss and
 * every write a no-op (told once in a while), never a failed request.
 */
export class RedisAnswerCache implements CacheStore {
  #warnedAt = 0;

  constructor(
    readonly settings: CacheSettings,
    private readonly redis: RedisClient,
    private readonly warn: (message: string, error: unknown) => void,
  ) {}

  #redisKey(key: string): string {
    return `gateway:cache:${nodeCrypto().createHash("sha256").update(key).digest("hex")}`;
  }

  #failed(error: unknown): undefined {
    const now = Date.now();
    if (now - this.#warnedAt > 10_000) {
      this.#warnedAt = now;
      this.warn("answer cache: Redis failed; answering without the cache", error);
    }
    return undefined;
  }

  async get(key: string): Promise<Entry | undefined> {
    try {
      const text = await this.redis.command(["GET", this.#redisKey(key)]);
      if (typeof text !== "string") return undefined;
      const stored = JSON.parse(text) as { op: Operation; value: unknown; endpoint: string };
      return { ...stored, bytes: text.length, expires: Infinity };
    } catch (error) {
      return this.#failed(error);
    }
  }

  set(key: string, op: Operation, value: unknown, endpoint: string): void {
    const text = JSON.stringify({ op, value, endpoint });
    if (text.length > this.settings.max_bytes) return;
    this.redis.command([
      "SET",
      this.#redisKey(key),
      text,
      "EX",
      Math.ceil(this.settings.ttl_seconds),
    ])
      .catch((error) => this.#failed(error));
  }
}

/** A cached chat or completions answer replayed as a stream's parts (one batch each). */
export async function* replay(op: Operation, value: unknown): AsyncGenerator<StreamPart[]> {
  const answer = value as ChatResponse & { choices: { text?: string }[] };
  yield [{ type: "start", id: answer.id, model: answer.model }];
  for (const choice of answer.choices) {
    const index = choice.index;
    const text = op === "completions"
      ? (choice as unknown as { text: string }).text
      : typeof choice.message?.content === "string"
      ? choice.message.content
      : "";
    const parts: StreamPart[] = [];
    if (text !== "") parts.push({ type: "text", text, choice: index });
    (choice.message?.tool_calls ?? []).forEach((call: ToolCall, i: number) => {
      parts.push({
        type: "tool_call",
        index: i,
        id: call.id,
        name: call.function.name,
        choice: index,
      });
      parts.push({
        type: "tool_arguments",
        index: i,
        arguments: call.function.arguments,
        choice: index,
      });
    });
    parts.push({ type: "finish", reason: choice.finish_reason, choice: index });
    yield parts;
  }
  if (answer.usage) yield [{ type: "usage", usage: answer.usage }];
}

/** Assembles a stream's parts back into the answer it would have been (to cache it). */
export class AnswerAssembler {
  #id: string | null = null;
  #model = "";
  readonly #choices = new Map<
    number,
    { text: string; calls: ToolCall[]; finish: string | null }
  >();
  #usage: ChatResponse["usage"] | undefined;

  add(part: StreamPart): void {
    // A relayed Anthropic event's content arrives as parts beside it.
    if (part.type === "anthropic_event") return;
    if (part.type === "openai_chunk") {
      if (this.#id === null) this.#id = part.chunk.id;
      if (this.#model === "") this.#model = part.chunk.model;
      for (const inner of partsOfChunk(part.chunk)) this.add(inner);
      return;
    }
    if (part.type === "start") {
      this.#id = part.id;
      this.#model = part.model;
      return;
    }
    if (part.type === "usage") {
      this.#usage = part.usage;
      return;
    }
    const index = part.choice ?? 0;
    let choice = this.#choices.get(index);
    if (choice === undefined) {
      choice = { text: "", calls: [], finish: null };
      this.#choices.set(index, choice);
    }
    if (part.type === "text") choice.text += part.text;
    else if (part.type === "tool_call") {
      choice.calls[part.index] = {
        id: part.id,
        type: "function",
        function: { name: part.name, arguments: "" },
      };
    } else if (part.type === "tool_arguments") {
      const call = choice.calls[part.index];
      if (call) call.function.arguments += part.arguments;
    } else if (part.type === "finish") choice.finish = part.reason;
  }

  /** The assembled answer in the operation's shape. */
  answer(op: Operation): unknown {
    const choices = [...this.#choices.entries()].sort(([a], [b]) => a - b);
    const usage = this.#usage ??
      { prompt_tokens: null, completion_tokens: null, total_tokens: null };
    if (op === "completions") {
      return {
        id: this.#id,
        object: "text_completion",
        created: Math.floor(Date.now() / 1000),
        model: this.#model,
        choices: choices.map(([index, c]) => ({
          index,
          text: c.text,
          finish_reason: c.finish,
          logprobs: null,
        })),
        usage,
      };
    }
    return {
      id: this.#id,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: this.#model,
      choices: choices.map(([index, c]) => ({
        index,
        message: {
          role: "assistant",
          content: c.text === "" && c.calls.length > 0 ? null : c.text,
          tool_calls: c.calls.length > 0 ? c.calls.filter(Boolean) : null,
          refusal: null,
        },
        finish_reason: c.finish,
        logprobs: null,
      })),
      usage,
    };
  }
}

/** Wraps a stream's parts so that, once it completed, `done` gets the assembled answer. */
export function assembled(
  parts: AsyncIterator<StreamPart[]>,
  op: Operation,
  done: (answer: unknown) => void,
): AsyncIterator<StreamPart[]> {
  const assembler = new AnswerAssembler();
  return {
    async next() {
      const result = await parts.next();
      if (result.done) done(assembler.answer(op));
      else for (const part of result.value) assembler.add(part);
      return result;
    },
    async return(value?: unknown) {
      // A stream left early is not cached.
      return parts.return ? await parts.return(value) : { done: true, value: undefined };
    },
  };
}
