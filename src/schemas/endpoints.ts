/** MLflow's deployments API shapes (endpoints, legacy routes, traffic routes) and OpenAI's model list. */
import { z } from "@hono/zod-openapi";
import { builtOnFirstUse } from "./lazy.ts";

/**
 * The listings' documented shapes: only /openapi.json reads them (listings are built by the code,
 * not parsed), so they are built when it is first asked for (lazy.ts).
 */
function endpointSchemasBuild() {
  const EndpointType = z.enum(["llm/v1/chat", "llm/v1/completions", "llm/v1/embeddings"]);

  /** `limit` is always present (null when unset): MLflow's Python client requires the key. */
  const LimitInfo = z.object({
    calls: z.number().int().nullable(),
    /** A token budget per period (a gateway addition; only when set). */
    tokens: z.number().int().optional(),
    key: z.string().nullable(),
    renewal_period: z.string(),
  }).nullable();

  const EndpointInfo = z.object({
    name: z.string(),
    endpoint_type: EndpointType,
    model: z.object({ name: z.string().nullable(), provider: z.string() }),
    endpoint_url: z.string().openapi({ example: "/gateway/chat/invocations" }),
    limit: LimitInfo,
  }).openapi("Endpoint");

  const EndpointList = z.object({
    endpoints: z.array(EndpointInfo),
    next_page_token: z.string().nullable().openapi({
      description: "The next page's token; null on the last page (as MLflow sends it)",
    }),
  }).openapi("EndpointList");

  const LegacyRouteInfo = z.object({
    name: z.string(),
    route_type: EndpointType,
    model: z.object({ name: z.string().nullable(), provider: z.string() }),
    route_url: z.string(),
    limit: LimitInfo,
  }).openapi("LegacyRoute");

  const LegacyRouteList = z.object({
    routes: z.array(LegacyRouteInfo),
    next_page_token: z.string().nullable().openapi({
      description: "The next page's token; null on the last page (as MLflow sends it)",
    }),
  });

  const TrafficRouteInfo = z.object({
    name: z.string(),
    task_type: EndpointType,
    destinations: z.array(z.object({
      name: z.string(),
      traffic_percentage: z.number().int().nullable(),
    })),
    routing_strategy: z.string(),
  }).openapi("TrafficRoute");

  const TrafficRouteList = z.object({
    routes: z.array(TrafficRouteInfo),
    next_page_token: z.string().nullable().openapi({
      description: "The next page's token; null on the last page (as MLflow sends it)",
    }),
  }).openapi("TrafficRouteList");

  /** An endpoint or route as an OpenAI model (`owned_by`: its provider, or "route"). */
  const Model = z.object({
    id: z.string(),
    object: z.literal("model"),
    created: z.number().int(),
    owned_by: z.string(),
    endpoint_type: EndpointType,
  }).openapi("Model");

  const ModelList = z.object({
    object: z.literal("list"),
    data: z.array(Model),
  }).openapi("ModelList");

  return {
    EndpointType,
    EndpointInfo,
    EndpointList,
    LegacyRouteInfo,
    LegacyRouteList,
    TrafficRouteInfo,
    TrafficRouteList,
    Model,
    ModelList,
  };
}

/** The schemas, built the first time they are asked for. */
export const endpointSchemas = builtOnFirstUse(endpointSchemasBuild);

type EndpointSchemas = ReturnType<typeof endpointSchemasBuild>;
export type EndpointType = z.infer<EndpointSchemas["EndpointType"]>;
export type EndpointInfo = z.infer<EndpointSchemas["EndpointInfo"]>;
export type EndpointList = z.infer<EndpointSchemas["EndpointList"]>;
export type LegacyRouteInfo = z.infer<EndpointSchemas["LegacyRouteInfo"]>;
export type LegacyRouteList = z.infer<EndpointSchemas["LegacyRouteList"]>;
export type TrafficRouteInfo = z.infer<EndpointSchemas["TrafficRouteInfo"]>;
export type TrafficRouteList = z.infer<EndpointSchemas["TrafficRouteList"]>;
export type Model = z.infer<EndpointSchemas["Model"]>;
export type ModelList = z.infer<EndpointSchemas["ModelList"]>;
