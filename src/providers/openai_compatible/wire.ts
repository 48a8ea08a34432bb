/** Lenient schemas of the OpenAI wire fields the gateway reads (extra fields pass through). */
import { z } from "zod";
import { FloatVector } from "../shared/vector.ts";

const WireUsage = z.object({
  prompt_tokens: z.number().nullish(),
  completion_tokens: z.number().nullish(),
  total_tokens: z.number().nullish(),
}).loose();

/**
 * The contract of `readWireChunk` (chunk_reader.ts), which reads every stream chunk by hand
 * instead: never parsed on the request path, it is what a property test holds the reader to (the
 * same verdict, the same first bad field, the body read as is). Fields in the reader's order.
 */
export const WireChunk = z.object({
  id: z.string().nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  choices: z.array(
    z.object({
      index: z.number().nullish(),
      /** Together AI repeats the delta's text here; completions chunks carry only this. */
      text: z.string().nullish(),
      finish_reason: z.string().nullish(),
      delta: z.record(z.string(), z.unknown()).nullish(),
    }).loose(),
  ).nullish(),
  usage: WireUsage.nullish(),
  /** Groq puts the stream's usage here, in its last chunk. */
  x_groq: z.object({ usage: WireUsage.nullish() }).loose().nullish(),
}).loose();

/** The contract of `readWireChatResponse` (chunk_reader.ts), held to it like `WireChunk`. */
export const WireChatResponse = z.object({
  id: z.string().nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  choices: z.array(
    z.object({
      index: z.number().nullish(),
      finish_reason: z.string().nullish(),
      message: z.object({
        role: z.string().nullish(),
        refusal: z.string().nullish(),
        tool_calls: z.array(
          z.object({
            /** Some servers (older Ollama) leave ids out; the gateway then makes stable ones. */
            id: z.string().nullish(),
            type: z.string().nullish(),
            function: z.object({ name: z.string(), arguments: z.string().nullish() }).loose(),
          }).loose(),
        ).nullish(),
      }).loose(),
    }).loose(),
  ),
  usage: WireUsage.nullish(),
}).loose();

export const WireCompletionsResponse = z.object({
  id: z.string().nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  choices: z.array(
    z.object({
      index: z.number().nullish(),
      text: z.string().nullish(),
      finish_reason: z.string().nullish(),
    }).loose(),
  ),
  usage: WireUsage.nullish(),
}).loose();

export const WireEmbeddingsResponse = z.object({
  model: z.string().nullish(),
  data: z.array(
    z.object({
      index: z.number().nullish(),
      embedding: z.union([FloatVector, z.string()]),
    }).loose(),
  ),
  usage: WireUsage.nullish(),
}).loose();

export const WireError = z.object({
  error: z.union([
    z.object({
      message: z.string().nullish(),
      type: z.string().nullish(),
      code: z.union([z.string(), z.number()]).nullish(),
      param: z.string().nullish(),
    }).loose(),
    z.string(),
  ]).optional(),
  /** Mistral and vLLM: `{"object": "error", "message", "type", "param", "code"}` at the top. */
  message: z.string().optional(),
  type: z.string().nullish(),
  code: z.union([z.string(), z.number()]).nullish(),
  param: z.string().nullish(),
  /** FastAPI-style servers: a string, or a list of `{loc, msg}` validation errors. */
  detail: z.unknown().optional(),
}).loose();
