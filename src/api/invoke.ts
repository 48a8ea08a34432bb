/**
 * The one handler for every ingress codec's routes (OpenAI's /v1 operations, MLflow's
 * invocations, and whatever client API comes next): read the body, let the codec decode it into
 * a call, check the endpoint or route, call the gateway, and answer in the codec's shape: a
 * complete answer, a stream written by the codec's writer, or an error in its envelope.
 */
import type { Gateway, InvokeOptions, OpenStream, Served } from "../core/gateway.ts";
import { WrongOperationError } from "../core/gateway.ts";
import { GatewayError, InvalidRequestError } from "../core/errors.ts";
import { type Operation, OPERATION_OF, type TranslationWarning } from "../core/provider.ts";
import { LAST_BATCH, streamBody, type StreamWriter } from "../core/sse.ts";
import { limitHeaders } from "../core/limits.ts";
import { recordUsage, type RequestRecord } from "../core/request_record.ts";
import { inBatches } from "../core/fan_out.ts";
import type { IngressCall, IngressCodec } from "../ingress/codec.ts";
import { parseJsonObject, startBodyRead } from "./body.ts";
import { transcribed } from "../observe/audit.ts";
import { codecErrorResponse } from "./errors.ts";
import { WHOLE_ANSWER_MAX } from "../runtime/mod.ts";

/** Writes a stream of bytes as they are. */
const BYTES_WRITER: StreamWriter<Uint8Array> = {
  batch: (items) => [...items],
  end: () => "",
  error: () => "",
};

async function* wholeBody(bytes: Uint8Array) {
  yield Object.assign([bytes], { [LAST_BATCH]: true as const });
}

/**
 * A complete answer's body: as it is, or past the runtime's `WHOLE_ANSWER_MAX` as a stream, so
 * that its first write leaves with the head (`streamBody`'s first write; bench/README.md, "The
 * head of an answer"); the client then gets it chunked instead of with a Content-Length.
 */
function answerBody(body: string | Uint8Array<ArrayBuffer>): BodyInit {
  if (body.length <= WHOLE_ANSWER_MAX) return body;
  return streamBody(
    wholeBody(typeof body === "string" ? new TextEncoder().encode(body) : body),
    BYTES_WRITER,
  );
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
  // The gateway's own time so far: until the answer's headers, less the upstream's.
  const overheadMs = performance.now() - record.started - record.upstreamMs;
  const headers: Record<string, string> = {
    "content-type": contentType,
    "x-request-id": record.id,
    "x-gateway-endpoint": served.endpoint,
    "x-gateway-overhead-ms": overheadMs.toFixed(3),
  };
  if (served.warnings.length > 0) headers["x-gateway-warnings"] = warningsHeader(served.warnings);
  if (record.cache !== undefined) headers["x-gateway-cache"] = record.cache;
  if (record.cacheSimilarity !== undefined) {
    headers["x-gateway-cache-similarity"] = record.cacheSimilarity.toFixed(4);
  }
  if (served.limit) limitHeaders(served.limit, headers);
  return headers;
}

/**
 * The answer of a stream, written by the codec. The request's record is completed when the
 * stream ends (finished, broken or left by its client).
 */
function streamResponse<Call extends IngressCall>(
  codec: IngressCodec<Call>,
  call: Call,
  record: RequestRecord,
  gateway: Gateway,
  served: Served<OpenStream>,
): Response {
  const logger = gateway.logger;
  const { abort } = served.value;
  const parts = record.bodies === undefined
    ? served.value.parts
    : transcribed(served.value.parts, record.bodies);
  const body = streamBody(parts, codec.streamWriter(call, logger.redactor), {
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
        record.complete("broken", error instanceof GatewayError ? error.type : "upstream_error");
        return;
      }
      record.complete("ok");
    },
  });
  record.streaming = true;
  const headers = answerHeaders(record, served, codec.streamContentType);
  headers["cache-control"] = "no-cache";
  headers["x-accel-buffering"] = "no";
  return new Response(body, { status: 200, headers });
}

/**
 * A call of several internal requests (a list of prompts), a few at a time, merged by the codec
 * into one answer; the record's usage is the sum.
 */
async function serveSeveral<Call extends IngressCall>(
  codec: IngressCodec<Call>,
  call: Call,
  requests: unknown[],
  gateway: Gateway,
  opts: InvokeOptions,
): Promise<Served<unknown>> {
  const answers = await inBatches(
    requests,
    (request) => gateway.invoke(call.op, call.name, request as never, opts),
  );
  const first = answers[0] as Served<unknown>;
  const value = codec.mergeAnswers?.(call, answers.map((answer) => answer.value)) ?? first.value;
  opts.usage = recordUsage((value as { usage?: unknown }).usage);
  return { ...first, value, warnings: answers.flatMap((answer) => answer.warnings) };
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
 * Serves one call through `codec`. One async function for the whole request, because each
 * async layer costs the runtime a generator, a promise and scopes per call.
 */
async function serveCall<Call extends IngressCall>(
  codec: IngressCodec<Call>,
  request: Request,
  record: RequestRecord,
  gateway: Gateway,
  pathName: string | undefined,
): Promise<Response> {
  record.ingress = codec.name;
  try {
    const snapshot = gateway.snapshot;
    // An unknown endpoint named by the path is a 404 before its body is read.
    if (pathName !== undefined && snapshot.typeOf(pathName) === undefined) {
      throw snapshot.notFound(pathName);
    }
    const read = startBodyRead(request, snapshot.config.server.max_body_bytes);
    let body: Record<string, unknown>;
    try {
      body = parseJsonObject(await read.promise);
    } finally {
      read.done();
    }
    if (gateway.auditsBodies) record.bodies = { request: body };
    const decoded = codec.decode(body, pathName, snapshot, record, request.headers);
    // A codec that reads a shared database first (a stored response) answers later.
    const call = decoded instanceof Promise ? await decoded : decoded;
    record.operation = call.op;
    record.cacheControl = request.headers.get("cache-control");
    checkOperation(gateway, call.name, call.op);
    if (call.warnings !== undefined && call.warnings.length > 0) {
      gateway.logger.warn("request fields not honoured", {
        request_id: record.id,
        ingress: codec.name,
        warnings: call.warnings,
      });
    }
    record.signal = request.signal;
    const opts = record as InvokeOptions;
    if (call.stream) {
      const served = await gateway.stream(
        call.op as "chat",
        call.name,
        call.request as never,
        opts,
      );
      return streamResponse(codec, call, record, gateway, served);
    }
    const served = call.requests === undefined
      ? await gateway.invoke(call.op, call.name, call.request as never, opts)
      : await serveSeveral(codec, call, call.requests, gateway, opts);
    if (record.bodies !== undefined) record.bodies.response = served.value;
    return new Response(answerBody(codec.encodeAnswer(call, served.value)), {
      status: 200,
      headers: answerHeaders(record, served, "application/json"),
    });
  } catch (error) {
    return codecErrorResponse(codec, error, record, gateway.logger);
  }
}

/** The handler of a codec's routes. */
export function codecInvocation<Call extends IngressCall>(
  gateway: Gateway,
  codec: IngressCodec<Call>,
): Invocation {
  return (request, record, pathName) => serveCall(codec, request, record, gateway, pathName);
}
