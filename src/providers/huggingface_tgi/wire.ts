/** Lenient schemas of the TGI fields the gateway reads (extra fields pass). */
import { z } from "zod";

const WireUsage = z.object({
  prompt_tokens: z.number().nullish(),
  completion_tokens: z.number().nullish(),
  total_tokens: z.number().nullish(),
}).loose();
export type WireUsage = z.infer<typeof WireUsage>;

/** One answer of `POST /generate` (requested with `details: true`). */
const WireGeneration = z.object({
  generated_text: z.string(),
  details: z.object({
    finish_reason: z.string().nullish(),
    generated_tokens: z.number().nullish(),
    prefill: z.array(z.unknown()).nullish(),
  }).loose().nullish(),
}).loose();

/** `POST /generate` answers one object; TGI's compat route `/` answers a list of them. */
export const WireGenerateResponse = z.union([WireGeneration, z.array(WireGeneration).min(1)]);

/** One `/generate_stream` event: a token, and on the last one the text and details. */
export const WireGenerateEvent = z.object({
  token: z.object({
    text: z.string().nullish(),
    special: z.boolean().nullish(),
  }).loose().nullish(),
  generated_text: z.string().nullish(),
  details: z.object({
    finish_reason: z.string().nullish(),
    generated_tokens: z.number().nullish(),
    input_length: z.number().nullish(),
  }).loose().nullish(),
}).loose();

/** A Messages API (`/v1/chat/completions`) response. */
export const WireChatResponse = z.object({
  id: z.string().nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  choices: z.array(
    z.object({
      message: z.object({
        role: z.string().nullish(),
        content: z.string().nullish(),
      }).loose(),
      finish_reason: z.string().nullish(),
    }).loose(),
  ),
  usage: WireUsage.nullish(),
}).loose();

/** A Messages API stream chunk. */
export const WireChatChunk = z.object({
  id: z.string().nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  choices: z.array(
    z.object({
      index: z.number().nullish(),
      delta: z.object({
        role: z.string().nullish(),
        content: z.string().nullish(),
      }).loose().nullish(),
      finish_reason: z.string().nullish(),
    }).loose(),
  ).nullish(),
  usage: WireUsage.nullish(),
}).loose();

/** TGI's error body: `{"error": "...", "error_type": "validation" | "generation" | ...}`. */
export const WireError = z.object({
  error: z.unknown().optional(),
  error_type: z.string().nullish(),
  message: z.string().nullish(),
}).loose();
