/** Reads OpenAI-style error bodies (`{"error": {"message": ...}}` and common variants). */
import type { ProviderErrorInfo } from "../../core/provider.ts";
import { WireError } from "./wire.ts";

/** The human message of an OpenAI-style error body. */
export function errorMessageOf(json: unknown): string {
  const parsed = WireError.safeParse(json);
  if (!parsed.success) return JSON.stringify(json).slice(0, 500);
  const { error, message, detail } = parsed.data;
  if (typeof error === "string") return error;
  if (error?.message) return error.message;
  if (message) return message;
  if (typeof detail === "string") return detail;
  return JSON.stringify(json).slice(0, 500);
}

/** Reads an error response of an OpenAI-compatible server. */
export function parseOpenAIError(status: number, body: string): ProviderErrorInfo {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    const text = body.trim().slice(0, 500);
    return { message: text === "" ? `HTTP ${status} with an empty body` : text };
  }
  const parsed = WireError.safeParse(json);
  const error = parsed.success && typeof parsed.data.error === "object"
    ? parsed.data.error
    : undefined;
  return {
    message: errorMessageOf(json),
    code: error?.code === undefined || error.code === null ? null : String(error.code),
    param: error?.param ?? null,
  };
}
