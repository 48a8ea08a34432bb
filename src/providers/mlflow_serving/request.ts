/**
 * Builds MLflow scoring requests: `POST {model_server_url}/invocations` with
 * `{"inputs": [...], "params": {...}}`, as MLflow's gateway sends them.
 */
import { InvalidRequestError } from "../../core/errors.ts";
import type { CallContext, TranslationWarning, UpstreamRequest } from "../../core/provider.ts";
import type { ChatRequest } from "../../schemas/chat.ts";
import type { CompletionsRequest } from "../../schemas/completions.ts";
import type { EmbeddingsRequest } from "../../schemas/embeddings.ts";
import { invocationsUrl, type MlflowServingConfig } from "./config.ts";
import { promptText } from "../shared/prompt.ts";

type Ctx = CallContext<MlflowServingConfig>;

/** Fields that shape the call itself and never go to the model as params. */
const NOT_PARAMS = new Set(["model", "stream", "stream_options"]);

/**
 * Every other field of the request, as the model's `params` (null and undefined left out).
 * A bare `stop` string becomes a list, the shape MLflow's schema has.
 */
function paramsOf(request: Record<string, unknown>, input: string): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request)) {
    if (key === input || NOT_PARAMS.has(key) || value === undefined || value === null) continue;
    params[key] = key === "stop" && typeof value === "string" ? [value] : value;
  }
  return params;
}

function body(inputs: unknown[], params: Record<string, unknown>): string {
  return JSON.stringify(Object.keys(params).length > 0 ? { inputs, params } : { inputs });
}

function upstream(
  ctx: Ctx,
  inputs: unknown[],
  params: Record<string, unknown>,
  warnings: TranslationWarning[],
): UpstreamRequest {
  return {
    url: invocationsUrl(ctx.config),
    headers: { "content-type": "application/json", accept: "application/json" },
    body: body(inputs, params),
    warnings,
  };
}

/** The one user query of a chat request: MLflow chat models answer a single message. */
export function chatQuery(request: ChatRequest): string {
  const count = request.messages.length;
  if (count !== 1) {
    throw new InvalidRequestError(
      `MLflow chat models are only capable of processing a single query at a time. The request submitted consists of ${count} queries.`,
      { param: "messages" },
    );
  }
  const message = request.messages[0]!;
  if (message.role !== "user") {
    const why = message.role === "system" || message.role === "developer"
      ? "a system prompt cannot be sent, because the model would answer it as the query itself"
      : "the one message must be the user's query";
    throw new InvalidRequestError(
      `MLflow chat models take a single user message, not a '${message.role}' message: ${why}`,
      { param: "messages[0].role" },
    );
  }
  const content = message.content;
  if (typeof content === "string") return content;
  if (content === null || content === undefined) return "";
  return content.map((part) => {
    if (part.type === "text") return part.text;
    throw new InvalidRequestError(
      `MLflow chat models take text only, not '${part.type}' content`,
      { param: "messages[0].content" },
    );
  }).join("");
}

/** The upstream request of a chat call: `inputs` is the one query. */
export function buildServingChatRequest(request: ChatRequest, ctx: Ctx): UpstreamRequest {
  if ((request.tools?.length ?? 0) > 0) {
    throw new InvalidRequestError(
      "MLflow model serving endpoints do not take tools; call the endpoint without 'tools'",
      { param: "tools", code: "tools_not_supported" },
    );
  }
  const query = chatQuery(request);
  const { tools: _tools, tool_choice: _choice, parallel_tool_calls: _parallel, ...rest } = request;
  return upstream(ctx, [query], paramsOf(rest, "messages"), []);
}

/** The upstream request of a completions call: `inputs` is `[prompt]`. */
export function buildServingCompletionsRequest(
  request: CompletionsRequest,
  ctx: Ctx,
): UpstreamRequest {
  return upstream(
    ctx,
    [promptText(request, "MLflow model serving")],
    paramsOf(request, "prompt"),
    [],
  );
}

/** The upstream request of an embeddings call: `inputs` is the input as a list. */
export function buildServingEmbeddingsRequest(
  request: EmbeddingsRequest,
  ctx: Ctx,
): UpstreamRequest {
  const warnings: TranslationWarning[] = [];
  // encoding_format "base64" is honoured by the gateway, which encodes the floats itself.
  const { encoding_format: _encoding, ...rest } = request;
  const input = request.input;
  const inputs: unknown[] = Array.isArray(input) ? input : [input];
  return upstream(ctx, inputs, paramsOf(rest, "input"), warnings);
}
