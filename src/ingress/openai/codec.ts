/**
 * The OpenAI API (`/v1/chat/completions`, `/v1/completions`, `/v1/embeddings`: the body's
 * `model` names the endpoint or route) and MLflow's invocation paths (`/gateway/{name}/
 * invocations`: the path names the endpoint, its type the operation; MLflow's bodies and answers
 * are OpenAI's shapes). The internal request and response are OpenAI-shaped, so decoding is
 * validation and encoding is mostly serialising.
 */
import type { z } from "@hono/zod-openapi";
import { InvalidRequestError } from "../../core/errors.ts";
import { type Operation, OPERATION_OF } from "../../core/provider.ts";
import { upstreamBodyOf } from "../../core/snapshot.ts";
import { keepText, keptTextOf } from "../../core/request_text.ts";
import type { EndpointType } from "../../config/schema.ts";
import { ChatRequest } from "../../schemas/chat.ts";
import { CompletionsRequest, type CompletionsResponse } from "../../schemas/completions.ts";
import {
  EmbeddingsRequest,
  type EmbeddingsResponse,
  toBase64Embeddings,
} from "../../schemas/embeddings.ts";
import {
  isPlainChatRequest,
  isPlainCompletionsRequest,
  isPlainEmbeddingsRequest,
} from "../../schemas/quick_check.ts";
import { validateBody } from "../validate.ts";
import type { IngressCall, IngressCodec } from "../codec.ts";
import type { RequestRecord } from "../../core/request_record.ts";
import { ChatStreamWriter, CompletionsStreamWriter } from "./stream.ts";
import { errorEnvelope, withDetail } from "./errors.ts";
import { MlflowChatStreamWriter, MlflowCompletionsStreamWriter } from "./mlflow_stream.ts";

/** Each operation's request schema and the quick check for its common bodies. */
const REQUESTS = {
  chat: { schema: ChatRequest, quick: isPlainChatRequest },
  completions: { schema: CompletionsRequest, quick: isPlainCompletionsRequest },
  embeddings: { schema: EmbeddingsRequest, quick: isPlainEmbeddingsRequest },
} as const;

/** An OpenAI-shaped call, with what its answer's encoding depends on. */
export interface OpenAICall extends IngressCall {
  /** `stream_options.include_usage`: the usage chunk is sent only when asked for. */
  includeUsage: boolean;
  /** `encoding_format: "base64"` (the OpenAI SDK's default for embeddings). */
  base64: boolean;
  /**
   * The request's record, for chat: answers name the provider that served them, as MLflow 3's
   * gateway does on its invocation paths and /v1/chat/completions (its chunks on MLflow's paths).
   */
  record?: RequestRecord;
}

function validated<O extends Operation>(
  op: O,
  body: unknown,
): z.output<typeof REQUESTS[O]["schema"]> {
  const { schema, quick } = REQUESTS[op];
  return validateBody(schema, body, quick) as z.output<typeof REQUESTS[O]["schema"]>;
}

/** An object without its null fields (a copy only when it has one). */
function dropNulls(value: Record<string, unknown>): Record<string, unknown> {
  for (const key in value) {
    if (value[key] === null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = v;
      return out;
    }
  }
  return value;
}

/**
 * A request body with null taken for absent, as OpenAI does: the SDKs send null for a parameter
 * left unset (`temperature=None`), and LangChain always sends `seed: null`. Only the request's own
 * fields and each message's lose their nulls; a tool's schema or a message's text is never touched.
 */
export function nullsAsAbsent(body: Record<string, unknown>): Record<string, unknown> {
  const out = dropNulls(body);
  const messages = out.messages;
  if (!Array.isArray(messages)) return out;
  let changed: unknown[] | undefined;
  messages.forEach((message, i) => {
    if (typeof message !== "object" || message === null || Array.isArray(message)) return;
    const clean = dropNulls(message as Record<string, unknown>);
    if (clean !== message) (changed ??= [...messages])[i] = clean;
  });
  return changed === undefined ? out : { ...out, messages: changed };
}

