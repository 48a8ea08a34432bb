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
import { hasToolBlocks, toConverseConversation } from "./messages.ts";
import { inferenceParams, unsupportedFieldWarnings } from "./params.ts";
import { awsUriEncode } from "./sigv4.ts";
import { toToolConfig } from "./tools.ts";

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

function withInference(
  body: Record<string, unknown>,
  request: ChatRequest | CompletionsRequest,
  modelId: string,
): UpstreamRequest["warnings"] {
  const params = inferenceParams(request, modelId);
  if (Object.keys(params.inferenceConfig).length > 0) body.inferenceConfig = params.inferenceConfig;
  if (Object.keys(params.additionalModelRequestFields).length > 0) {
    body.additionalModelRequestFields = params.additionalModelRequestFields;
  }
  return params.warnings;
}

/** A chat request as a Converse (or ConverseStream) call. */
export function buildChatRequest(request: ChatRequest, ctx: Ctx): UpstreamRequest {
  const modelId = modelIdOf(ctx);
  const conversation = toConverseConversation(request.messages);
  const body: Record<string, unknown> = { messages: conversation.messages };
  if (conversation.system.length > 0) body.system = conversation.system;
  const warnings = withInference(body, request, modelId);
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
    messages: [{ role: "user", content: [{ text: request.prompt }] }],
  };
  const warnings = withInference(body, request, modelId);
  warnings.push(...unsupportedFieldWarnings(request));
  return converseRequest(ctx, body, warnings);
}
