/** Lenient schemas of the Cohere v2 fields the gateway reads (extra fields pass). */
import { z } from "zod";
import { FloatVector } from "../shared/vector.ts";

const WireTokens = z.object({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
}).loose();

/** `usage` of chat responses and of the `message-end` stream event. */
export const WireUsage = z.object({
  billed_units: WireTokens.nullish(),
  tokens: WireTokens.nullish(),
}).loose();
export type WireUsage = z.infer<typeof WireUsage>;

const WireToolCall = z.object({
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z.object({
    name: z.string(),
    arguments: z.unknown().optional(),
  }).loose(),
}).loose();

const WireContentItem = z.object({
  type: z.string(),
  text: z.string().nullish(),
}).loose();

/** A `POST /v2/chat` response. */
export const WireChatResponse = z.object({
  id: z.string().nullish(),
  finish_reason: z.string().nullish(),
  message: z.object({
    role: z.string().nullish(),
    content: z.array(WireContentItem).nullish(),
    tool_plan: z.string().nullish(),
    tool_calls: z.array(WireToolCall).nullish(),
  }).loose(),
  usage: WireUsage.nullish(),
}).loose();
export type WireChatResponse = z.infer<typeof WireChatResponse>;

/** A `POST /v2/embed` response with `embedding_types: ["float"]`. */
export const WireEmbedResponse = z.object({
  id: z.string().nullish(),
  embeddings: z.object({ float: z.array(FloatVector) }).loose(),
  meta: z.object({
    billed_units: WireTokens.nullish(),
    tokens: WireTokens.nullish(),
  }).loose().nullish(),
}).loose();

/** The `delta.message.content` of a content event (message-start sends a list instead). */
export const WireDeltaContent = z.object({ text: z.string().nullish() }).loose();

/** The `delta.message.tool_calls` of a tool-call event (one call, not a list). */
export const WireDeltaToolCall = z.object({
  id: z.string().nullish(),
  function: z.object({
    name: z.string().nullish(),
    arguments: z.string().nullish(),
  }).loose().nullish(),
}).loose();

/** One event of a v2 chat stream; its `type` names it (the SSE `event:` line repeats it). */
export const WireStreamEvent = z.object({
  type: z.string().nullish(),
  id: z.string().nullish(),
  index: z.number().nullish(),
  delta: z.object({
    message: z.object({
      content: z.unknown().optional(),
      tool_plan: z.string().nullish(),
      tool_calls: z.unknown().optional(),
    }).loose().nullish(),
    finish_reason: z.string().nullish(),
    error: z.string().nullish(),
    usage: WireUsage.nullish(),
  }).loose().nullish(),
}).loose();
export type WireStreamEvent = z.infer<typeof WireStreamEvent>;

/** Cohere's error body: `{"message": ...}`, often with an `id`. */
export const WireError = z.object({
  id: z.string().nullish(),
  message: z.string().nullish(),
  error: z.unknown().optional(),
}).loose();
