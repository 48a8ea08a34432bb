/**
 * Reads OpenAI-wire stream chunks without a schema library: a stream has hundreds of chunks,
 * and these plain checks cost a fraction of a generic parse. Only the fields the gateway reads
 * are checked; a wrong type there is a 502 naming the field, like `parseWire`.
 */
import { ProviderError } from "../../core/errors.ts";

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

class Unreadable extends Error {}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function check(ok: boolean, path: string): void {
  if (!ok) throw new Unreadable(path);
}

function optional(value: unknown, type: "string" | "number", path: string): void {
  check(value === undefined || value === null || typeof value === type, path);
}

function usage(value: unknown, path: string): void {
  if (value === undefined || value === null) return;
  check(isObject(value), path);
  const counts = value as Json;
  optional(counts.prompt_tokens, "number", `${path}.prompt_tokens`);
  optional(counts.completion_tokens, "number", `${path}.completion_tokens`);
  optional(counts.total_tokens, "number", `${path}.total_tokens`);
}

function validate(json: unknown): WireChunk {
  check(isObject(json), "(chunk)");
  const chunk = json as Json;
  optional(chunk.id, "string", "id");
  optional(chunk.created, "number", "created");
  optional(chunk.model, "string", "model");
  const choices = chunk.choices;
  if (choices !== undefined && choices !== null) {
    check(Array.isArray(choices), "choices");
    (choices as unknown[]).forEach((choice, i) => {
      check(isObject(choice), `choices.${i}`);
      const c = choice as Json;
      optional(c.index, "number", `choices.${i}.index`);
      optional(c.text, "string", `choices.${i}.text`);
      optional(c.finish_reason, "string", `choices.${i}.finish_reason`);
      check(c.delta === undefined || c.delta === null || isObject(c.delta), `choices.${i}.delta`);
    });
  }
  usage(chunk.usage, "usage");
  if (chunk.x_groq !== undefined && chunk.x_groq !== null) {
    check(isObject(chunk.x_groq), "x_groq");
    usage((chunk.x_groq as Json).usage, "x_groq.usage");
  }
  return chunk as WireChunk;
}

/** The chunk's fields the gateway reads, or a 502 naming the first one of the wrong type. */
export function readWireChunk(json: unknown, provider: string): WireChunk {
  try {
    return validate(json);
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
