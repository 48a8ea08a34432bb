/**
 * Reads OpenAI-wire stream chunks and chat answers without a schema library: they are on every
 * request's path (hundreds of chunks per stream), and these plain checks cost a fraction of a
 * generic parse. Only the fields the gateway reads are checked; a wrong type there is a 502
 * naming the field, like `parseWire`. `WireChunk` and `WireChatResponse` in wire.ts say the same
 * as schemas, and a property test holds these readers to them.
 */
import { ProviderError } from "../../core/errors.ts";
import { isRecord } from "../../core/records.ts";

type Json = Record<string, unknown>;

export interface WireUsageCounts {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
}

export interface WireChunkChoice {
  index?: number | null;
  delta?: Json | null;
  text?: string | null;
  finish_reason?: string | null;
}

export interface WireChunk {
  id?: string | null;
  created?: number | null;
  model?: string | null;
  choices?: WireChunkChoice[] | null;
  usage?: WireUsageCounts | null;
  /** Groq puts the stream's usage here, in its last chunk. */
  x_groq?: { usage?: WireUsageCounts | null } | null;
}

/** A chat answer's tool call, as the gateway reads it. */
export interface WireToolCall {
  id?: string | null;
  type?: string | null;
  function: { name: string; arguments?: string | null; [key: string]: unknown };
  [key: string]: unknown;
}

export interface WireChatMessage {
  role?: string | null;
  content?: unknown;
  tool_calls?: WireToolCall[] | null;
  refusal?: string | null;
  [key: string]: unknown;
}

export interface WireChatResponse {
  id?: string | null;
  created?: number | null;
  model?: string | null;
  choices: { index?: number | null; message: WireChatMessage; finish_reason?: string | null }[];
  usage?: WireUsageCounts | null;
}

class Unreadable extends Error {}

/**
 * A field's path, with `#` standing for the choice's and then the tool call's index: built only
 * when a check fails, so that a good body allocates no path strings (this runs for every chunk).
 */
function fieldPath(path: string, i?: number, j?: number): string {
  return path.replace("#", String(i)).replace("#", String(j));
}

function check(ok: boolean, path: string, i?: number, j?: number): void {
  if (!ok) throw new Unreadable(fieldPath(path, i, j));
}

/**
 * Null, absent, or of `type`; a number must be finite, as the schema's `z.number()` says: JSON
 * like `1e999` parses to Infinity, which would poison every sum of token counts it reaches.
 */
function optional(
  value: unknown,
  type: "string" | "number",
  path: string,
  i?: number,
  j?: number,
): void {
  check(
    value === undefined || value === null ||
      (type === "number" ? Number.isFinite(value) : typeof value === type),
    path,
    i,
    j,
  );
}

/** The usage counts at `path` ("usage" or "x_groq.usage"), if present. */
function usage(value: unknown, path: "usage" | "x_groq.usage"): void {
  if (value === undefined || value === null) return;
  check(isRecord(value), path);
  const counts = value as Json;
  optional(counts.prompt_tokens, "number", USAGE_FIELDS[path].prompt);
  optional(counts.completion_tokens, "number", USAGE_FIELDS[path].completion);
  optional(counts.total_tokens, "number", USAGE_FIELDS[path].total);
}

const USAGE_FIELDS = {
  usage: {
    prompt: "usage.prompt_tokens",
    completion: "usage.completion_tokens",
    total: "usage.total_tokens",
  },
  "x_groq.usage": {
    prompt: "x_groq.usage.prompt_tokens",
    completion: "x_groq.usage.completion_tokens",
    total: "x_groq.usage.total_tokens",
  },
};

/** The fields a chunk and a response both start with, each optional. */
function head(body: Json): void {
  optional(body.id, "string", "id");
  optional(body.created, "number", "created");
  optional(body.model, "string", "model");
}

function validate(json: unknown): WireChunk {
  check(isRecord(json), "(chunk)");
  const chunk = json as Json;
  head(chunk);
  const choices = chunk.choices;
  if (choices !== undefined && choices !== null) {
    check(Array.isArray(choices), "choices");
    const list = choices as unknown[];
    for (let i = 0; i < list.length; i++) {
      const c = list[i] as Json;
      check(isRecord(c), "choices.#", i);
      optional(c.index, "number", "choices.#.index", i);
      optional(c.text, "string", "choices.#.text", i);
      optional(c.finish_reason, "string", "choices.#.finish_reason", i);
      check(c.delta === undefined || c.delta === null || isRecord(c.delta), "choices.#.delta", i);
    }
  }
  usage(chunk.usage, "usage");
  if (chunk.x_groq !== undefined && chunk.x_groq !== null) {
    check(isRecord(chunk.x_groq), "x_groq");
    usage((chunk.x_groq as Json).usage, "x_groq.usage");
  }
  return chunk as WireChunk;
}

function validateToolCalls(calls: unknown[], i: number): void {
  for (let j = 0; j < calls.length; j++) {
    const tc = calls[j] as Json;
    check(isRecord(tc), "choices.#.message.tool_calls.#", i, j);
    optional(tc.id, "string", "choices.#.message.tool_calls.#.id", i, j);
    optional(tc.type, "string", "choices.#.message.tool_calls.#.type", i, j);
    check(isRecord(tc.function), "choices.#.message.tool_calls.#.function", i, j);
    const fn = tc.function as Json;
    check(typeof fn.name === "string", "choices.#.message.tool_calls.#.function.name", i, j);
    optional(fn.arguments, "string", "choices.#.message.tool_calls.#.function.arguments", i, j);
  }
}

function validateChatResponse(json: unknown): WireChatResponse {
  check(isRecord(json), "(response)");
  const body = json as Json;
  head(body);
  check(Array.isArray(body.choices), "choices");
  const choices = body.choices as unknown[];
  for (let i = 0; i < choices.length; i++) {
    const c = choices[i] as Json;
    check(isRecord(c), "choices.#", i);
    optional(c.index, "number", "choices.#.index", i);
    optional(c.finish_reason, "string", "choices.#.finish_reason", i);
    check(isRecord(c.message), "choices.#.message", i);
    const message = c.message as Json;
    optional(message.role, "string", "choices.#.message.role", i);
    optional(message.refusal, "string", "choices.#.message.refusal", i);
    const calls = message.tool_calls;
    if (calls === undefined || calls === null) continue;
    check(Array.isArray(calls), "choices.#.message.tool_calls", i);
    validateToolCalls(calls as unknown[], i);
  }
  usage(body.usage, "usage");
  return body as unknown as WireChatResponse;
}

function read<T>(validator: (json: unknown) => T, json: unknown, provider: string): T {
  try {
    return validator(json);
  } catch (error) {
    if (!(error instanceof Unreadable)) throw error;
    throw new ProviderError(
      502,
      "upstream_error",
      `${provider} returned a response the gateway could not read at '${error.message}'`,
      { retryable: false },
    );
  }
}

/** The chunk's fields the gateway reads, or a 502 naming the first one of the wrong type. */
export function readWireChunk(json: unknown, provider: string): WireChunk {
  return read(validate, json, provider);
}

/** A chat answer's fields the gateway reads, or a 502 naming the first one of the wrong type. */
export function readWireChatResponse(json: unknown, provider: string): WireChatResponse {
  return read(validateChatResponse, json, provider);
}
