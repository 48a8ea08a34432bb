/**
 * OpenAI's Responses API request (`POST /v1/responses`): the fields the gateway reads, leniently
 * (unknown fields pass and are named in the warnings by request.ts). Shown in /docs. Built on the
 * first request or /openapi.json that needs them.
 */
import { z } from "@hono/zod-openapi";
import { builtOnFirstUse } from "../../schemas/lazy.ts";

function build() {
  const InputText = z.object({ type: z.literal("input_text"), text: z.string() }).loose();
  const OutputText = z.object({ type: z.literal("output_text"), text: z.string() }).loose();
  const InputImage = z.object({
    type: z.literal("input_image"),
    image_url: z.string().optional(),
    file_id: z.string().optional(),
    detail: z.enum(["auto", "low", "high"]).optional(),
  }).loose();
  const InputFile = z.object({
    type: z.literal("input_file"),
    file_data: z.string().optional(),
    file_id: z.string().optional(),
    file_url: z.string().optional(),
    filename: z.string().optional(),
  }).loose();
  const Refusal = z.object({ type: z.literal("refusal"), refusal: z.string() }).loose();

  const ResponsesContentPart = z.discriminatedUnion("type", [
    InputText,
    OutputText,
    InputImage,
    InputFile,
    Refusal,
  ]);

  const MessageItem = z.object({
    type: z.literal("message").optional(),
    id: z.string().optional(),
    role: z.enum(["user", "assistant", "system", "developer"]),
    content: z.union([z.string(), z.array(ResponsesContentPart)]),
    status: z.string().optional(),
  }).loose();

  const FunctionCallItem = z.object({
    type: z.literal("function_call"),
    id: z.string().optional(),
    call_id: z.string(),
    name: z.string(),
    arguments: z.string(),
    status: z.string().optional(),
  }).loose();

  const FunctionCallOutputItem = z.object({
    type: z.literal("function_call_output"),
    id: z.string().optional(),
    call_id: z.string(),
    output: z.union([z.string(), z.array(ResponsesContentPart)]),
    status: z.string().optional(),
  }).loose();

  /** Reasoning a previous answer returned: passed back by clients, carried by no chat API. */
  const ReasoningItem = z.object({ type: z.literal("reasoning") }).loose();

  /** One item of `input`. */
  const InputItem = z.union([
    FunctionCallItem,
    FunctionCallOutputItem,
    ReasoningItem,
    MessageItem,
  ]);

  const FunctionTool = z.object({
    type: z.literal("function"),
    name: z.string().min(1).max(128),
    description: z.string().nullable().optional(),
    parameters: z.record(z.string(), z.unknown()).nullable().optional(),
    strict: z.boolean().nullable().optional(),
  }).loose();

  const ResponsesToolChoice = z.union([
    z.enum(["none", "auto", "required"]),
    z.object({ type: z.literal("function"), name: z.string() }).loose(),
  ]);

  const TextFormat = z.object({
    type: z.enum(["text", "json_object", "json_schema"]),
    name: z.string().optional(),
    description: z.string().optional(),
    schema: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }).loose();

  const ResponsesRequest = z.object({
    model: z.string().min(1).openapi({ description: "An endpoint or route name." }),
    input: z.union([z.string(), z.array(InputItem)]).optional(),
    instructions: z.string().optional(),
    tools: z.array(z.union([FunctionTool, z.object({ type: z.string() }).loose()])).optional(),
    tool_choice: ResponsesToolChoice.optional(),
    parallel_tool_calls: z.boolean().optional(),
    text: z.object({ format: TextFormat.optional() }).loose().optional(),
    reasoning: z.object({ effort: z.string().optional() }).loose().optional(),
    max_output_tokens: z.number().int().min(1).optional(),
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().min(0).max(1).optional(),
    stream: z.boolean().optional(),
    store: z.boolean().optional(),
    previous_response_id: z.string().optional(),
    metadata: z.record(z.string(), z.string()).optional(),
    user: z.string().optional(),
  }).loose().openapi("ResponsesRequest", {
    example: { model: "chat", input: "Hello!" },
  });

  return { ResponsesContentPart, InputItem, FunctionTool, ResponsesRequest };
}

/** The schemas, built the first time they are asked for. */
export const responsesWire = builtOnFirstUse(build);

type Wire = ReturnType<typeof build>;
export type ResponsesContentPart = z.infer<Wire["ResponsesContentPart"]>;
export type InputItem = z.infer<Wire["InputItem"]>;
export type FunctionTool = z.infer<Wire["FunctionTool"]>;
export type ResponsesRequest = z.infer<Wire["ResponsesRequest"]>;
