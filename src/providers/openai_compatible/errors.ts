/**
 * Reads the error bodies of OpenAI-compatible servers: OpenAI's `{"error": {...}}`, a bare
 * `{"error": "..."}` (Ollama, xAI), Mistral's and vLLM's top-level `{"object": "error",
 * "message", ...}`, `{"message": ...}` and FastAPI's `{"detail": ...}` (a string or a list of
 * validation errors).
 */
import type { ProviderErrorInfo } from "../../core/provider.ts";
import { WireError } from "./wire.ts";

const MAX_MESSAGE = 500;

function truncate(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}...` : text;
}

/** One FastAPI validation error `{loc: [...], msg}` as `loc.path: msg`. */
function validationIssue(item: unknown): string | undefined {
  if (item === null || typeof item !== "object") return undefined;
  const { loc, msg } = item as { loc?: unknown; msg?: unknown };
  if (typeof msg !== "string") return undefined;
  const path = Array.isArray(loc)
    ? loc.filter((part) => part !== "body").map(String).join(".")
    : "";
  return path === "" ? msg : `${path}: ${msg}`;
}

/** The text of a `detail` field: a string, `{message}`, or a list of validation errors. */
export function detailMessage(detail: unknown): string | undefined {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    const issues = detail.map(validationIssue).filter((m): m is string => m !== undefined);
    return issues.length > 0 ? issues.join("; ") : undefined;
  }
  if (detail !== null && typeof detail === "object" && "message" in detail) {
    const message = (detail as { message: unknown }).message;
    return typeof message === "string" ? message : undefined;
  }
  return undefined;
}

/** The human message of an OpenAI-style error body. */
export function errorMessageOf(json: unknown): string {
  const parsed = WireError.safeParse(json);
  if (!parsed.success) return truncate(JSON.stringify(json));
  const { error, message, detail } = parsed.data;
  if (typeof error === "string") return truncate(error);
  if (error?.message) return truncate(error.message);
  const fromDetail = detailMessage(detail);
  // Mistral's 422 is `{"message": "Invalid request", "detail": [...]}`: the detail says more.
  if (message && fromDetail) return truncate(`${message}: ${fromDetail}`);
  if (message) return truncate(message);
  if (fromDetail) return truncate(fromDetail);
  return truncate(JSON.stringify(json));
}

function asCode(value: string | number | null | undefined): string | null {
  return value === undefined || value === null ? null : String(value);
}

/** Reads an error response of an OpenAI-compatible server. */
export function parseOpenAIError(status: number, body: string): ProviderErrorInfo {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    const text = body.trim();
    return { message: text === "" ? `HTTP ${status} with an empty body` : truncate(text) };
  }
  const parsed = WireError.safeParse(json);
  if (!parsed.success) return { message: errorMessageOf(json) };
  const { error, code, param } = parsed.data;
  const nested = typeof error === "object" ? error : undefined;
  return {
    message: errorMessageOf(json),
    code: asCode(nested?.code ?? code),
    param: nested?.param ?? param ?? null,
  };
}
