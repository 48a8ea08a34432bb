/** The text completions request, response and stream chunk. */
import { z } from "@hono/zod-openapi";
import { builtOnFirstUse } from "./lazy.ts";
import { Logprobs, samplingFields, servedByFields, Usage } from "./common.ts";

/** A prompt given as token ids (OpenAI's `/v1/completions` takes them beside text). */
export const TokenIds = z.array(z.number().int().min(0)).min(1);

/** POST /v1/completions, or the invocations of an `llm/v1/completions` endpoint. */
export const CompletionsRequest = z.object({
  prompt: z.union([z.string(), TokenIds]).openapi({
    description: "The prompt: text, or token ids for servers with an OpenAI-style /completions",
  }),
  echo: z.boolean().optional(),
  suffix: z.string().optional(),
  ...samplingFields,
}).loose().openapi("CompletionsRequest", {
  example: { model: "completions", prompt: "Once upon a time", max_tokens: 32 },
});
export type CompletionsRequest = z.infer<typeof CompletionsRequest>;

/**
 * The answers' documented shapes: only /openapi.json reads them (answers are built by the code, not
 * parsed), so they are built when it is first asked for (lazy.ts).
 */
function completionsAnswerSchemasBuild() {
  const CompletionsChoice = z.object({
    index: z.number().int(),
    text: z.string(),
    finish_reason: z.string().nullable(),
    logprobs: Logprobs,
  });

  const CompletionsResponse = z.object({
    id: z.string().nullable(),
    object: z.literal("text_completion"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(CompletionsChoice),
    usage: Usage,
    ...servedByFields,
  }).openapi("CompletionsResponse");

  const CompletionsChunk = z.object({
    id: z.string().nullable(),
    object: z.literal("text_completion"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(CompletionsChoice),
    usage: Usage.nullable().optional(),
    ...servedByFields,
  }).openapi("CompletionsChunk");

  return { CompletionsResponse, CompletionsChunk };
}

/** The schemas, built the first time they are asked for. */
export const completionsAnswerSchemas = builtOnFirstUse(completionsAnswerSchemasBuild);

type CompletionsAnswerSchemas = ReturnType<typeof completionsAnswerSchemasBuild>;
export type CompletionsResponse = z.infer<CompletionsAnswerSchemas["CompletionsResponse"]>;
export type CompletionsChunk = z.infer<CompletionsAnswerSchemas["CompletionsChunk"]>;
