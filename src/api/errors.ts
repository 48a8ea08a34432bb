/** The one error handler: any failure becomes OpenAI's envelope with the right status. */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { GatewayError } from "../core/errors.ts";
import { ClientClosedError } from "../core/http.ts";
import type { Redactor } from "../observe/redact.ts";
import type { Logger } from "../observe/logs.ts";
import type { AppEnv } from "./context.ts";

/** The envelope for an error, with secrets removed from its message. */
export function errorBody(
  error: GatewayError,
  redactor: Redactor,
): ReturnType<GatewayError["toJSON"]> {
  const body = error.toJSON();
  body.error.message = redactor.redact(body.error.message);
  return body;
}

/** Turns a thrown value into the response the client sees. */
export function handleError(error: unknown, c: Context<AppEnv>, logger: Logger): Response {
  if (error instanceof ClientClosedError) return new Response(null, { status: 499 });
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
      request_id: c.env.requestId,
      path: c.req.path,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    gatewayError = new GatewayError(
      500,
      "server_error",
      `internal error (request id ${c.env.requestId})`,
    );
  }
  const headers: Record<string, string> = { ...gatewayError.headers };
  if (gatewayError.retryAfter !== undefined) {
    headers["retry-after"] = String(gatewayError.retryAfter);
  }
  return c.json(errorBody(gatewayError, logger.redactor), gatewayError.status as 400, headers);
}
