/**
 * One handler per operation, shared by the OpenAI (/v1/*) and MLflow (invocations) routes:
 * validate the body, call the gateway, answer JSON or relay an SSE stream.
 */
import {
  type Gateway,
  type InvokeOptions,
  type OpenStream,
  type Served,
  upstreamBodyOf,
  WrongOperationError,
} from "../core/gateway.ts";
import { GatewayError, InvalidRequestError } from "../core/errors.ts";
import { type Operation, OPERATION_OF, type TranslationWarning } from "../core/provider.ts";
import type { EndpointType } from "../config/schema.ts";
import { sseBody } from "../core/sse.ts";
import { ChatRequest } from "../schemas/chat.ts";
import { CompletionsRequest } from "../schemas/completions.ts";
import { EmbeddingsRequest, toBase64Embeddings } from "../schemas/embeddings.ts";
import { validateBody } from "./validate.ts";
import {
  isPlainChatRequest,
  isPlainCompletionsRequest,
  isPlainEmbeddingsRequest,
} from "../schemas/quick_check.ts";
import type { z } from "@hono/zod-openapi";
import { parseJsonObject, startBodyRead } from "./body.ts";
import { errorBody, errorResponse } from "./errors.ts";
import { limitHeaders } from "../core/limits.ts";
import type { RequestRecord } from "../core/request_record.ts";

/** Each operation's request schema and the quick check for its common bodies. */
const REQUESTS = {
  chat: { schema: ChatRequest, quick: isPlainChatRequest },
  completions: { schema: CompletionsRequest, quick: isPlainCompletionsRequest },
  embeddings: { schema: EmbeddingsRequest, quick: isPlainEmbeddingsRequest },
} as const;

function validateRequest<O extends Operation>(
  op: O,
  body: unknown,
): z.output<typeof REQUESTS[O]["schema"]> {
  const { schema, quick } = REQUESTS[op];
  return validateBody(schema, body, quick) as z.output<typeof REQUESTS[O]["schema"]>;
}

function warningsHeader(warnings: readonly TranslationWarning[]): string {
  return warnings.map((w) => `${w.type}=${w.param}`).join(", ");
}

/**
 * The headers of a successful answer, as one plain object: the Response is built once with
 * them instead of header by header through the context.
 */
function answerHeaders(
  record: RequestRecord,
  served: Served<unknown>,
  contentType: string,
): Record<string, string> {
  record.idInHeaders = true;
  const headers: Record<string, string> = {
    "content-type": contentType,
    "x-request-id": record.id,
    "x-gateway-endpoint": served.endpoint,
  };
  if (served.warnings.length > 0) headers["x-gateway-warnings"] = warningsHeader(served.warnings);
  if (served.limit) limitHeaders(served.limit, headers);
  return headers;
}

/** `/v1/*`: the body's `model` names the endpoint; the rest of the body is the request. */
function namedByModel(
  body: Record<string, unknown>,
): { name: string; body: Record<string, unknown> } {
  const model = body.model;
  if (typeof model !== "string" || model === "") {
    throw new InvalidRequestError(
      "'model' is required: name a gateway endpoint or route (GET /v1/models lists them)",
      { param: "model", code: "model_required" },
    );
  }
  const { model: _model, ...rest } = body;
  return { name: model, body: rest };
}

/** Invocations: the path names the endpoint, so a `model` in the body is refused (as MLflow does). */
function refuseModel(body: Record<string, unknown>): void {
  if (body.model !== undefined) {
    throw new InvalidRequestError(
      "The parameter 'model' is not permitted to be passed. The route being queried already defines a model instance.",
      { param: "model" },
    );
  }
}

/**
 * The answer of a stream: its chunks as SSE, with the client's choice about usage applied. The
 * request's record is completed when the stream ends (finished, broken or left by its client).
 */
function streamResponse(
  record: RequestRecord,
  gateway: Gateway,
  served: Served<OpenStream<{ choices: unknown[]; usage?: unknown }>>,
  includeUsage: boolean,
): Response {
  const logger = gateway.logger;
  const { chunks, abort } = served.value;
  const stream = sseBody<{ choices: unknown[]; usage?: unknown }>(chunks, {
    transform: (chunk) => {
      if (includeUsage || chunk.usage === undefined) return chunk;
      if (chunk.choices.length === 0) return undefined;
      const { usage: _usage, ...rest } = chunk;
      return rest;
    },
    errorEvent: (error) => {
      const gatewayError = error instanceof GatewayError
        ? error
        : new GatewayError(502, "upstream_error", "the upstream stream failed");
      return errorBody(gatewayError, logger.redactor);
    },
    onClose: (outcome, error) => {
      if (outcome === "cancelled") {
        abort();
        record.complete("client_closed");
        return;
      }
      if (outcome === "error") {
        logger.warn("stream ended with an error", {
          request_id: record.id,
          endpoint: served.endpoint,
          error: (error as Error)?.message,
        });
        const type = error instanceof GatewayError ? error.type : "upstream_error";
        record.complete("broken", type);
        return;
      }
      record.complete("ok");
    },
  });
  record.streaming = true;
  const headers = answerHeaders(record, served, "text/event-stream; charset=utf-8");
  headers["cache-control"] = "no-cache";
  headers["x-accel-buffering"] = "no";
  return new Response(stream, { status: 200, headers });
}

