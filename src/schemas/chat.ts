/** The chat request, response and stream chunk (OpenAI's shapes, MLflow's always-present fields). */
import { z } from "@hono/zod-openapi";
import { builtOnFirstUse } from "./lazy.ts";
import { Logprobs, samplingFields, servedByFields, Usage } from "./common.ts";

const TextPart = z.object({ type: z.literal("text"), text: z.string() }).loose();
const ImagePart = z.object({
  type: z.literal("image_url"),
  image_url: z.object({
    url: z.string().min(1),
    detail: z.enum(["auto", "low", "high"]).optional(),
  }).loose(),
}).loose();
const AudioPart = z.object({
  type: z.literal("input_audio"),
  input_audio: z.object({ data: z.string(), format: z.enum(["wav", "mp3"]) }).loose(),
}).loose();
const FilePart = z.object({
  type: z.literal("file"),
  file: z.object({
    file_data: z.string().optional(),
    file_id: z.string().optional(),
    filename: z.string().optional(),
  }).loose(),
}).loose();
const RefusalPart = z.object({ type: z.literal("refusal"), refusal: z.string() }).loose();

/** One part of a multi-part message content. */
export const ContentPart = z.discriminatedUnion("type", [
  TextPart,
  ImagePart,
  AudioPart,
  FilePart,
  RefusalPart,
]).openapi("ContentPart");
export type ContentPart = z.infer<typeof ContentPart>;

/** A tool call made by the assistant; `arguments` is a JSON string. */
export const ToolCall = z.object({
  id: z.string(),
  type: z.literal("function").default("function"),
  function: z.object({ name: z.string(), arguments: z.string() }).loose(),
}).loose().openapi("ToolCall");
export type ToolCall = z.infer<typeof ToolCall>;

/** One message of the conversation. */
export const ChatMessage = z.object({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: z.union([z.string(), z.array(ContentPart)]).nullable().optional(),
  name: z.string().optional(),
  tool_calls: z.array(ToolCall).nullable().optional(),
  tool_call_id: z.string().optional(),
  refusal: z.string().nullable().optional(),
}).loose().openapi("ChatMessage");
export type ChatMessage = z.infer<typeof ChatMessage>;

/** A function the model may call. */
export const Tool = z.object({
  type: z.literal("function"),
  function: z.object({
    name: z.string().min(1).max(128),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }).loose(),
}).loose().openapi("Tool");
export type Tool = z.infer<typeof Tool>;

export const ToolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.object({
    type: z.literal("function"),
    function: z.object({ name: z.string() }).loose(),
  }).loose(),
]).openapi("ToolChoice");
export type ToolChoice = z.infer<typeof ToolChoice>;

export const ResponseFormat = z.object({
  type: z.enum(["text", "json_object", "json_schema"]),
  json_schema: z.object({
    name: z.string().optional(),
    description: z.string().optional(),
    schema: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }).loose().optional(),
}).loose().openapi("ResponseFormat");
export type ResponseFormat = z.infer<typeof ResponseFormat>;

/** POST /v1/chat/completions, or the invocations of an `llm/v1/chat` endpoint. */
export const ChatRequest = z.object({
  messages: z.array(ChatMessage).min(1),
  tools: z.array(Tool).max(512).optional(),
  tool_choice: ToolChoice.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: ResponseFormat.optional(),
  ...samplingFields,
}).loose().openapi("ChatRequest", {
  example: { model: "chat", messages: [{ role: "user", content: "Hello!" }] },
});
export type ChatRequest = z.infer<typeof ChatRequest>;

/**
 * The answers' documented shapes: only /openapi.json reads them (answers are built by the code, not
 * parsed), so they are built when it is first asked for (lazy.ts).
 */
function chatAnswerSchemasBuild() {
  /** The assistant message of a response; MLflow always includes tool_calls and refusal. */
  const ResponseMessage = z.object({
    role: z.string(),
    content: z.union([z.string(), z.array(ContentPart)]).nullable(),
    tool_calls: z.array(ToolCall).nullable(),
    refusal: z.string().nullable(),
  }).loose().openapi("ResponseMessage");

  const ChatChoice = z.object({
    index: z.number().int(),
    message: ResponseMessage,
    finish_reason: z.string().nullable(),
    logprobs: Logprobs,
  });

  const ChatResponse = z.object({
    id: z.string().nullable(),
    object: z.literal("chat.completion"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(ChatChoice),
    usage: Usage,
    ...servedByFields,
    provider: z.string().nullable().optional().openapi({
      description: "The provider of the endpoint that answered (as MLflow 3.17's gateway names it)",
    }),
  }).openapi("ChatResponse");

  /** A streamed tool-call fragment: `index` ties fragments of one call together. */
  const ToolCallDelta = z.object({
    index: z.number().int(),
    id: z.string().nullable().optional(),
    type: z.literal("function").nullable().optional(),
    function: z.object({
      name: z.string().nullable().optional(),
      arguments: z.string().nullable().optional(),
    }).optional(),
  });

  const ChatChunkChoice = z.object({
    index: z.number().int(),
    delta: z.object({
      role: z.string().nullable().optional(),
      content: z.string().nullable().optional(),
      tool_calls: z.array(ToolCallDelta).nullable().optional(),
      refusal: z.string().nullable().optional(),
    }).loose(),
    finish_reason: z.string().nullable(),
    logprobs: Logprobs,
  });

  const ChatChunk = z.object({
    id: z.string().nullable(),
    object: z.literal("chat.completion.chunk"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(ChatChunkChoice),
    usage: Usage.nullable().optional(),
    ...servedByFields,
    obfuscation: z.string().optional().openapi({
      description: "OpenAI's random padding against token-length side channels, relayed as sent.",
    }),
    provider: z.string().nullable().optional().openapi({
      description: "The provider that serves the stream, on MLflow's invocation paths only",
    }),
  }).openapi("ChatChunk");

  return { ResponseMessage, ChatChoice, ChatResponse, ToolCallDelta, ChatChunkChoice, ChatChunk };
}

/** The schemas, built the first time they are asked for. */
export const chatAnswerSchemas = builtOnFirstUse(chatAnswerSchemasBuild);

type ChatAnswerSchemas = ReturnType<typeof chatAnswerSchemasBuild>;
export type ResponseMessage = z.infer<ChatAnswerSchemas["ResponseMessage"]>;
export type ChatChoice = z.infer<ChatAnswerSchemas["ChatChoice"]>;
export type ChatResponse = z.infer<ChatAnswerSchemas["ChatResponse"]>;
export type ToolCallDelta = z.infer<ChatAnswerSchemas["ToolCallDelta"]>;
export type ChatChunkChoice = z.infer<ChatAnswerSchemas["ChatChunkChoice"]>;
export type ChatChunk = z.infer<ChatAnswerSchemas["ChatChunk"]>;
