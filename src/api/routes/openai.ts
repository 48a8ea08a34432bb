/** The OpenAI-compatible routes: `model` names a gateway endpoint or route. */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../context.ts";
import type { RouteDef } from "../mount.ts";
import type { Operation } from "../../core/provider.ts";
import { codecInvocation } from "../invoke.ts";
import { openAICodec } from "../../ingress/openai/codec.ts";
import { chatAnswerSchemas, ChatRequest } from "../../schemas/chat.ts";
import { completionsAnswerSchemas, CompletionsRequest } from "../../schemas/completions.ts";
import { embeddingsAnswerSchemas, EmbeddingsRequest } from "../../schemas/embeddings.ts";
import { endpointSchemas, type Model, type ModelList } from "../../schemas/endpoints.ts";
import type { EndpointRuntime, Snapshot } from "../../core/gateway.ts";
import type { LoadedRoute } from "../../config/load.ts";
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

/** When the config was loaded, as the models' `created`. */
function createdOf(snapshot: Snapshot): number {
  return Math.floor(snapshot.loadedAt.getTime() / 1000);
}

/** An endpoint as an OpenAI model, owned by its provider. */
function endpointModel(ep: EndpointRuntime, created: number): Model {
  return {
    id: ep.spec.name,
    object: "model",
    created,
    owned_by: ep.spec.providerLabel,
    endpoint_type: ep.spec.type,
  };
}

/** A route as an OpenAI model, owned by "route". */
function routeModel(route: LoadedRoute, created: number): Model {
  return { id: route.name, object: "model", created, owned_by: "route", endpoint_type: route.type };
}

/** Every endpoint and route as an OpenAI model, in config order (endpoints first). */
function modelsOf(snapshot: Snapshot): Model[] {
  const created = createdOf(snapshot);
  return [
    ...[...snapshot.endpoints.values()].map((ep) => endpointModel(ep, created)),
    ...[...snapshot.routes.values()].map((route) => routeModel(route, created)),
  ];
}

/** One endpoint or route as an OpenAI model, looked up by name; a 404 for an unknown one. */
function modelNamed(snapshot: Snapshot, name: string): Model {
  const ep = snapshot.endpoints.get(name);
  if (ep !== undefined) return endpointModel(ep, createdOf(snapshot));
  const route = snapshot.routes.get(name);
  if (route !== undefined) return routeModel(route, createdOf(snapshot));
  throw snapshot.notFound(name);
}

const ModelParam = z.object({
  model: z.string().openapi({ param: { name: "model", in: "path" }, example: "chat" }),
});

/** The /v1 routes. */
export function openAIRoutes({ gateway, version: _version }: AppDeps): RouteDef[] {
  const serve = (op: Operation): Pick<RouteDef, "handler" | "direct" | "codec"> => {
    const codec = openAICodec(op);
    const invocation = codecInvocation(gateway, codec);
    return { handler: (c) => invocation(c.req.raw, c.env), direct: invocation, codec };
  };
  return [
    {
      route: operationRoute(
        "chat",
        "/v1/chat/completions",
        ChatRequest,
        z.lazy(() => chatAnswerSchemas().ChatResponse),
        z.lazy(() => chatAnswerSchemas().ChatChunk),
        "Chat completion",
      ),
      // MLflow 3's gateway serves the same API under these paths.
      aliases: ["/gateway/openai/v1/chat/completions", "/gateway/mlflow/v1/chat/completions"],
      ...serve("chat"),
    },
    {
      route: operationRoute(
        "completions",
        "/v1/completions",
        CompletionsRequest,
        z.lazy(() => completionsAnswerSchemas().CompletionsResponse),
        z.lazy(() => completionsAnswerSchemas().CompletionsChunk),
        "Text completion",
      ),
      aliases: ["/gateway/openai/v1/completions"],
      ...serve("completions"),
    },
    {
      route: operationRoute(
        "embeddings",
        "/v1/embeddings",
        EmbeddingsRequest,
        z.lazy(() => embeddingsAnswerSchemas().EmbeddingsResponse),
        undefined,
        "Embeddings",
      ),
      aliases: ["/gateway/openai/v1/embeddings"],
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
            content: { "application/json": { schema: z.lazy(() => endpointSchemas().ModelList) } },
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
            content: { "application/json": { schema: z.lazy(() => endpointSchemas().Model) } },
          },
          ...errorResponses(404),
        },
      }),
      handler: (c) => c.json(modelNamed(gateway.snapshot, c.req.param("model") ?? "")),
    },
  ];
}
