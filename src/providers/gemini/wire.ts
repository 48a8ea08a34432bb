/** Lenient schemas of the Gemini wire fields the gateway reads (extra fields pass through). */
import { z } from "zod";
import { FloatVector } from "../shared/vector.ts";

export const WireFunctionCall = z.object({
  id: z.string().nullish(),
  name: z.string(),
  args: z.record(z.string(), z.unknown()).nullish(),
}).loose();
export type WireFunctionCall = z.infer<typeof WireFunctionCall>;

export const WirePart = z.object({
  text: z.string().nullish(),
  /** Set on a summary of the model's reasoning (only sent when thoughts are asked for). */
  thought: z.boolean().nullish(),
  thoughtSignature: z.string().nullish(),
  functionCall: WireFunctionCall.nullish(),
}).loose();
export type WirePart = z.infer<typeof WirePart>;

export const WireCandidate = z.object({
  content: z.object({
    role: z.string().nullish(),
    parts: z.array(WirePart).nullish(),
  }).loose().nullish(),
  finishReason: z.string().nullish(),
  finishMessage: z.string().nullish(),
  index: z.number().int().nullish(),
}).loose();
export type WireCandidate = z.infer<typeof WireCandidate>;

export const WireUsage = z.object({
  promptTokenCount: z.number().nullish(),
  candidatesTokenCount: z.number().nullish(),
  thoughtsTokenCount: z.number().nullish(),
  toolUsePromptTokenCount: z.number().nullish(),
  cachedContentTokenCount: z.number().nullish(),
  totalTokenCount: z.number().nullish(),
}).loose();
export type WireUsage = z.infer<typeof WireUsage>;

export const WirePromptFeedback = z.object({
  blockReason: z.string().nullish(),
  blockReasonMessage: z.string().nullish(),
}).loose();

/** A `generateContent` answer, and each event of a `streamGenerateContent` stream. */
export const WireGenerateResponse = z.object({
  candidates: z.array(WireCandidate).nullish(),
  promptFeedback: WirePromptFeedback.nullish(),
  usageMetadata: WireUsage.nullish(),
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
}).loose();
export type WireGenerateResponse = z.infer<typeof WireGenerateResponse>;

/** A `batchEmbedContents` answer: one embedding per request, in request order. */
export const WireBatchEmbedResponse = z.object({
  embeddings: z.array(z.object({ values: FloatVector }).loose()),
}).loose();

const WireErrorDetail = z.object({
  "@type": z.string().nullish(),
  /** google.rpc.RetryInfo: a protobuf Duration in JSON, e.g. "12s" or "1.5s". */
  retryDelay: z.string().nullish(),
  /** google.rpc.ErrorInfo */
  reason: z.string().nullish(),
  /** google.rpc.BadRequest */
  fieldViolations: z.array(
    z.object({ field: z.string().nullish(), description: z.string().nullish() }).loose(),
  ).nullish(),
}).loose();

/** Google's error body: `{"error": {"code", "message", "status", "details": [...]}}`. */
export const WireError = z.object({
  error: z.object({
    code: z.number().nullish(),
    message: z.string().nullish(),
    status: z.string().nullish(),
    details: z.array(WireErrorDetail).nullish(),
  }).loose(),
}).loose();
export type WireError = z.infer<typeof WireError>;
