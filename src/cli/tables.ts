/** The endpoint and route tables printed by `gateway start` and `gateway endpoints`. */
import type { EndpointInfo, TrafficRouteInfo } from "../schemas/endpoints.ts";
import { table } from "./output.ts";

function limitText(limit: EndpointInfo["limit"]): string {
  if (!limit) return "-";
  const per = limit.key === "client_ip" ? " per client" : "";
  const amounts = limit.tokens === undefined
    ? `${limit.calls ?? "-"}`
    : [...(limit.calls !== null ? [`${limit.calls} calls`] : []), `${limit.tokens} tokens`]
      .join(", ");
  return `${amounts}/${limit.renewal_period}${per}`;
}

/** Name, type, provider and model of each endpoint (and its limit, when asked). */
export function endpointsTable(
  endpoints: readonly EndpointInfo[],
  options: { limits: boolean },
): string {
  const header = ["ENDPOINT", "TYPE", "PROVIDER", "MODEL", ...(options.limits ? ["LIMIT"] : [])];
  return table(
    header,
    endpoints.map((e) => [
      e.name,
      e.endpoint_type,
      e.model.provider,
      e.model.name ?? "-",
      ...(options.limits ? [limitText(e.limit)] : []),
    ]),
  );
}

/** Each route with its strategy and destinations (and their weights). */
export function routesTable(routes: readonly TrafficRouteInfo[]): string {
  return table(
    ["ROUTE", "TYPE", "STRATEGY", "DESTINATIONS"],
    routes.map((r) => [
      r.name,
      r.task_type,
      r.routing_strategy,
      r.destinations
        .map((d) => (d.traffic_percentage === null ? d.name : `${d.name} ${d.traffic_percentage}%`))
        .join(", "),
    ]),
  );
}
