/** Lenient schemas of the Bedrock Runtime fields the gateway reads (extra fields pass). */
import { z } from "zod";
import { FloatVector } from "../shared/vector.ts";

export const WireTokenUsage = z.object({
  inputTokens: z.number().nullish(),
  outputTokens: z.number().nullish(),
  totalTokens: z.number().nullish(),
  cacheReadInputTokens: z.number().nullish(),
  cacheWriteInputTokens: z.number().nullish(),
}).loose();
export type WireTokenUsage = z.infer<typeof WireTokenUsage>;

const WireToolUse = z.object({
  toolUseId: z.string(),
  name: z.string(),
  input: z.unknown(),
}).loose();

/** One content block of an output message: text, a tool call, reasoning, or something else. */
export const WireContentBlock = z.object({
  text: z.string().nullish(),
  toolUse: WireToolUse.nullish(),
  reasoningContent: z.object({
    reasoningText: z.object({ text: z.string().nullish() }).loose().nullish(),
  }).loose().nullish(),
}).loose();
export type WireContentBlock = z.infer<typeof WireContentBlock>;

/** The Converse response. */
export const WireConverseResponse = z.object({
  output: z.object({
    message: z.object({
      role: z.string().nullish(),
      content: z.array(WireContentBlock),
    }).loose(),
  }).loose(),
  stopReason: z.string().nullish(),
  usage: WireTokenUsage.nullish(),
}).loose();
export type WireConverseResponse = z.infer<typeof WireConverseResponse>;

/** ConverseStream events, by `:event-type`. */
export const WireContentBlockStart = z.object({
  contentBlockIndex: z.number().int(),
  start: z.object({
    toolUse: z.object({ toolUseId: z.string(), name: z.string() }).loose().nullish(),
  }).loose().nullish(),
}).loose();

export const WireContentBlockDelta = z.object({
  contentBlockIndex: z.number().int(),
  delta: z.object({
    text: z.string().nullish(),
    toolUse: z.object({ input: z.string().nullish() }).loose().nullish(),
    reasoningContent: z.object({ text: z.string().nullish() }).loose().nullish(),
  }).loose(),
}).loose();

export const WireMessageStop = z.object({ stopReason: z.string().nullish() }).loose();

export const WireStreamMetadata = z.object({ usage: WireTokenUsage.nullish() }).loose();

/** Amazon Titan text embeddings (InvokeModel). */
export const WireTitanEmbedding = z.object({
  embedding: FloatVector,
  inputTextTokenCount: z.number().nullish(),
}).loose();

/** Cohere embeddings (InvokeModel): a list of vectors, or vectors by type when types were asked. */
export const WireCohereEmbeddings = z.object({
  embeddings: z.union([
    z.array(FloatVector),
    z.object({ float: z.array(FloatVector) }).loose(),
  ]),
}).loose();

/** Bedrock's error body (`message`, sometimes `Message`). */
export const WireError = z.object({
  message: z.string().nullish(),
  Message: z.string().nullish(),
}).loose();
