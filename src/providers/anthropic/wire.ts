/** Lenient schemas of the Anthropic Messages API fields the gateway reads (extras pass through). */
import { z } from "zod";

/** Token counts; cache counts appear when prompt caching is in play. */
export const WireUsage = z.object({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
}).loose();
export type WireUsage = z.infer<typeof WireUsage>;

/** One content block of a response (text, tool_use, thinking, or a type we skip). */
export const WireContentBlock = z.object({
  type: z.string(),
  text: z.string().nullish(),
  id: z.string().nullish(),
  name: z.string().nullish(),
  input: z.unknown().optional(),
  thinking: z.string().nullish(),
}).loose();
export type WireContentBlock = z.infer<typeof WireContentBlock>;

/** A complete Messages API response. */
export const WireMessage = z.object({
  id: z.string().nullish(),
  type: z.string().nullish(),
  model: z.string().nullish(),
  content: z.array(WireContentBlock),
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  usage: WireUsage.nullish(),
}).loose();
export type WireMessage = z.infer<typeof WireMessage>;

/** Anthropic's error object, in error bodies and in stream `error` events. */
export const WireErrorDetail = z.object({
  type: z.string().nullish(),
  message: z.string().nullish(),
}).loose();

/** `{"type": "error", "error": {"type", "message"}, "request_id"}`. */
export const WireErrorBody = z.object({
  type: z.string().nullish(),
  error: WireErrorDetail,
  request_id: z.string().nullish(),
}).loose();

/** The delta of a `content_block_delta` event. */
const WireBlockDelta = z.object({
  type: z.string(),
  text: z.string().nullish(),
  partial_json: z.string().nullish(),
  thinking: z.string().nullish(),
}).loose();

/** One event of a Messages stream, discriminated by `type`; unknown types are skipped. */
export const WireStreamEvent = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("message_start"),
    message: z.object({
      id: z.string().nullish(),
      model: z.string().nullish(),
      usage: WireUsage.nullish(),
    }).loose(),
  }).loose(),
  z.object({
    type: z.literal("content_block_start"),
    index: z.number().int(),
    content_block: WireContentBlock,
  }).loose(),
  z.object({
    type: z.literal("content_block_delta"),
    index: z.number().int(),
    delta: WireBlockDelta,
  }).loose(),
  z.object({ type: z.literal("content_block_stop"), index: z.number().int() }).loose(),
  z.object({
    type: z.literal("message_delta"),
    delta: z.object({
      stop_reason: z.string().nullish(),
      stop_sequence: z.string().nullish(),
    }).loose().nullish(),
    usage: WireUsage.nullish(),
  }).loose(),
  z.object({ type: z.literal("message_stop") }).loose(),
  z.object({ type: z.literal("ping") }).loose(),
  z.object({ type: z.literal("error"), error: WireErrorDetail }).loose(),
]);
export type WireStreamEvent = z.infer<typeof WireStreamEvent>;

/** The event types of the stream protocol that this adapter understands. */
export const KNOWN_STREAM_EVENTS: ReadonlySet<string> = new Set([
  "message_start",
  "content_block_start",
  "content_block_delta",
  "content_block_stop",
  "message_delta",
  "message_stop",
  "ping",
  "error",
]);
