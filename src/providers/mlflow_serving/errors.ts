/** Reads the MLflow scoring server's error bodies (the stack trace is never passed on). */
import type { ProviderErrorInfo } from "../../core/provider.ts";
import { WireError } from "./wire.ts";

/** `message` and `error_code` of an MLflow REST error; plain text as it is. */
export function parseServingError(status: number, body: string): ProviderErrorInfo {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    const text = body.trim().slice(0, 500);
    return { message: text === "" ? `HTTP ${status} with an empty body` : text };
  }
  const parsed = WireError.safeParse(json);
  if (parsed.success) {
    const { error_code, message, detail, error } = parsed.data;
    const code = error_code ?? null;
    if (message) return { message, code };
    if (typeof detail === "string") return { message: detail, code };
    if (typeof error === "string") return { message: error, code };
  }
  return { message: JSON.stringify(json).slice(0, 500) };
}
