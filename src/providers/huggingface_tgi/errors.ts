/** Reads TGI error bodies: `{"error": "...", "error_type": "..."}`, or axum's plain-text 422s. */
import type { ProviderErrorInfo } from "../../core/provider.ts";
import { parseErrorBody } from "../shared/errors.ts";
import { WireError } from "./wire.ts";

/** The message of a TGI error response; `error_type` becomes the code. */
export function parseTgiError(status: number, body: string): ProviderErrorInfo {
  return parseErrorBody(status, body, (json) => {
    const parsed = WireError.safeParse(json);
    if (!parsed.success) return undefined;
    const { error, error_type, message } = parsed.data;
    const code = error_type ?? null;
    if (typeof error === "string" && error !== "") return { message: error, code };
    const nested = (error as { message?: unknown } | null | undefined)?.message;
    if (typeof nested === "string") return { message: nested, code };
    if (message) return { message, code };
    return undefined;
  });
}
