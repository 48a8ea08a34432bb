/** Reads the MLflow scoring server's error bodies (the stack trace is never passed on). */
import type { ProviderErrorInfo } from "../../core/provider.ts";
import { parseErrorBody } from "../shared/errors.ts";
import { WireError } from "./wire.ts";

/** `message` and `error_code` of an MLflow REST error; plain text as it is. */
export function parseServingError(status: number, body: string): ProviderErrorInfo {
  return parseErrorBody(status, body, (json) => {
    const parsed = WireError.safeParse(json);
    if (!parsed.success) return undefined;
    const { error_code, message, detail, error } = parsed.data;
    const code = error_code ?? null;
    if (message) return { message, code };
    if (typeof detail === "string") return { message: detail, code };
    if (typeof error === "string") return { message: error, code };
    return undefined;
  });
}
