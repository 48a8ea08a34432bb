/**
 * The one error handler: any failure becomes OpenAI's envelope with the right status, with
 * MLflow's `detail` beside it on MLflow's paths and unknown ones.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { GatewayError } from "../core/errors.ts";
import { ClientClosedError } from "../core/http.ts";
import { errorEnvelope, withDetail } from "../ingress/openai/errors.ts";
import type { Logger } from "../observe/logs.ts";
import type { AppEnv } from "./context.ts";
import type { RequestRecord } from "../core/request_record.ts";
import type { IngressCodec } from "../ingress/codec.ts";

/**
 * MLflow's paths: its deployments and gateway APIs under `/api/` and its invocation paths. Their
 * errors carry MLflow's `detail` beside OpenAI's `error`, as code written against MLflow reads it.
 */
const MLFLOW_PATH = /^\/(?:api|endpoints)\/|^\/gateway\/[^/?]+\/invocations\/?(?:\?|$)/;

/** Whether errors on `path` (its query may follow) carry MLflow's `detail`. */
export function speaksMlflow(path: string): boolean {
  return MLFLOW_PATH.test(path);
}

/**
 * The status, envelope and headers of the answer for a thrown value; undefined: say nothing.
 * `detail`: add MLflow's `detail` beside the envelope (MLflow's paths, and unknown paths).
 */
function errorAnswer(
  error: unknown,
  record: RequestRecord,
  path: string,
  logger: Logger,
  detail = speaksMlflow(path),
): { status: number; body: unknown; headers: Record<string, string> } | undefined {
  if (error instanceof ClientClosedError) return undefined;
  const requestId = record.id;
  let gatewayError: GatewayError;
  if (error instanceof GatewayError) {
    gatewayError = error;
  } else if (error instanceof HTTPException) {
    gatewayError = new GatewayError(
      error.status,
      error.status >= 500 ? "server_error" : "invalid_request_error",
      error.message,
    );
  } else {
    logger.error("unhandled error", {
      request_id: requestId,
      path,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    gatewayError = new GatewayError(
      500,
      "server_error",
      `internal error (request id ${requestId})`,
    );
  }
  record.errorType = gatewayError.type;
  const headers: Record<string, string> = { ...gatewayError.headers };
  if (gatewayError.retryAfter !== undefined) {
    headers["retry-after"] = String(gatewayError.retryAfter);
  }
  const envelope = errorEnvelope(gatewayError, logger.redactor);
  return { status: gatewayError.status, body: detail ? withDetail(envelope) : envelope, headers };
}

/**
 * Turns a thrown value into the response the client sees (headers set on `c` are kept).
 * `detail`: MLflow's `detail` beside the envelope; by default on MLflow's paths only.
 */
export function handleError(
  error: unknown,
  c: Context<AppEnv>,
  logger: Logger,
  detail = speaksMlflow(c.req.path),
): Response {
  const answer = errorAnswer(error, c.env, c.req.path, logger, detail);
  if (!answer) return new Response(null, { status: 499 });
  return c.json(answer.body, answer.status as 400, answer.headers);
}

/** The same answer as `handleError`, for a request served without a Hono context. */
export function errorResponse(
  error: unknown,
  record: RequestRecord,
  logger: Logger,
): Response {
  const answer = errorAnswer(error, record, record.path, logger);
  if (!answer) return new Response(null, { status: 499 });
  return new Response(JSON.stringify(answer.body), {
    status: answer.status,
    headers: { ...answer.headers, "content-type": "application/json" },
  });
}

/**
 * The answer for a thrown value on a route that speaks `codec`'s client API: a GatewayError in
 * that API's envelope (with its headers and Retry-After), anything else as `errorResponse` does.
 */
export function codecErrorResponse(
  codec: Pick<IngressCodec, "encodeError"> | undefined,
  error: unknown,
  record: RequestRecord,
  logger: Logger,
): Response {
  if (
    codec === undefined || !(error instanceof GatewayError) || error instanceof ClientClosedError
  ) {
    return errorResponse(error, record, logger);
  }
  record.errorType = error.type;
  const { status, body } = codec.encodeError(error, logger.redactor);
  const headers: Record<string, string> = { ...error.headers, "content-type": "application/json" };
  if (error.retryAfter !== undefined) headers["retry-after"] = String(error.retryAfter);
  return new Response(JSON.stringify(body), { status, headers });
}
