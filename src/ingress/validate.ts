/** Checks a parsed body against a request schema; zod issues become one readable 400. */
import type { z } from "@hono/zod-openapi";
import { InvalidRequestError } from "../core/errors.ts";
import { formatPath } from "../config/problems.ts";

function describeIssue(issue: z.core.$ZodIssue, body: unknown): string {
  let value: unknown = body;
  for (const segment of issue.path) {
    value = value !== null && typeof value === "object"
      ? (value as Record<PropertyKey, unknown>)[segment as string]
      : undefined;
  }
  if (value === undefined && issue.code !== "unrecognized_keys") return "is required";
  if (issue.code === "invalid_value") {
    return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  if (issue.code === "invalid_union") return "has an invalid value";
  return issue.message.replace(/^Invalid input: /, "").replace(/^Too (small|big): /, "");
}

/**
 * The validated request, or a 400 naming the first bad fields (`param` is the first one).
 * `quick`, when given, vouches for common bodies the schema would return unchanged (see
 * schemas/quick_check.ts), so they skip the slower schema walk.
 */
export function validateBody<S extends z.ZodType>(
  schema: S,
  body: unknown,
  quick?: (body: unknown) => boolean,
): z.output<S> {
  if (quick?.(body)) return body as z.output<S>;
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const described = issues.slice(0, 5).map((issue) => {
    const path = formatPath(issue.path);
    return `${path === "" ? "body" : `'${path}'`} ${describeIssue(issue, body)}`;
  });
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : "";
  const first = issues[0];
  throw new InvalidRequestError(`Invalid request: ${described.join("; ")}${more}`, {
    param: first && first.path.length > 0 ? formatPath(first.path) : null,
    code: "invalid_request",
  });
}

/**
 * A copy of a request without its null fields, since SDKs send null for an unset parameter.
 * Fields named in `opaque` are the client's own data (a tool's input schema, a tool call's
 * input) and keep their nulls.
 */
export function withoutNulls(value: unknown, opaque: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((item) => withoutNulls(item, opaque));
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === null) continue;
    out[key] = opaque.has(key) ? item : withoutNulls(item, opaque);
  }
  return out;
}