/**
 * The call for a body naming `op` on endpoint or route `name`. `text`: the JSON text of the
 * client's body (with its `model` on /v1), when it was kept (request_text.ts); the request keeps it
 * only if it is still that body, field for field.
 */
function callOf(
  op: Operation,
  name: string,
  given: Record<string, unknown>,
  text?: string,
): OpenAICall {
  const body = nullsAsAbsent(given);
  if (op === "embeddings") {
    const request = validated("embeddings", body);
    if (text !== undefined && request === given) keepText(request, text);
    return {
      op,
      name,
      request,
      stream: false,
      includeUsage: false,
      base64: request.encoding_format === "base64",
    };
  }
  if (op === "completions" && Array.isArray(body.prompt)) return promptsCall(name, body);
  const request = validated(op, body);
  if (text !== undefined && request === given) keepText(request, text);
  return {
    op,
    name,
    request,
    stream: body.stream === true,
    includeUsage: request.stream_options?.include_usage === true,
    base64: false,
  };
}

/** The most prompts one completions request may list. */
export const MAX_PROMPTS = 4096;

const isTokenId = (value: unknown) => Number.isInteger(value) && (value as number) >= 0;
const isTokenIds = (value: unknown) =>
  Array.isArray(value) && value.length > 0 && value.every(isTokenId);

/**
 * The prompts of a `prompt` list, in OpenAI's four forms: a list of token ids is one prompt; a
 * list of strings, or of token-id lists, is one prompt each.
 */
function promptsOf(list: unknown[]): (string | number[])[] {
  if (isTokenIds(list)) return [list as number[]];
  if (list.length > 0 && list.every((p) => typeof p === "string" || isTokenIds(p))) {
    return list as (string | number[])[];
  }
  throw new InvalidRequestError(
    "'prompt' must be a string, a list of strings, a list of token ids (non-negative integers) " +
      "or a list of such lists",
    { param: "prompt" },
  );
}

/**
 * Completions with a list of prompts (LangChain's OpenAI LLM always sends one): a list of one is
 * that prompt; several are served one request each and answered as one, as OpenAI does.
 */
function promptsCall(name: string, body: Record<string, unknown>): OpenAICall {
  const prompts = promptsOf(body.prompt as unknown[]);
  // Each prompt is an upstream call: as many as an embeddings request may list, no more.
  if (prompts.length > MAX_PROMPTS) {
    throw new InvalidRequestError(
      `'prompt' lists ${prompts.length} prompts; at most ${MAX_PROMPTS} are taken in one request`,
      { param: "prompt" },
    );
  }
  const requests = prompts.map((prompt) => validated("completions", { ...body, prompt }));
  const first = requests[0] as CompletionsRequest;
  if (requests.length > 1 && body.stream === true) {
    throw new InvalidRequestError(
      "streaming several prompts at once is not supported; stream them one request each",
      { param: "prompt", code: "unsupported_parameter" },
    );
  }
  return {
    op: "completions",
    name,
    request: first,
    ...(requests.length > 1 ? { requests } : {}),
    stream: body.stream === true,
    includeUsage: first.stream_options?.include_usage === true,
    base64: false,
  };
}

/** Several prompts' answers as one: choice `index` is prompt × n + the choice's own, usage summed. */
export function mergeCompletions(values: unknown[]): CompletionsResponse {
  const answers = values as CompletionsResponse[];
  const first = answers[0] as CompletionsResponse;
  const choices: CompletionsResponse["choices"] = [];
  const sum = (key: "prompt_tokens" | "completion_tokens" | "total_tokens") =>
    answers.every((a) => typeof a.usage[key] === "number")
      ? answers.reduce((n, a) => n + (a.usage[key] as number), 0)
      : null;
  answers.forEach((answer, i) => {
    const n = answer.choices.length;
    for (const choice of answer.choices) choices.push({ ...choice, index: i * n + choice.index });
  });
  return {
    ...first,
    choices,
    usage: {
      prompt_tokens: sum("prompt_tokens"),
      completion_tokens: sum("completion_tokens"),
      total_tokens: sum("total_tokens"),
    },
  };
}

