/** MLflow's deployments API shapes (endpoints, legacy routes, traffic routes) and OpenAI's model list. */
import { z } from "@hono/zod-openapi";

export const EndpointType = z.enum(["llm/v1/chat", "llm/v1/completions", "llm/v1/embeddings"]);
export type EndpointType = z.infer<typeof EndpointType>;

/** `limit` is always present (null when unset): MLflow's Python client requires the key. */
export const LimitInfo = z.object({
  calls: z.number().int().nullable(),
  /** A token budget per period (a gateway addition; only when set). */
  tokens: z.number().int().optional(),
  key: z.string().nullable(),
  renewal_period: z.string(),
}).nullable();

export const EndpointInfo = z.object({
  name: z.string(),
  endpoint_type: EndpointType,
  model: z.object({ name: z.string().nullable(), provider: z.string() }),
  endpoint_url: z.string().openapi({ example: "/gateway/chat/invocations" }),
  limit: LimitInfo,
}).openapi("Endpoint");
export type EndpointInfo = z.infer<typeof EndpointInfo>;

export const EndpointList = z.object({
  endpoints: z.array(EndpointInfo),
  next_page_token: z.string().nullable().openapi({
    description: "The next page's token; null on the last page (as MLflow sends it)",
  }),
}).openapi("EndpointList");

export const LegacyRouteInfo = z.object({
  name: z.string(),
  route_type: EndpointType,
  model: z.object({ name: z.string().nullable(), provider: z.string() }),
  route_url: z.string(),
  limit: LimitInfo,
}).openapi("LegacyRoute");
export type LegacyRouteInfo = z.infer<typeof LegacyRouteInfo>;

export const LegacyRouteList = z.object({
  routes: z.array(LegacyRouteInfo),
  next_page_token: z.string().nullable().openapi({
    description: "The next page's token; null on the last page (as MLflow sends it)",
  }),
});

export const TrafficRouteInfo = z.object({
  name: z.string(),
  task_type: EndpointType,
  destinations: z.array(z.object({
    name: z.string(),
    traffic_percentage: z.number().int().nullable(),
  })),
  routing_strategy: z.string(),
}).openapi("TrafficRoute");
export type TrafficRouteInfo = z.infer<typeof TrafficRouteInfo>;

export const TrafficRouteList = z.object({
  routes: z.array(TrafficRouteInfo),
  next_page_token: z.string().nullable().openapi({
    description: "The next page's token; null on the last page (as MLflow sends it)",
  }),
}).openapi("TrafficRouteList");

/** An endpoint or route as an OpenAI model (`owned_by`: its provider, or "route"). */
export const Model = z.object({
  id: z.string(),
  object: z.literal("model"),
  created: z.number().int(),
  owned_by: z.string(),
  endpoint_type: EndpointType,
}).openapi("Model");
export type Model = z.infer<typeof Model>;

export const ModelList = z.object({
  object: z.literal("list"),
  data: z.array(Model),
}).openapi("ModelList");
export type ModelList = z.infer<typeof ModelList>;
