/** The one error handler: any failure becomes OpenAI's envelope with the right status. */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { GatewayError } from "../core/errors.ts";
import { ClientClosedError } from "../core/http.ts";
import { errorEnvelope } from "../ingress/openai/errors.ts";
import type { Logger } from "../observe/logs.ts";
import type { AppEnv } from "./context.ts";
import type { RequestRecord } from "../core/request_record.ts";
import type { IngressCodec } from "../ingress/codec.ts";

/** The status, envelope and headers of the answer for a thrown value; undefined: say nothing. */
function errorAnswer(
  error: unknown,
  record: RequestRecord,
  path: string,
  logger: Logger,
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
  return {
    status: gatewayError.status,
    body: errorEnvelope(gatewayError, logger.redactor),
    headers,
  };
}

/** Turns a thrown value into the response the client sees (headers set on `c` are kept). */
export function handleError(error: unknown, c: Context<AppEnv>, logger: Logger): Response {
  const answer = errorAnswer(error, c.env, c.req.path, logger);
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
