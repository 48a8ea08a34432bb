/**
 * OpenAI's Responses API: `POST /v1/responses` served by any chat endpoint or route that `model`
 * names (also under MLflow 3's `/gateway/openai/v1/responses`), and the stored responses:
 * `GET` and `DELETE /v1/responses/{id}`, each client key seeing its own only.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../context.ts";
import type { RouteDef } from "../mount.ts";
import { codecInvocation } from "../invoke.ts";
import { responsesCodec } from "../../ingress/responses/codec.ts";
import {
  DatabaseResponses,
  type ResponseKeeper,
  ResponseStore,
  SharedResponses,
} from "../../ingress/responses/store.ts";
import { SqliteUsageStore } from "../../store/usage_store.ts";
import { PostgresUsageStore } from "../../store/postgres_store.ts";
import { responsesWire } from "../../ingress/responses/wire.ts";
import { NotFoundError } from "../../core/errors.ts";
import { errorResponses } from "../../schemas/errors.ts";

const ResponseObject = z.object({
  id: z.string(),
  object: z.literal("response"),
  status: z.string(),
  output: z.array(z.record(z.string(), z.unknown())),
  usage: z.record(z.string(), z.unknown()).nullable(),
}).loose().openapi("Response");

function notFound(id: string): NotFoundError {
  return new NotFoundError(`Response with id '${id.slice(0, 100)}' not found.`, {
    param: "response_id",
    code: "response_not_found",
  });
}

export function responsesRoutes({ gateway }: AppDeps): RouteDef[] {
  // In the usage store's SQLite file when there is one (it outlives a restart and workers share
  // it), in its PostgreSQL database (every instance shares it); in this process otherwise.
  const store: ResponseKeeper = gateway.store instanceof SqliteUsageStore
    ? new DatabaseResponses(gateway.store)
    : gateway.store instanceof PostgresUsageStore
    ? new SharedResponses(
      gateway.store,
      (error) =>
        gateway.logger.error("a stored response could not be written to PostgreSQL", {
          error: (error as Error).message,
        }),
    )
    : new ResponseStore();
  const codec = responsesCodec(store);
  const create = codecInvocation(gateway, codec);
  const byId = { params: z.object({ response_id: z.string() }) };
  return [
    {
      route: createRoute({
        method: "post",
        path: "/v1/responses",
        tags: ["OpenAI-compatible"],
        summary: "Create a response (OpenAI's Responses API; `model` names an endpoint or route)",
        operationId: "openai_responses",
        request: {
          body: {
            required: true,
            content: {
              "application/json": { schema: z.lazy(() => responsesWire().ResponsesRequest) },
            },
          },
        },
        responses: {
          200: {
            description:
              "The response, or with `stream: true` its server-sent events (response.created ... response.completed)",
            content: { "application/json": { schema: ResponseObject } },
          },
          ...errorResponses(400, 401, 403, 404, 413, 429, 502, 503, 504),
        },
      }),
      aliases: ["/gateway/openai/v1/responses"],
      handler: (c) => create(c.req.raw, c.env),
      direct: create,
      codec,
    },
    {
      route: createRoute({
        method: "get",
        path: "/v1/responses/{response_id}",
        tags: ["OpenAI-compatible"],
        summary: "A stored response (made with the same client key)",
        request: byId,
        responses: {
          200: {
            description: "The response",
            content: { "application/json": { schema: ResponseObject } },
          },
          ...errorResponses(401, 404),
        },
      }),
      handler: async (c) => {
        const id = c.req.param("response_id") ?? "";
        const stored = await store.get(id, c.env.client);
        if (stored === undefined) throw notFound(id);
        return c.json(stored.response);
      },
      codec,
    },
    {
      route: createRoute({
        method: "delete",
        path: "/v1/responses/{response_id}",
        tags: ["OpenAI-compatible"],
        summary: "Delete a stored response",
        request: byId,
        responses: {
          200: {
            description: "Deleted",
            content: {
              "application/json": {
                schema: z.object({
                  id: z.string(),
                  object: z.literal("response"),
                  deleted: z.literal(true),
                }),
              },
            },
          },
          ...errorResponses(401, 404),
        },
      }),
      handler: async (c) => {
        const id = c.req.param("response_id") ?? "";
        if (!(await store.delete(id, c.env.client))) throw notFound(id);
        return c.json({ id, object: "response" as const, deleted: true as const });
      },
      codec,
    },
  ];
}