/** `/v1/*`: the body's `model` names the endpoint; the rest of the body is the request. */
function namedByModel(
  body: Record<string, unknown>,
): { name: string; rest: Record<string, unknown> } {
  const model = body.model;
  if (typeof model !== "string" || model === "") {
    throw new InvalidRequestError(
      "'model' is required: name a gateway endpoint or route (GET /v1/models lists them)",
      { param: "model", code: "model_required" },
    );
  }
  const { model: _model, ...rest } = body;
  return { name: model, rest };
}

/** What OpenAI's and MLflow's codecs share: answers, streams and errors are OpenAI's. */
const OPENAI_ENCODING = {
  mergeAnswers: (_call: OpenAICall, values: unknown[]) => mergeCompletions(values),
  encodeAnswer(call: OpenAICall, value: unknown): string | Uint8Array<ArrayBuffer> {
    // Embedding vectors as base64 float32 are done here for every provider, unless the upstream
    // already sent them so (an OpenAI-compatible one is asked as the client asked).
    if (call.base64) {
      const body = upstreamBodyOf(value);
      const answer = value as EmbeddingsResponse;
      if (body !== undefined && answer.data.every((item) => typeof item.embedding === "string")) {
        return body;
      }
      return JSON.stringify(toBase64Embeddings(answer));
    }
    // Chat answers name their provider, as MLflow 3.17's do (on /v1 too; extra keys break no
    // OpenAI SDK). Chat answers are serialised here anyway: no upstream bytes are relayed.
    const record = call.record;
    if (record !== undefined) {
      return JSON.stringify({ ...(value as object), provider: record.provider ?? null });
    }
    return upstreamBodyOf(value) ?? JSON.stringify(value);
  },
  streamWriter(call: OpenAICall, redactor: Parameters<IngressCodec["streamWriter"]>[1]) {
    return call.op === "completions"
      ? new CompletionsStreamWriter(call.includeUsage, redactor)
      : new ChatStreamWriter(call.includeUsage, redactor);
  },
  streamContentType: "text/event-stream; charset=utf-8",
  encodeError: (
    error: Parameters<IngressCodec["encodeError"]>[0],
    redactor: Parameters<IngressCodec["encodeError"]>[1],
  ) => ({
    status: error.status,
    body: errorEnvelope(error, redactor),
  }),
};

/** The codec of one `/v1` operation. */
export function openAICodec(op: Operation): IngressCodec<OpenAICall> {
  return {
    name: `openai.${op}`,
    decode(body, _pathName, _snapshot, record) {
      const { name, rest } = namedByModel(body);
      const call = callOf(op, name, rest, keptTextOf(body));
      if (op === "chat" && record !== undefined) call.record = record;
      return call;
    },
    ...OPENAI_ENCODING,
  };
}

/** MLflow's invocation paths: a `model` in the body is refused, as MLflow does. */
export const mlflowCodec: IngressCodec<OpenAICall> = {
  name: "mlflow.invocations",
  decode(body, pathName, snapshot, record) {
    const name = pathName ?? "";
    if (body.model !== undefined) {
      throw new InvalidRequestError(
        "The parameter 'model' is not permitted to be passed. The route being queried already defines a model instance.",
        { param: "model" },
      );
    }
    const type = snapshot.typeOf(name);
    if (type === undefined) throw snapshot.notFound(name);
    const call = callOf(OPERATION_OF[type as EndpointType], name, body, keptTextOf(body));
    // MLflow 3's gateway ends every stream with a chunk carrying the usage (then [DONE]).
    if (call.stream) call.includeUsage = true;
    if (call.op === "chat" && record !== undefined) call.record = record;
    return call;
  },
  ...OPENAI_ENCODING,
  /** MLflow's chunks: every key of its schema, null when unset (see mlflow_stream.ts). */
  streamWriter(call, redactor) {
    return call.op === "completions"
      ? new MlflowCompletionsStreamWriter(call.includeUsage, redactor)
      : new MlflowChatStreamWriter(call.includeUsage, redactor, call.record?.provider);
  },
  /** OpenAI's envelope, and MLflow's `detail` beside it for code written against MLflow. */
  encodeError: (error, redactor) => ({
    status: error.status,
    body: withDetail(errorEnvelope(error, redactor)),
  }),
};
