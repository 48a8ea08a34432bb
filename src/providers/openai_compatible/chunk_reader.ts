/**
 * Reads OpenAI-wire stream chunks and chat answers without a schema library: they are on every
 * request's path (hundreds of chunks per stream), and these plain checks cost a fraction of a
 * generic parse. Only the fields the gateway reads are checked; a wrong type there is a 502
 * naming the field, like `parseWire`.
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

function check(ok: boolean, path: string): void {
  if (!ok) throw new Unreadable(path);
}

function optional(value: unknown, type: "string" | "number", path: string): void {
  check(value === undefined || value === null || typeof value === type, path);
}

function usage(value: unknown, path: string): void {
  if (value === undefined || value === null) return;
  check(isRecord(value), path);
  const counts = value as Json;
  optional(counts.prompt_tokens, "number", `${path}.prompt_tokens`);
  optional(counts.completion_tokens, "number", `${path}.completion_tokens`);
  optional(counts.total_tokens, "number", `${path}.total_tokens`);
}

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
    (choices as unknown[]).forEach((choice, i) => {
      check(isRecord(choice), `choices.${i}`);
      const c = choice as Json;
      optional(c.index, "number", `choices.${i}.index`);
      optional(c.text, "string", `choices.${i}.text`);
      optional(c.finish_reason, "string", `choices.${i}.finish_reason`);
      check(c.delta === undefined || c.delta === null || isRecord(c.delta), `choices.${i}.delta`);
    });
  }
  usage(chunk.usage, "usage");
  if (chunk.x_groq !== undefined && chunk.x_groq !== null) {
    check(isRecord(chunk.x_groq), "x_groq");
    usage((chunk.x_groq as Json).usage, "x_groq.usage");
  }
  return chunk as WireChunk;
}

function validateChatResponse(json: unknown): WireChatResponse {
  check(isRecord(json), "(response)");
  const body = json as Json;
  head(body);
  check(Array.isArray(body.choices), "choices");
  (body.choices as unknown[]).forEach((choice, i) => {
    check(isRecord(choice), `choices.${i}`);
    const c = choice as Json;
    optional(c.index, "number", `choices.${i}.index`);
    optional(c.finish_reason, "string", `choices.${i}.finish_reason`);
    check(isRecord(c.message), `choices.${i}.message`);
    const message = c.message as Json;
    optional(message.role, "string", `choices.${i}.message.role`);
    optional(message.refusal, "string", `choices.${i}.message.refusal`);
    const calls = message.tool_calls;
    if (calls === undefined || calls === null) return;
    check(Array.isArray(calls), `choices.${i}.message.tool_calls`);
    (calls as unknown[]).forEach((call, j) => {
      const at = `choices.${i}.message.tool_calls.${j}`;
      check(isRecord(call), at);
      const tc = call as Json;
      optional(tc.id, "string", `${at}.id`);
      optional(tc.type, "string", `${at}.type`);
      check(isRecord(tc.function), `${at}.function`);
      const fn = tc.function as Json;
      check(typeof fn.name === "string", `${at}.function.name`);
      optional(fn.arguments, "string", `${at}.function.arguments`);
    });
  });
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
