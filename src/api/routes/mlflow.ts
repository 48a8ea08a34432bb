/**
 * MLflow AI Gateway routes: invocations (both paths), the deployments API listings with their
 * exact shapes (`limit` always present, relative `endpoint_url`), legacy and 3.0 paths.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../context.ts";
import type { RouteDef } from "../mount.ts";
import { codecInvocation } from "../invoke.ts";
import { mlflowCodec } from "../../ingress/openai/codec.ts";
import { GatewayError, InvalidRequestError, NotFoundError } from "../../core/errors.ts";
import type { EndpointRuntime, Snapshot } from "../../core/gateway.ts";
import {
  type EndpointList,
  endpointSchemas,
  type LegacyRouteList,
  type TrafficRouteList,
} from "../../schemas/endpoints.ts";
import { errorResponses } from "../../schemas/errors.ts";
import { endpointInfo, legacyRouteInfo, trafficRouteInfo } from "../listing.ts";
import { chatAnswerSchemas, ChatRequest } from "../../schemas/chat.ts";
import { lazySchema } from "../../schemas/lazy.ts";
import { completionsAnswerSchemas, CompletionsRequest } from "../../schemas/completions.ts";
import { embeddingsAnswerSchemas, EmbeddingsRequest } from "../../schemas/embeddings.ts";

/** MLflow's page size for endpoint listings. */
export const PAGE_SIZE = 3000;

/** MLflow's page token: base64 of Python's `json.dumps({"index": n})`. */
export function encodePageToken(index: number): string {
  return btoa(`{"index": ${index}}`);
}

/** The start index a page token names; a bad token is a 400 (MLflow answers 500). */
export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === "") return 0;
  try {
    const parsed = JSON.parse(atob(token)) as { index?: unknown };
    const index = Number(parsed.index);
    if (Number.isInteger(index) && index >= 0) return index;
  } catch {
    // fall through to the error below
  }
  throw new InvalidRequestError(`invalid page_token '${token.slice(0, 100)}'`, {
    param: "page_token",
  });
}

/** One page of `items` and the next page's token, null on the last page (MLflow sends null). */
function page<T>(
  items: readonly T[],
  token: string | undefined,
): { items: T[]; next: string | null } {
  const start = decodePageToken(token);
  const end = start + PAGE_SIZE;
  return { items: items.slice(start, end), next: end < items.length ? encodePageToken(end) : null };
}

function endpointOr404(snapshot: Snapshot, name: string): EndpointRuntime {
  const ep = snapshot.endpoints.get(name);
  if (!ep) {
    throw new NotFoundError(
      `The endpoint '${name}' is not present or active on the server. Please verify the endpoint name.`,
      {
        code: "endpoint_not_found",
      },
    );
  }
  return ep;
}

const NameParam = z.object({
  name: z.string().openapi({ param: { name: "name", in: "path" }, example: "chat" }),
});
const PageQuery = z.object({
  page_token: z.string().optional().openapi({ param: { name: "page_token", in: "query" } }),
});

/**
 * The invocation paths' bodies: the `/v1` requests without `model` (the path names the endpoint,
 * and MLflow refuses a `model` there), so /docs shows and its "Test Request" sends what the path
 * takes.
 */
const InvocationBody = z.union([
  ChatRequest.omit({ model: true }).openapi("InvocationChatRequest", {
    example: { messages: [{ role: "user", content: "Hello!" }] },
  }),
  CompletionsRequest.omit({ model: true }).openapi("InvocationCompletionsRequest", {
    example: { prompt: "Once upon a time" },
  }),
  EmbeddingsRequest.omit({ model: true }).openapi("InvocationEmbeddingsRequest", {
    example: { input: "Hello!" },
  }),
]);

const json = (schema: z.ZodType, description: string) => ({
  200: { description, content: { "application/json": { schema } } },
});

