/** The embeddings request and response. */
import { z } from "@hono/zod-openapi";

/** POST /v1/embeddings, or the invocations of an `llm/v1/embeddings` endpoint. */
export const EmbeddingsRequest = z.object({
  input: z.union([
    z.string(),
    z.array(z.string()).min(1).max(4096),
    z.array(z.number().int()).min(1),
    z.array(z.array(z.number().int()).min(1)).min(1).max(4096),
  ]),
  encoding_format: z.enum(["float", "base64"]).optional(),
  dimensions: z.number().int().min(1).optional(),
  user: z.string().optional(),
  model: z.string().optional().openapi({ description: "Endpoint or route name (on /v1 routes)." }),
}).loose().openapi("EmbeddingsRequest", {
  example: { model: "embeddings", input: ["hello", "world"] },
});
export type EmbeddingsRequest = z.infer<typeof EmbeddingsRequest>;

export const Embedding = z.object({
  object: z.literal("embedding"),
  embedding: z.union([z.array(z.number()), z.string()]),
  index: z.number().int(),
});
export type Embedding = z.infer<typeof Embedding>;

export const EmbeddingsResponse = z.object({
  object: z.literal("list"),
  data: z.array(Embedding),
  model: z.string(),
  usage: z.object({
    prompt_tokens: z.number().int().nullable(),
    total_tokens: z.number().int().nullable(),
  }),
}).openapi("EmbeddingsResponse");
export type EmbeddingsResponse = z.infer<typeof EmbeddingsResponse>;

/** The texts of an embeddings input (token arrays are not text and give an empty list). */
export function embeddingTexts(input: EmbeddingsRequest["input"]): string[] {
  if (typeof input === "string") return [input];
  return input.filter((item): item is string => typeof item === "string");
}