/**
 * Serves one invocation from the request and its record (no Hono context): the route handlers
 * call it, and so does the pipeline's exact-path table. `pathName` is the endpoint named by the
 * path (invocations), already decoded. It answers its own errors.
 */
export type Invocation = (
  request: Request,
  record: RequestRecord,
  pathName?: string,
) => Promise<Response>;

/**
 * Serves one call: reads the body, names the endpoint (the body's `model` on `/v1/*`, where the
 * route names the operation; the path on invocations, where the endpoint's type names it), calls
 * the gateway and answers JSON or relays an SSE stream; a failure is answered in the error
 * envelope. One async function for the whole request, because each async layer costs the
 * runtime a generator, a promise and scopes per call.
 */
async function serveInvocation(
  request: Request,
  record: RequestRecord,
  gateway: Gateway,
  routeOp: Operation | undefined,
  pathName: string | undefined,
): Promise<Response> {
  record.ingress = routeOp === undefined ? "mlflow.invocations" : INGRESS[routeOp];
  try {
    // An unknown endpoint named by the path is a 404 before its body is read.
    const type = pathName === undefined ? undefined : gateway.snapshot.typeOf(pathName);
    if (pathName !== undefined && type === undefined) throw gateway.snapshot.notFound(pathName);
    const read = startBodyRead(request, gateway.snapshot.config.server.max_body_bytes);
    let body: Record<string, unknown>;
    try {
      body = parseJsonObject(await read.promise);
    } finally {
      read.done();
    }
    let op: Operation;
    let name: string;
    if (pathName === undefined) {
      ({ name, body } = namedByModel(body));
      op = routeOp as Operation;
    } else {
      refuseModel(body);
      op = OPERATION_OF[type as EndpointType];
      name = pathName;
    }
    checkOperation(gateway, name, op);
    record.signal = request.signal;
    const opts = record as InvokeOptions;
    if (op !== "embeddings" && body.stream === true) {
      const validated = validateRequest(op, body);
      const served = op === "chat"
        ? await gateway.stream("chat", name, validated as ChatRequest, opts)
        : await gateway.stream("completions", name, validated as CompletionsRequest, opts);
      return streamResponse(
        record,
        gateway,
        served,
        validated.stream_options?.include_usage === true,
      );
    }
    let served: Served<unknown>;
    if (op === "embeddings") {
      const embeddings = validateRequest("embeddings", body);
      const answered = await gateway.invoke("embeddings", name, embeddings, opts);
      // `encoding_format: "base64"` (the OpenAI SDK's default) is honoured for every provider
      // by encoding float vectors here.
      if (embeddings.encoding_format === "base64") {
        answered.value = toBase64Embeddings(answered.value);
      }
      served = answered;
    } else {
      served = op === "chat"
        ? await gateway.invoke("chat", name, validateRequest("chat", body), opts)
        : await gateway.invoke("completions", name, validateRequest("completions", body), opts);
    }
    const answer = upstreamBodyOf(served.value) ?? JSON.stringify(served.value);
    return new Response(answer, {
      status: 200,
      headers: answerHeaders(record, served, "application/json"),
    });
  } catch (error) {
    return errorResponse(error, record, gateway.logger);
  }
}

/** The route that serves each operation, named when a client calls the wrong one. */
const OPERATION_PATHS: Record<Operation, string> = {
  chat: "POST /v1/chat/completions",
  completions: "POST /v1/completions",
  embeddings: "POST /v1/embeddings",
};

/** `gateway.check`, with a wrong type's 400 naming the route to call instead. */
function checkOperation(gateway: Gateway, name: string, op: Operation): void {
  try {
    gateway.check(name, op);
  } catch (error) {
    if (!(error instanceof WrongOperationError)) throw error;
    throw new InvalidRequestError(
      `${error.message}; call ${OPERATION_PATHS[OPERATION_OF[error.endpointType]]} with it instead`,
      { param: "model", code: "wrong_endpoint_type" },
    );
  }
}

/** The ingress API of each `/v1` operation, as records name it. */
const INGRESS: Record<Operation, string> = {
  chat: "openai.chat",
  completions: "openai.completions",
  embeddings: "openai.embeddings",
};

/** `/v1/*`: the body's `model` names the endpoint. */
export function openAIInvocation(gateway: Gateway, op: Operation): Invocation {
  return (request, record) => serveInvocation(request, record, gateway, op, undefined);
}

/** `/gateway/{name}/invocations`: the path names the endpoint, its type names the operation. */
export function mlflowInvocation(gateway: Gateway): Invocation {
  return (request, record, pathName = "") =>
    serveInvocation(request, record, gateway, undefined, pathName);
}
