/** Reading an upstream error body: JSON the provider understands, else an excerpt of its text. */
import type { ProviderErrorInfo } from "../../core/provider.ts";

/** The most characters of a raw error body a message may carry. */
export const MAX_EXCERPT = 500;

/**
 * An error body as the provider reads it: `read` gets the parsed JSON (undefined when it is not
 * the provider's error shape); otherwise the body's text passed through `redact`, then cut short
 * (in that order, so a cut never leaves part of a key that `redact` would have found whole).
 */
export function parseErrorBody(
  status: number,
  body: string,
  read: (json: unknown) => ProviderErrorInfo | undefined,
  redact: (text: string) => string = (text) => text,
): ProviderErrorInfo {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    const text = redact(body.trim()).slice(0, MAX_EXCERPT);
    return { message: text === "" ? `HTTP ${status} with an empty body` : text };
  }
  return read(json) ?? { message: redact(JSON.stringify(json)).slice(0, MAX_EXCERPT) };
}
