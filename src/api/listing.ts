/**
 * MLflow's deployments-API shapes of configured endpoints and routes, shared by the HTTP routes
 * and `gateway endpoints --config-path`. `limit` is always present (null when unset) and
 * `endpoint_url` stays relative, as MLflow's clients expect.
 */
import type { LoadedEndpoint, LoadedRoute } from "../config/load.ts";
import type { EndpointInfo, LegacyRouteInfo, TrafficRouteInfo } from "../schemas/endpoints.ts";

/** An endpoint as `GET /api/2.0/endpoints/{name}` shows it. */
export function endpointInfo(spec: LoadedEndpoint): EndpointInfo {
  const limit = spec.limit;
  return {
    name: spec.name,
    endpoint_type: spec.type,
    model: { name: spec.model, provider: spec.providerLabel },
    endpoint_url: `/gateway/${spec.name}/invocations`,
    limit: limit
      ? {
        calls: limit.calls ?? null,
        ...(limit.tokens !== undefined ? { tokens: limit.tokens } : {}),
        key: limit.key ?? null,
        renewal_period: limit.renewal_period,
      }
      : null,
  };
}

/** An endpoint in MLflow 2.x's route shape. */
export function legacyRouteInfo(spec: LoadedEndpoint): LegacyRouteInfo {
  const { endpoint_type, endpoint_url, ...rest } = endpointInfo(spec);
  return { ...rest, route_type: endpoint_type, route_url: endpoint_url };
}

/** A route as `GET /api/3.0/gateway/route/{name}` shows it. */
export function trafficRouteInfo(route: LoadedRoute): TrafficRouteInfo {
  return {
    name: route.name,
    task_type: route.type,
    destinations: route.destinations.map((d) => ({ name: d.name, traffic_percentage: d.weight })),
    routing_strategy: route.strategy,
  };
}
