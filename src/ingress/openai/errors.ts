/** OpenAI's error envelope `{"error": {message, type, param, code}}`, secrets removed. */
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
