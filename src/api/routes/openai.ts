/** The OpenAI-compatible routes: `model` names a gateway endpoint or route. */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../context.ts";
import type { RouteDef } from "../mount.ts";
import type { Operation } from "../../core/provider.ts";
import { openAIInvocation } from "../invoke.ts";
import { ChatChunk, ChatRequest, ChatResponse } from "../../schemas/chat.ts";
import {
  CompletionsChunk,
  CompletionsRequest,
  CompletionsResponse,
} from "../../schemas/completions.ts";
import { EmbeddingsRequest, EmbeddingsResponse } from "../../schemas/embeddings.ts";
import { Model, ModelList } from "../../schemas/endpoints.ts";
import type { Snapshot } from "../../core/gateway.ts";
import { errorResponses } from "../../schemas/errors.ts";

const ERRORS = errorResponses(400, 404, 413, 429, 501, 502, 503, 504);

function jsonAndStream(response: z.ZodType, chunk: z.ZodType | undefined, description: string) {
  const content: Record<string, { schema: z.ZodType }> = {
    "application/json": { schema: response },
  };
  if (chunk) content["text/event-stream"] = { schema: chunk };
  return { 200: { description, content }, ...ERRORS };
}

function operationRoute(
  op: Operation,
  path: string,
  request: z.ZodType,
  response: z.ZodType,
  chunk: z.ZodType | undefined,
  summary: string,
) {
  return createRoute({
    method: "post",
    path,
    tags: ["OpenAI-compatible"],
    summary,
    operationId: `openai_${op}`,
    request: { body: { required: true, content: { "application/json": { schema: request } } } },
    responses: jsonAndStream(
      response,
      chunk,
      chunk
        ? "The answer, or with `stream: true` server-sent events ending in `data: [DONE]`"
        : "The embeddings",
    ),
  });
}

/** Every endpoint and route as an OpenAI model, in config order (endpoints first). */
function modelsOf(snapshot: Snapshot): Model[] {
  const created = Math.floor(snapshot.loadedAt.getTime() / 1000);
  return [
    ...[...snapshot.endpoints.values()].map((ep) => ({
      id: ep.spec.name,
      object: "model" as const,
      created,
      owned_by: ep.spec.providerLabel,
      endpoint_type: ep.spec.type,
    })),
    ...[...snapshot.routes.values()].map((route) => ({
      id: route.name,
      object: "model" as const,
      created,
      owned_by: "route",
      endpoint_type: route.type,
    })),
  ];
}

const ModelParam = z.object({
  model: z.string().openapi({ param: { name: "model", in: "path" }, example: "chat" }),
});

/** The /v1 routes. */
export function openAIRoutes({ gateway, version: _version }: AppDeps): RouteDef[] {
  const serve = (op: Operation): Pick<RouteDef, "handler" | "direct"> => {
    const invocation = openAIInvocation(gateway, op);
    return {
      handler: (c) => invocation(c.req.raw, c.env),
      direct: openAIInvocation(gateway, op, true),
    };
  };
  return [
    {
      route: operationRoute(
        "chat",
        "/v1/chat/completions",
        ChatRequest,
        ChatResponse,
        ChatChunk,
        "Chat completion",
      ),
      ...serve("chat"),
    },
    {
      route: operationRoute(
        "completions",
        "/v1/completions",
        CompletionsRequest,
        CompletionsResponse,
        CompletionsChunk,
        "Text completion",
      ),
      ...serve("completions"),
    },
    {
      route: operationRoute(
        "embeddings",
        "/v1/embeddings",
        EmbeddingsRequest,
        EmbeddingsResponse,
        undefined,
        "Embeddings",
      ),
      ...serve("embeddings"),
    },
    {
      route: createRoute({
        method: "get",
        path: "/v1/models",
        tags: ["OpenAI-compatible"],
        summary: "List endpoints and routes as models",
        responses: {
          200: {
            description: "Endpoint and route names",
            content: { "application/json": { schema: ModelList } },
          },
        },
      }),
      handler: (c) =>
        c.json({ object: "list", data: modelsOf(gateway.snapshot) } satisfies ModelList),
    },
    {
      route: createRoute({
        method: "get",
        path: "/v1/models/{model}",
        tags: ["OpenAI-compatible"],
        summary: "One endpoint or route as a model",
        request: { params: ModelParam },
        responses: {
          200: {
            description: "The endpoint or route",
            content: { "application/json": { schema: Model } },
          },
          ...errorResponses(404),
        },
      }),
      handler: (c) => {
        const name = c.req.param("model") ?? "";
        const snapshot = gateway.snapshot;
        const model = modelsOf(snapshot).find((m) => m.id === name);
        if (model === undefined) throw snapshot.notFound(name);
        return c.json(model satisfies Model);
      },
    },
  ];
}
