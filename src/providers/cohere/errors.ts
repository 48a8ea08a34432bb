/** Reads Cohere error bodies: `{"message": ...}`, usually with an `id`. */
import type { ProviderErrorInfo } from "../../core/provider.ts";
import { parseErrorBody } from "../shared/errors.ts";
import { WireError } from "./wire.ts";

/** The message of a Cohere error response (never the request's credentials). */
export function parseCohereError(status: number, body: string): ProviderErrorInfo {
  return parseErrorBody(status, body, (json) => {
    const parsed = WireError.safeParse(json);
    if (!parsed.success) return undefined;
    const { message, error } = parsed.data;
    if (message) return { message };
    if (typeof error === "string" && error !== "") return { message: error };
    return undefined;
  });
}
