/**
 * Builds Bedrock Runtime requests: the Converse / ConverseStream body for chat and completions,
 * and the URL `{base}/model/{modelId}/{operation}` with the model id encoded (inference profile
 * ids and ARNs hold `:` and `/`). Signing happens later, in `authorize`.
 */
import { ConfigError } from "../../core/errors.ts";
import type { CallContext, UpstreamRequest } from "../../core/provider.ts";
import type { ChatRequest } from "../../schemas/chat.ts";
import type { CompletionsRequest } from "../../schemas/completions.ts";
import { bedrockBase, type BedrockConfig } from "./config.ts";
import { type ConverseConversation, hasToolBlocks, toConverseConversation } from "./messages.ts";
import { inferenceParams, unsupportedFieldWarnings } from "./params.ts";
import { awsUriEncode } from "./sigv4.ts";
import { toToolConfig } from "./tools.ts";
import { isRecord } from "../../core/records.ts";
import { promptText } from "../shared/prompt.ts";

export type BedrockOperation = "converse" | "converse-stream" | "invoke";

type Ctx = CallContext<BedrockConfig>;

/** The endpoint's model id (`model.name`), which Bedrock needs in the path. */
export function modelIdOf(ctx: Ctx): string {
  if (ctx.model === null || ctx.model.trim() === "") {
    throw new ConfigError(
      `endpoint '${ctx.endpoint}' has no model.name; Amazon Bedrock needs a model id, ` +
        "inference profile id or ARN there",
    );
  }
  return ctx.model.trim();
}

/** The path of an operation on a model: `/model/{encoded id}/{operation}`. */
export function operationPath(modelId: string, operation: BedrockOperation): string {
  return `/model/${awsUriEncode(modelId)}/${operation}`;
}

/**
 * The full URL. Without `bedrock_api_base` the host depends on the region; when the region
 * comes from the environment, `authorize` rebuilds the URL once it knows it.
 */
export function bedrockUrl(
  config: BedrockConfig,
  region: string | undefined,
  modelId: string,
  operation: BedrockOperation,
): string {
  return `${bedrockBase(config, region)}${operationPath(modelId, operation)}`;
}

/** JSON headers (the stream answers in AWS's event stream framing). */
export function bedrockHeaders(stream: boolean): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: stream ? "application/vnd.amazon.eventstream" : "application/json",
  };
}

function converseRequest(
  ctx: Ctx,
  body: Record<string, unknown>,
  warnings: UpstreamRequest["warnings"],
): UpstreamRequest {
  const operation = ctx.stream ? "converse-stream" : "converse";
  return {
    url: bedrockUrl(ctx.config, ctx.config.aws_config.aws_region, modelIdOf(ctx), operation),
    headers: bedrockHeaders(ctx.stream),
    body: JSON.stringify(body),
    warnings,
  };
}

/**
 * `inferenceConfig`, and `additionalModelRequestFields`: ours (top_k) merged with the client's
 * own `additionalModelRequestFields`, Bedrock's escape hatch for model-specific fields (the
 * client's keys win).
 */
function withInference(
  body: Record<string, unknown>,
  request: ChatRequest | CompletionsRequest,
  modelId: string,
): UpstreamRequest["warnings"] {
  const params = inferenceParams(request, modelId);
  if (Object.keys(params.inferenceConfig).length > 0) body.inferenceConfig = params.inferenceConfig;
  const given = (request as Record<string, unknown>).additionalModelRequestFields;
  if (given !== undefined && !isRecord(given)) {
    params.warnings.push({
      type: "unsupported",
      param: "additionalModelRequestFields",
      message: "additionalModelRequestFields must be an object; ignored",
    });
  }
  const fields = { ...params.additionalModelRequestFields, ...(isRecord(given) ? given : {}) };
  if (Object.keys(fields).length > 0) body.additionalModelRequestFields = fields;
  return params.warnings;
}

/** Models that take no system prompt through Converse (AWS's supported-features table). */
const NO_SYSTEM_PROMPT = [
  "amazon.titan-text",
  "mistral.mistral-7b-instruct",
  "mistral.mixtral-8x7b-instruct",
  "cohere.command-text",
  "cohere.command-light-text",
  "ai21.j2",
];

/** For a model without system prompts, the system text goes first in the first user turn. */
function foldSystem(
  conversation: ConverseConversation,
  modelId: string,
): UpstreamRequest["warnings"] {
  const id = modelId.toLowerCase();
  if (conversation.system.length === 0 || !NO_SYSTEM_PROMPT.some((m) => id.includes(m))) {
    return [];
  }
  const first = conversation.messages[0];
  if (!first || first.role !== "user") return [];
  first.content.unshift({ text: conversation.system.map((s) => s.text).join("\n") });
  conversation.system = [];
  return [{
    type: "unsupported",
    param: "messages.system",
    message: `'${modelId}' takes no system prompt through the Converse API; the system ` +
      "text was put at the start of the first user message instead",
  }];
}

/** A chat request as a Converse (or ConverseStream) call. */
export function buildChatRequest(request: ChatRequest, ctx: Ctx): UpstreamRequest {
  const modelId = modelIdOf(ctx);
  const conversation = toConverseConversation(request.messages);
  const folded = foldSystem(conversation, modelId);
  const body: Record<string, unknown> = { messages: conversation.messages };
  if (conversation.system.length > 0) body.system = conversation.system;
  const warnings = [...folded, ...withInference(body, request, modelId)];
  const tools = toToolConfig(
    request.tools,
    request.tool_choice,
    hasToolBlocks(conversation.messages),
  );
  if (tools.toolConfig) body.toolConfig = tools.toolConfig;
  warnings.push(...tools.warnings, ...unsupportedFieldWarnings(request));
  return converseRequest(ctx, body, warnings);
}

/** A text completion as a one-turn Converse call: the prompt is the user's message. */
export function buildCompletionsRequest(request: CompletionsRequest, ctx: Ctx): UpstreamRequest {
  const modelId = modelIdOf(ctx);
  const body: Record<string, unknown> = {
    messages: [{ role: "user", content: [{ text: promptText(request, "Amazon Bedrock") }] }],
  };
  const warnings = withInference(body, request, modelId);
  warnings.push(...unsupportedFieldWarnings(request));
  return converseRequest(ctx, body, warnings);
}
