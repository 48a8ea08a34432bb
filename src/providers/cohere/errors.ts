/** Reads Cohere error bodies: `{"message": ...}`, usually with an `id`. */
import type { ProviderErrorInfo } from "../../core/provider.ts";
import { WireError } from "./wire.ts";

/** The message of a Cohere error response (never the request's credentials). */
export function parseCohereError(status: number, body: string): ProviderErrorInfo {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    const text = body.trim().slice(0, 500);
    return { message: text === "" ? `HTTP ${status} with an empty body` : text };
  }
  const parsed = WireError.safeParse(json);
  if (parsed.success) {
    const { message, error } = parsed.data;
    if (message) return { message };
    if (typeof error === "string" && error !== "") return { message: error };
  }
  return { message: JSON.stringify(json).slice(0, 500) };
}