export function mlflowRoutes({ gateway }: AppDeps): RouteDef[] {
  const invocation = codecInvocation(gateway, mlflowCodec);
  const invoke: Pick<RouteDef, "handler" | "direct" | "codec"> = {
    handler: (c) => invocation(c.req.raw, c.env, c.req.param("name") ?? ""),
    direct: invocation,
    codec: mlflowCodec,
  };
  const invocationRoute = (path: string, summary: string) =>
    createRoute({
      method: "post",
      path,
      tags: ["MLflow"],
      summary,
      request: {
        params: NameParam,
        body: {
          required: true,
          description: "The chat, completions or embeddings request, matching the endpoint's type",
          content: {
            "application/json": {
              schema: InvocationBody,
              example: { messages: [{ role: "user", content: "Hello!" }] },
            },
          },
        },
      },
      responses: {
        200: {
          description:
            "The answer for the endpoint's type (server-sent events with `stream: true`)",
          content: {
            "application/json": {
              schema: lazySchema(() =>
                z.union([
                  chatAnswerSchemas().ChatResponse,
                  completionsAnswerSchemas().CompletionsResponse,
                  embeddingsAnswerSchemas().EmbeddingsResponse,
                ])
              ),
            },
          },
        },
        ...errorResponses(400, 404, 413, 429, 501, 502, 503, 504),
      },
    });
  const notAvailable = (what: string): RouteDef["handler"] => () => {
    throw new GatewayError(501, "not_implemented", `The ${what} API is not available yet.`);
  };
  const getEndpoint: RouteDef["handler"] = (c) =>
    c.json(endpointInfo(endpointOr404(gateway.snapshot, c.req.param("name") ?? "").spec));

  return [
    {
      route: invocationRoute(
        "/endpoints/{name}/invocations",
        "Query an endpoint or route (MLflow deployments client)",
      ),
      ...invoke,
    },
    {
      route: invocationRoute("/gateway/{name}/invocations", "Query an endpoint or route"),
      ...invoke,
    },
    {
      route: createRoute({
        method: "get",
        path: "/api/2.0/endpoints/",
        tags: ["MLflow"],
        summary: "List endpoints",
        request: { query: PageQuery },
        responses: json(
          z.lazy(() => endpointSchemas().EndpointList),
          "Endpoints in config order, 3000 a page",
        ),
      }),
      handler: (c) => {
        const { items, next } = page(
          [...gateway.snapshot.endpoints.values()],
          c.req.query("page_token"),
        );
        const body: EndpointList = {
          endpoints: items.map((ep) => endpointInfo(ep.spec)),
          next_page_token: next,
        };
        return c.json(body);
      },
    },
    {
      route: createRoute({
        method: "get",
        path: "/api/2.0/endpoints/{name}",
        tags: ["MLflow"],
        summary: "Get one endpoint",
        request: { params: NameParam },
        responses: {
          ...json(z.lazy(() => endpointSchemas().EndpointInfo), "The endpoint"),
          ...errorResponses(404),
        },
      }),
      aliases: ["/api/3.0/gateway/endpoint/{name}"],
      handler: getEndpoint,
    },
    {
      route: createRoute({
        method: "get",
        path: "/api/3.0/gateway/routes/",
        tags: ["MLflow"],
        summary: "List traffic routes (a gateway addition; MLflow has only the single-route path)",
        request: { query: PageQuery },
        responses: json(z.lazy(() => endpointSchemas().TrafficRouteList), "Routes in config order"),
      }),
      handler: (c) => {
        const { items, next } = page(
          [...gateway.snapshot.routes.values()],
          c.req.query("page_token"),
        );
        const body: TrafficRouteList = {
          routes: items.map(trafficRouteInfo),
          next_page_token: next,
        };
        return c.json(body);
      },
    },
    {
      route: createRoute({
        method: "get",
        path: "/api/3.0/gateway/route/{name}",
        tags: ["MLflow"],
        summary: "Get one traffic route",
        request: { params: NameParam },
        responses: {
          ...json(z.lazy(() => endpointSchemas().TrafficRouteInfo), "The route"),
          ...errorResponses(404),
        },
      }),
      handler: (c) => {
        const name = c.req.param("name") ?? "";
        const route = gateway.snapshot.routes.get(name);
        if (!route) {
          throw new NotFoundError(
            `The route '${name}' is not present or active on the server. Please verify the route name.`,
            {
              code: "route_not_found",
            },
          );
        }
        return c.json(trafficRouteInfo(route));
      },
    },
    {
      route: createRoute({
        method: "get",
        path: "/api/2.0/gateway/routes/",
        tags: ["MLflow"],
        summary: "List endpoints in the legacy (MLflow 2.x) route shape",
        request: { query: PageQuery },
        responses: json(
          z.lazy(() => endpointSchemas().LegacyRouteList),
          "Endpoints as legacy routes",
        ),
      }),
      hidden: true,
      handler: (c) => {
        const { items, next } = page(
          [...gateway.snapshot.endpoints.values()],
          c.req.query("page_token"),
        );
        const body: LegacyRouteList = {
          routes: items.map((ep) => legacyRouteInfo(ep.spec)),
          next_page_token: next,
        };
        return c.json(body);
      },
    },
    {
      route: createRoute({
        method: "get",
        path: "/api/2.0/gateway/routes/{name}",
        tags: ["MLflow"],
        summary: "Get one endpoint in the legacy route shape",
        request: { params: NameParam },
        responses: {
          ...json(
            z.lazy(() => endpointSchemas().LegacyRouteInfo),
            "The endpoint as a legacy route",
          ),
          ...errorResponses(404),
        },
      }),
      hidden: true,
      handler: (c) => {
        const name = c.req.param("name") ?? "";
        const ep = gateway.snapshot.endpoints.get(name);
        if (!ep) {
          throw new NotFoundError(
            `The route '${name}' is not present or active on the server. Please verify the route name.`,
          );
        }
        return c.json(legacyRouteInfo(ep.spec));
      },
    },
    {
      route: createRoute({
        method: "get",
        path: "/api/2.0/endpoints/limits/{name}",
        tags: ["MLflow"],
        summary: "Not available (as in MLflow); limits are set in the config",
        request: { params: NameParam },
        responses: errorResponses(501),
      }),
      aliases: ["/api/2.0/gateway/limits/{name}"],
      hidden: true,
      handler: notAvailable("get_limits"),
    },
    {
      route: createRoute({
        method: "post",
        path: "/api/2.0/endpoints/limits/",
        tags: ["MLflow"],
        summary: "Not available (as in MLflow); limits are set in the config",
        responses: errorResponses(501),
      }),
      aliases: ["/api/2.0/gateway/limits/"],
      hidden: true,
      handler: notAvailable("set_limits"),
    },
  ];
}
