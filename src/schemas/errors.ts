/** The OpenAI error envelope, used by every route. */
import { z } from "@hono/zod-openapi";

export const ErrorBody = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string().nullable(),
  }),
}).openapi("Error");

/** OpenAPI response entries for the errors a route may answer. */
export function errorResponses(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: "Invalid request (the message names the field)",
    401: "No client key, or an unknown one (when server.auth is on)",
    403: "The client key may not use this (an endpoint not among its own, or an admin API)",
    404: "Unknown endpoint or route",
    413: "Request body too large",
    429: "Rate limited (Retry-After says when to retry)",
    501: "The endpoint's provider does not support this",
    502: "The upstream provider failed or rejected the gateway's credentials",
    503: "The endpoint is unavailable (circuit open)",
    504: "The upstream provider timed out",
  };
  return Object.fromEntries(statuses.map((status) => [status, {
    description: descriptions[status] ?? "Error",
    content: { "application/json": { schema: ErrorBody } },
  }]));
}
