/**
 * OpenAI's error envelope `{"error": {message, type, param, code}}`, secrets removed, and
 * MLflow's `detail` beside it where MLflow's clients read errors.
 */
import type { GatewayError } from "../../core/errors.ts";
import type { Redactor } from "../../observe/redact.ts";

/**
 * The envelope for an error, with secrets removed from every field (an upstream may put the key
 * in `param` or `code` as well as in `message`).
 */
export function errorEnvelope(
  error: GatewayError,
  redactor: Redactor,
): ReturnType<GatewayError["toJSON"]> {
  return redactor.redactDeep(error.toJSON());
}

/**
 * The envelope with MLflow's `{"detail": message}` added, for MLflow's routes and unknown paths:
 * code written against MLflow's gateway reads `detail`, OpenAI's SDKs read `error`.
 */
export function withDetail(
  envelope: ReturnType<GatewayError["toJSON"]>,
): ReturnType<GatewayError["toJSON"]> & { detail: string } {
  return { ...envelope, detail: envelope.error.message };
}
