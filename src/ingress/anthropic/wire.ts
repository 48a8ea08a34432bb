/**
 * Anthropic's Messages request as clients send it (the `anthropic` SDKs, Claude Code): lenient
 * zod schemas of the fields the gateway reads. Unknown keys are kept (and reported by the
 * decoder); a JSON null is taken for absent before these schemas see the body (SDKs send null
 * for an unset parameter), so every optional field accepts null. Built on the first request or
 * /openapi.json that needs them: a gateway whose clients never speak Anthropic's API never holds
 * them.
 */
import { z } from "@hono/zod-openapi";
import { builtOnFirstUse } from "../../schemas/lazy.ts";

function build() {
  const CacheControl = z.object({ type: z.string() }).loose().optional();

  const TextBlock = z.object({
    type: z.literal("text"),
    text: z.string(),
    cache_control: CacheControl,
    citations: z.array(z.unknown()).optional(),
  }).loose();

  const Base64Source = z.object({
    type: z.literal("base64"),
    media_type: z.string(),
    data: z.string(),
  }).loose();
  const UrlSource = z.object({ type: z.literal("url"), url: z.string().min(1) }).loose();
  /** A file stored with Anthropic's Files API: refused by the decoder (only Anthropic has it). */
  const FileSource = z.object({ type: z.literal("file"), file_id: z.string() }).loose();

  const ImageBlock = z.object({
    type: z.literal("image"),
    source: z.discriminatedUnion("type", [Base64Source, UrlSource, FileSource]),
    cache_control: CacheControl,
  }).loose();

  const DocumentBlock = z.object({
    type: z.literal("document"),
    source: z.discriminatedUnion("type", [
      Base64Source,
      z.object({ type: z.literal("text"), media_type: z.string().optional(), data: z.string() })
        .loose(),
      z.object({
        type: z.literal("content"),
        content: z.union([
          z.string(),
          z.array(z.discriminatedUnion("type", [TextBlock, ImageBlock])),
        ]),
      }).loose(),
      UrlSource,
      FileSource,
    ]),
    title: z.string().optional(),
    context: z.string().optional(),
    citations: z.object({ enabled: z.boolean().optional() }).loose().optional(),
    cache_control: CacheControl,
  }).loose();

  const ToolUseBlock = z.object({
    type: z.literal("tool_use"),
    id: z.string().min(1),
    name: z.string().min(1),
    input: z.record(z.string(), z.unknown()).default({}),
    cache_control: CacheControl,
  }).loose();

  /** What a tool result may hold besides a plain string. */
  const ToolResultContentBlock = z.discriminatedUnion("type", [
    TextBlock,
    ImageBlock,
    DocumentBlock,
  ]);

  const ToolResultBlock = z.object({
    type: z.literal("tool_result"),
    tool_use_id: z.string().min(1),
    content: z.union([z.string(), z.array(ToolResultContentBlock)]).optional(),
    is_error: z.boolean().optional(),
    cache_control: CacheControl,
  }).loose();

  const ThinkingBlock = z.object({
    type: z.literal("thinking"),
    thinking: z.string(),
    signature: z.string().optional(),
  }).loose();

  const RedactedThinkingBlock = z.object({
    type: z.literal("redacted_thinking"),
    data: z.string(),
  }).loose();

  const BLOCKS = [
    TextBlock,
    ImageBlock,
    DocumentBlock,
    ToolUseBlock,
    ToolResultBlock,
    ThinkingBlock,
    RedactedThinkingBlock,
  ] as const;

  const ContentBlock = z.discriminatedUnion("type", BLOCKS);

  /** Each block type's own keys: any other key a block carries is reported by the decoder. */
  const BLOCK_KEYS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
    BLOCKS.map((block) => [block.shape.type.value, new Set(Object.keys(block.shape))]),
  );

  const MessageParam = z.object({
    role: z.enum(["user", "assistant"]),
    content: z.union([z.string(), z.array(ContentBlock)]),
  }).loose();

  /**
   * A tool the client defines (a custom tool, `type` absent or "custom"); Anthropic's built-in
   * tools (`web_search_20250305`, `bash_20250124`...) have a `type` of their own and no schema.
   */
  const ToolParam = z.object({
    name: z.string().min(1).max(128),
    description: z.string().optional(),
    input_schema: z.record(z.string(), z.unknown()).optional(),
    type: z.string().optional(),
    strict: z.boolean().optional(),
    cache_control: CacheControl,
  }).loose();

  const ToolChoiceParam = z.discriminatedUnion("type", [
    z.object({ type: z.literal("auto"), disable_parallel_tool_use: z.boolean().optional() })
      .loose(),
    z.object({ type: z.literal("any"), disable_parallel_tool_use: z.boolean().optional() }).loose(),
    z.object({ type: z.literal("none") }).loose(),
    z.object({
      type: z.literal("tool"),
      name: z.string().min(1),
      disable_parallel_tool_use: z.boolean().optional(),
    }).loose(),
  ]);

  const ThinkingParam = z.discriminatedUnion("type", [
    z.object({
      type: z.literal("enabled"),
      budget_tokens: z.number().int().min(1),
      display: z.string().optional(),
    }).loose(),
    z.object({ type: z.literal("disabled") }).loose(),
    z.object({ type: z.literal("adaptive"), display: z.string().optional() }).loose(),
  ]);

  /** Anthropic's effort setting and structured output format. */
  const OutputConfig = z.object({
    effort: z.string().optional(),
    format: z.object({
      type: z.literal("json_schema"),
      schema: z.record(z.string(), z.unknown()),
    }).loose().optional(),
  }).loose();

  const Metadata = z.object({ user_id: z.string().optional() }).loose();

  /** POST /v1/messages. */
  const MessagesRequest = z.object({
    model: z.string().min(1),
    max_tokens: z.number().int().min(1),
    messages: z.array(MessageParam).min(1),
    system: z.union([z.string(), z.array(TextBlock)]).optional(),
    stop_sequences: z.array(z.string()).max(16).optional(),
    temperature: z.number().min(0).max(1).optional(),
    top_p: z.number().min(0).max(1).optional(),
    top_k: z.number().int().min(1).optional(),
    stream: z.boolean().optional(),
    metadata: Metadata.optional(),
    tools: z.array(ToolParam).max(512).optional(),
    tool_choice: ToolChoiceParam.optional(),
    thinking: ThinkingParam.optional(),
    output_config: OutputConfig.optional(),
  }).loose().openapi("AnthropicMessagesRequest", {
    example: { model: "chat", max_tokens: 256, messages: [{ role: "user", content: "Hello!" }] },
  });

  /** The count_tokens request: the same, without `max_tokens`. */
  const CountTokensRequest = MessagesRequest.omit({ max_tokens: true, stream: true })
    .openapi("AnthropicCountTokensRequest");

  /**
   * What the decoder validates: the same request once every content given as a string has been
   * turned into one text block, so that a bad block is named by its own path (a string-or-blocks
   * union can only say the whole content is invalid).
   */
  const BlocksMessagesRequest = MessagesRequest.extend({
    messages: z.array(MessageParam.extend({ content: z.array(ContentBlock) })).min(1),
    system: z.array(TextBlock).optional(),
  });

  /** The count_tokens request with its contents as blocks. */
  const BlocksCountTokensRequest = BlocksMessagesRequest.omit({
    max_tokens: true,
    stream: true,
  });

  /** The fields the decoder maps; any other key is reported as not honoured. */
  const KNOWN_KEYS: ReadonlySet<string> = new Set(Object.keys(MessagesRequest.shape));

  return {
    ToolResultContentBlock,
    ContentBlock,
    BLOCK_KEYS,
    MessageParam,
    MessagesRequest,
    CountTokensRequest,
    BlocksMessagesRequest,
    BlocksCountTokensRequest,
    KNOWN_KEYS,
  };
}

/** The schemas, built the first time they are asked for. */
export const anthropicWire = builtOnFirstUse(build);

type Wire = ReturnType<typeof build>;
export type ToolResultContentBlock = z.infer<Wire["ToolResultContentBlock"]>;
export type ContentBlock = z.infer<Wire["ContentBlock"]>;
export type MessageParam = z.infer<Wire["MessageParam"]>;
export type MessagesRequest = z.infer<Wire["MessagesRequest"]>;
export type CountTokensRequest = z.infer<Wire["CountTokensRequest"]>;
export type BlocksMessagesRequest = z.infer<Wire["BlocksMessagesRequest"]>;
export type BlocksCountTokensRequest = z.infer<Wire["BlocksCountTokensRequest"]>;
