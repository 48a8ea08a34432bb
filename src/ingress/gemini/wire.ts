/**
 * Google's `generateContent` request as clients send it (the google-genai SDKs): lenient zod
 * schemas of the fields the gateway reads, unknown keys kept. Shown in /docs. Built on the first
 * request or /openapi.json that needs them.
 */
import { z } from "@hono/zod-openapi";
import { builtOnFirstUse } from "../../schemas/lazy.ts";

function build() {
  const Part = z.object({
    text: z.string().optional(),
    thought: z.boolean().optional(),
    inlineData: z.object({ mimeType: z.string(), data: z.string() }).loose().optional(),
    fileData: z.object({ mimeType: z.string().optional(), fileUri: z.string() }).loose().optional(),
    functionCall: z.object({
      id: z.string().optional(),
      name: z.string(),
      args: z.record(z.string(), z.unknown()).optional(),
    }).loose().optional(),
    functionResponse: z.object({
      id: z.string().optional(),
      name: z.string(),
      response: z.record(z.string(), z.unknown()).optional(),
    }).loose().optional(),
  }).loose();

  const Content = z.object({
    role: z.enum(["user", "model", "function"]).optional(),
    parts: z.array(Part),
  }).loose();

  const FunctionDeclaration = z.object({
    name: z.string().min(1).max(128),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    parametersJsonSchema: z.record(z.string(), z.unknown()).optional(),
  }).loose();

  const GenerateContentRequest = z.object({
    contents: z.array(Content),
    systemInstruction: Content.optional(),
    tools: z.array(
      z.object({
        functionDeclarations: z.array(FunctionDeclaration).optional(),
      }).loose(),
    ).optional(),
    toolConfig: z.object({
      functionCallingConfig: z.object({
        mode: z.enum(["AUTO", "ANY", "NONE", "VALIDATED", "MODE_UNSPECIFIED"]).optional(),
        allowedFunctionNames: z.array(z.string()).optional(),
      }).loose().optional(),
    }).loose().optional(),
    generationConfig: z.object({
      temperature: z.number().min(0).max(2).optional(),
      topP: z.number().min(0).max(1).optional(),
      topK: z.number().int().min(1).optional(),
      maxOutputTokens: z.number().int().min(1).optional(),
      stopSequences: z.array(z.string()).max(16).optional(),
      candidateCount: z.number().int().min(1).max(8).optional(),
      seed: z.number().int().optional(),
      presencePenalty: z.number().optional(),
      frequencyPenalty: z.number().optional(),
      responseMimeType: z.string().optional(),
      responseSchema: z.record(z.string(), z.unknown()).optional(),
      responseJsonSchema: z.record(z.string(), z.unknown()).optional(),
    }).loose().optional(),
  }).loose().openapi("GenerateContentRequest", {
    example: { contents: [{ role: "user", parts: [{ text: "Hello!" }] }] },
  });

  return { Part, GenerateContentRequest };
}

/** The schemas, built the first time they are asked for. */
export const geminiWire = builtOnFirstUse(build);

type Wire = ReturnType<typeof build>;
export type Part = z.infer<Wire["Part"]>;
export type GenerateContentRequest = z.infer<Wire["GenerateContentRequest"]>;
