/** The embeddings request and response. */
import { z } from "@hono/zod-openapi";
import { builtOnFirstUse } from "./lazy.ts";

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

/**
 * The answers' documented shapes: only /openapi.json reads them (answers are built by the code, not
 * parsed), so they are built when it is first asked for (lazy.ts).
 */
function embeddingsAnswerSchemasBuild() {
  const Embedding = z.object({
    object: z.literal("embedding"),
    embedding: z.union([z.array(z.number()), z.string()]),
    index: z.number().int(),
  });

  const EmbeddingsResponse = z.object({
    object: z.literal("list"),
    data: z.array(Embedding),
    model: z.string(),
    usage: z.object({
      prompt_tokens: z.number().int().nullable(),
      total_tokens: z.number().int().nullable(),
    }),
  }).openapi("EmbeddingsResponse");

  return { Embedding, EmbeddingsResponse };
}

/** The schemas, built the first time they are asked for. */
export const embeddingsAnswerSchemas = builtOnFirstUse(embeddingsAnswerSchemasBuild);

type EmbeddingsAnswerSchemas = ReturnType<typeof embeddingsAnswerSchemasBuild>;
export type Embedding = z.infer<EmbeddingsAnswerSchemas["Embedding"]>;
export type EmbeddingsResponse = z.infer<EmbeddingsAnswerSchemas["EmbeddingsResponse"]>;

/**
 * Float vectors as OpenAI's `encoding_format: "base64"` (little-endian float32 bytes), for
 * providers that only return floats. Vectors already encoded are left as they are.
 */
export function toBase64Embeddings(response: EmbeddingsResponse): EmbeddingsResponse {
  return {
    ...response,
    data: response.data.map((item) => {
      if (typeof item.embedding === "string") return item;
      const floats = new Float32Array(item.embedding);
      const bytes = new Uint8Array(floats.buffer);
      let binary = "";
      for (let i = 0; i < bytes.length; i += 0x8000) {
        binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      }
      return { ...item, embedding: btoa(binary) };
    }),
  };
}

/** The texts of an embeddings input (token arrays are not text and give an empty list). */
export function embeddingTexts(input: EmbeddingsRequest["input"]): string[] {
  if (typeof input === "string") return [input];
  return input.filter((item): item is string => typeof item === "string");
}
