/** Lenient schemas of the OpenAI wire fields the gateway reads (extra fields pass through). */
import { z } from "zod";
import { FloatVector } from "../shared/vector.ts";

const WireUsage = z.object({
  prompt_tokens: z.number().nullish(),
  completion_tokens: z.number().nullish(),
  total_tokens: z.number().nullish(),
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
