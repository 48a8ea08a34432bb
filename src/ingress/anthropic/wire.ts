/**
 * Anthropic's Messages request as clients send it (the `anthropic` SDKs, Claude Code): lenient
 * zod schemas of the fields the gateway reads. Unknown keys are kept (and reported by the
 * decoder); a JSON null is taken for absent before these schemas see the body.
 */
import { z } from "@hono/zod-openapi";

const CacheControl = z.object({ type: z.string() }).loose().optional();

export const TextBlock = z.object({
  type: z.literal("text"),
  text: z.string(),
  cache_control: CacheControl,
}).loose();

const ImageSource = z.discriminatedUnion("type", [
  z.object({ type: z.literal("base64"), media_type: z.string(), data: z.string() }).loose(),
  z.object({ type: z.literal("url"), url: z.string().min(1) }).loose(),
]);

const ImageBlock = z.object({
  type: z.literal("image"),
  source: ImageSource,
  cache_control: CacheControl,
}).loose();

const DocumentBlock = z.object({
  type: z.literal("document"),
  source: z.discriminatedUnion("type", [
    z.object({ type: z.literal("base64"), media_type: z.string(), data: z.string() }).loose(),
    z.object({ type: z.literal("text"), media_type: z.string().optional(), data: z.string() })
      .loose(),
    z.object({ type: z.literal("url"), url: z.string().min(1) }).loose(),
  ]),
  title: z.string().optional(),
  context: z.string().optional(),
  cache_control: CacheControl,
}).loose();

const ToolUseBlock = z.object({
  type: z.literal("tool_use"),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()).default({}),
  cache_control: CacheControl,
}).loose();

const ToolResultBlock = z.object({
  type: z.literal("tool_result"),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.union([TextBlock, ImageBlock]))]).optional(),
  is_error: z.boolean().optional(),
  cache_control: CacheControl,
}).loose();

const ThinkingBlock = z.object({
  type: z.literal("thinking"),
  thinking: z.string(),
  signature: z.string().optional(),
}).loose();

const RedactedThinkingBlock = z.object({ type: z.literal("redacted_thinking"), data: z.string() })
  .loose();

export const ContentBlock = z.discriminatedUnion("type", [
  TextBlock,
  ImageBlock,
  DocumentBlock,
  ToolUseBlock,
  ToolResultBlock,
  ThinkingBlock,
  RedactedThinkingBlock,
]);
export type ContentBlock = z.infer<typeof ContentBlock>;

export const MessageParam = z.object({
  role: z.enum(["user", "assistant"]),
  content: z.union([z.string(), z.array(ContentBlock)]),
}).loose();
export type MessageParam = z.infer<typeof MessageParam>;

/** A tool the client defines (a custom tool); server tools have a `type` of their own. */
export const ToolParam = z.object({
  name: z.string().min(1).max(128),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()).optional(),
  type: z.string().optional(),
  cache_control: CacheControl,
}).loose();

export const ToolChoiceParam = z.discriminatedUnion("type", [
  z.object({ type: z.literal("auto"), disable_parallel_tool_use: z.boolean().optional() }).loose(),
  z.object({ type: z.literal("any"), disable_parallel_tool_use: z.boolean().optional() }).loose(),
  z.object({ type: z.literal("none") }).loose(),
  z.object({
    type: z.literal("tool"),
    name: z.string().min(1),
    disable_parallel_tool_use: z.boolean().optional(),
  }).loose(),
]);

export const ThinkingParam = z.discriminatedUnion("type", [
  z.object({ type: z.literal("enabled"), budget_tokens: z.number().int().min(1) }).loose(),
  z.object({ type: z.literal("disabled") }).loose(),
]);

/** POST /v1/messages (and /v1/messages/count_tokens, which has no `max_tokens`). */
export const MessagesRequest = z.object({
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  messages: z.array(MessageParam).min(1),
  system: z.union([z.string(), z.array(TextBlock)]).optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(1).optional(),
  stream: z.boolean().optional(),
  metadata: z.object({ user_id: z.string().optional() }).loose().optional(),
  tools: z.array(ToolParam).optional(),
  tool_choice: ToolChoiceParam.optional(),
  thinking: ThinkingParam.optional(),
}).loose().openapi("AnthropicMessagesRequest", {
  example: { model: "chat", max_tokens: 256, messages: [{ role: "user", content: "Hello!" }] },
});
export type MessagesRequest = z.infer<typeof MessagesRequest>;

/** The count_tokens request: the same, without `max_tokens`. */
export const CountTokensRequest = MessagesRequest.omit({ max_tokens: true, stream: true })
  .openapi("AnthropicCountTokensRequest");
export type CountTokensRequest = z.infer<typeof CountTokensRequest>;

/** The fields the decoder maps; any other key is reported as not honoured. */
export const KNOWN_KEYS: ReadonlySet<string> = new Set(Object.keys(MessagesRequest.shape));
