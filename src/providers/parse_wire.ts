/** Reads an upstream body with a provider's lenient wire schema; a mismatch is a 502. */
import type { z } from "zod";
import { ProviderError } from "../core/errors.ts";

/** Parses `json` with `schema`, or throws a 502 naming the provider and the first bad field. */
export function parseWire<S extends z.ZodType>(
  schema: S,
  json: unknown,
  provider: string,
): z.output<S> {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at '${issue.path.join(".")}'` : "";
  throw new ProviderError(
    502,
    "upstream_error",
    `${provider} returned a response the gateway could not read${where}: ${
      issue?.message ?? "invalid body"
    }`,
    { retryable: false },
  );
}
